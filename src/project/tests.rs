//! The pins that split groups before pairing ([`super::Meetings::may_meet`])
//! against the condition solver: whenever pins keep two campaigns apart,
//! the solver finds that they cannot meet.

use super::{Candidates, Meetings};
use crate::model::CampaignId;

const VOCAB: &str = r#"
profile {
  country: text
  plan: one of "free", "pro", "enterprise"
  vip: bool
  score: number
  born: date
  tags: list of text
  email_opt_in: bool
}
event e1 { x: number, k: text }
event e2 { x: number }
event done { x: number }
channel email { consent email_opt_in }
message m { channel email  template "t" }
"#;

/// Audiences (and trigger filters) where pins are taken, where they must
/// not be, and where the solver needs to look further.
const AUDIENCES: &[&str] = &[
    "",
    r#"country == "a""#,
    r#"country == "b""#,
    r#"country in ["a", "b"]"#,
    r#"country in ["c"]"#,
    r#"not (country != "a")"#,
    r#"country != "a""#,
    r#"country == "a" or country == "b""#,
    r#"country == "c" or score > 3"#,
    r#"country == "b" and country == "a""#,
    r#"country is set"#,
    r#"country is not set"#,
    r#"plan == "free""#,
    r#"plan == "pro""#,
    r#"plan in ["pro", "enterprise"]"#,
    r#"plan not in ["free"]"#,
    "vip",
    "not vip",
    "vip == false",
    "score == 1",
    "score == 2",
    "score in [1, 2]",
    "score == 1 and score > 5",
    "score > 1",
    "born == 2024-01-01",
    "born == 2024-01-02",
    r#"tags contains "x""#,
    r#"tags contains "y""#,
    "e1.x == 1",
    "e1.x == 2",
    r#"e1.k == "a""#,
    r#"country == "a" and e1.x == 1"#,
    r#"country == "b" and not in campaign c0"#,
];

/// Every audience twice: on `e1` and on `e2` (starting together, and
/// apart), some with a trigger filter.
fn project() -> String {
    let mut s = String::from(VOCAB);
    let mut n = 0;
    for (trigger, filter) in [("e1", ""), ("e2", ""), ("e1", r#" where e1.k == "b""#)] {
        for a in AUDIENCES {
            if a.contains("e1.") && trigger != "e1" {
                continue;
            }
            let audience = if a.is_empty() {
                String::new()
            } else {
                format!("  audience {a}\n")
            };
            s.push_str(&format!(
                "campaign c{n} {{\n  trigger {trigger}{filter}\n{audience}  priority {}\n  goal done\n  journey {{ wait 1h  send m }}\n}}\n",
                n % 2
            ));
            n += 1;
        }
    }
    s
}

#[test]
fn pins_keep_apart_only_what_the_solver_keeps_apart() {
    let a = crate::driver::analyze_source(&project()).expect("analyzes");
    assert!(!a.has_errors(), "{:?}", a.diagnostics);
    let m = Meetings::new(&a.program, &a.journeys);
    let n = a.program.campaigns.len() as u32;
    let (mut pruned, mut met) = (0, 0);
    for i in 0..n {
        for j in 0..n {
            let (x, y) = (CampaignId(i), CampaignId(j));
            let solved = m.solve(x, y);
            met += usize::from(solved.is_some());
            if !m.may_meet(x, y) {
                pruned += 1;
                assert_eq!(solved, None, "pins keep c{i} and c{j} apart");
            }
            assert_eq!(m.meeting(x, y), solved);
        }
    }
    // The pins do cut (country, plan, vip, score), and not everything.
    assert!(pruned > 200, "{pruned}");
    assert!(met > 200, "{met}");
}

#[test]
fn pins_on_lists_dates_and_mixed_literals_are_not_taken() {
    let a = crate::driver::analyze_source(&project()).expect("analyzes");
    let m = Meetings::new(&a.program, &a.journeys);
    let find = |audience: &str| {
        let k = AUDIENCES.iter().position(|x| *x == audience).unwrap();
        CampaignId(k as u32)
    };
    let apart = |x: &str, y: &str| !m.may_meet(find(x), find(y));
    assert!(apart(r#"country == "a""#, r#"country == "b""#));
    assert!(apart(r#"country in ["a", "b"]"#, r#"country in ["c"]"#));
    assert!(apart(
        r#"plan == "free""#,
        r#"plan in ["pro", "enterprise"]"#
    ));
    assert!(apart("vip", "vip == false"));
    assert!(apart("score == 1", "score == 2"));
    // One disjunct that pins nothing, or something the solver does not
    // decide exactly: no pin.
    assert!(!apart(
        r#"country == "c" or score > 3"#,
        r#"country == "a""#
    ));
    assert!(!apart("born == 2024-01-01", "born == 2024-01-02"));
    assert!(!apart(r#"tags contains "x""#, r#"tags contains "y""#));
    assert!(!apart(r#"country == "a""#, r#"not (country != "a")"#));
}

#[test]
fn candidates_are_the_members_pins_allow_in_order() {
    let a = crate::driver::analyze_source(&project()).expect("analyzes");
    let m = Meetings::new(&a.program, &a.journeys);
    let members: Vec<CampaignId> = (0..a.program.campaigns.len() as u32)
        .map(CampaignId)
        .collect();
    let near = Candidates::new(&m, &members);
    for k in 0..members.len() {
        for below in [0, k, members.len()] {
            let want: Vec<usize> = (0..below)
                .filter(|&i| i != k && m.may_meet(members[k], members[i]))
                .collect();
            assert_eq!(near.of(k, below).collect::<Vec<_>>(), want);
            if let Some(got) = near.narrow(k, below, usize::MAX) {
                assert_eq!(got, want);
            }
        }
    }
    // Somebody is narrowed by its pins.
    assert!((0..members.len()).any(|k| near.narrow(k, members.len(), members.len()).is_some()));
}
