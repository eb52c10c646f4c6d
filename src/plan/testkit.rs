//! Hand-built checked models for tests of plans and the runner (they do
//! not depend on the front end), built with the graph tests'
//! [`ProgramBuilder`] ([`ProgramBuilder::with_source`], so plans can be
//! emitted).

pub use crate::graph::testkit::{on_event, ProgramBuilder};
use crate::model::*;
use crate::plan::Plan;

/// Plans of built campaigns (the graph's builder knows nothing of plans).
pub trait EmitPlan {
    /// The campaign's plan; locations resolve with
    /// [`ProgramBuilder::with_source`].
    fn plan(&self, c: CampaignId) -> Plan;
}

impl EmitPlan for ProgramBuilder {
    fn plan(&self, c: CampaignId) -> Plan {
        crate::plan::emit::emit(&self.program, c, &self.sources)
    }
}

/// A condition with no location (unlike [`ProgramBuilder::cond`], it takes
/// none of the builder's, so the steps' locations stay as they were).
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

pub fn vocab(k: &mut ProgramBuilder) -> Vocab {
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
    let email_ch = k.channel_with(
        "email",
        "email",
        Some(email_opt_in),
        Some((21 * 60, 8 * 60)),
        &[(3, 86_400)],
    );
    let sms_ch = k.channel_with(
        "sms",
        "sms",
        Some(sms_opt_in),
        Some((20 * 60, 9 * 60)),
        &[(1, 86_400)],
    );
    let ads_ch = k.channel_with("social_ads", "ads", None, None, &[]);
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
pub fn cart_recovery() -> (ProgramBuilder, CampaignId) {
    let mut k = ProgramBuilder::with_source();
    let v = vocab(&mut k);
    let reminder = k.message_with("cart_reminder", v.email_ch, "cart-reminder");
    k.program.messages[reminder.index()].subject =
        Some("{{ first_name | default: \"Hi\" }}, your cart is waiting".into());
    let ploc = k.loc();
    k.program.messages[reminder.index()]
        .placeholders
        .push(PlaceholderRef {
            path: "first_name".into(),
            default: Some("Hi".into()),
            loc: ploc,
        });
    let c20 = k.message_with("cart_coupon_20", v.email_ch, "cart-coupon");
    k.program.messages[c20.index()]
        .vars
        .insert("discount".into(), VarValue::Number(20.0));
    k.program.messages[c20.index()]
        .vars
        .insert("free_shipping".into(), VarValue::Bool(false));
    let retarget = k.message_with("cart_retargeting", v.ads_ch, "cart-items-carousel");
    let c40 = k.message_with("cart_coupon_40", v.email_ch, "cart-coupon");
    k.program.messages[c40.index()]
        .vars
        .insert("discount".into(), VarValue::Number(40.0));
    let c40sms = k.message_with("cart_coupon_40_sms", v.sms_ch, "cart-coupon-sms");

    let then = {
        let s1 = k.wait(86_400);
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
        k.wait(3_600),
        k.step(StepKind::Send(reminder)),
        k.wait(86_400),
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
