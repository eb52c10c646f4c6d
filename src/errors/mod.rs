//! Error codes. Each module documents one code (its `//!` comment is what
//! `omnis explain` prints); the stages that report them live elsewhere.

pub mod config_error;
pub mod cyclic_segment;
pub mod duplicate_name;
pub mod import_error;
pub mod invalid_value;
pub mod missing_property;
pub mod split_weights;
pub mod syntax_error;
pub mod type_mismatch;
pub mod unknown_name;
