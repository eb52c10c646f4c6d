//! What is known at each point of a journey (placeholder).
