//! # cyclic-segment
//!
//! A segment refers to itself, directly or through other segments.
//!
//! ## Why
//! Segments are expanded inline wherever they are used; a cycle would never
//! end, so the condition has no meaning.
//!
//! ## Example
//! ```omni
//! segment a = b and email_opt_in
//! segment b = a
//! ```
//!
//! ## Fix
//! Write at least one segment of the cycle in terms of attributes and
//! history only.
