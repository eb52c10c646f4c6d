//! # syntax-error
//!
//! The text is not valid Omnis: a token is missing or out of place, a `{`,
//! `(`, `[` or string is never closed, whitespace between tokens is not a
//! plain space, tab or line break (a no-break space, say), the file is not
//! UTF-8 or holds a NUL byte, or blocks and parentheses are nested deeper
//! than the limit (256 levels).
//!
//! ## Why
//! Omnis cannot tell what a campaign means until it parses. Omnis reports the
//! first syntax error of each declaration and goes on with the next one, so
//! one typo does not hide the rest of the file. A bracket never closed is
//! reported where it opens (with a label where parsing gave up), and common
//! mistakes get a hint: quotes other than `"`, `#` comments, a trailing `;`,
//! `2 days` for `2d`, `monday 9am` for `mon 09:00`, a misspelt keyword. The
//! declaration keeps its name, so uses of it elsewhere are not reported as
//! unknown.
//!
//! ## Example
//! ```omni
//! campaign welcome {
//!   trigger newsletter_signup
//!   journey {
//!     wait 2 days        // durations are written `2d`
//!   }
//! }
//! ```
//!
//! ## Fix
//! Write the construct as the message says (here `wait 2d`). `omnis fmt`
//! only formats files that parse.
