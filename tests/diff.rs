//! `omnis diff`: each kind of change, the output formats, exit codes and the
//! `--git` mode in a temporary repository.

mod common;

use std::path::Path;

use omnis::diff::{self, Change, Report, Status};

use common::{omnis, text, write};

const VOCAB: &str = r#"
profile { first_name: text  email_opt_in: bool  sms_opt_in: bool  country: text  vip: bool }
event signup { source: text }
event order { total: number }
event unsub { channel: text }
channel email { consent email_opt_in  quiet_hours 21:00 to 08:00  limit 3 per 1d }
channel sms { consent sms_opt_in }
segment reachable = email_opt_in or sms_opt_in
"#;

const MESSAGES: &str = r#"
message hello { channel email  template "hello"  subject "Hi {{ first_name | default: \"there\" }}" }
message tip { channel email  template "tip" }
message nudge_sms { channel sms  template "nudge" }
message vip_offer { channel email  template "vip"  vars { discount: 20 } }
"#;

/// The campaign every test starts from.
const BASE: &str = r#"
campaign welcome {
  trigger signup
  audience reachable
  goal order
  exit when unsub
  limit 3 per 7d
  journey {
    send hello
    wait 1d
    send tip
    wait for order within 3d {
      exit
    } otherwise {
      if sms_opt_in {
        send nudge_sms
      }
    }
  }
}
"#;

/// A project folder: vocabulary, messages and `campaigns`.
fn project(dir: &Path, campaigns: &str) {
    write(dir, "omnis.toml", "[lints]\n");
    write(dir, "vocab.omni", VOCAB);
    write(
        dir,
        "welcome.omni",
        &format!("import \"vocab.omni\"\n{MESSAGES}\n{campaigns}"),
    );
}

/// Diffs BASE (edited by `old_edit`) against BASE edited by `new_edit`.
fn diff_of(old: &str, new: &str) -> Report {
    let dir = tempfile::tempdir().unwrap();
    project(&dir.path().join("old"), old);
    project(&dir.path().join("new"), new);
    diff::diff_paths(&dir.path().join("old"), &dir.path().join("new"))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn edit(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from}");
    BASE.replacen(from, to, 1)
}

fn human(r: &Report) -> String {
    diff::render(r, diff::Format::Human)
}

#[test]
fn formatting_and_comments_change_nothing() {
    let reformatted = BASE
        .replace(
            "    send hello\n",
            "    // first contact\n    send    hello\n",
        )
        .replace("  limit 3 per 7d\n", "  limit 3 per 168h\n");
    let r = diff_of(BASE, &reformatted);
    assert!(!r.changed, "{}", human(&r));
    assert_eq!(r.summary.unchanged, 1);
    assert!(human(&r).starts_with("no campaign changes"));
}

#[test]
fn campaigns_added_and_removed() {
    let other = BASE.replace("campaign welcome", "campaign welcome_back");
    let r = diff_of(BASE, &other);
    assert!(r.changed);
    let status: Vec<(&str, Status)> = r
        .campaigns
        .iter()
        .map(|c| (c.campaign.as_str(), c.status))
        .collect();
    assert_eq!(
        status,
        [
            ("welcome", Status::Removed),
            ("welcome_back", Status::Added)
        ]
    );
    let out = human(&r);
    assert!(
        out.contains("campaign welcome_back (welcome.omni): added"),
        "{out}"
    );
    assert!(
        out.contains("triggered by signup, 7 steps, sends `hello`, `nudge_sms`, `tip`"),
        "{out}"
    );
    assert!(
        out.contains("journeys in progress end and nothing more is sent"),
        "{out}"
    );
    assert!(
        out.ends_with("0 changed, 1 added, 1 removed, 0 unchanged\n"),
        "{out}"
    );
}

#[test]
fn a_changed_wait_keeps_people_there() {
    let r = diff_of(BASE, &edit("wait 1d", "wait 2d"));
    let c = &r.campaigns[0];
    assert_eq!(c.status, Status::Changed);
    assert_eq!(c.steps.len(), 1, "{:#?}", c.steps);
    let s = &c.steps[0];
    assert_eq!(
        (s.id.as_str(), s.old_id.as_deref(), s.change),
        ("wait", None, Change::Changed)
    );
    assert_eq!(s.old.as_deref(), Some("wait 1d"));
    assert_eq!(s.new.as_deref(), Some("wait 2d"));
    assert_eq!(c.mid_journey.len(), 1);
    let m = &c.mid_journey[0];
    assert_eq!((m.at.as_str(), m.rule.as_str()), ("wait", "stay"));
    assert!(
        m.text
            .contains("the wait is now 2d, counted from when they arrived"),
        "{}",
        m.text
    );
    assert!(c.reach.is_empty() && c.settings.is_empty());
}

#[test]
fn another_message_is_another_step_and_moves_waiting_people_on() {
    // `tip` goes out by email, with quiet hours: people can be held there.
    let r = diff_of(BASE, &edit("    send tip\n", "    send vip_offer\n"));
    let c = &r.campaigns[0];
    let s = &c.steps[0];
    assert_eq!(
        (s.id.as_str(), s.old_id.as_deref(), s.change),
        ("send-vip_offer", Some("send-tip"), Change::Changed)
    );
    let m = c.mid_journey.iter().find(|m| m.at == "send-tip").unwrap();
    assert_eq!(m.rule, "move");
    assert_eq!(
        m.to.iter().map(|l| l.id.as_deref()).collect::<Vec<_>>(),
        [Some("waitfor-order")]
    );
    assert!(
        m.text
            .contains("the step is now `send-vip_offer` (send vip_offer via email)"),
        "{}",
        m.text
    );
    let reach: Vec<(&str, &str)> = c
        .reach
        .iter()
        .map(|m| (m.message.as_str(), m.summary.as_str()))
        .collect();
    assert_eq!(
        reach,
        [("tip", "no longer sent"), ("vip_offer", "newly sent")]
    );
}

#[test]
fn a_changed_within_keeps_people_waiting() {
    let r = diff_of(BASE, &edit("within 3d", "within 5d"));
    let c = &r.campaigns[0];
    assert_eq!(c.steps.len(), 1, "{:#?}", c.steps);
    let s = &c.steps[0];
    assert_eq!(
        (s.id.as_str(), s.old_id.as_deref(), s.change),
        ("waitfor-order", None, Change::Changed)
    );
    let m = &c.mid_journey[0];
    assert_eq!((m.at.as_str(), m.rule.as_str()), ("waitfor-order", "stay"));
    assert!(
        m.text
            .contains("they now wait for order within 5d, counted from when they arrived"),
        "{}",
        m.text
    );
    // The reach of `nudge_sms` is described by the timeout.
    let nudge = c.reach.iter().find(|m| m.message == "nudge_sms").unwrap();
    assert_eq!(
        nudge.now,
        ["when no order within 5d, then when sms_opt_in"],
        "{nudge:#?}"
    );
}

#[test]
fn a_removed_step_renumbers_the_next_of_its_kind() {
    let old = edit("    send tip\n", "    send tip\n    wait 1d\n");
    let new = old.replacen("    wait 1d\n", "", 1);
    let r = diff_of(&old, &new);
    let out = human(&r);
    let c = &r.campaigns[0];
    let kinds: Vec<(Change, &str, Option<&str>)> = c
        .steps
        .iter()
        .map(|s| (s.change, s.id.as_str(), s.old_id.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        [
            (Change::Removed, "wait", None),
            (Change::Renumbered, "wait", Some("wait~2")),
        ],
        "{out}"
    );
    assert!(
        out.contains("renumbered (same step, new id; the steps inside them too): wait~2 -> wait"),
        "{out}"
    );
    let at = |id: &str| c.mid_journey.iter().find(|m| m.at == id).unwrap();
    // People at the removed wait: its id now names the later wait, where
    // rule 1 keeps them (they skip `send tip`).
    let first = at("wait");
    assert_eq!(first.rule, "stay");
    assert!(
        first.text.contains(
            "their step was removed, but runners find them by id and `wait` now names \
             another step (wait 1d, the one that was `wait~2`)"
        ),
        "{}",
        first.text
    );
    // People at the later wait are not found under its new id: they move on.
    let second = at("wait~2");
    assert_eq!(second.rule, "move");
    assert_eq!(
        second
            .to
            .iter()
            .map(|l| l.id.as_deref())
            .collect::<Vec<_>>(),
        [Some("waitfor-order")]
    );
    assert!(
        out.contains("runners find waiting people by node id"),
        "{out}"
    );
}

#[test]
fn removed_branches_end_or_complete_journeys() {
    // Without the `wait for`, people waiting in it find nothing after it.
    let new = BASE.replace(
        "    wait for order within 3d {\n      exit\n    } otherwise {\n      if sms_opt_in {\n        send nudge_sms\n      }\n    }\n",
        "",
    );
    assert_ne!(new, BASE);
    let r = diff_of(BASE, &new);
    let c = &r.campaigns[0];
    let removed = c.steps.iter().find(|s| s.id == "waitfor-order").unwrap();
    assert_eq!((removed.change, removed.inside), (Change::Removed, 3));
    let m = c
        .mid_journey
        .iter()
        .find(|m| m.at == "waitfor-order")
        .unwrap();
    assert_eq!(m.rule, "end");
    assert!(m.text.contains("their journey is completed"), "{}", m.text);
    let nudge = c.reach.iter().find(|m| m.message == "nudge_sms").unwrap();
    assert_eq!(nudge.summary, "no longer sent");
}

#[test]
fn added_steps_and_reach() {
    let new = edit(
        "      if sms_opt_in {\n        send nudge_sms\n      }\n",
        "      if sms_opt_in {\n        send nudge_sms\n      } else if vip {\n        wait 1h\n        send vip_offer\n      }\n",
    );
    let r = diff_of(BASE, &new);
    let c = &r.campaigns[0];
    let out = human(&r);
    assert!(
        out.contains(
            "~ waitfor-order.otherwise.if: if sms_opt_in / else -> if sms_opt_in / else if vip / else"
        ),
        "{out}"
    );
    assert!(
        out.contains("+ waitfor-order.otherwise.if.if2.wait: wait 1h"),
        "{out}"
    );
    assert!(
        out.contains("+ waitfor-order.otherwise.if.if2.send-vip_offer: send vip_offer via email"),
        "{out}"
    );
    let reach = c.reach.iter().find(|m| m.message == "vip_offer").unwrap();
    assert_eq!(reach.summary, "newly sent");
    assert_eq!(
        reach.now,
        ["when no order within 3d, then when not sms_opt_in and vip"]
    );
    // The send of `nudge_sms` is where it was.
    assert!(c.reach.iter().all(|m| m.message != "nudge_sms"));
    // Still at most three sends: no setting changed.
    assert!(c.settings.is_empty(), "{:#?}", c.settings);
}

#[test]
fn messages_no_longer_sent_and_content_changes() {
    let old = BASE.to_string();
    let new = edit("    send tip\n", "");
    let r = diff_of(&old, &new);
    let c = &r.campaigns[0];
    let tip = c.reach.iter().find(|m| m.message == "tip").unwrap();
    assert_eq!(tip.summary, "no longer sent");
    assert_eq!(tip.before, ["always (on the main path)"]);
    let most = c
        .settings
        .iter()
        .find(|s| s.setting == "max_sends_per_person")
        .unwrap();
    assert_eq!(
        (most.old.as_deref(), most.new.as_deref()),
        (Some("3"), Some("2"))
    );

    // Content: the message changes, the journey does not.
    let dir = tempfile::tempdir().unwrap();
    project(&dir.path().join("old"), BASE);
    project(&dir.path().join("new"), BASE);
    let f = dir.path().join("new/welcome.omni");
    let t = common::read(&f)
        .replace("subject \"Hi", "subject \"Hello")
        .replace("discount: 20", "discount: 25");
    std::fs::write(&f, t).unwrap();
    let r = diff::diff_paths(&dir.path().join("old"), &dir.path().join("new")).unwrap();
    let out = human(&r);
    assert!(out.contains("message hello\n      subject: \"Hi {{ first_name | default: \\\"there\\\" }}\" -> \"Hello {{ first_name | default: \\\"there\\\" }}\""), "{out}");
    // `vip_offer` is not used by the campaign: not in its plan.
    assert!(!out.contains("vip_offer"), "{out}");
}

#[test]
fn settings_changes_say_what_they_do() {
    let new = BASE
        .replace("  audience reachable\n", "  audience reachable and country == \"LV\"\n")
        .replace("  trigger signup\n", "  trigger signup where signup.source == \"ad\"\n")
        .replace("  goal order\n", "")
        .replace("  exit when unsub\n", "  exit when unsub\n  exit when order\n")
        .replace("  limit 3 per 7d\n", "  limit 2 per 7d\n  window 2026-11-27 to 2026-12-02\n  timezone \"Europe/Riga\"\n  reentry after 30d\n");
    let r = diff_of(BASE, &new);
    let c = &r.campaigns[0];
    let get = |name: &str| {
        c.settings
            .iter()
            .find(|s| s.setting == name)
            .unwrap_or_else(|| panic!("no {name} in {:#?}", c.settings))
    };
    assert_eq!(
        get("trigger").new.as_deref(),
        Some("signup where signup.source == \"ad\"")
    );
    assert_eq!(get("audience").old.as_deref(), Some("reachable"));
    assert_eq!(
        get("audience").new.as_deref(),
        Some("reachable and country == \"LV\"")
    );
    assert_eq!(
        get("audience").effect.as_deref(),
        Some("applies to new entries; journeys in progress go on")
    );
    assert_eq!(get("goal").new, None);
    assert_eq!(get("exits").new.as_deref(), Some("order, unsub"));
    assert!(get("exits")
        .effect
        .as_deref()
        .unwrap()
        .contains("`order` now ends journeys in progress"));
    assert_eq!(get("limits").new.as_deref(), Some("2 per 7d"));
    assert_eq!(
        get("window").new.as_deref(),
        Some("2026-11-27 to 2026-12-02")
    );
    assert!(get("window")
        .effect
        .as_deref()
        .unwrap()
        .contains("journeys still running end at 2026-12-02T22:00:00Z"));
    assert_eq!(get("timezone").new.as_deref(), Some("Europe/Riga"));
    assert_eq!(get("reentry").new.as_deref(), Some("after 30d"));
}

#[test]
fn filtered_goals_exits_and_campaign_quiet_hours_are_settings() {
    let new = BASE
        .replace("  goal order\n", "  goal order where order.total > 50\n")
        .replace(
            "  exit when unsub\n",
            "  exit when unsub where unsub.channel == \"email\"\n  quiet_hours 20:00 to 09:00\n",
        );
    let r = diff_of(BASE, &new);
    let c = &r.campaigns[0];
    let get = |name: &str| {
        c.settings
            .iter()
            .find(|s| s.setting == name)
            .unwrap_or_else(|| panic!("no {name} in {:#?}", c.settings))
    };
    assert_eq!(get("goal").old.as_deref(), Some("order"));
    assert_eq!(
        get("goal").new.as_deref(),
        Some("order where order.total > 50")
    );
    assert_eq!(
        get("exits").new.as_deref(),
        Some("unsub where unsub.channel == \"email\"")
    );
    assert_eq!(get("quiet_hours").old, None);
    assert_eq!(get("quiet_hours").new.as_deref(), Some("20:00 to 09:00"));
    assert!(get("quiet_hours")
        .effect
        .as_deref()
        .unwrap()
        .contains("wait out the new quiet hours"));
}

#[test]
fn a_redefined_segment_changes_the_audience() {
    let dir = tempfile::tempdir().unwrap();
    project(&dir.path().join("old"), BASE);
    project(&dir.path().join("new"), BASE);
    write(
        &dir.path().join("new"),
        "vocab.omni",
        &VOCAB.replace("email_opt_in or sms_opt_in", "email_opt_in"),
    );
    let r = diff::diff_paths(&dir.path().join("old"), &dir.path().join("new")).unwrap();
    let c = &r.campaigns[0];
    assert_eq!(c.settings.len(), 1, "{:#?}", c.settings);
    assert_eq!(
        c.settings[0].new.as_deref(),
        Some("reachable (a segment or type it uses changed)")
    );
}

#[test]
fn json_and_markdown() {
    let r = diff_of(BASE, &edit("within 3d", "within 5d"));
    let json: serde_json::Value =
        serde_json::from_str(&diff::render(&r, diff::Format::Json)).unwrap();
    assert_eq!(json["changed"], true);
    assert_eq!(json["campaigns"][0]["campaign"], "welcome");
    assert_eq!(json["campaigns"][0]["steps"][0]["change"], "changed");
    assert_eq!(json["campaigns"][0]["mid_journey"][0]["rule"], "stay");
    assert_eq!(json["summary"]["changed"], 1);
    let md = diff::render(&r, diff::Format::Markdown);
    assert!(md.starts_with("### Omnis: campaign changes\n"), "{md}");
    assert!(
        md.contains("- changed `waitfor-order`: `wait for order within 3d` -&gt; `wait for order within 5d`"),
        "{md}"
    );
    assert_eq!(
        diff::md_escape("a <b> *c* `<d>` _e"),
        "a &lt;b&gt; \\*c\\* `<d>` \\_e"
    );
}

#[test]
fn cli_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    project(&d.join("old"), BASE);
    project(&d.join("same"), BASE);
    project(&d.join("new"), &edit("wait 1d", "wait 2d"));
    let o = omnis(&["diff", "old", "same"], d);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = omnis(&["diff", "old", "new", "--format", "json"], d);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap();
    // Two files work too.
    let o = omnis(&["diff", "old/welcome.omni", "new/welcome.omni"], d);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    // Errors in either side: exit 2, and the errors are shown.
    project(&d.join("bad"), &BASE.replace("send tip", "send tipp"));
    let o = omnis(&["diff", "old", "bad"], d);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("unknown-name"), "{}", text(&o));
    // Usage.
    let o = omnis(&["diff", "old"], d);
    assert_eq!(o.status.code(), Some(2));
    let o = omnis(&["diff", "old", "missing"], d);
    assert_eq!(o.status.code(), Some(2));
}

/// `git`, which must succeed.
fn git(dir: &Path, args: &[&str]) {
    let o = common::git(dir, args);
    assert!(o.status.success(), "git {args:?}: {}", text(&o));
}

#[test]
fn git_mode_compares_the_working_tree_with_a_revision() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    project(&d.join("campaigns"), BASE);
    write(d, "README.md", "not a campaign\n");
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "first"]);
    // Nothing changed.
    let o = omnis(&["diff", "--git", "HEAD"], d);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // An edit in the working tree (not committed), seen from a subfolder.
    write(
        &d.join("campaigns"),
        "welcome.omni",
        &format!(
            "import \"vocab.omni\"\n{MESSAGES}\n{}",
            edit("wait 1d", "wait 2d")
        ),
    );
    let o = omnis(&["diff", "--git", "HEAD", "."], &d.join("campaigns"));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("~ wait: wait 1d -> wait 2d"),
        "{}",
        text(&o)
    );
    // After a commit, against the previous one, as CI does with the base
    // branch.
    git(d, &["commit", "-q", "-am", "longer wait"]);
    git(d, &["branch", "base", "HEAD~1"]);
    let o = omnis(&["diff", "--git", "base", "--format", "markdown"], d);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("Between `base` and `.`"), "{}", text(&o));
    // A folder the revision does not have: everything in it is added.
    project(
        &d.join("more"),
        &BASE.replace("campaign welcome", "campaign more"),
    );
    let o = omnis(&["diff", "--git", "HEAD", "more"], d);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("campaign more (welcome.omni): added"),
        "{}",
        text(&o)
    );
    // Not a revision; not a repository.
    let o = omnis(&["diff", "--git", "no-such-rev"], d);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("`no-such-rev` is not a revision"),
        "{}",
        text(&o)
    );
    let outside = tempfile::tempdir().unwrap();
    project(outside.path(), BASE);
    let o = omnis(&["diff", "--git", "HEAD"], outside.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

/// A commit whose tree holds `..` (or `.git`), made with `git mktree` as a
/// hostile pull request could: `diff --git` refuses it and writes nothing.
#[test]
fn diff_git_refuses_tree_paths_git_fsck_rejects_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    std::fs::write(repo.join("a.omni"), "event e { source: text }\n").unwrap();
    git(&repo, &["add", "a.omni"]);
    git(&repo, &["commit", "-qm", "init"]);
    let run = |args: &[&str], input: &str| {
        use std::io::Write;
        let mut c = std::process::Command::new("git")
            .args(args)
            .current_dir(&repo)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        c.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success());
        String::from_utf8(o.stdout).unwrap().trim().to_string()
    };
    let blob = run(
        &["hash-object", "-w", "--stdin"],
        "event evil { x: text }\n",
    );
    let inner = run(&["mktree"], &format!("100644 blob {blob}\tescaped.omni\n"));
    for name in ["..", ".git"] {
        let tree = run(&["mktree"], &format!("040000 tree {inner}\t{name}\n"));
        let commit = run(&["commit-tree", &tree, "-m", "hostile"], "");
        let o = omnis(&["diff", "--git", &commit], &repo);
        assert_eq!(o.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!(
                "holds the path `{name}/escaped.omni`, which git's fsck rejects"
            )),
            "{err}"
        );
        assert!(!dir.path().join("escaped.omni").exists());
        assert!(!repo.join(".git/escaped.omni").exists());
    }
}
