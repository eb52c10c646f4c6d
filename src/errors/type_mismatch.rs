//! # type-mismatch
//!
//! A value has the wrong type for the place it is used: a text attribute
//! compared with a number, a non-bool attribute used alone as a condition, an
//! ordering (`<`) on text, a consent attribute that is not `bool`.
//!
//! ## Why
//! The profile and event schemas say what each value is. A comparison of
//! mismatched types is never true, so the condition would silently do nothing.
//!
//! ## Example
//! ```omni
//! profile { lifetime_value: number }
//! segment big_spenders = lifetime_value >= "500"
//! ```
//!
//! ## Fix
//! Compare with a value of the attribute's type (`lifetime_value >= 500`), or
//! fix the declaration in `profile` / `event` if the type there is wrong.
