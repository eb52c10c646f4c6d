//! # no-goal
//!
//! (to be written with the lint)
