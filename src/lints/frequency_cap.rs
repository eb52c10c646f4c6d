//! # frequency-cap
//!
//! (to be written with the lint)
