//! Scenarios: people and what they do over time, read from YAML (or JSON)
//! with the position of every person, input and `expect` list, so that
//! problems point at lines and `--update-expect` can rewrite the lists.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::yaml::{self, Kind, Node, Plain, Pos, YamlError};
use super::SimError;

/// A scenario: people and what they do over time.
///
/// In YAML, either one person (`person`, `events`, `expect`) or
/// `people: [{person, events, expect}, ...]`, with optional `start` and
/// `until` (RFC 3339) bounding the simulated time.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// Simulated time starts here (default: the earliest of the first
    /// input, the window's opening and the day before a `once` trigger's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// Simulated time stops here (default: the last input, or `start`,
    /// plus the plan's longest bounded `latest` and 8 days; 365 days when
    /// the journey is unbounded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    pub people: Vec<PersonScenario>,
}

/// One person and their inputs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonScenario {
    pub person: Person,
    /// Inputs in any order; equal times keep their order.
    #[serde(default)]
    pub events: Vec<Input>,
    /// The expected timeline, one [`super::Entry::human`] line each
    /// (without the person), for [`super::check_expectations`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Vec<String>>,
}

/// A person at the start of the simulation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub id: String,
    /// Profile attributes (unset when absent or `null`). Times are RFC 3339
    /// strings.
    #[serde(default)]
    pub attributes: BTreeMap<String, Value>,
}

/// A scalar in a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    /// A list, for a `list of ...` attribute or field.
    List(Vec<Value>),
}

impl Value {
    /// The value as a person reads it in a message: `true`, `80`, the text
    /// `"yes"`.
    pub fn describe(&self) -> String {
        match self {
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => format!("the number {n}"),
            Value::Text(s) => format!("the text {s:?}"),
            Value::List(_) => "a list".into(),
        }
    }
}

/// Something that happens at `at`: exactly one of `event` (with `fields`),
/// `opened`, `clicked` (a message) or `set` (attributes; `null` unsets).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    pub at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clicked: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<BTreeMap<String, Value>>,
}

/// Where in a scenario a problem is: a position from the reader, or a
/// person, input or name that [`ScenarioDoc::locate`] turns into one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    Unknown,
    At(Pos),
    Start,
    Until,
    Person(usize),
    /// A person's attribute, by name.
    Attribute(usize, String),
    /// A person's input (both 0-based, in file order).
    Input(usize, usize),
    /// A key of an input: `event`, `opened`, `clicked`, `at`, or
    /// `fields.NAME`, `set.NAME`.
    InputKey(usize, usize, String),
}

/// A scenario that does not fit the plan or is malformed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    pub message: String,
    pub place: Place,
}

impl ScenarioError {
    pub fn new(message: impl Into<String>, place: Place) -> ScenarioError {
        ScenarioError {
            message: message.into(),
            place,
        }
    }
}

impl From<YamlError> for SimError {
    fn from(e: YamlError) -> SimError {
        SimError::Scenario(ScenarioError::new(e.message, Place::At(e.pos)))
    }
}

/// A scenario as read from a file, with where its parts are.
#[derive(Clone, Debug)]
pub struct ScenarioDoc {
    pub scenario: Scenario,
    pub(super) layout: Layout,
}

#[derive(Clone, Debug, Default)]
pub(super) struct Layout {
    start: Option<Pos>,
    until: Option<Pos>,
    pub(super) people: Vec<PersonLayout>,
}

#[derive(Clone, Debug, Default)]
pub(super) struct PersonLayout {
    pos: Pos,
    attrs: Vec<(String, Pos)>,
    inputs: Vec<InputLayout>,
    /// The mapping that holds (or would hold) `expect`.
    pub(super) holder: Holder,
    pub(super) expect: Option<ExpectLayout>,
}

#[derive(Clone, Debug, Default)]
pub(super) struct Holder {
    pub(super) flow: bool,
    /// The column of its keys (1-based).
    pub(super) key_column: usize,
    /// The end of its last value.
    pub(super) last_end: Pos,
}

#[derive(Clone, Debug)]
pub(super) struct ExpectLayout {
    /// Just after the `expect` key.
    pub(super) key_end: Pos,
    /// The end of the list.
    pub(super) end: Pos,
    /// The column of the list's items, when it is a block list with items.
    pub(super) item_column: Option<usize>,
}

#[derive(Clone, Debug, Default)]
struct InputLayout {
    pos: Pos,
    keys: Vec<(String, Pos)>,
}

impl ScenarioDoc {
    /// Reads a scenario (YAML, or JSON), within the bounds of
    /// [`yaml::MAX_BYTES`], [`yaml::MAX_DEPTH`] and
    /// [`yaml::MAX_ALIAS_NODES`].
    pub fn parse(text: &str) -> Result<ScenarioDoc, SimError> {
        let root = yaml::parse(text)?.ok_or_else(|| {
            SimError::Scenario(ScenarioError::new(
                "the scenario is empty: give `person` and `events`, or `people`",
                Place::At(Pos {
                    line: 1,
                    column: 1,
                    byte: 0,
                }),
            ))
        })?;
        let mut layout = Layout::default();
        let top = mapping(&root, "a scenario")?;
        let [start, until, person, events, expect, people] = fields(
            top,
            &["start", "until", "person", "events", "expect", "people"],
            "the scenario",
        )?;
        let mut scenario = Scenario::default();
        if let Some((_, n)) = start {
            scenario.start = Some(text_of(n, "`start`")?);
            layout.start = Some(n.start);
        }
        if let Some((_, n)) = until {
            scenario.until = Some(text_of(n, "`until`")?);
            layout.until = Some(n.start);
        }
        match person {
            Some((_, p)) => {
                let (one, l) = read_person(p, events, expect, &root)?;
                scenario.people.push(one);
                layout.people.push(l);
            }
            None => {
                if let Some((k, _)) = events.or(expect) {
                    return Err(at(
                        "`events` and `expect` need a `person` (or use `people`)",
                        k,
                    ));
                }
            }
        }
        if let Some((_, list)) = people {
            for item in seq(list, "`people`", "a list of people")? {
                let entries = mapping(item, "a person (`person`, `events`, `expect`)")?;
                let [person, events, expect] =
                    fields(entries, &["person", "events", "expect"], "a person's entry")?;
                let Some((_, p)) = person else {
                    return Err(at("this entry of `people` has no `person`", item));
                };
                let (one, l) = read_person(p, events, expect, item)?;
                scenario.people.push(one);
                layout.people.push(l);
            }
        }
        Ok(ScenarioDoc { scenario, layout })
    }

    /// The position of a place, when known.
    pub fn locate(&self, place: &Place) -> Option<Pos> {
        let l = &self.layout;
        match place {
            Place::Unknown => None,
            Place::At(p) => Some(*p),
            Place::Start => l.start,
            Place::Until => l.until,
            Place::Person(i) => l.people.get(*i).map(|p| p.pos),
            Place::Attribute(i, name) => l.people.get(*i).map(|p| {
                p.attrs
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or(p.pos, |(_, pos)| *pos)
            }),
            Place::Input(i, j) => l.people.get(*i)?.inputs.get(*j).map(|x| x.pos),
            Place::InputKey(i, j, key) => l.people.get(*i)?.inputs.get(*j).map(|x| {
                x.keys
                    .iter()
                    .find(|(k, _)| k == key)
                    .map_or(x.pos, |(_, pos)| *pos)
            }),
        }
    }
}

type Entry<'a> = Option<&'a (Node, Node)>;

fn at(message: impl Into<String>, node: &Node) -> SimError {
    SimError::Scenario(ScenarioError::new(message, Place::At(node.start)))
}

fn mapping<'a>(n: &'a Node, what: &str) -> Result<&'a [(Node, Node)], SimError> {
    match &n.kind {
        Kind::Map(entries) => Ok(entries),
        _ => Err(at(format!("expected {what}, found {}", n.what()), n)),
    }
}

fn seq<'a>(n: &'a Node, name: &str, what: &str) -> Result<&'a [Node], SimError> {
    match &n.kind {
        Kind::Seq(items) => Ok(items),
        _ => Err(at(format!("{name} must be {what}, found {}", n.what()), n)),
    }
}

/// A key's text (keys are plain names).
fn key_of(n: &Node) -> Result<&str, SimError> {
    match &n.kind {
        Kind::Scalar { text, .. } => Ok(text),
        _ => Err(at(format!("a key must be a name, found {}", n.what()), n)),
    }
}

/// The entries of a mapping for `names`, in that order; an unknown or
/// repeated key is an error.
fn fields<'a, const N: usize>(
    entries: &'a [(Node, Node)],
    names: &[&str; N],
    what: &str,
) -> Result<[Entry<'a>; N], SimError> {
    let mut out = [None; N];
    for e in entries {
        let k = key_of(&e.0)?;
        let Some(i) = names.iter().position(|n| *n == k) else {
            let hint = crate::suggest::did_you_mean(k, names.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            let list = names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(at(
                format!("unknown key `{k}` in {what}{hint}; the keys are {list}"),
                &e.0,
            ));
        };
        if out[i].is_some() {
            return Err(at(format!("`{k}` is given twice in {what}"), &e.0));
        }
        out[i] = Some(e);
    }
    Ok(out)
}

/// A name, a time or a line: any scalar, as written.
fn text_of(n: &Node, what: &str) -> Result<String, SimError> {
    match &n.kind {
        Kind::Scalar { text, plain } if !(*plain && yaml::resolve_plain(text) == Plain::Null) => {
            Ok(text.clone())
        }
        Kind::Scalar { .. } => Err(at(format!("{what} has no value"), n)),
        _ => Err(at(
            format!("{what} must be a single value, found {}", n.what()),
            n,
        )),
    }
}

/// An attribute or field value.
fn value_of(n: &Node, what: &str) -> Result<Value, SimError> {
    match &n.kind {
        Kind::Scalar { text, plain: true } => Ok(match yaml::resolve_plain(text) {
            Plain::Null => Value::Null,
            Plain::Bool(b) => Value::Bool(b),
            Plain::Number(x) => Value::Number(x),
            Plain::Text => Value::Text(text.clone()),
        }),
        Kind::Scalar { text, .. } => Ok(Value::Text(text.clone())),
        Kind::Seq(items) => items
            .iter()
            .map(|i| match &i.kind {
                Kind::Scalar { .. } => value_of(i, what),
                _ => Err(at(
                    format!(
                        "the elements of {what} must be single values, found {}",
                        i.what()
                    ),
                    i,
                )),
            })
            .collect::<Result<_, _>>()
            .map(Value::List),
        _ => Err(at(
            format!(
                "{what} must be a value (text, a number, true or false, a list of them, \
                 or null), found {}",
                n.what()
            ),
            n,
        )),
    }
}

/// `name: value` pairs, and where each name is (key, position).
type Values = (BTreeMap<String, Value>, Vec<(String, Pos)>);

/// `name: value` pairs, with where each name is.
fn values(n: &Node, what: &str, prefix: &str) -> Result<Values, SimError> {
    let mut map = BTreeMap::new();
    let mut pos = Vec::new();
    for (k, v) in mapping(n, &format!("{what} (`name: value` pairs)"))? {
        let name = key_of(k)?;
        let value = value_of(v, &format!("`{name}`"))?;
        if map.insert(name.to_string(), value).is_some() {
            return Err(at(format!("`{name}` is given twice in {what}"), k));
        }
        pos.push((format!("{prefix}{name}"), k.start));
    }
    Ok((map, pos))
}

fn read_person(
    person: &Node,
    events: Entry,
    expect: Entry,
    holder: &Node,
) -> Result<(PersonScenario, PersonLayout), SimError> {
    let entries = mapping(person, "a person (`id`, `attributes`)")?;
    let [id, attributes] = fields(entries, &["id", "attributes"], "a person")?;
    let Some((_, id)) = id else {
        return Err(at("the person has no `id`", person));
    };
    let id = text_of(id, "the person's `id`")?;
    let (attributes, attrs) = match attributes {
        Some((_, a)) => values(a, "`attributes`", "")?,
        None => Default::default(),
    };
    let mut inputs = Vec::new();
    let mut layouts = Vec::new();
    if let Some((_, list)) = events {
        for item in seq(list, "`events`", "a list of inputs")? {
            let (input, l) = read_input(item)?;
            inputs.push(input);
            layouts.push(l);
        }
    }
    let (expect, expect_layout) = match expect {
        Some((k, list)) => {
            let items = seq(list, "`expect`", "a list of timeline lines")?;
            let lines = items
                .iter()
                .map(|i| text_of(i, "a line of `expect`"))
                .collect::<Result<Vec<_>, _>>()?;
            let layout = ExpectLayout {
                key_end: k.end,
                end: list.end,
                item_column: (!list.flow && !items.is_empty()).then_some(list.start.column),
            };
            (Some(lines), Some(layout))
        }
        None => (None, None),
    };
    let holder = match &holder.kind {
        Kind::Map(entries) => Holder {
            flow: holder.flow,
            key_column: entries.first().map_or(1, |(k, _)| k.start.column),
            last_end: entries.last().map_or(holder.end, |(_, v)| v.end),
        },
        _ => Holder::default(),
    };
    Ok((
        PersonScenario {
            person: Person { id, attributes },
            events: inputs,
            expect,
        },
        PersonLayout {
            pos: person.start,
            attrs,
            inputs: layouts,
            holder,
            expect: expect_layout,
        },
    ))
}

fn read_input(n: &Node) -> Result<(Input, InputLayout), SimError> {
    let entries = mapping(
        n,
        "an input (`at` and one of `event`, `opened`, `clicked`, `set`)",
    )?;
    let [at_, event, fields_, opened, clicked, set] = fields(
        entries,
        &["at", "event", "fields", "opened", "clicked", "set"],
        "an input",
    )?;
    let mut keys = Vec::new();
    let mut name = |e: Entry, key: &str| -> Result<Option<String>, SimError> {
        e.map(|(_, v)| {
            keys.push((key.to_string(), v.start));
            text_of(v, &format!("`{key}`"))
        })
        .transpose()
    };
    let Some(at_value) = name(at_, "at")? else {
        return Err(at("this input has no `at` (when it happens)", n));
    };
    let event = name(event, "event")?;
    let opened = name(opened, "opened")?;
    let clicked = name(clicked, "clicked")?;
    let mut input = Input {
        at: at_value,
        event,
        opened,
        clicked,
        ..Input::default()
    };
    if let Some((_, f)) = fields_ {
        let (map, pos) = values(f, "`fields`", "fields.")?;
        input.fields = map;
        keys.extend(pos);
    }
    if let Some((_, s)) = set {
        let (map, pos) = values(s, "`set`", "set.")?;
        input.set = Some(map);
        keys.extend(pos);
    }
    Ok((input, InputLayout { pos: n.start, keys }))
}

impl Scenario {
    /// Reads a scenario file (YAML, or JSON). See [`ScenarioDoc::parse`]
    /// to keep the positions of its parts.
    pub fn from_yaml(text: &str) -> Result<Scenario, SimError> {
        Ok(ScenarioDoc::parse(text)?.scenario)
    }

    /// The scenario as YAML (always in the `people` form).
    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).expect("scenarios serialize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(yaml: &str) -> (String, Option<(usize, usize)>) {
        match ScenarioDoc::parse(yaml) {
            Err(SimError::Scenario(e)) => {
                let pos = match e.place {
                    Place::At(p) => Some((p.line, p.column)),
                    _ => None,
                };
                (e.message, pos)
            }
            other => panic!("{yaml}: {other:?}"),
        }
    }

    #[test]
    fn reads_both_forms_with_positions() {
        let one = "person: { id: p1, attributes: { a: true, n: 3, t: \"x\", u: ~ } }\n\
                   events:\n  - { at: \"2026-11-20T10:00:00Z\", event: e, fields: { v: 80 } }\n\
                   expect: []\n";
        let doc = ScenarioDoc::parse(one).unwrap();
        let p = &doc.scenario.people[0];
        assert_eq!(p.person.id, "p1");
        assert_eq!(p.person.attributes["a"], Value::Bool(true));
        assert_eq!(p.person.attributes["n"], Value::Number(3.0));
        assert_eq!(p.person.attributes["t"], Value::Text("x".into()));
        assert_eq!(p.person.attributes["u"], Value::Null);
        assert_eq!(p.events[0].fields["v"], Value::Number(80.0));
        assert_eq!(p.expect, Some(vec![]));
        let pos = doc.locate(&Place::InputKey(0, 0, "event".into())).unwrap();
        assert_eq!((pos.line, pos.column), (3, 42));
        let pos = doc.locate(&Place::Attribute(0, "n".into())).unwrap();
        assert_eq!((pos.line, pos.column), (1, 42));
        let many = "people:\n  - person: { id: a }\n  - person: { id: b }\n    events: []\n";
        let doc = ScenarioDoc::parse(many).unwrap();
        assert_eq!(doc.scenario.people.len(), 2);
        assert_eq!(doc.locate(&Place::Person(1)).unwrap().line, 3);
        // JSON is YAML.
        let json = r#"{"people": [{"person": {"id": "j"}, "expect": ["x"]}]}"#;
        assert_eq!(Scenario::from_yaml(json).unwrap().people[0].person.id, "j");
    }

    #[test]
    fn mistakes_are_errors_with_a_line_and_no_rust_wording() {
        let cases = [
            (
                "person: { id: p1 }\nevnets: []\n",
                "did you mean `events`",
                (2, 1),
            ),
            (
                "people:\n  - person: { id: p1, atributes: {} }\n",
                "`attributes`",
                (2, 23),
            ),
            (
                "person: { id: p1 }\nevents: { a: 1 }\n",
                "`events` must be a list",
                (2, 9),
            ),
            (
                "person: { id: p1 }\nevents:\n  - { event: e }\n",
                "no `at`",
                (3, 5),
            ),
            ("person: { id: [1] }\n", "single value", (1, 15)),
            (
                "person: { id: p1, attributes: { a: { b: 1 } } }\n",
                "`a` must be a value",
                (1, 36),
            ),
            (
                "person: { id: p1, attributes: { a: [[1]] } }\n",
                "the elements of `a` must be single values",
                (1, 37),
            ),
            ("events: []\n", "need a `person`", (1, 1)),
            ("people: [ { events: [] } ]\n", "no `person`", (1, 11)),
            (
                "person: { id: p1 }\nperson: { id: p2 }\n",
                "given twice",
                (2, 1),
            ),
            ("person: { id: p1\n", "", (2, 1)),
            ("", "empty", (1, 1)),
        ];
        for (yaml, want, pos) in cases {
            let (message, got) = error(yaml);
            assert!(message.contains(want), "{yaml}: {message}");
            assert_eq!(got, Some(pos), "{yaml}: {message}");
            assert!(!message.contains("Text(") && !message.contains("Some("));
        }
    }
}
