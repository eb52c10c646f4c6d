//! Reading and writing plans: JSON and YAML, the format version check,
//! the JSON Schema.

use serde::{Deserialize, Serialize};

use super::{Node, Plan, FORMAT_MAJOR};

impl Plan {
    /// The plan as pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut bytes = Vec::with_capacity(4096);
        write_pretty_json(self, &mut bytes);
        bytes.push(b'\n');
        String::from_utf8(bytes).expect("JSON is UTF-8")
    }

    /// The plan as YAML.
    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).expect("plans serialize")
    }

    /// Reads a plan from JSON or YAML, rejecting an unknown major format
    /// version. Unknown fields are ignored (a later minor version may add
    /// some).
    pub fn parse(text: &str) -> Result<Plan, PlanError> {
        let json = text.trim_start().starts_with('{');
        // The version first: a plan of another major may not parse at all.
        #[derive(Deserialize)]
        struct Version {
            format_version: String,
        }
        let version: Version = if json {
            serde_json::from_str(text).map_err(|e| PlanError::Parse(e.to_string()))?
        } else {
            serde_yaml::from_str(text).map_err(|e| PlanError::Parse(e.to_string()))?
        };
        check_version(&version.format_version)?;
        if json {
            serde_json::from_str(text).map_err(|e| PlanError::Parse(e.to_string()))
        } else {
            serde_yaml::from_str(text).map_err(|e| PlanError::Parse(e.to_string()))
        }
    }

    /// Fails for a format version whose major this crate does not know.
    pub fn check_version(&self) -> Result<(), PlanError> {
        check_version(&self.format_version)
    }

    /// The node with this id.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }
}

/// Fails for a format version whose major this crate does not know.
pub fn check_version(version: &str) -> Result<(), PlanError> {
    let major = version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok());
    match major {
        Some(FORMAT_MAJOR) => Ok(()),
        _ => Err(PlanError::UnsupportedVersion(version.to_string())),
    }
}

/// Why a plan could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanError {
    Parse(String),
    UnsupportedVersion(String),
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::Parse(e) => write!(f, "not a valid plan: {e}"),
            PlanError::UnsupportedVersion(v) => write!(
                f,
                "plan format version {v} is not supported (this runner reads {FORMAT_MAJOR}.x)"
            ),
        }
    }
}

impl std::error::Error for PlanError {}

/// The JSON Schema of the plan format (draft-07), pretty, with a trailing
/// newline: the content of `schema/plan.schema.json`.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Plan);
    let mut s = serde_json::to_string_pretty(&schema).expect("schemas serialize");
    s.push('\n');
    s
}

/// Parses `HH:MM` to minutes after midnight.
pub fn parse_time_of_day(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// The SHA-256 of `bytes` in lowercase hex (what `format!("{:x}")` of the
/// digest gives, without a formatting call per byte).
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digest = sha2::Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for b in digest {
        hex.push(DIGITS[usize::from(b >> 4)] as char);
        hex.push(DIGITS[usize::from(b & 15)] as char);
    }
    hex
}

/// Writes `value` as pretty JSON (no trailing newline) at the end of
/// `bytes`: the bytes of `serde_json::to_writer_pretty`, written faster
/// ([`Pretty`]).
pub(crate) fn write_pretty_json<T: Serialize + ?Sized>(value: &T, bytes: &mut Vec<u8>) {
    let mut ser = serde_json::Serializer::with_formatter(bytes, Pretty::default());
    value
        .serialize(&mut ser)
        .expect("plans and manifests serialize");
}

/// `serde_json`'s pretty printer (two spaces an indentation level), which
/// writes a line break, its comma and its indentation in one piece rather
/// than two spaces at a time: plans are deeply nested, and a build of
/// thousands of plans wrote millions of pieces of two bytes. Everything
/// else (strings, numbers) is `serde_json`'s own.
#[derive(Default)]
struct Pretty {
    depth: usize,
    has_value: bool,
}

/// A comma, a line break and indentation, for a slice of it: `,\n` and
/// 2 spaces a level, as deep as [`BREAK_LEVELS`].
static BREAK: [u8; 2 + 2 * BREAK_LEVELS] = {
    let mut b = [b' '; 2 + 2 * BREAK_LEVELS];
    b[0] = b',';
    b[1] = b'\n';
    b
};

/// How deep [`BREAK`] indents; deeper levels are written a level at a
/// time.
const BREAK_LEVELS: usize = 64;

impl Pretty {
    /// A line break (after a comma, unless `first`) and the indentation
    /// of `self.depth`.
    fn line<W: ?Sized + std::io::Write>(&self, w: &mut W, first: bool) -> std::io::Result<()> {
        let from = usize::from(first);
        if self.depth <= BREAK_LEVELS {
            return w.write_all(&BREAK[from..2 + 2 * self.depth]);
        }
        w.write_all(&BREAK[from..2])?;
        for _ in 0..self.depth {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    /// An array or object opened with `bracket`, one level deeper.
    fn open<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    /// An array or object closed with `bracket`: on a line of its own
    /// unless empty.
    fn close<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.line(w, true)?;
        }
        w.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.line(w, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.line(w, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sha256_hex_is_the_digest_formatted() {
        use sha2::{Digest, Sha256};
        for text in [&b""[..], b"abc", &[0xffu8; 1000]] {
            assert_eq!(
                super::sha256_hex(text),
                format!("{:x}", Sha256::digest(text))
            );
        }
    }

    /// The pretty printer writes what `serde_json`'s does: nested and
    /// empty objects and arrays, past the depth its line breaks are cut
    /// from, and every plan of the example campaigns.
    #[test]
    fn pretty_json_is_serde_jsons() {
        let same = |v: &serde_json::Value| {
            let mut bytes = Vec::new();
            super::write_pretty_json(v, &mut bytes);
            assert_eq!(
                String::from_utf8(bytes).unwrap(),
                serde_json::to_string_pretty(v).unwrap()
            );
        };
        same(&serde_json::json!({"a": [], "b": {}, "c": [1, {"d": [null, "e\n\u{1}"]}], "f": 1.5}));
        same(&serde_json::json!([]));
        let mut deep = serde_json::json!({"x": [1, 2]});
        for i in 0..80 {
            deep = if i % 2 == 0 {
                serde_json::json!([deep, {}])
            } else {
                serde_json::json!({"k": deep, "l": []})
            };
        }
        same(&deep);
        let campaigns = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("campaigns");
        let analysis = crate::driver::analyze(&crate::driver::Options {
            paths: vec![campaigns],
        })
        .unwrap();
        let plans = crate::build::plans(&analysis);
        assert!(plans.len() > 3);
        for plan in &plans {
            let mut s = serde_json::to_string_pretty(plan).unwrap();
            s.push('\n');
            assert_eq!(plan.to_json(), s, "{}", plan.campaign);
        }
        let entries = (plans.iter())
            .map(|p| crate::plan::manifest::ManifestEntry {
                campaign: p.campaign.clone(),
                file: format!("{}.plan.json", p.campaign),
                sha256: "0".repeat(64),
            })
            .collect();
        let manifest = crate::plan::manifest::Manifest::new(&plans, entries);
        let mut s = serde_json::to_string_pretty(&manifest).unwrap();
        s.push('\n');
        assert_eq!(manifest.to_json(), s);
    }
}
