//! Actions: the steps that do one thing and go on (`set`, `unset`), defined
//! once for the syntax tree and the model.
//!
//! An action has no block inside and, in the journey graph, one node with
//! one `next` edge. Its definition is generic over the [`Phase`] it is in,
//! that is over how it refers to names (the same tree indexed by phase as
//! GHC's "trees that grow"): as written in the tree ([`Parsed`]: the name
//! with its span), as resolved in the model (`model::Resolved`: ids).
//! Resolution is [`Action::map_refs`], one map over the action's
//! references written beside the type, which calls the resolver once per
//! reference by its role ([`MapRefs`]). So a new action kind is written
//! here (its variant, [`Action::keyword`], [`Action::key`],
//! [`Action::map_refs`], [`ACTION_KEYWORDS`] and its lowering from pest
//! pairs, [`Lowerer::action`]) and in the grammar (`grammar/omnis.pest`,
//! its rule in `action`); the resolver, the model and the journey graph
//! take it without an edit. Only a new role of reference (an action that
//! is the first to name a message, say) adds an associated type to
//! [`Phase`] and a method to [`MapRefs`].

use super::ast::Operand;
use super::lower::{Lowerer, P};
use super::parser::Rule;
pub use super::phase::{Names, Parsed, Phase};
use crate::source::Span;

/// The words an action starts with, in the order syntax errors list them
/// (after the other steps', `syntax::ast::STEP_KEYWORDS`).
pub const ACTION_KEYWORDS: &[&str] = &["set", "unset"];

/// A step that does one thing and goes on.
#[derive(Clone, Debug, PartialEq)]
pub enum Action<P: Phase> {
    /// `set ATTR = VALUE` (`value` set) or `unset ATTR` (`None`).
    Set {
        attr: P::Attr,
        value: Option<P::Value>,
    },
}

/// What a `set` writes, as written.
#[derive(Clone, Debug, PartialEq)]
pub enum SetValue {
    /// A literal or a trigger field.
    Operand(Operand),
    /// `["a", "b"]`, with its span.
    List(Vec<Operand>, Span),
    /// `now`.
    Now(Span),
}

/// Maps the references of an action in phase `P` to phase `Q`, one method
/// per role a name plays in an action (the resolver, from [`Parsed`] to
/// the model's phase). `None` when the reference does not resolve (the
/// resolver has reported why); the action is then dropped.
pub trait MapRefs<P: Phase, Q: Phase> {
    /// An attribute the step `keyword` writes.
    fn written(&mut self, attr: &P::Attr, keyword: &str) -> Option<Q::Attr>;
    /// The value written to `attr` (as written, and resolved).
    fn value(&mut self, attr: (&P::Attr, &Q::Attr), value: &P::Value) -> Option<Q::Value>;
}

impl<P: Phase> Action<P> {
    /// The word that starts the step, for messages: `set`, `unset`.
    pub fn keyword(&self) -> &'static str {
        match self {
            Action::Set { value: Some(_), .. } => "set",
            Action::Set { value: None, .. } => "unset",
        }
    }

    /// What the step is, as the part of its node id (`graph::lower`):
    /// `set-ATTR`, `unset-ATTR`. Part of the plan's contract: editing a
    /// step's parameters keeps its id.
    pub fn key(&self, names: &impl Names<P>) -> String {
        match self {
            Action::Set { attr, .. } => format!("{}-{}", self.keyword(), names.attr(attr)),
        }
    }

    /// What the action writes to the person's profile: the attribute, and
    /// the value (`None`: the attribute is cleared). What the analyses
    /// learn of an action's effect ask this (reachability: what the
    /// conditions after it know), so an action that writes is known to
    /// write without an edit there.
    pub fn write(&self) -> Option<(&P::Attr, Option<&P::Value>)> {
        match self {
            Action::Set { attr, value } => Some((attr, value.as_ref())),
        }
    }

    /// The action with its references mapped by `f`, in source order (so
    /// diagnostics come in the order of the text); `None` when one does
    /// not map.
    pub fn map_refs<Q: Phase>(&self, f: &mut impl MapRefs<P, Q>) -> Option<Action<Q>> {
        Some(match self {
            Action::Set { attr, value } => {
                let to = f.written(attr, self.keyword())?;
                let value = match value {
                    Some(v) => Some(f.value((attr, &to), v)?),
                    None => None,
                };
                Action::Set { attr: to, value }
            }
        })
    }
}

impl Lowerer {
    /// The action of the step whose rule is `rule` (the pair `p`, keyword
    /// first); `None` when `rule` is not an action's.
    pub(super) fn action(&mut self, rule: Rule, p: P, base: usize) -> Option<Action<Parsed>> {
        let mut inner = p.into_inner();
        Some(match rule {
            Rule::set_step => {
                let attr = self.ident(inner.nth(1)?, base);
                let v = inner.next()?;
                let value = match v.as_rule() {
                    Rule::set_now => SetValue::Now(self.span(&v, base)),
                    Rule::set_list => {
                        let span = self.span(&v, base);
                        let items = v.into_inner().map(|o| self.operand(o, base)).collect();
                        SetValue::List(items, span)
                    }
                    _ => SetValue::Operand(self.operand(v, base)),
                };
                Action::Set {
                    attr,
                    value: Some(value),
                }
            }
            Rule::unset_step => Action::Set {
                attr: self.ident(inner.nth(1)?, base),
                value: None,
            },
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::syntax::phase::Text;

    /// Maps names to their length, refusing the empty name and zero;
    /// records what it was asked, in order.
    struct Lengths(Vec<String>);
    impl MapRefs<Text, Text> for Lengths {
        fn written(&mut self, attr: &String, keyword: &str) -> Option<String> {
            self.0.push(format!("{keyword} {attr}"));
            (!attr.is_empty()).then(|| attr.len().to_string())
        }
        fn value(&mut self, (attr, to): (&String, &String), v: &u32) -> Option<u32> {
            self.0.push(format!("{attr}->{to} = {v}"));
            (*v != 0).then_some(v * 10)
        }
    }

    fn set(attr: &str, value: Option<u32>) -> Action<Text> {
        Action::Set {
            attr: attr.into(),
            value,
        }
    }

    #[test]
    fn map_refs_maps_each_reference_in_order_and_stops_at_the_first_that_fails() {
        let mut f = Lengths(Vec::new());
        assert_eq!(
            set("plan", Some(3)).map_refs(&mut f),
            Some(set("4", Some(30)))
        );
        assert_eq!(f.0, ["set plan", "plan->4 = 3"]);

        let mut f = Lengths(Vec::new());
        assert_eq!(set("plan", None).map_refs(&mut f), Some(set("4", None)));
        assert_eq!(f.0, ["unset plan"]);

        // The attribute does not map: its value is not asked about.
        let mut f = Lengths(Vec::new());
        assert_eq!(set("", Some(3)).map_refs(&mut f), None);
        assert_eq!(f.0, ["set "]);

        let mut f = Lengths(Vec::new());
        assert_eq!(set("plan", Some(0)).map_refs(&mut f), None);
    }

    #[test]
    fn keyword_key_and_write_read_the_action() {
        struct Upper;
        impl Names<Text> for Upper {
            fn attr(&self, attr: &String) -> &str {
                if attr == "plan" {
                    "PLAN"
                } else {
                    "?"
                }
            }
        }
        assert_eq!(set("plan", Some(1)).key(&Upper), "set-PLAN");
        assert_eq!(set("plan", None).key(&Upper), "unset-PLAN");
        let a = set("plan", Some(1));
        assert_eq!(a.write(), Some((&"plan".to_string(), Some(&1))));
        assert_eq!(set("plan", None).write(), Some((&"plan".to_string(), None)));
    }

    #[test]
    fn the_words_of_steps_end_with_the_actions() {
        let steps = super::super::ast::STEP_KEYWORDS;
        assert_eq!(
            &steps[steps.len() - ACTION_KEYWORDS.len()..],
            ACTION_KEYWORDS
        );
        assert_eq!(steps[0], "send");
        let mut sorted = steps.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), steps.len(), "no word twice");
    }
}
