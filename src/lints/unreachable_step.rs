//! # unreachable-step
//!
//! (to be written with the lint)
