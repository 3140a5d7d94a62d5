//! Tax rates: add, edit, retire and reinstate, and the one-click sets. One
//! rate per tax class (the class is how products and WooCommerce exports name
//! a rate). An order keeps the rate it was made with (its lines hold a copy),
//! so editing or retiring a rate never changes an order already made.
use super::tax_rate;
use crate::catalog::ssr::model as product;
use crate::forms::{clean_text, FieldError};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

/// WooCommerce stores the standard class as an empty slug; people call it this.
pub const STANDARD: &str = "standard";

/// What a person typed for a rate.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct RateForm {
    pub name: String,
    pub rate: String,
    pub class: String,
    /// "import" when posted from the import page, which it returns to.
    pub back: String,
}

/// A rate in percent, as typed ("20", "5.5", "5,5", "8.875 %"), in parts per
/// million: 0 to 100 with at most 4 decimals.
pub fn parse_rate(typed: &str) -> Result<i32, String> {
    let t = typed.trim().trim_end_matches('%').trim().replace(',', ".");
    let refuse = || {
        format!("Enter the rate in percent, from 0 to 100 with at most 4 decimals (e.g. 20 or 5.5); \"{}\" is not one.", typed.trim().chars().take(20).collect::<String>())
    };
    if t.is_empty() {
        return Err("Enter the rate in percent, e.g. 20 or 5.5.".to_owned());
    }
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty()
        || whole.len() > 3
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(refuse());
    }
    if frac.len() > 4 {
        return Err("A rate has at most 4 decimals (e.g. 8.875).".to_owned());
    }
    let whole: i32 = whole.parse().map_err(|_| refuse())?;
    let frac: i32 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<4}").parse().map_err(|_| refuse())?
    };
    let ppm = whole * 10_000 + frac;
    if ppm > 1_000_000 {
        return Err("A rate cannot be more than 100%.".to_owned());
    }
    Ok(ppm)
}

/// A tax class as typed, stored as WooCommerce spells it: "standard" (or
/// nothing) is the standard class (""), others are slugs such as
/// `reduced-rate`. Spaces, capitals and markup are refused, not guessed at,
/// so a class always matches the export it came from.
pub fn parse_class(typed: &str) -> Result<String, String> {
    let t = typed.trim();
    if t.is_empty() || t.eq_ignore_ascii_case(STANDARD) {
        return Ok(String::new());
    }
    let ok = t.len() <= 40
        && t.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && !t.starts_with('-');
    if ok {
        Ok(t.to_owned())
    } else {
        Err("A tax class is a short name in lower case, digits and dashes, as WooCommerce spells it (e.g. reduced-rate or zero-rate).".to_owned())
    }
}

/// How a stored class is shown: "standard" for the empty slug.
pub fn class_label(class: &str) -> &str {
    if class.is_empty() {
        STANDARD
    } else {
        class
    }
}

struct Checked {
    name: String,
    ppm: i32,
    class: String,
}

async fn check<C: ConnectionTrait>(
    conn: &C,
    form: &RateForm,
    editing: Option<i32>,
) -> Result<Result<Checked, Vec<FieldError>>, DbErr> {
    let mut errors = Vec::new();
    let name = clean_text(&mut errors, "name", "The name", &form.name, 60, false);
    if name.is_empty() {
        errors.push(FieldError::new(
            "name",
            "Enter the name printed on invoices, e.g. VAT 20%.",
        ));
    } else if name.contains(['<', '>']) {
        errors.push(FieldError::new("name", "The name cannot contain < or >."));
    }
    let ppm = parse_rate(&form.rate).unwrap_or_else(|m| {
        errors.push(FieldError::new("rate", m));
        0
    });
    let class = match parse_class(&form.class) {
        Ok(c) => {
            let taken = tax_rate::Entity::find()
                .filter(tax_rate::Column::Class.eq(c.clone()))
                .one(conn)
                .await?
                .filter(|r| Some(r.id) != editing);
            if let Some(other) = taken {
                let message = if other.retired_at.is_some() {
                    format!(
                        "The {} class already has a rate, {}, retired: reinstate and edit it (Settings → Tax rates) instead of adding another.",
                        class_label(&c),
                        other.name
                    )
                } else {
                    format!(
                        "The {} class already has a rate ({}): edit that one instead.",
                        class_label(&c),
                        other.name
                    )
                };
                errors.push(FieldError::new("class", message));
            }
            c
        }
        Err(m) => {
            errors.push(FieldError::new("class", m));
            String::new()
        }
    };
    Ok(if errors.is_empty() {
        Ok(Checked { name, ppm, class })
    } else {
        Err(errors)
    })
}

/// Adds a rate; refusals come back per field and nothing is saved.
pub async fn add<C: ConnectionTrait>(
    conn: &C,
    form: &RateForm,
) -> Result<Result<tax_rate::Model, Vec<FieldError>>, DbErr> {
    let c = match check(conn, form, None).await? {
        Ok(c) => c,
        Err(errors) => return Ok(Err(errors)),
    };
    let row = tax_rate::ActiveModel {
        class: Set(c.class),
        name: Set(c.name),
        rate_ppm: Set(c.ppm),
        retired_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(Ok(row))
}

/// Changes a rate's name, percentage or class. Orders already made keep
/// theirs; products on this rate charge the new one from now on.
pub async fn edit<C: ConnectionTrait>(
    conn: &C,
    id: i32,
    form: &RateForm,
) -> Result<Option<Result<(), Vec<FieldError>>>, DbErr> {
    let Some(row) = tax_rate::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let c = match check(conn, form, Some(id)).await? {
        Ok(c) => c,
        Err(errors) => return Ok(Some(Err(errors))),
    };
    let mut active: tax_rate::ActiveModel = row.into();
    active.name = Set(c.name);
    active.rate_ppm = Set(c.ppm);
    active.class = Set(c.class);
    active.update(conn).await?;
    Ok(Some(Ok(())))
}

/// Retires (or, with `retired` false, reinstates) a rate. `None` when there
/// is no such rate.
pub async fn set_retired<C: ConnectionTrait>(
    conn: &C,
    id: i32,
    retired: bool,
) -> Result<Option<()>, DbErr> {
    let Some(row) = tax_rate::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let mut active: tax_rate::ActiveModel = row.into();
    active.retired_at = Set(retired.then(time::OffsetDateTime::now_utc));
    active.update(conn).await?;
    Ok(Some(()))
}

/// The products (id, name) still on a rate, for the retired rate's warning.
pub async fn products_on<C: ConnectionTrait>(
    conn: &C,
    rate_id: i32,
) -> Result<Vec<(i32, String)>, DbErr> {
    Ok(product::Entity::find()
        .filter(product::Column::TaxRateId.eq(rate_id))
        .order_by_asc(product::Column::Name)
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect())
}

/// One-click starting points: (code, label, rates as (class, name, percent)).
pub const PRESETS: &[(&str, &str, &[(&str, &str, &str)])] = &[
    (
        "fr",
        "France: 20 %, 10 %, 5.5 %, 2.1 %",
        &[
            ("standard", "TVA 20%", "20"),
            ("intermediate-rate", "TVA 10%", "10"),
            ("reduced-rate", "TVA 5.5%", "5.5"),
            ("super-reduced-rate", "TVA 2.1%", "2.1"),
        ],
    ),
    (
        "uk",
        "United Kingdom: 20 %, 5 %, 0 %",
        &[
            ("standard", "VAT 20%", "20"),
            ("reduced-rate", "VAT 5%", "5"),
            ("zero-rate", "VAT 0%", "0"),
        ],
    ),
    (
        "de",
        "Germany: 19 %, 7 %",
        &[
            ("standard", "MwSt. 19%", "19"),
            ("reduced-rate", "MwSt. 7%", "7"),
        ],
    ),
];

/// What applying a set did.
#[derive(Debug, Default)]
pub struct PresetOutcome {
    pub added: Vec<String>,
    /// Classes that already had a rate: left as they were.
    pub kept: Vec<String>,
}

/// Adds a set's rates for the classes that have none yet; classes that
/// already have a rate keep it (never overwritten by a click). `None` for an
/// unknown set.
pub async fn apply_preset<C: ConnectionTrait>(
    conn: &C,
    code: &str,
) -> Result<Option<PresetOutcome>, DbErr> {
    let Some((_, _, rates)) = PRESETS.iter().find(|(c, _, _)| *c == code) else {
        return Ok(None);
    };
    let mut outcome = PresetOutcome::default();
    for (class, name, rate) in rates.iter() {
        let form = RateForm {
            name: (*name).to_owned(),
            rate: (*rate).to_owned(),
            class: (*class).to_owned(),
            back: String::new(),
        };
        match add(conn, &form).await? {
            Ok(_) => outcome.added.push(format!("{name} ({class})")),
            Err(_) => outcome.kept.push((*class).to_owned()),
        }
    }
    Ok(Some(outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_in_percent() {
        assert_eq!(parse_rate("20"), Ok(200_000));
        assert_eq!(parse_rate("5.5"), Ok(55_000));
        assert_eq!(parse_rate("5,5"), Ok(55_000));
        assert_eq!(parse_rate(" 8.875 %"), Ok(88_750));
        assert_eq!(parse_rate("2.1"), Ok(21_000));
        assert_eq!(parse_rate("0"), Ok(0));
        assert_eq!(parse_rate("100"), Ok(1_000_000));
        assert_eq!(parse_rate("12.3456"), Ok(123_456));
        for bad in [
            "", "-1", "100.0001", "101", "12.34567", "abc", "1e2", ".5", "1.2.3",
        ] {
            assert!(parse_rate(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn classes_as_woocommerce_spells_them() {
        assert_eq!(parse_class("standard"), Ok(String::new()));
        assert_eq!(parse_class(""), Ok(String::new()));
        assert_eq!(parse_class("reduced-rate"), Ok("reduced-rate".into()));
        for bad in [
            "reduced rate",
            "<b>x</b>",
            "Reduced-Rate",
            "-x",
            &"a".repeat(41),
        ] {
            assert!(parse_class(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
