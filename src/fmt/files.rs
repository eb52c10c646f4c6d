//! Formatting files on disk.
