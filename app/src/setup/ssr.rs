//! Reading each setup step's state from the store, and the two setup posts:
//! dismissing an optional step and checking Stripe.
use super::{Checklist, Step, StepState};
use crate::catalog::ssr::model as product;
use crate::forms::ssr::{put_flash, see_other, staff_for_post, Access, StaffRoutes};
use crate::settings::ssr::{model as settings, tax_rate};
use crate::staff::Role;
use crate::state::AppState;
use axum::{extract::State, response::Response, Form};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};
use serde::Deserialize;
use tower_sessions::Session;

pub const STRIPE_FLASH: &str = "setup_stripe";

/// The store has its own name and email (what a customer must see on an
/// invoice): enough for the till.
fn store_named(store: &settings::Model) -> bool {
    store.name.trim() != crate::settings::NEW_STORE_NAME
        && store.email != crate::settings::NEW_STORE_EMAIL
}

/// The checklist step also asks for the address, printed on invoices; a
/// store without one can still sell (stores set up before the address was
/// asked for are not locked out of their till).
fn store_details_done(store: &settings::Model) -> bool {
    store_named(store) && !store.address.trim().is_empty()
}

async fn active_rates<C: ConnectionTrait>(conn: &C) -> Result<u64, DbErr> {
    tax_rate::Entity::find()
        .filter(tax_rate::Column::RetiredAt.is_null())
        .count(conn)
        .await
}

async fn products_for_sale<C: ConnectionTrait>(conn: &C) -> Result<u64, DbErr> {
    product::Entity::find()
        .filter(product::Column::Active.eq(true))
        .count(conn)
        .await
}

/// Whether the till can sell: every required step is done. Cheap (two
/// counts), read on each POS open.
pub async fn ready_to_sell<C: ConnectionTrait>(
    conn: &C,
    store: &settings::Model,
) -> Result<bool, DbErr> {
    Ok(store_named(store)
        && store.currency_confirmed
        && active_rates(conn).await? > 0
        && products_for_sale(conn).await? > 0)
}

fn dismissed(store: &settings::Model) -> Vec<Step> {
    store
        .setup_dismissed
        .split(',')
        .filter_map(|c| Step::from_code(c.trim()))
        .collect()
}

/// Every step's state, as the store holds it now.
pub async fn checklist<C: ConnectionTrait>(
    conn: &C,
    store: &settings::Model,
    smtp_configured: bool,
    stripe: Option<&crate::payments::gateway::Gateway>,
) -> Result<Checklist, DbErr> {
    let rates = active_rates(conn).await?;
    let products = products_for_sale(conn).await?;
    let dismissed = dismissed(store);
    let plural = |n: u64, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let steps = Step::ALL
        .into_iter()
        .map(|step| {
            let (done, detail) = match step {
                Step::StoreDetails => (
                    store_details_done(store),
                    if store_details_done(store) {
                        format!("{} <{}>", store.name, store.email)
                    } else {
                        "Give the store's name, email and address: they appear on every invoice."
                            .to_owned()
                    },
                ),
                Step::Currency => (
                    store.currency_confirmed,
                    if store.currency_confirmed {
                        format!("{}.", store.currency)
                    } else {
                        format!(
                            "Not chosen yet ({} for now). It is fixed once the first order exists.",
                            store.currency
                        )
                    },
                ),
                Step::TaxRates => (
                    rates > 0,
                    if rates > 0 {
                        format!(
                            "{}; prices {} tax.",
                            plural(rates, "rate", "rates"),
                            if store.prices_include_tax {
                                "include"
                            } else {
                                "exclude"
                            }
                        )
                    } else {
                        "No tax rate yet: add your rates (one click for the common VAT sets), or a 0% rate if the store charges no tax."
                            .to_owned()
                    },
                ),
                Step::Email => {
                    let tested = store.mail_tested_at.is_some();
                    (
                        smtp_configured && tested,
                        match (smtp_configured, tested) {
                            (false, _) => "SMTP is not configured (SMTP_URL): invoices wait in the queue until it is.".to_owned(),
                            (true, false) => "SMTP is configured; send a test email to check it.".to_owned(),
                            (true, true) => "SMTP is configured and a test email went through.".to_owned(),
                        },
                    )
                }
                Step::OnlinePayment => (
                    stripe.is_some(),
                    match stripe {
                        None => "Stripe keys are not set: customers pay in store only.".to_owned(),
                        Some(g) => format!(
                            "Stripe keys are set ({} keys) and so is the webhook secret. Check that Stripe accepts them below.",
                            if g.live { "live" } else { "test" }
                        ),
                    },
                ),
                Step::Products => (
                    products > 0,
                    if products > 0 {
                        format!("{} for sale.", plural(products, "product", "products"))
                    } else {
                        "No products yet: import your WooCommerce export or add them one by one."
                            .to_owned()
                    },
                ),
            };
            StepState {
                step,
                done,
                dismissed: dismissed.contains(&step),
                detail,
            }
        })
        .collect();
    Ok(Checklist { steps })
}

pub fn routes() -> StaffRoutes {
    StaffRoutes::new()
        .form("/setup/dismiss", Access::ADMIN, dismiss)
        .form("/setup/stripe-check", Access::ADMIN, stripe_check)
}

#[derive(Debug, Default, Deserialize)]
struct DismissForm {
    #[serde(default)]
    step: String,
}

/// Hides an optional step from the checklist. Required steps cannot be
/// dismissed: the till needs them.
async fn dismiss(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<DismissForm>,
) -> Response {
    if let Err(answer) = staff_for_post(&state, &session, Role::Admin).await {
        return answer;
    }
    let Some(step) = Step::from_code(&form.step).filter(|s| !s.required()) else {
        return see_other("/?error=not_optional");
    };
    let result = async {
        let store = crate::settings::ssr::store(&state.db).await?;
        let mut codes = dismissed(&store);
        if !codes.contains(&step) {
            codes.push(step);
        }
        let joined = codes.iter().map(|s| s.code()).collect::<Vec<_>>().join(",");
        let mut active: settings::ActiveModel = store.into();
        active.setup_dismissed = Set(joined);
        active.update(&state.db).await?;
        Ok::<_, DbErr>(())
    }
    .await;
    match result {
        Ok(()) => see_other("/?done=dismissed"),
        Err(e) => {
            tracing::error!(error = %e, "dismissing a setup step");
            see_other("/?error=internal")
        }
    }
}

/// Calls Stripe once and shows what it answered, with the keys' mode.
async fn stripe_check(State(state): State<AppState>, session: Session) -> Response {
    if let Err(answer) = staff_for_post(&state, &session, Role::Admin).await {
        return answer;
    }
    let outcome = match &state.stripe {
        None => (
            false,
            "Stripe is not configured: set STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET, then restart Settle.".to_owned(),
        ),
        Some(g) => match g.check().await {
            Ok(()) => (
                true,
                format!(
                    "Stripe answered and accepted the secret key. Mode: {}. The webhook secret is set.",
                    if g.live {
                        "live (real payments)"
                    } else {
                        "test (no real money moves)"
                    }
                ),
            ),
            Err(e) => (false, format!("Stripe did not accept the check: {e}")),
        },
    };
    put_flash(&session, STRIPE_FLASH, &outcome).await;
    see_other(if outcome.0 {
        "/?done=stripe#online-payment"
    } else {
        "/?error=stripe#online-payment"
    })
}
