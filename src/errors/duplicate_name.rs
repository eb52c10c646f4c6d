//! # duplicate-name
//!
//! Two declarations of the same kind have the same name within one import
//! closure, a field is declared twice, or a property that may appear once
//! (such as `trigger` or `goal`) is given twice. Campaign names must also
//! differ in more than case (`Welcome` and `welcome`): each campaign becomes
//! a plan file named after it, and such names are one file on macOS and
//! Windows.
//!
//! ## Why
//! Names are how campaigns refer to messages, segments and channels; with two
//! candidates the meaning depends on which one wins. The diagnostic points at
//! the later declaration and labels the first.
//!
//! ## Example
//! ```omni
//! segment big_spenders = lifetime_value >= 500
//! segment big_spenders = lifetime_value >= 1000
//! ```
//!
//! ## Fix
//! Rename one of them, or delete the one you do not mean. Only `exit when`
//! and `limit` may repeat in a campaign.
