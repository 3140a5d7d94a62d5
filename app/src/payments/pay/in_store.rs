//! "I'll pay in store" on the pay page: the customer names the day they will
//! come in (the store's today up to `MAX_DAYS_AHEAD` days later), changes it,
//! or takes it back. Reminders wait while that day has not passed
//! (`reminders::ssr::schedule`) and resume by themselves after it, so nothing
//! here touches the reminder schedule. Plain form posts answered 303 (the page
//! works without JavaScript); a refusal goes back as `?in_store_error=code`
//! and nothing is saved.
use super::ssr::{find, wrong_key};
use super::{pay_state, PayState};
use crate::domain::StoreZone;
use crate::orders::model::event::EventKind;
use crate::orders::model::order;
use crate::orders::service::{add_event, long_date, order_by_id_for_update, pay_url};
use crate::proxy::ClientAddr;
use crate::state::AppState;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
    Form,
};
use sea_orm::{ActiveModelTrait, DatabaseConnection, DbErr, Set, TransactionTrait};
use serde::Deserialize;
use time::{Date, OffsetDateTime};

/// How many days after the store's today a customer may name.
pub const MAX_DAYS_AHEAD: i64 = 30;

/// Why a promise (or taking it back) was refused; `code` travels in the
/// query string, `message` is what the page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Format,
    Past,
    Far,
    /// Paid, cancelled, refunded or past its pay-by date: there is nothing
    /// to arrange, so the page says it above the order, not beside a field.
    Closed,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Format => "format",
            Refusal::Past => "past",
            Refusal::Far => "far",
            Refusal::Closed => "closed",
        }
    }

    /// The refusal a code names; anything else (a hand-edited link) is none.
    pub fn from_code(code: &str) -> Option<Refusal> {
        Some(match code {
            "format" => Refusal::Format,
            "past" => Refusal::Past,
            "far" => Refusal::Far,
            "closed" => Refusal::Closed,
            _ => return None,
        })
    }

    /// Fixed texts, like the page's other notices, in the page's language.
    pub fn message_in(self, w: crate::i18n::Words) -> String {
        match self {
            Refusal::Format => w.in_store_bad_format(),
            Refusal::Past => w.in_store_past(),
            Refusal::Far => w.in_store_far(),
            Refusal::Closed => w.in_store_closed(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message_in(crate::i18n::Lang::En.words()))
    }
}

impl std::error::Error for Refusal {}

/// The last day a customer may name on `today` (the store's date).
pub fn last_day(today: Date) -> Date {
    today + time::Duration::days(MAX_DAYS_AHEAD)
}

/// The day the form names (`[year]-[month]-[day]`, as `<input type=date>`
/// sends it), if a customer may promise it on `today`.
pub fn check_day(text: &str, today: Date) -> Result<Date, Refusal> {
    let day = Date::parse(
        text.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| Refusal::Format)?;
    if day < today {
        Err(Refusal::Past)
    } else if day > last_day(today) {
        Err(Refusal::Far)
    } else {
        Ok(day)
    }
}

/// Where the page's in-store forms post: the pay link with `/in-store`,
/// the key in the query like the page itself.
pub fn action(o: &order::Model) -> String {
    format!("/pay/{}/in-store?key={}", o.number, o.order_key.encode())
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct KeyQuery {
    #[serde(default)]
    key: String,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct InStoreForm {
    #[serde(default)]
    date: String,
    /// `1`: take the promise back ("Pay online instead").
    #[serde(default)]
    cancel: String,
}

/// What the customer asked for.
enum Ask<'a> {
    /// The form's date text, checked under the order's lock against the
    /// store's today.
    Promise(&'a str),
    Withdraw,
}

#[derive(Debug, thiserror::Error)]
enum SaveError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// `POST /pay/{number}/in-store?key=…`: the same key check (and the same
/// throttled 404) as the page, then back to the page with 303.
pub(super) async fn in_store(
    State(state): State<AppState>,
    client: ClientAddr,
    Path(number): Path<String>,
    Query(q): Query<KeyQuery>,
    Form(form): Form<InStoreForm>,
) -> Response {
    // The writer, like the save that follows: the readers may lag behind it.
    let o = match find(&state.db, &number, &q.key).await {
        Ok(Some(o)) => o,
        Ok(None) => return wrong_key(&state, client).await,
        Err(e) => {
            tracing::error!(error = %e, "loading an order for an in-store promise");
            return unavailable();
        }
    };
    let page = pay_url("", &o);
    let ask = if form.cancel == "1" {
        Ask::Withdraw
    } else {
        Ask::Promise(&form.date)
    };
    match save(&state.db, o.id, ask).await {
        Ok(()) => Redirect::to(&page).into_response(),
        Err(SaveError::Refused(r)) => {
            Redirect::to(&format!("{page}&in_store_error={}", r.code())).into_response()
        }
        Err(SaveError::Db(e)) => {
            tracing::error!(error = %e, number = o.number, "saving an in-store promise");
            unavailable()
        }
    }
}

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html("<!DOCTYPE html><html lang=\"en\"><title>Try again</title><p>Your answer could not be saved. Please go back and try again in a moment.</p>"),
    )
        .into_response()
}

/// Sets or clears `in_store_on` under the order's lock, with its timeline
/// entry. Whether the order is payable is decided on the locked row, as the
/// page decides it (status, due date and grace days, the store's today).
async fn save(db: &DatabaseConnection, order_id: i32, ask: Ask<'_>) -> Result<(), SaveError> {
    let txn = db.begin().await?;
    let store = crate::settings::ssr::store(&txn).await?;
    let now = OffsetDateTime::now_utc();
    let today = StoreZone::stored(&store.time_zone).today(now);
    let o = order_by_id_for_update(&txn, order_id)
        .await?
        .ok_or(Refusal::Closed)?;
    if pay_state(o.status, o.due_date, store.expiry_grace_days, today) != Some(PayState::Payable) {
        return Err(Refusal::Closed.into());
    }
    let (day, message) = match ask {
        Ask::Promise(text) => {
            let day = check_day(text, today)?;
            (
                Some(day),
                format!("Customer will pay in store on {}", long_date(day)),
            )
        }
        Ask::Withdraw => (None, "Customer will pay online instead".to_owned()),
    };
    // A day already past is no promise any more. Asking for what already
    // holds (a form sent twice, taking back a promise that has lapsed)
    // changes nothing and adds no second timeline entry.
    let current = o.in_store_on.filter(|d| *d >= today);
    if current == day {
        return Ok(());
    }
    let id = o.id;
    let mut active: order::ActiveModel = o.into();
    active.in_store_on = Set(day);
    // The pay page's cache keys on this: the next view shows the change.
    active.updated_at = Set(now);
    active.update(&txn).await?;
    add_event(&txn, id, EventKind::PayInStore, &message, None).await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn days_a_customer_may_name() {
        let today = date!(2026 - 12 - 6);
        assert_eq!(check_day("2026-12-06", today), Ok(today), "today");
        assert_eq!(check_day(" 2026-12-07 ", today), Ok(date!(2026 - 12 - 7)));
        assert_eq!(
            check_day("2027-01-05", today),
            Ok(date!(2027 - 1 - 5)),
            "30 days ahead, across a year"
        );
        assert_eq!(check_day("2027-01-06", today), Err(Refusal::Far));
        assert_eq!(check_day("2026-12-05", today), Err(Refusal::Past));
        for garbage in ["", "next tuesday", "2026-13-01", "2026-02-30", "06/12/2026"] {
            assert_eq!(
                check_day(garbage, today),
                Err(Refusal::Format),
                "{garbage:?}"
            );
        }
    }

    #[test]
    fn codes_round_trip() {
        for r in [
            Refusal::Format,
            Refusal::Past,
            Refusal::Far,
            Refusal::Closed,
        ] {
            assert_eq!(Refusal::from_code(r.code()), Some(r));
            for l in crate::i18n::Lang::ALL {
                assert!(!r.message_in(l.words()).is_empty());
            }
        }
        for l in crate::i18n::Lang::ALL {
            let far = Refusal::Far.message_in(l.words());
            assert!(far.contains(&MAX_DAYS_AHEAD.to_string()), "{far}");
        }
        assert_eq!(Refusal::from_code(""), None);
        assert_eq!(Refusal::from_code("<script>"), None);
    }
}
