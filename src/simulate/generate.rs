//! Random populations for `--people N`: attributes drawn from the plan's
//! profile types, and event streams over the two weeks from the campaign's
//! start, with triggers, goals, exits, engagement and attribute changes.
//! Constants the plan compares attributes and fields with are favoured, so
//! filters and branches go both ways. Deterministic for a seed.

use std::collections::{BTreeMap, HashMap};

use super::{Input, Person, PersonScenario, Scenario, Value};
use crate::plan::{
    time, BasicType, EdgeLabel, Expr, NodeKind, Operand, Plan, Trigger, ValueType, VarValue,
};

/// SplitMix64: a small, fast random generator that gives the same numbers
/// on every machine (populations must be reproducible from their seed).
#[derive(Clone, Debug)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One of `xs` (not empty).
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

const ZONES: &[&str] = &["UTC", "Europe/Riga", "America/New_York", "Asia/Tokyo"];
const DAY: i64 = 86_400;
const SPAN: i64 = 14 * DAY;

/// Constants compared with each attribute (`attr`) and event field
/// (`event.field`) anywhere in the plan.
fn constants(plan: &Plan) -> HashMap<String, Vec<Value>> {
    fn key(o: &Operand) -> Option<String> {
        match o {
            Operand::Attr { attr, .. } => Some(attr.clone()),
            Operand::TriggerField {
                trigger_field,
                event,
                ..
            } => Some(format!("{event}.{trigger_field}")),
            Operand::EventField {
                event_field, event, ..
            } => Some(format!("{event}.{event_field}")),
            _ => None,
        }
    }
    fn value(o: &Operand) -> Option<Value> {
        match o {
            Operand::Const { value } => Some(match value {
                VarValue::Bool(b) => Value::Bool(*b),
                VarValue::Number(n) => Value::Number(n.0),
                VarValue::Text(s) => Value::Text(s.clone()),
            }),
            Operand::Date { date } => Some(Value::Text(date.clone())),
            _ => None,
        }
    }
    fn walk(e: &Expr, out: &mut HashMap<String, Vec<Value>>) {
        match e {
            Expr::And { args } | Expr::Or { args } => args.iter().for_each(|a| walk(a, out)),
            Expr::Not { arg } | Expr::Segment { arg, .. } => walk(arg, out),
            Expr::Cmp { left, right, .. } => {
                for (a, b) in [(left, right), (right, left)] {
                    if let (Some(k), Some(v)) = (key(a), value(b)) {
                        out.entry(k).or_default().push(v);
                    }
                }
            }
            Expr::In { value: v, list } | Expr::NotIn { value: v, list } => {
                if let Some(k) = key(v) {
                    out.entry(k)
                        .or_default()
                        .extend(list.iter().filter_map(value));
                }
            }
            // A list's elements: keyed by the list's name (see `random_value`).
            Expr::Contains { list, item } => {
                let Some(k) = key(list) else { return };
                if let Some(v) = value(item) {
                    out.entry(k).or_default().push(v);
                } else if let (
                    Some(f),
                    Operand::TriggerField { ty, .. } | Operand::EventField { ty, .. },
                ) = (key(item), item)
                {
                    // A text field: the values `random_value` gives it, so
                    // that lists sometimes hold the field's value.
                    if *ty == ValueType::TEXT {
                        let field = f.rsplit('.').next().unwrap_or(&f).to_string();
                        out.entry(k)
                            .or_default()
                            .extend((0..10).map(|i| Value::Text(format!("{field}-{i}"))));
                    }
                }
            }
            Expr::Did {
                filter: Some(f), ..
            } => walk(f, out),
            _ => {}
        }
    }
    let mut out = HashMap::new();
    match &plan.trigger {
        Trigger::Event {
            filter: Some(f), ..
        } => walk(f, &mut out),
        Trigger::Enters { condition, .. } => walk(condition, &mut out),
        _ => {}
    }
    if let Some(a) = &plan.audience {
        walk(a, &mut out);
    }
    for s in plan.segments.values() {
        walk(s, &mut out);
    }
    for n in &plan.nodes {
        match &n.kind {
            NodeKind::WaitFor {
                filter: Some(f), ..
            } => walk(f, &mut out),
            NodeKind::WaitForAny { arms, .. } => {
                for f in arms.iter().filter_map(|a| a.filter.as_ref()) {
                    walk(f, &mut out);
                }
            }
            _ => {}
        }
        for e in &n.successors {
            if let EdgeLabel::Then { when } = &e.label {
                walk(when, &mut out);
            }
        }
    }
    out
}

fn random_value(
    rng: &mut Rng,
    ty: &ValueType,
    name: &str,
    person: u64,
    consts: &HashMap<String, Vec<Value>>,
    base: i64,
) -> Value {
    let list = matches!(ty, ValueType::ListOf { .. });
    if let Some(cs) = consts.get(name).filter(|_| !list) {
        if rng.chance(50) {
            let v = cs[rng.below(cs.len() as u64) as usize].clone();
            // Near the constant, so `>=` goes both ways.
            return match v {
                Value::Number(n) => Value::Number(n + rng.below(3) as f64 - 1.0),
                v => v,
            };
        }
    }
    match ty {
        ValueType::Basic(BasicType::Bool) => Value::Bool(rng.chance(70)),
        ValueType::Basic(BasicType::Number) => Value::Number(rng.below(1_000) as f64),
        ValueType::Basic(BasicType::Time) => {
            Value::Text(time::format_instant(base - rng.below(365 * 86_400) as i64))
        }
        ValueType::Basic(BasicType::Date) => {
            // A day in the 80 years before the base: birthdays, renewals.
            let day = base.div_euclid(86_400) - rng.below(80 * 365) as i64;
            Value::Text(time::format_day(day))
        }
        ValueType::OneOf { one_of } => {
            Value::Text(one_of[rng.below(one_of.len() as u64) as usize].clone())
        }
        ValueType::ListOf { list_of } => {
            // Up to three elements; the constants of `contains` go in
            // through `consts` for the list's name.
            let n = rng.below(4);
            Value::List(
                (0..n)
                    .map(|_| element(rng, list_of, name, person, consts, base))
                    .collect(),
            )
        }
        ValueType::Basic(BasicType::Text) => {
            let field = name.rsplit('.').next().unwrap_or(name);
            if field.contains("email") {
                Value::Text(format!("p{person}@example.com"))
            } else if field.contains("phone") {
                Value::Text(format!("+1555{person:07}"))
            } else {
                Value::Text(format!("{field}-{}", rng.below(10)))
            }
        }
    }
}

/// An element of the list `name`: one of the constants its `contains`
/// tests name, half the time.
fn element(
    rng: &mut Rng,
    ty: &ValueType,
    name: &str,
    person: u64,
    consts: &HashMap<String, Vec<Value>>,
    base: i64,
) -> Value {
    match consts.get(name) {
        Some(cs) if rng.chance(50) => cs[rng.below(cs.len() as u64) as usize].clone(),
        _ => random_value(rng, ty, name, person, &HashMap::new(), base),
    }
}

/// Makes random people for a plan one at a time (so a population of
/// millions need not be held), deterministic for a seed: the `i`-th person
/// is the same whatever the population's size.
pub struct Generator<'p> {
    plan: &'p Plan,
    rng: Rng,
    consts: HashMap<String, Vec<Value>>,
    base: i64,
    trigger_event: Option<String>,
    next: u64,
}

impl<'p> Generator<'p> {
    pub fn new(plan: &'p Plan, seed: u64) -> Generator<'p> {
        let base = plan
            .window
            .as_ref()
            .and_then(|w| time::parse_instant(&w.opens_at))
            .or(match &plan.trigger {
                Trigger::Once { date, .. } => time::parse_instant(&format!("{date}T00:00:00Z")),
                _ => None,
            })
            .unwrap_or(1_795_132_800); // 2026-11-20T00:00:00Z
        Generator {
            plan,
            rng: Rng(seed ^ 0x6f6d_6e69_7321),
            consts: constants(plan),
            base,
            trigger_event: match &plan.trigger {
                Trigger::Event { event, .. } => Some(event.clone()),
                _ => None,
            },
            next: 0,
        }
    }

    /// Where simulated time starts for the population: its inputs fall in
    /// the two weeks from here.
    pub fn start(&self) -> i64 {
        self.base
    }

    /// The last instant an input can fall on.
    pub fn last_input(&self) -> i64 {
        self.base + SPAN - 1
    }

    fn at(&mut self) -> String {
        time::format_instant(self.base + self.rng.below(SPAN as u64) as i64)
    }

    fn event_input(&mut self, name: &str, person: u64) -> Input {
        let plan = self.plan;
        let fields = plan.events[name]
            .fields
            .iter()
            .map(|(f, ty)| {
                let key = format!("{name}.{f}");
                let v = match ty {
                    ValueType::Basic(BasicType::Number) if !self.consts.contains_key(&key) => {
                        Value::Number(self.rng.below(200) as f64)
                    }
                    _ => random_value(&mut self.rng, ty, &key, person, &self.consts, self.base),
                };
                (f.clone(), v)
            })
            .collect();
        Input {
            at: self.at(),
            event: Some(name.to_string()),
            fields,
            ..Input::default()
        }
    }

    /// The value of a date trigger's attribute (`name`), chosen so that the
    /// trigger fires in the span of the inputs: the day (for `yearly`, an
    /// anniversary 18 to 70 years later) moved by the offset falls in it.
    fn trigger_date(&mut self, name: &str, ty: &ValueType) -> Option<Value> {
        let Trigger::Date {
            attribute,
            offset_days,
            yearly,
            ..
        } = &self.plan.trigger
        else {
            return None;
        };
        if attribute != name {
            return None;
        }
        let fires = self.base.div_euclid(DAY) + self.rng.below((SPAN / DAY) as u64) as i64;
        let mut day = fires.checked_sub(*offset_days)?;
        if *yearly {
            let years = 18 + self.rng.below(53) as i64;
            let shifted = time::format_day(day);
            let (y, rest) = shifted.split_once('-')?;
            let y: i64 = y.parse().ok()?;
            let back = format!("{:04}-{rest}", (y - years).max(0));
            day = crate::simulate::prepare::day_number(&back).or_else(|| {
                crate::simulate::prepare::day_number(&back.replace("-02-29", "-02-28"))
            })?;
        }
        Some(match ty {
            ValueType::Basic(BasicType::Time) => {
                Value::Text(time::format_instant(day * DAY + 12 * 3_600))
            }
            _ => Value::Text(time::format_day(day)),
        })
    }

    /// The next person (ids `p0`, `p1`, ...).
    pub fn person(&mut self) -> PersonScenario {
        let plan = self.plan;
        let i = self.next;
        self.next += 1;
        let mut attributes = BTreeMap::new();
        for (name, ty) in &plan.profile {
            if self.rng.chance(10) {
                continue;
            }
            let v = if plan.timezone_attribute.as_deref() == Some(name) {
                Value::Text(ZONES[self.rng.below(ZONES.len() as u64) as usize].to_string())
            } else if let Some(v) = self.trigger_date(name, ty) {
                v
            } else {
                random_value(&mut self.rng, ty, name, i, &self.consts, self.base)
            };
            attributes.insert(name.clone(), v);
        }
        let mut events = Vec::new();
        if let Some(t) = self.trigger_event.clone() {
            for _ in 0..1 + self.rng.below(3) {
                events.push(self.event_input(&t, i));
            }
        }
        for name in plan.events.keys() {
            if Some(name) == self.trigger_event.as_ref() {
                continue;
            }
            let percent = if plan.goal.as_ref() == Some(name) {
                30
            } else if plan.exits.contains(name) {
                5
            } else {
                25
            };
            if self.rng.chance(percent) {
                events.push(self.event_input(name, i));
            }
        }
        for m in plan.messages.keys() {
            if self.rng.chance(40) {
                events.push(Input {
                    at: self.at(),
                    opened: Some(m.clone()),
                    ..Input::default()
                });
            }
            if self.rng.chance(25) {
                events.push(Input {
                    at: self.at(),
                    clicked: Some(m.clone()),
                    ..Input::default()
                });
            }
        }
        // Attribute changes (and so segment entries).
        for _ in 0..self.rng.below(3) {
            if plan.profile.is_empty() {
                break;
            }
            let k = self.rng.below(plan.profile.len() as u64) as usize;
            let (name, ty) = plan.profile.iter().nth(k).expect("in range");
            let v = random_value(&mut self.rng, ty, name, i, &self.consts, self.base);
            events.push(Input {
                at: self.at(),
                set: Some(BTreeMap::from([(name.clone(), v)])),
                ..Input::default()
            });
        }
        events.sort_by(|a, b| a.at.cmp(&b.at));
        PersonScenario {
            person: Person {
                id: format!("p{i}"),
                attributes,
            },
            events,
            expect: None,
        }
    }
}

/// `n` random people for `plan`, deterministic for `seed` (the first `n`
/// of [`Generator`]). Their inputs fall in the two weeks from the window's
/// opening (or the `once` trigger's day, or 2026-11-20).
pub fn generate_people(plan: &Plan, n: usize, seed: u64) -> Scenario {
    let mut g = Generator::new(plan, seed);
    let people = (0..n).map(|_| g.person()).collect();
    Scenario {
        start: Some(time::format_instant(g.start())),
        until: None,
        people,
    }
}
