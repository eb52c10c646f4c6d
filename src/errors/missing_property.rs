//! # missing-property
//!
//! A declaration lacks a property it needs: a campaign needs `trigger` and
//! `journey`; a message needs `channel` and `template`.
//!
//! ## Why
//! Without a trigger nobody enters; without a journey nothing happens;
//! without a channel or template the runner cannot send.
//!
//! ## Example
//! ```omni
//! message welcome { template "welcome" }
//! ```
//!
//! ## Fix
//! Add the missing property, e.g. `channel email`.
