//! # missing-consent
//!
//! (to be written with the lint)
