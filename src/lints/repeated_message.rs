//! # repeated-message
//!
//! (to be written with the lint)
