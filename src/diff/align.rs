//! Aligning the steps of two versions block by block (a minimal edit
//! script), so that steps are matched by position and kind, not by id
//! alone.

use super::*;

/// Steps, aligned block by block: in each block the steps of both versions
/// are matched by their kind and parameters (a minimal edit script), so
/// that a step inserted or removed shows as such and the steps after it as
/// renumbered, not as a cascade of changes. Where nothing was inserted or
/// removed this is matching by id.
pub(super) fn steps(o: &Side, n: &Side) -> (Vec<StepChange>, Aligned) {
    let mut out = Vec::new();
    let mut map = Aligned::new();
    align(o, n, "", "", false, &mut out, &mut map);
    (out, map)
}

/// Old step id -> the new step it was aligned with (the same step, maybe
/// changed or renumbered); removed steps are absent.
pub(super) type Aligned = BTreeMap<String, String>;

pub(super) fn align(
    o: &Side,
    n: &Side,
    op: &str,
    np: &str,
    moved: bool,
    out: &mut Vec<StepChange>,
    map: &mut Aligned,
) {
    use similar::{capture_diff_slices, Algorithm, DiffOp};
    let none = Vec::new();
    let ob = o.blocks.get(op).unwrap_or(&none);
    let nb = n.blocks.get(np).unwrap_or(&none);
    let mut keys: Vec<&String> = nb.iter().map(|(k, _)| k).collect();
    for (k, _) in ob {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    let empty = Vec::new();
    for key in keys {
        let a = ob.iter().find(|(k, _)| k == key).map_or(&empty, |(_, v)| v);
        let b = nb.iter().find(|(k, _)| k == key).map_or(&empty, |(_, v)| v);
        let sig = |side: &Side, id: &String| {
            side.node(id)
                .map(|n| signature(side, n).to_string())
                .unwrap_or_default()
        };
        let sa: Vec<String> = a.iter().map(|id| sig(o, id)).collect();
        let sb: Vec<String> = b.iter().map(|id| sig(n, id)).collect();
        for d in capture_diff_slices(Algorithm::Myers, &sa, &sb) {
            match d {
                DiffOp::Equal {
                    old_index,
                    new_index,
                    len,
                } => {
                    for k in 0..len {
                        let (x, y) = (&a[old_index + k], &b[new_index + k]);
                        if x != y && !moved {
                            out.push(StepChange {
                                id: y.clone(),
                                old_id: Some(x.clone()),
                                change: Change::Renumbered,
                                inside: 0,
                                old: o.node(x).map(|v| describe(&o.plan, v)),
                                new: n.node(y).map(|v| describe(&n.plan, v)),
                                note: None,
                            });
                        }
                        map.insert(x.clone(), y.clone());
                        align(o, n, x, y, moved || x != y, out, map);
                    }
                }
                DiffOp::Delete {
                    old_index, old_len, ..
                } => {
                    for x in &a[old_index..old_index + old_len] {
                        out.push(removed(o, x));
                    }
                }
                DiffOp::Insert {
                    new_index, new_len, ..
                } => {
                    for y in &b[new_index..new_index + new_len] {
                        out.push(added(n, y));
                    }
                }
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => {
                    let both = old_len.min(new_len);
                    for k in 0..both {
                        let (x, y) = (&a[old_index + k], &b[new_index + k]);
                        let (nx, ny) = (o.node(x).expect("old step"), n.node(y).expect("new step"));
                        if nx.kind.name() != ny.kind.name() {
                            out.push(removed(o, x));
                            out.push(added(n, y));
                            continue;
                        }
                        let (da, db) = (describe(&o.plan, nx), describe(&n.plan, ny));
                        let note = (da == db).then(|| {
                            "reads the same: a segment, attribute or event it uses changed"
                                .to_string()
                        });
                        out.push(StepChange {
                            id: y.clone(),
                            old_id: (x != y).then(|| x.clone()),
                            change: Change::Changed,
                            inside: 0,
                            old: Some(da),
                            new: Some(db),
                            note,
                        });
                        map.insert(x.clone(), y.clone());
                        align(o, n, x, y, moved || x != y, out, map);
                    }
                    for x in &a[old_index + both..old_index + old_len] {
                        out.push(removed(o, x));
                    }
                    for y in &b[new_index + both..new_index + new_len] {
                        out.push(added(n, y));
                    }
                }
            }
        }
    }
}

pub(super) fn removed(o: &Side, id: &str) -> StepChange {
    StepChange {
        id: id.to_string(),
        old_id: None,
        change: Change::Removed,
        inside: o.inside.get(id).copied().unwrap_or(0),
        old: o.node(id).map(|x| describe(&o.plan, x)),
        new: None,
        note: None,
    }
}

pub(super) fn added(n: &Side, id: &str) -> StepChange {
    StepChange {
        id: id.to_string(),
        old_id: None,
        change: Change::Added,
        inside: n.inside.get(id).copied().unwrap_or(0),
        old: None,
        new: n.node(id).map(|x| describe(&n.plan, x)),
        note: None,
    }
}
