//! Stage 2: loading files and following imports.
