//! Hand-built checked models for tests of plans and the runner (they do
//! not depend on the front end).

use std::collections::BTreeMap;

use crate::model::*;
use crate::source::{FileId, SourceFile, SourceMap, Span};

pub struct Kit {
    pub p: Program,
    pub sources: SourceMap,
    file: FileId,
    line: u32,
}

pub fn cond(kind: CondKind) -> Cond {
    Cond {
        kind,
        loc: Loc::default(),
    }
}

pub fn attr_is(a: AttrId) -> Cond {
    cond(CondKind::Attr(a))
}

pub fn cmp(lhs: Value, op: CmpOp, rhs: Value) -> Cond {
    cond(CondKind::Cmp { lhs, op, rhs })
}

pub fn num(n: f64) -> Value {
    Value::Const(Const::Number(n))
}

impl Kit {
    pub fn new() -> Kit {
        let mut sources = SourceMap::new();
        // One line per step, so locations are distinct.
        let text: String = (0..400).map(|i| format!("  line {i}\n")).collect();
        let file = sources.add(SourceFile::new(
            "/abs/campaigns/test.omni".into(),
            "campaigns/test.omni".into(),
            text,
        ));
        Kit {
            p: Program::default(),
            sources,
            file,
            line: 0,
        }
    }

    pub fn loc(&mut self) -> Loc {
        self.line += 1;
        let start = self.line as usize * 9 + 2;
        Loc::new(self.file, Span::new(start, start + 1))
    }

    pub fn attr(&mut self, name: &str, ty: Type) -> AttrId {
        let loc = self.loc();
        self.p.attributes.push(Attribute {
            name: name.into(),
            ty,
            loc,
        });
        AttrId(self.p.attributes.len() as u32 - 1)
    }

    pub fn event(&mut self, name: &str, fields: &[(&str, Type)]) -> EventId {
        let loc = self.loc();
        self.p.events.push(Event {
            name: name.into(),
            fields: fields
                .iter()
                .map(|(n, t)| Field {
                    name: (*n).into(),
                    ty: t.clone(),
                    loc,
                })
                .collect(),
            loc,
        });
        EventId(self.p.events.len() as u32 - 1)
    }

    pub fn channel(
        &mut self,
        name: &str,
        kind: &str,
        consent: Option<AttrId>,
        quiet_hours: Option<(u32, u32)>,
        limits: &[(u32, u64)],
    ) -> ChannelId {
        let loc = self.loc();
        self.p.channels.push(Channel {
            name: name.into(),
            kind: kind.into(),
            consent,
            quiet_hours,
            limits: limits
                .iter()
                .map(|&(count, per_seconds)| LimitSpec {
                    count,
                    per_seconds,
                    loc,
                })
                .collect(),
            description: None,
            loc,
            allows: Allows::default(),
        });
        ChannelId(self.p.channels.len() as u32 - 1)
    }

    pub fn segment(&mut self, name: &str, c: Cond) -> SegmentId {
        let loc = self.loc();
        self.p.segments.push(Segment {
            name: name.into(),
            cond: c,
            loc,
            allows: Allows::default(),
        });
        SegmentId(self.p.segments.len() as u32 - 1)
    }

    pub fn message(&mut self, name: &str, channel: ChannelId, template: &str) -> MessageId {
        let loc = self.loc();
        self.p.messages.push(Message {
            name: name.into(),
            channel,
            template: template.into(),
            subject: None,
            description: None,
            vars: BTreeMap::new(),
            placeholders: Vec::new(),
            loc,
            allows: Allows::default(),
        });
        MessageId(self.p.messages.len() as u32 - 1)
    }

    pub fn step(&mut self, kind: StepKind) -> Step {
        Step {
            kind,
            loc: self.loc(),
            allows: Allows::default(),
        }
    }

    pub fn block(&mut self, steps: Vec<Step>) -> Block {
        Block {
            steps,
            loc: self.loc(),
        }
    }

    /// A campaign with default properties; adjust the fields afterwards.
    pub fn campaign(&mut self, name: &str, trigger: Trigger, steps: Vec<Step>) -> CampaignId {
        let loc = self.loc();
        let journey = self.block(steps);
        self.p.campaigns.push(Campaign {
            name: name.into(),
            loc,
            allows: Allows::default(),
            description: None,
            trigger,
            trigger_loc: loc,
            audience: None,
            reentry: Reentry::Never,
            goal: None,
            exits: Vec::new(),
            limits: Vec::new(),
            window: None,
            timezone: None,
            journey,
        });
        CampaignId(self.p.campaigns.len() as u32 - 1)
    }

    pub fn campaign_mut(&mut self, c: CampaignId) -> &mut Campaign {
        &mut self.p.campaigns[c.index()]
    }

    pub fn plan(&self, c: CampaignId) -> crate::plan::Plan {
        crate::plan::emit::emit(&self.p, c, &self.sources)
    }
}

/// The shared vocabulary of the examples (a subset of `audience.omni`).
#[allow(dead_code)]
pub struct Vocab {
    pub first_name: AttrId,
    pub email: AttrId,
    pub phone: AttrId,
    pub country: AttrId,
    pub lifetime_value: AttrId,
    pub email_opt_in: AttrId,
    pub sms_opt_in: AttrId,
    pub cart_abandoned: EventId,
    pub order_placed: EventId,
    pub unsubscribed: EventId,
    pub email_ch: ChannelId,
    pub sms_ch: ChannelId,
    pub ads_ch: ChannelId,
    pub emailable: SegmentId,
    pub textable: SegmentId,
    pub recent_buyers: SegmentId,
}

pub fn vocab(k: &mut Kit) -> Vocab {
    let first_name = k.attr("first_name", Type::Text);
    let email = k.attr("email", Type::Text);
    let phone = k.attr("phone", Type::Text);
    let country = k.attr("country", Type::Text);
    let lifetime_value = k.attr("lifetime_value", Type::Number);
    let email_opt_in = k.attr("email_opt_in", Type::Bool);
    let sms_opt_in = k.attr("sms_opt_in", Type::Bool);
    let cart_abandoned = k.event(
        "cart_abandoned",
        &[("cart_id", Type::Text), ("value", Type::Number)],
    );
    let order_placed = k.event(
        "order_placed",
        &[("order_id", Type::Text), ("total", Type::Number)],
    );
    let unsubscribed = k.event("unsubscribed", &[("channel", Type::Text)]);
    let email_ch = k.channel(
        "email",
        "email",
        Some(email_opt_in),
        Some((21 * 60, 8 * 60)),
        &[(3, 86_400)],
    );
    let sms_ch = k.channel(
        "sms",
        "sms",
        Some(sms_opt_in),
        Some((20 * 60, 9 * 60)),
        &[(1, 86_400)],
    );
    let ads_ch = k.channel("social_ads", "ads", None, None, &[]);
    let is_set = |a| {
        cond(CondKind::IsSet {
            value: Value::Attr(a),
            negated: false,
        })
    };
    let emailable = k.segment(
        "emailable",
        cond(CondKind::And(vec![attr_is(email_opt_in), is_set(email)])),
    );
    let textable = k.segment(
        "textable",
        cond(CondKind::And(vec![attr_is(sms_opt_in), is_set(phone)])),
    );
    let recent_buyers = k.segment(
        "recent_buyers",
        cond(CondKind::Did {
            event: order_placed,
            filter: None,
            window: DidWindow::Within(30 * 86_400),
            at_least: 1,
        }),
    );
    Vocab {
        first_name,
        email,
        phone,
        country,
        lifetime_value,
        email_opt_in,
        sms_opt_in,
        cart_abandoned,
        order_placed,
        unsubscribed,
        email_ch,
        sms_ch,
        ads_ch,
        emailable,
        textable,
        recent_buyers,
    }
}

/// `cart_recovery.omni`, by hand.
pub fn cart_recovery() -> (Kit, CampaignId) {
    let mut k = Kit::new();
    let v = vocab(&mut k);
    let reminder = k.message("cart_reminder", v.email_ch, "cart-reminder");
    k.p.messages[reminder.index()].subject =
        Some("{{ first_name | default: \"Hi\" }}, your cart is waiting".into());
    let ploc = k.loc();
    k.p.messages[reminder.index()]
        .placeholders
        .push(PlaceholderRef {
            path: "first_name".into(),
            default: Some("Hi".into()),
            loc: ploc,
        });
    let c20 = k.message("cart_coupon_20", v.email_ch, "cart-coupon");
    k.p.messages[c20.index()]
        .vars
        .insert("discount".into(), VarValue::Number(20.0));
    k.p.messages[c20.index()]
        .vars
        .insert("free_shipping".into(), VarValue::Bool(false));
    let retarget = k.message("cart_retargeting", v.ads_ch, "cart-items-carousel");
    let c40 = k.message("cart_coupon_40", v.email_ch, "cart-coupon");
    k.p.messages[c40.index()]
        .vars
        .insert("discount".into(), VarValue::Number(40.0));
    let c40sms = k.message("cart_coupon_40_sms", v.sms_ch, "cart-coupon-sms");

    let then = {
        let s1 = k.step(StepKind::Wait { seconds: 86_400 });
        let s2 = k.step(StepKind::Send(c40));
        k.block(vec![s1, s2])
    };
    let otherwise = {
        let a = k.step(StepKind::Send(c40sms));
        let a = k.block(vec![a]);
        let b = k.step(StepKind::Send(c40));
        let b = k.block(vec![b]);
        let iff = k.step(StepKind::If {
            arms: vec![(cond(CondKind::Segment(v.textable)), a)],
            otherwise: Some(b),
        });
        k.block(vec![iff])
    };
    let steps = vec![
        k.step(StepKind::Wait { seconds: 3_600 }),
        k.step(StepKind::Send(reminder)),
        k.step(StepKind::Wait { seconds: 86_400 }),
        k.step(StepKind::Send(c20)),
        k.step(StepKind::Send(retarget)),
        k.step(StepKind::WaitFor {
            on: WaitOn::Clicked(c20),
            filter: None,
            within: 3 * 86_400,
            then: Some(then),
            otherwise: Some(otherwise),
        }),
    ];
    let filter = cmp(
        Value::TriggerField(v.cart_abandoned, 1),
        CmpOp::Ge,
        num(20.0),
    );
    let c = k.campaign(
        "cart_recovery",
        Trigger::Event {
            event: v.cart_abandoned,
            filter: Some(filter),
        },
        steps,
    );
    let loc = k.loc();
    let camp = k.campaign_mut(c);
    camp.description = Some("Bring shoppers back to the cart they left".into());
    camp.audience = Some(cond(CondKind::And(vec![
        cond(CondKind::Segment(v.emailable)),
        cond(CondKind::Not(Box::new(cond(CondKind::Segment(
            v.recent_buyers,
        ))))),
    ])));
    camp.reentry = Reentry::After(30 * 86_400);
    camp.goal = Some((v.order_placed, loc));
    camp.exits = vec![(v.unsubscribed, loc)];
    camp.limits = vec![LimitSpec {
        count: 4,
        per_seconds: 7 * 86_400,
        loc,
    }];
    (k, c)
}
