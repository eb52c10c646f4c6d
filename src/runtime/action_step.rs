//! Actions in the runtime core, in one place: the steps that do one thing
//! and go on (`set`, `unset`). Each action is written here once: its
//! compiled form ([`CAction`], a variant), its compilation from the plan's
//! node ([`CAction::compile`]), what it does to a person
//! ([`CAction::apply`]) and the timeline entry it reports ([`Acted`], with
//! its human line and what it wrote to the profile). The journey runs every
//! action through `CKind::Action` without knowing which it is, and the
//! builder hands this every kind of the plan's [`Family::Action`]; the
//! timeline and the project runner read an entry through [`Acted`]'s
//! methods.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::compile::{Builder, COperand, Ty, Val};
use super::eval::operand;
use super::journey::Run;
use super::PlanError;
use crate::plan::{self, Family, NodeKind};

/// A compiled action.
#[derive(Clone, Debug)]
pub enum CAction {
    /// `set` (`Some`) or `unset` (`None`) the profile attribute.
    Set(usize, Option<CSet>),
}

/// What a `set` writes.
#[derive(Clone, Debug)]
pub enum CSet {
    /// A constant or a trigger field (an unset field unsets).
    Value(COperand),
    /// The instant of the step.
    Now,
}

/// The timeline entry of an action (a [`super::What::Action`]): its
/// `kind` is the action's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Acted {
    /// A `set` step wrote the profile attribute `attribute`: `value` as the
    /// language writes it (`"pro"`, `3`, `2026-01-01`, `["a", "b"]`, an
    /// instant for `now`), or `null` when it cleared it (`unset`, or a
    /// trigger field that is not set).
    Set {
        attribute: String,
        value: Option<String>,
    },
}

impl CAction {
    /// The compiled form of the plan's node `kind`, an action (the plan's
    /// [`Family::Action`]; the node's one successor, `next`, is the
    /// caller's).
    pub(super) fn compile(kind: &NodeKind, b: &Builder) -> Result<CAction, PlanError> {
        Ok(match kind {
            NodeKind::Set { attribute, value } => {
                let a = b.attr(attribute)?;
                let ty = b.attr_ty(a);
                let set = match value {
                    plan::SetTo::Now => CSet::Now,
                    plan::SetTo::Value { operand } => CSet::Value(b.set_operand(ty, operand)?),
                    plan::SetTo::List { items } => {
                        let elem = match ty {
                            Ty::List(e) => *e,
                            _ => {
                                return Err(PlanError(format!("{attribute:?} is not a list")));
                            }
                        };
                        let vals = items
                            .iter()
                            .map(|o| match b.set_operand(elem, o)? {
                                COperand::Const(v) => Ok(v),
                                _ => Err(PlanError(
                                    "a list written by `set` holds constants".to_string(),
                                )),
                            })
                            .collect::<Result<_, _>>()?;
                        CSet::Value(COperand::Const(Val::List(vals)))
                    }
                };
                CAction::Set(a, Some(set))
            }
            NodeKind::Unset { attribute } => CAction::Set(b.attr(attribute)?, None),
            other => {
                debug_assert_ne!(other.family(), Family::Action, "an action not compiled");
                return Err(PlanError(format!(
                    "`{}` is not an action the runtime knows",
                    other.name()
                )));
            }
        })
    }

    /// Does the action for the person at `t` (flow then goes on to the
    /// node's `next`). A replacement's walk passes actions without this.
    pub(super) fn apply(&self, run: &mut Run, t: i64) {
        match self {
            CAction::Set(a, value) => {
                let v = match value {
                    None => None,
                    Some(CSet::Now) => Some(Val::Time(t)),
                    Some(CSet::Value(o)) => operand(o, &run.ctx(t, &[])).cloned(),
                };
                let entry = Acted::Set {
                    attribute: run.c.attrs[*a].0.clone(),
                    value: v.as_ref().map(Val::text),
                };
                run.write(t, *a, v, entry);
            }
        }
    }
}

impl Acted {
    /// The entry as the human timeline shows it, after its instant.
    pub fn human(&self) -> String {
        match self {
            Acted::Set {
                attribute,
                value: Some(v),
            } => format!("set {attribute} = {v}"),
            Acted::Set {
                attribute,
                value: None,
            } => format!("unset {attribute}"),
        }
    }

    /// The profile attribute the action wrote, if it wrote one (its new
    /// value is then in the person's profile).
    pub fn written(&self) -> Option<&str> {
        match self {
            Acted::Set { attribute, .. } => Some(attribute),
        }
    }
}
