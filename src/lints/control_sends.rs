//! # control-sends
//!
//! (to be written with the lint)
