//! Stage 3: name resolution and type checking, AST to [`crate::model`].
