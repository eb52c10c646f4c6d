//! The reference runner.
