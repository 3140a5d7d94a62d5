//! Catalogue admin posts: create, edit, (de)activate, and the CSV import upload.
use super::{edit, import};
use crate::catalog::{ImportLine, ImportResult, ProductForm};
use crate::forms::{
    ssr::{put_flash, see_other, staff_for_post, Access, StaffRoutes},
    Refused,
};
use crate::staff::Role;
use crate::state::AppState;
use axum::{
    extract::{Multipart, Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Form,
};
use serde::Deserialize;
use tower_sessions::Session;

pub const FORM_FLASH: &str = "product";
pub const IMPORT_FLASH: &str = "import";
/// The import report keeps this many rows for the page (problems first).
const REPORT_ROWS: usize = 500;
/// An upload may be this large (a WooCommerce export of ~50,000 products).
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;
/// A file stopped by tax classes without a rate is kept in the session (up
/// to this size, a few thousand products; the session row is read on every
/// request, so larger files are asked for again) so **Run the import again**
/// needs no second upload. Any finished import forgets it.
pub const PENDING_KEY: &str = "import_pending";
const MAX_PENDING_BYTES: usize = 512 * 1024;

pub fn routes() -> StaffRoutes {
    StaffRoutes::new()
        .form("/catalog/new", Access::ADMIN, create)
        .form("/catalog/{id}", Access::ADMIN, update)
        .form("/catalog/{id}/active", Access::ADMIN, set_active)
}

/// Routes whose bodies may exceed the site-wide 1 MB limit.
pub fn upload_routes() -> StaffRoutes {
    StaffRoutes::new().upload("/catalog/import", Access::ADMIN, import_upload)
}

async fn currency(state: &AppState) -> Option<crate::domain::Currency> {
    crate::settings::ssr::currency(&state.db).await.ok()
}

async fn create(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<ProductForm>,
) -> Response {
    save(state, session, None, form).await
}

async fn update(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i32>,
    Form(form): Form<ProductForm>,
) -> Response {
    save(state, session, Some(id), form).await
}

async fn save(state: AppState, session: Session, id: Option<i32>, form: ProductForm) -> Response {
    if let Err(answer) = staff_for_post(&state, &session, Role::Admin).await {
        return answer;
    }
    let Some(currency) = currency(&state).await else {
        return see_other("/catalog?error=internal");
    };
    let here = id.map_or_else(|| "/catalog/new".to_owned(), |id| format!("/catalog/{id}"));
    match edit::save(&state.db, id, &form, currency).await {
        Ok(edit::Saved::Ok(id)) => see_other(&format!("/catalog/{id}?done=saved")),
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
            tracing::error!(error = %e, "saving a product");
            see_other(&format!("{here}?error=internal"))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct ActiveForm {
    #[serde(default)]
    active: String,
}

async fn set_active(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i32>,
    Form(form): Form<ActiveForm>,
) -> Response {
    if let Err(answer) = staff_for_post(&state, &session, Role::Admin).await {
        return answer;
    }
    let active = form.active == "true";
    match edit::set_active(&state.db, id, active).await {
        Ok(true) => see_other(&format!(
            "/catalog/{id}?done={}",
            if active { "activated" } else { "deactivated" }
        )),
        Ok(false) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "(de)activating a product");
            see_other(&format!("/catalog/{id}?error=internal"))
        }
    }
}

/// Takes the uploaded export, applies it in one transaction and leaves the
/// per-row report for the import page.
async fn import_upload(
    State(state): State<AppState>,
    session: Session,
    mut multipart: Multipart,
) -> Response {
    if let Err(answer) = staff_for_post(&state, &session, Role::Admin).await {
        return answer;
    }
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut rerun = false;
    // map:<class> = a tax rate id, for classes the store has no rate for.
    let mut mapping: std::collections::HashMap<String, i32> = Default::default();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let name = field
                    .file_name()
                    .unwrap_or("upload.csv")
                    .chars()
                    .take(200)
                    .collect();
                match field.bytes().await {
                    Ok(bytes) => file = Some((name, bytes.to_vec())),
                    Err(e) => return refused(&session, "", &format!("The upload did not arrive complete ({e}). Nothing was changed; please try again.")).await,
                }
            }
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                let value = field.text().await.unwrap_or_default();
                if name == "rerun" {
                    rerun = true;
                } else if let Some(class) = name.strip_prefix("map:") {
                    // The page names the standard class "standard"; the file
                    // (and the store) spell it "". An empty choice maps nothing.
                    if let (Ok(class), Ok(id)) = (
                        crate::settings::ssr::taxes::parse_class(class),
                        value.trim().parse::<i32>(),
                    ) {
                        mapping.insert(class, id);
                    }
                }
            }
            Ok(None) => break,
            Err(e) => {
                return refused(
                    &session,
                    "",
                    &format!("The upload could not be read ({e}). Nothing was changed."),
                )
                .await
            }
        }
    }
    let file = file.filter(|(_, b)| !b.is_empty());
    let file = match (file, rerun) {
        (Some(f), _) => Some(f),
        (None, true) => session
            .get::<(String, String)>(PENDING_KEY)
            .await
            .ok()
            .flatten()
            .map(|(name, text)| (name, text.into_bytes())),
        (None, false) => None,
    };
    let Some((file_name, bytes)) = file else {
        return refused(
            &session,
            "",
            "Choose a CSV file exported from WooCommerce (Products → Export).",
        )
        .await;
    };
    let Some(currency) = currency(&state).await else {
        return see_other("/catalog/import?error=internal");
    };
    match import::import_products(&state.db, &bytes, currency, &mapping).await {
        Ok(report) => {
            let waiting = !report.missing_classes.is_empty();
            // Only this file may be re-run: a waiting file from before goes,
            // whether or not this one can be kept.
            let _ = session.remove::<(String, String)>(PENDING_KEY).await;
            if waiting && bytes.len() <= MAX_PENDING_BYTES {
                if let Ok(text) = std::str::from_utf8(&bytes) {
                    let _ = session
                        .insert(PENDING_KEY, (file_name.clone(), text.to_owned()))
                        .await;
                }
            }
            let kept = waiting
                && session
                    .get::<(String, String)>(PENDING_KEY)
                    .await
                    .ok()
                    .flatten()
                    .is_some();
            let rates = rate_choices(&state).await;
            let mut rows: Vec<ImportLine> = report
                .rows
                .iter()
                .map(|r| {
                    let (outcome, problem) = match &r.outcome {
                        import::RowOutcome::Imported => ("Imported".to_owned(), false),
                        import::RowOutcome::Updated => ("Updated by SKU".to_owned(), false),
                        import::RowOutcome::Unchanged => ("Unchanged".to_owned(), false),
                        import::RowOutcome::Skipped(why) => (format!("Skipped: {why}"), true),
                        import::RowOutcome::Error(why) => (format!("Error: {why}"), true),
                    };
                    ImportLine {
                        line: r.line,
                        sku: r.sku.clone(),
                        name: r.name.clone(),
                        outcome,
                        problem,
                    }
                })
                .collect();
            // Problems first, so a long report still shows what needs attention.
            rows.sort_by_key(|r| (!r.problem, r.line));
            let more = rows.len().saturating_sub(REPORT_ROWS);
            rows.truncate(REPORT_ROWS);
            let result = ImportResult {
                file_name,
                summary: report.summary(),
                refused: waiting,
                lines: rows,
                more,
                missing_classes: report.missing_classes,
                rates,
                file_kept: kept,
            };
            put_flash(&session, IMPORT_FLASH, &result).await;
            see_other(if waiting {
                "/catalog/import?error=classes"
            } else {
                "/catalog/import?done=imported"
            })
        }
        Err(import::ImportError::File(e)) => {
            refused(
                &session,
                &file_name,
                &format!("The file was not imported: {e}"),
            )
            .await
        }
        Err(e) => {
            tracing::error!(error = %e, "importing products");
            see_other("/catalog/import?error=internal")
        }
    }
}

/// The store's current rates, (id, label), for mapping a class to one.
async fn rate_choices(state: &AppState) -> Vec<(i32, String)> {
    use crate::settings::ssr::tax_rate;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    tax_rate::Entity::find()
        .filter(tax_rate::Column::RetiredAt.is_null())
        .order_by_asc(tax_rate::Column::Id)
        .all(&state.db)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r.id, r.choice_label()))
        .collect()
}

async fn refused(session: &Session, file_name: &str, why: &str) -> Response {
    let result = ImportResult {
        file_name: file_name.to_owned(),
        summary: why.to_owned(),
        refused: true,
        lines: Vec::new(),
        more: 0,
        missing_classes: Vec::new(),
        rates: Vec::new(),
        file_kept: false,
    };
    put_flash(session, IMPORT_FLASH, &result).await;
    see_other("/catalog/import?error=refused")
}
