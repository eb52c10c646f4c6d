//! Stage 5: analyses of the journey graphs, the facts the lints decide on
//! (and that `omnis build`, `omnis graph` and `omnis diff` read). Nothing
//! here reports anything: lints (`crate::lints`) turn these facts into
//! diagnostics.
//!
//! - [`timing`] (over [`paths`]): the one timing engine: arrival bounds,
//!   repeat rounds, the most sends;
//! - [`sat`]: the satisfiability procedure for conditions (literals,
//!   normal forms, the decision on a conjunction);
//! - [`reach`]: which steps and edges some execution takes, a forward
//!   dataflow of what [`sat`] knows at each point;
//! - [`window`]: the campaign window as a deadline, and the steps no
//!   execution reaches in time;
//! - [`flow`]: the journey with repeat rounds made explicit, for the
//!   path-shaped questions (which messages may have been sent before);
//! - [`content`]: content classes and the sends that repeat content;
//! - [`loops`]: loops some execution goes round with no time passing;
//! - [`unsent`]: which messages are still unsent, path by path (a bounded
//!   number of sets per point), for conditions on several engagements;
//! - [`sets`]: the persistent sets the dataflows share;
//! - [`scc`]: strongly connected components, in one flat vector.
//!
//! Every analysis scales with the size of the graph, never with its number
//! of paths.

pub mod content;
pub mod flow;
pub mod loops;
pub mod paths;
pub mod reach;
pub mod sat;
pub mod scc;
pub mod sets;
pub mod timing;
pub mod unsent;
pub mod window;
