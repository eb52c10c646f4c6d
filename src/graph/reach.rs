//! Which edges can be taken (placeholder).
