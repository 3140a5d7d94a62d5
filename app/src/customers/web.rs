//! Customer form posts (any signed-in staff member: cashiers take customers' details).
use super::{edit, CustomerForm};
use crate::forms::{
    ssr::{put_flash, see_other, staff_for_post, Access, StaffRoutes},
    Refused,
};
use crate::staff::Role;
use crate::state::AppState;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Form,
};
use tower_sessions::Session;

pub const FORM_FLASH: &str = "customer";

pub fn routes() -> StaffRoutes {
    StaffRoutes::new()
        .form("/customers/new", Access::STAFF, create)
        .form("/customers/{id}", Access::STAFF, update)
}

async fn create(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<CustomerForm>,
) -> Response {
    save(state, session, None, form).await
}

async fn update(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i32>,
    Form(form): Form<CustomerForm>,
) -> Response {
    save(state, session, Some(id), form).await
}

async fn save(state: AppState, session: Session, id: Option<i32>, form: CustomerForm) -> Response {
    if let Err(answer) = staff_for_post(&state, &session, Role::Cashier).await {
        return answer;
    }
    let here = id.map_or_else(
        || "/customers/new".to_owned(),
        |id| format!("/customers/{id}"),
    );
    match edit::save(&state.db, id, &form).await {
        Ok(edit::Saved::Ok(id)) => see_other(&format!("/customers/{id}?done=saved")),
        Ok(edit::Saved::Refused(errors)) => {
            put_flash(
                &session,
                FORM_FLASH,
                &Refused {
                    values: form,
                    errors,
                },
            )
            .await;
            see_other(&format!("{here}?error=invalid"))
        }
        Ok(edit::Saved::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "saving a customer");
            see_other(&format!("{here}?error=internal"))
        }
    }
}
