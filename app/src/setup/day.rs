//! Home's day at a glance, read from the store (server only): orders that
//! need a person, orders expected in store today, overdue orders, and the
//! money taken today. Each list is one query on an index of its own (see
//! migration `m20261206_000001_reminders`) with a LIMIT, so Home costs the
//! same at a million orders as at ten; the balances of the orders listed
//! come from one more query, by order id. The query builders are public so
//! that the load bench can check their plans with EXPLAIN.
use super::{
    AttentionRow, DayGlance, ExpectedRow, Listed, MethodTakings, OverdueRow, TakenToday, TillCash,
};
use crate::domain::{Money, StoreZone};
use crate::orders::model::order;
use crate::orders::model::payment::{self, PaymentMethod};
use crate::orders::service::{ledger_from, long_date};
use crate::orders::{Lateness, OrderStatus};
use crate::reminders::ssr::schedule::policy_of;
use crate::settings::ssr::model as settings;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use std::collections::HashMap;
use time::{Date, Duration, OffsetDateTime};

/// Rows each list shows at most; the Orders page has the rest.
pub const SHOWN: u64 = 50;

fn payable() -> impl Iterator<Item = &'static str> {
    OrderStatus::ALL
        .into_iter()
        .filter(|s| s.is_payable())
        .map(OrderStatus::as_str)
}

/// Orders flagged for a person, the most recently changed first (flagging
/// sets `updated_at`). `>= ''` is `IS NOT NULL` for text, written so that
/// SQLite searches `ix_orders_attention`: its planner takes no index for
/// `IS NOT NULL`. And the order is not by id, which SQLite would serve by
/// reading the whole table backwards in search of 51 flagged rows.
pub fn attention_query() -> Select<order::Entity> {
    order::Entity::find()
        .filter(order::Column::Attention.gte(""))
        .order_by_desc(order::Column::UpdatedAt)
        .order_by_desc(order::Column::Id)
        .limit(SHOWN + 1)
}

/// Payable orders the customer said they would pay in store on `today`.
pub fn expected_query(today: Date) -> Select<order::Entity> {
    order::Entity::find()
        .filter(order::Column::InStoreOn.eq(today))
        .filter(order::Column::Status.is_in(payable()))
        .order_by_asc(order::Column::Number)
        .limit(SHOWN + 1)
}

/// Payable orders due before `today`, the longest overdue first: a range of
/// `ix_orders_status_due_date` per payable status.
pub fn overdue_query(today: Date) -> Select<order::Entity> {
    order::Entity::find()
        .filter(order::Column::Status.is_in(payable()))
        .filter(order::Column::DueDate.lt(today))
        .order_by_asc(order::Column::DueDate)
        .order_by_asc(order::Column::Id)
        .limit(SHOWN + 1)
}

/// Every payment row made from `from` up to `until`. No LIMIT: the totals
/// need the whole day, which is what one store's tills handle in a day.
pub fn taken_query(from: OffsetDateTime, until: OffsetDateTime) -> Select<payment::Entity> {
    payment::Entity::find()
        .filter(payment::Column::CreatedAt.gte(from))
        .filter(payment::Column::CreatedAt.lt(until))
}

/// The payment rows of the listed orders, for their balances: one query
/// instead of one per order.
pub fn payments_query(order_ids: Vec<i32>) -> Select<payment::Entity> {
    payment::Entity::find()
        .filter(payment::Column::OrderId.is_in(order_ids))
        .order_by_asc(payment::Column::Id)
}

/// The rows to show, and whether the query found more (it asks for one more).
fn shown(mut rows: Vec<order::Model>) -> (Vec<order::Model>, bool) {
    let more = rows.len() as u64 > SHOWN;
    rows.truncate(SHOWN as usize);
    (rows, more)
}

type RowsByOrder = HashMap<i32, Vec<payment::Model>>;

async fn payments_of<C: ConnectionTrait>(
    conn: &C,
    orders: &[&order::Model],
) -> Result<RowsByOrder, DbErr> {
    let mut by_order = RowsByOrder::new();
    if orders.is_empty() {
        return Ok(by_order);
    }
    let ids = orders.iter().map(|o| o.id).collect();
    for p in payments_query(ids).all(conn).await? {
        by_order.entry(p.order_id).or_default().push(p);
    }
    Ok(by_order)
}

/// What is left to pay on `o`, formatted: the ledger, as every other page reads it.
fn balance(o: &order::Model, rows: &RowsByOrder) -> String {
    let rows = rows.get(&o.id).map(Vec::as_slice).unwrap_or_default();
    Money::from_minor(ledger_from(o, rows).balance_minor(), o.currency).to_string()
}

/// Who the order is for: the billing name, else the company, else the email
/// (a walk-in sale may have none of them).
fn customer(o: &order::Model) -> String {
    let name = format!(
        "{} {}",
        o.billing_first_name.trim(),
        o.billing_last_name.trim()
    )
    .trim()
    .to_owned();
    if !name.is_empty() {
        return name;
    }
    if !o.billing_company.trim().is_empty() {
        return o.billing_company.trim().to_owned();
    }
    o.billing_email
        .clone()
        .unwrap_or_else(|| "No name given".to_owned())
}

fn expected_row(o: &order::Model, rows: &RowsByOrder) -> ExpectedRow {
    ExpectedRow {
        number: o.number,
        customer: customer(o),
        balance: balance(o, rows),
    }
}

/// The orders expected in store on the store's today, with their balances:
/// Home's list, and the POS's.
pub async fn expected_today<C: ConnectionTrait>(
    conn: &C,
    store: &settings::Model,
    now: OffsetDateTime,
) -> Result<Vec<ExpectedRow>, DbErr> {
    let today = StoreZone::stored(&store.time_zone).today(now);
    let (orders, _) = shown(expected_query(today).all(conn).await?);
    let rows = payments_of(conn, &orders.iter().collect::<Vec<_>>()).await?;
    Ok(orders.iter().map(|o| expected_row(o, &rows)).collect())
}

/// Till order: cash first, as the drawer is counted.
const METHODS: [PaymentMethod; 4] = [
    PaymentMethod::Cash,
    PaymentMethod::CardTerminal,
    PaymentMethod::Stripe,
    PaymentMethod::Other,
];

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    payments: u32,
    taken: i64,
    refunds: u32,
    refunded: i64,
}

/// The money that moved on the store's `today`, by method. Rows count as
/// the ledger counts them: kept payments, and refunds made or under way
/// (negative). A flagged payment, or one refunded automatically, is not
/// money the store keeps. Amounts are in the store's currency: it is fixed
/// once the first order exists.
pub async fn taken_today<C: ConnectionTrait>(
    conn: &C,
    store: &settings::Model,
    zone: &StoreZone,
    today: Date,
) -> Result<TakenToday, DbErr> {
    let from = zone.instant(today, 0, 0);
    // The next midnight, not 24 hours on: a day with a clock change is 23
    // or 25 hours long.
    let until = today
        .next_day()
        .map_or(from + Duration::days(1), |d| zone.instant(d, 0, 0));
    let mut tallies = [Tally::default(); METHODS.len()];
    for p in taken_query(from, until).all(conn).await? {
        if !p.status.counts_as_held() {
            continue;
        }
        let Some(i) = METHODS.iter().position(|m| *m == p.method) else {
            continue;
        };
        let t = &mut tallies[i];
        if p.amount_minor >= 0 {
            t.payments += 1;
            t.taken += p.amount_minor;
        } else {
            t.refunds += 1;
            t.refunded -= p.amount_minor;
        }
    }
    let money = |minor: i64| Money::display_stored(minor, &store.currency);
    let cash = tallies[0];
    Ok(TakenToday {
        methods: METHODS
            .iter()
            .zip(tallies)
            .filter(|(_, t)| t.payments + t.refunds > 0)
            .map(|(m, t)| MethodTakings {
                method: m.label().to_owned(),
                payments: t.payments,
                taken: money(t.taken),
                refunds: t.refunds,
                refunded: money(t.refunded),
            })
            .collect(),
        refunds: tallies.iter().map(|t| t.refunds).sum(),
        refunded: money(tallies.iter().map(|t| t.refunded).sum()),
        till: (cash.payments + cash.refunds > 0).then(|| TillCash {
            net: money(cash.taken - cash.refunded),
            taken: money(cash.taken),
            refunded: money(cash.refunded),
        }),
    })
}

/// Everything Home's day at a glance shows, at `now`.
pub async fn glance<C: ConnectionTrait>(
    conn: &C,
    store: &settings::Model,
    now: OffsetDateTime,
) -> Result<DayGlance, DbErr> {
    let zone = StoreZone::stored(&store.time_zone);
    let today = zone.today(now);
    let policy = policy_of(store);
    let (attention, attention_more) = shown(attention_query().all(conn).await?);
    let (expected, expected_more) = shown(expected_query(today).all(conn).await?);
    let (overdue, overdue_more) = shown(overdue_query(today).all(conn).await?);
    let listed: Vec<&order::Model> = expected.iter().chain(overdue.iter()).collect();
    let rows = payments_of(conn, &listed).await?;
    Ok(DayGlance {
        today: long_date(today),
        attention: Listed {
            rows: attention
                .iter()
                .map(|o| AttentionRow {
                    number: o.number,
                    customer: customer(o),
                    why: o.attention.clone().unwrap_or_default(),
                })
                .collect(),
            more: attention_more,
        },
        expected: Listed {
            rows: expected.iter().map(|o| expected_row(o, &rows)).collect(),
            more: expected_more,
        },
        overdue: Listed {
            rows: overdue
                .iter()
                .map(|o| OverdueRow {
                    number: o.number,
                    customer: customer(o),
                    balance: balance(o, &rows),
                    days_overdue: o.due_date.map_or(0, |due| (today - due).whole_days()),
                    expired: Lateness::of(o.status, o.due_date, store.expiry_grace_days, today)
                        == Some(Lateness::Expired),
                    next_reminder: crate::reminders::ssr::schedule::planned_label(
                        &policy, &zone, o,
                    ),
                })
                .collect(),
            more: overdue_more,
        },
        taken: taken_today(conn, store, &zone, today).await?,
    })
}
