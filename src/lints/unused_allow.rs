//! # unused-allow
//!
//! (to be written with the lint)
