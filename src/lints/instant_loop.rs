//! # instant-loop
//!
//! (to be written with the lint)
