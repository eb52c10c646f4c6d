//! # unknown-name
//!
//! A name is used that no declaration in this file's import closure
//! declares: a message in `send`, an attribute or segment in a condition, an
//! event in a trigger, a `{{ placeholder }}` in message text, a `goto` target.
//!
//! ## Why
//! A runner cannot send a message or evaluate a condition that does not
//! exist. Usually the name is misspelt or its file is not imported; the help
//! line suggests the closest declared name.
//!
//! ## Example
//! ```omni
//! message cart_reminder { channel email  template "cart-reminder" }
//! campaign cart {
//!   trigger cart_abandoned
//!   journey { send cart_remnder }
//! }
//! ```
//!
//! ## Fix
//! Correct the spelling, declare the name, or `import` the file that
//! declares it. A placeholder must name a profile attribute or a field of the
//! trigger event of every campaign that sends the message; add
//! `| default: "..."` only for values that may be unset, not for unknown names.
