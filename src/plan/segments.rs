//! The segment table of a plan (format 1.1): every segment a plan's
//! conditions use is written once, in [`Plan::segments`], and referred to
//! by name (`{"op": "segment_ref", "name": ...}`) from conditions and from
//! other segments. References form a DAG: a plan whose segments refer to
//! themselves through some chain, or to a segment the table lacks, is not
//! valid ([`order`] says which).
//!
//! Expanding references would undo the point of the table (`s1 = s0 and
//! s0`, `s2 = s1 and s1`, ... doubles at every level), so everything here
//! visits each segment once.

use std::collections::{BTreeMap, HashMap};

use sha2::{Digest, Sha256};

use super::{Expr, Plan};

/// Calls `f` on the name of every segment `e` refers to directly (not
/// through other segments), in order, repeats included.
pub fn refs<'e>(e: &'e Expr, f: &mut dyn FnMut(&'e str)) {
    match e {
        Expr::And { args } | Expr::Or { args } => {
            for a in args {
                refs(a, f);
            }
        }
        Expr::Not { arg } | Expr::Segment { arg, .. } => refs(arg, f),
        Expr::Did {
            filter: Some(w), ..
        } => refs(w, f),
        Expr::SegmentRef { name } => f(name),
        Expr::Const { .. }
        | Expr::Cmp { .. }
        | Expr::In { .. }
        | Expr::NotIn { .. }
        | Expr::IsSet { .. }
        | Expr::Contains { .. }
        | Expr::IsEmpty { .. }
        | Expr::Did { filter: None, .. }
        | Expr::Opened { .. }
        | Expr::Clicked { .. }
        | Expr::Received { .. }
        | Expr::OpenedAny { .. }
        | Expr::ClickedAny { .. }
        | Expr::InCampaign { .. } => {}
    }
}

/// The segments of the table, each after those it refers to; or why the
/// table is not a DAG of known segments.
pub fn order(plan: &Plan) -> Result<Vec<&str>, String> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark: HashMap<&str, Mark> = plan
        .segments
        .keys()
        .map(|k| (k.as_str(), Mark::New))
        .collect();
    let mut out = Vec::with_capacity(plan.segments.len());
    for (root, _) in plan.segments.iter() {
        if mark[root.as_str()] != Mark::New {
            continue;
        }
        // Depth-first, with an explicit stack of (segment, its references
        // left to visit).
        let mut stack: Vec<(&str, Vec<&str>)> = Vec::new();
        mark.insert(root, Mark::Open);
        stack.push(entry(plan, root));
        while let Some((name, pending)) = stack.last_mut() {
            match pending.pop() {
                Some(next) => match mark.get(next).copied() {
                    None => {
                        return Err(format!(
                        "segment {name:?} refers to {next:?}, which is not in the plan's segments"
                    ))
                    }
                    Some(Mark::Open) => {
                        return Err(format!(
                            "segment {next:?} refers to itself (through {name:?})"
                        ))
                    }
                    Some(Mark::Done) => {}
                    Some(Mark::New) => {
                        mark.insert(next, Mark::Open);
                        stack.push(entry(plan, next));
                    }
                },
                None => {
                    let name = *name;
                    mark.insert(name, Mark::Done);
                    out.push(name);
                    stack.pop();
                }
            }
        }
    }
    Ok(out)
}

/// A segment of the table and the segments it refers to, last first.
fn entry<'p>(plan: &'p Plan, name: &str) -> (&'p str, Vec<&'p str>) {
    let (name, e) = plan.segments.get_key_value(name).expect("known segment");
    let mut names = Vec::new();
    refs(e, &mut |r| names.push(r));
    names.reverse();
    (name.as_str(), names)
}

/// A digest of what each segment means: its condition with every reference
/// replaced by the digest of the segment it names. Two plans' segments of
/// the same name mean the same exactly when their digests are equal
/// (`omnis diff` compares conditions this way), without expanding them.
pub fn digests(plan: &Plan) -> Result<BTreeMap<&str, [u8; 32]>, String> {
    let mut out: BTreeMap<&str, [u8; 32]> = BTreeMap::new();
    for name in order(plan)? {
        let e = &plan.segments[name];
        let mut h = Sha256::new();
        h.update(serde_json::to_vec(e).expect("expressions serialize"));
        refs(e, &mut |r| h.update(out[r]));
        out.insert(name, h.finalize().into());
    }
    Ok(out)
}

/// What `e` means, given the digests of the segments: `e` as written and
/// the digest of every segment it refers to. Equal for two conditions
/// exactly when they read the same and their segments mean the same.
pub fn meaning(e: &Expr, digests: &BTreeMap<&str, [u8; 32]>) -> (String, Vec<[u8; 32]>) {
    let mut used = Vec::new();
    refs(e, &mut |r| {
        used.push(digests.get(r).copied().unwrap_or_default())
    });
    (
        serde_json::to_string(e).expect("expressions serialize"),
        used,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::testkit::EmitPlan;

    fn seg(name: &str) -> Expr {
        Expr::SegmentRef { name: name.into() }
    }

    fn plan_with(segments: Vec<(&str, Expr)>) -> Plan {
        let (k, c) = super::super::testkit::cart_recovery();
        let mut plan = k.plan(c);
        plan.segments = segments
            .into_iter()
            .map(|(n, e)| (n.to_string(), e))
            .collect();
        plan
    }

    #[test]
    fn a_deep_dag_is_ordered_and_digested_once_per_segment() {
        // s_k = s_(k-1) and s_(k-1): 2^200 leaves if expanded.
        let mut segs = vec![("s000", Expr::Const { value: true })];
        let names: Vec<String> = (0..=200).map(|i| format!("s{i:03}")).collect();
        for i in 1..=200 {
            segs.push((
                names[i].as_str(),
                Expr::And {
                    args: vec![seg(&names[i - 1]), seg(&names[i - 1])],
                },
            ));
        }
        let plan = plan_with(segs);
        let order = order(&plan).unwrap();
        assert_eq!(order.len(), 201);
        assert_eq!(order[0], "s000");
        let d = digests(&plan).unwrap();
        let mut other = plan.clone();
        other
            .segments
            .insert("s000".into(), Expr::Const { value: false });
        let d2 = digests(&other).unwrap();
        // Changing the bottom changes what every segment above means.
        assert!(d.iter().all(|(k, v)| d2[k] != *v));
        assert_eq!(
            meaning(&seg("s200"), &d).0,
            meaning(&seg("s200"), &d2).0,
            "reads the same"
        );
        assert_ne!(meaning(&seg("s200"), &d), meaning(&seg("s200"), &d2));
    }

    #[test]
    fn cycles_and_unknown_segments_are_refused() {
        let plan = plan_with(vec![
            ("a", seg("b")),
            (
                "b",
                Expr::Not {
                    arg: Box::new(seg("a")),
                },
            ),
        ]);
        assert!(order(&plan).unwrap_err().contains("refers to itself"));
        let plan = plan_with(vec![("a", seg("nope"))]);
        assert!(order(&plan)
            .unwrap_err()
            .contains("not in the plan's segments"));
    }
}
