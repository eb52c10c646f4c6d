//! Lints: one module per code. Each module's `//!` comment is what
//! `omnis explain CODE` prints (what, why, example, fix).

pub mod control_sends;
pub mod engagement_before_send;
pub mod frequency_cap;
pub mod instant_loop;
pub mod missing_consent;
pub mod no_goal;
pub mod repeated_message;
pub mod unreachable_step;
pub mod unused_allow;
pub mod unused_declaration;
