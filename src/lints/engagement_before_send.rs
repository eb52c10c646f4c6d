//! # engagement-before-send
//!
//! (to be written with the lint)
