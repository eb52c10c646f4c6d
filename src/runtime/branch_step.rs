//! Choices in the runtime core, in one place: the steps that take one of
//! their edges at once (`branch`, `split`: the plan's [`Family::Choice`]).
//! Each is written here once: its compiled form ([`CChoice`], a variant),
//! its compilation from the plan's node ([`CChoice::compile`]) and the edge
//! it takes for a person ([`CChoice::take`], with the timeline entry a
//! split reports). A replacement's walk takes them as flow does.

use sha2::{Digest, Sha256};

use super::compile::{Builder, CExpr, Tgt};
use super::eval::eval;
use super::journey::Run;
use super::{PlanError, What};
use crate::plan::{self, EdgeLabel, Family, NodeKind};

/// A compiled choice.
#[derive(Clone, Debug)]
pub enum CChoice {
    /// `branch`: the first arm whose condition holds, else the second.
    Branch(Vec<(CExpr, Tgt)>, Tgt),
    /// `split`: the arm the person's bucket falls in ([`split_bucket`]).
    Split(Vec<SplitArm>),
}

/// A split's arm.
#[derive(Clone, Debug)]
pub struct SplitArm {
    /// The cumulative weight upper bound.
    pub upto: u32,
    pub to: Tgt,
    pub name: String,
}

/// The split bucket of a person: SHA-256 of `person \n campaign \n node`,
/// first 8 bytes big-endian, modulo 10000.
pub fn split_bucket(person: &str, campaign: &str, node: &str) -> u32 {
    let mut h = Sha256::new();
    h.update(person.as_bytes());
    h.update(b"\n");
    h.update(campaign.as_bytes());
    h.update(b"\n");
    h.update(node.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    (u64::from_be_bytes(b) % 10_000) as u32
}

impl CChoice {
    /// The compiled form of the plan's node `n`, a choice (the plan's
    /// [`Family::Choice`]); it has no `next`.
    pub(super) fn compile(n: &plan::Node, b: &Builder) -> Result<CChoice, PlanError> {
        Ok(match &n.kind {
            NodeKind::Branch => {
                let mut arms = Vec::new();
                let mut otherwise = None;
                for e in &n.successors {
                    match &e.label {
                        EdgeLabel::Then { when } => arms.push((b.expr(when)?, b.target(e)?)),
                        EdgeLabel::Else => otherwise = Some(b.target(e)?),
                        _ => {}
                    }
                }
                let otherwise = otherwise.ok_or_else(|| {
                    PlanError(format!("branch {:?} has no `else` successor", n.id))
                })?;
                CChoice::Branch(arms, otherwise)
            }
            NodeKind::Split => {
                let mut acc = 0u32;
                let mut arms = Vec::new();
                for e in &n.successors {
                    if let EdgeLabel::Arm { weight, arm } = &e.label {
                        acc = acc.saturating_add(*weight);
                        arms.push(SplitArm {
                            upto: acc,
                            to: b.target(e)?,
                            name: arm.clone(),
                        });
                    }
                }
                // A split with no arm would leave the person nowhere (a
                // plan written by hand; `build` gives every split arms).
                if arms.is_empty() {
                    return Err(PlanError(format!("split {:?} has no arms", n.id)));
                }
                CChoice::Split(arms)
            }
            other => {
                debug_assert_ne!(other.family(), Family::Choice, "a choice not compiled");
                return Err(PlanError(format!(
                    "`{}` is not a choice the runtime knows",
                    other.name()
                )));
            }
        })
    }

    /// The edge the person at this choice, node `n`, takes at `t` (`next`:
    /// the node's, taken when there is no edge to take).
    pub(super) fn take(&self, run: &mut Run, t: i64, n: usize, next: Tgt) -> Tgt {
        match self {
            CChoice::Branch(arms, otherwise) => {
                let cx = run.ctx(t, &[]);
                arms.iter()
                    .find(|(cond, _)| eval(cond, &cx))
                    .map_or(*otherwise, |(_, to)| *to)
            }
            CChoice::Split(arms) => {
                let c = run.c;
                let id = &c.nodes[n].id;
                let bucket = split_bucket(run.id, &c.campaign, id);
                let arm = arms
                    .iter()
                    .position(|a| bucket < a.upto)
                    .or(arms.len().checked_sub(1));
                match arm {
                    Some(arm) => {
                        let what = What::Split {
                            node: id.clone(),
                            arm: arms[arm].name.clone(),
                        };
                        run.push(t, what);
                        arms[arm].to
                    }
                    None => next,
                }
            }
        }
    }
}
