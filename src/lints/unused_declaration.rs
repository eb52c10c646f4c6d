//! # unused-declaration
//!
//! (to be written with the lint)
