//! # invalid-value
//!
//! A value is not allowed where it is written: a one-of value outside its
//! set, a number or duration too large to represent, a date or time of day
//! that does not exist, a zero `limit`, a window that ends before it starts,
//! an unknown time zone or channel kind, a campaign named after a Windows
//! device (`CON`, `nul`, `com1`, ...: its plan file could not be created).
//!
//! ## Why
//! Such a value either can never match (a plan would silently never send) or
//! cannot be executed at all.
//!
//! ## Example
//! ```omni
//! profile { plan: one of "free", "pro", "enterprise" }
//! segment paying = plan == "premium"
//! ```
//!
//! ## Fix
//! Use one of the allowed values listed in the help, or extend the
//! declaration if the value is new.
