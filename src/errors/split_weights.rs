//! # split-weights
//!
//! The weights of a `split` do not add up to exactly 100%.
//!
//! ## Why
//! Each person takes exactly one arm. With weights summing to 90% a tenth of
//! the audience would have nowhere to go; with 110% the test is not what it
//! claims to be.
//!
//! ## Example
//! ```omni
//! split {
//!   50% a { send offer_a }
//!   40% b { send offer_b }
//! }
//! ```
//!
//! ## Fix
//! Adjust the weights, or add an arm for the rest (an empty holdout arm
//! `10% holdout { }` measures lift).
