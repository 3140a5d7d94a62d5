//! The store's time zone: "today" for due dates and pay links, and every time
//! staff and customers read, are the store's local time, never UTC. Instants
//! stay UTC in the database; only the reading of them is local.
//!
//! Zone rules come from the IANA database compiled into the binary (jiff's
//! `tzdb-bundle-always`), so a server without /usr/share/zoneinfo, and every
//! test machine, reads the same rules. `time` values cross over as Unix
//! seconds: the offset at an instant is all this needs from jiff.
use std::sync::OnceLock;
use time::{Date, OffsetDateTime, UtcOffset};

/// A time zone from the IANA database, held by its canonical name
/// (`europe/paris` typed in is kept as `Europe/Paris`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreZone(jiff::tz::TimeZone);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoneError {
    #[error("choose a time zone")]
    Empty,
    #[error("choose a time zone from the list, such as Europe/Paris")]
    Unknown,
}

/// The database every look-up uses: the bundled one, whatever the machine has.
fn database() -> &'static jiff::tz::TimeZoneDatabase {
    static DB: OnceLock<jiff::tz::TimeZoneDatabase> = OnceLock::new();
    DB.get_or_init(jiff::tz::TimeZoneDatabase::bundled)
}

/// The regions a shop can be in; the database also holds legacy aliases
/// (`US/Pacific`, `Etc/GMT+5`, `Factory`) that a list should not offer.
const REGIONS: [&str; 9] = [
    "Africa/",
    "America/",
    "Antarctica/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
];

/// The zone names the settings form offers, `UTC` first then alphabetical.
/// `StoreZone::parse` accepts every name the database knows, listed or not.
pub fn zone_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: Vec<String> = database()
            .available()
            .map(|n| n.as_str().to_owned())
            .filter(|n| REGIONS.iter().any(|r| n.starts_with(r)))
            .collect();
        names.sort();
        names.dedup();
        names.insert(0, "UTC".to_owned());
        names
    })
}

impl StoreZone {
    pub fn utc() -> Self {
        StoreZone(jiff::tz::TimeZone::UTC)
    }

    /// An IANA name (`Europe/Paris`, any letter case); unknown names refused.
    pub fn parse(input: &str) -> Result<Self, ZoneError> {
        let name = input.trim();
        if name.is_empty() {
            return Err(ZoneError::Empty);
        }
        match database().get(name) {
            // `Etc/Unknown` is in the database as "no zone known": not a choice.
            Ok(tz) if !tz.is_unknown() => Ok(StoreZone(tz)),
            _ => Err(ZoneError::Unknown),
        }
    }

    /// The zone as stored in the settings row. The settings form refuses
    /// unknown names, so one here means the row was edited by hand: it is
    /// logged and UTC is used, rather than every page and order failing.
    pub fn stored(name: &str) -> Self {
        Self::parse(name).unwrap_or_else(|e| {
            tracing::error!(zone = name, error = %e, "store_settings.time_zone is not a known time zone; using UTC");
            Self::utc()
        })
    }

    /// The canonical IANA name, as the settings row keeps it.
    pub fn name(&self) -> &str {
        self.0.iana_name().unwrap_or("UTC")
    }

    /// The offset from UTC in force at `t`, and its abbreviation (`CEST`,
    /// `+14` where the zone has none).
    fn at(&self, t: OffsetDateTime) -> (UtcOffset, String) {
        let Ok(ts) = jiff::Timestamp::from_second(t.unix_timestamp()) else {
            return (UtcOffset::UTC, "UTC".to_owned());
        };
        let info = self.0.to_offset_info(ts);
        let offset =
            UtcOffset::from_whole_seconds(info.offset().seconds()).unwrap_or(UtcOffset::UTC);
        (offset, info.abbreviation().to_owned())
    }

    /// `t` as the store's clocks showed it (same instant, local offset).
    pub fn local(&self, t: OffsetDateTime) -> OffsetDateTime {
        let (offset, _) = self.at(t);
        t.checked_to_offset(offset).unwrap_or(t)
    }

    /// The instant the store's clocks show `date` at `hour:minute`. A time
    /// the clocks skip (the spring-forward hour) is read as the one after
    /// the gap, and one they show twice (autumn) as the first, so a
    /// reminder at 02:30 on either day still goes once.
    pub fn instant(&self, date: Date, hour: u8, minute: u8) -> OffsetDateTime {
        let civil = jiff::civil::DateTime::new(
            date.year() as i16,
            date.month() as i8,
            date.day() as i8,
            hour.min(23) as i8,
            minute.min(59) as i8,
            0,
            0,
        );
        let zoned = civil.and_then(|c| c.to_zoned(self.0.clone()));
        match zoned.map(|z| z.timestamp().as_second()) {
            Ok(secs) => OffsetDateTime::from_unix_timestamp(secs)
                .unwrap_or_else(|_| date.midnight().assume_utc()),
            // Outside jiff's years (-9999..=9999): no store gets there.
            Err(_) => date.midnight().assume_utc(),
        }
    }

    /// The store's date at `now`: what "today" means for due dates and for
    /// whether a pay link has expired.
    pub fn today(&self, now: OffsetDateTime) -> Date {
        self.local(now).date()
    }

    /// What the zone is called at `t`: `CET` or `CEST` in Paris, `UTC+14`
    /// in Kiritimati (the database's bare `+14` reads as a number).
    pub fn abbreviation(&self, t: OffsetDateTime) -> String {
        let (_, abbreviation) = self.at(t);
        if abbreviation.starts_with(['+', '-']) {
            format!("UTC{abbreviation}")
        } else {
            abbreviation
        }
    }

    /// "2026-11-27 14:05 CET": a moment on staff pages, to the minute, in
    /// local time with the zone it is in.
    pub fn date_time(&self, t: OffsetDateTime) -> String {
        let local = self.local(t);
        let shown = local
            .format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]"
            ))
            .unwrap_or_else(|_| local.to_string());
        format!("{shown} {}", self.abbreviation(t))
    }
}

impl Default for StoreZone {
    fn default() -> Self {
        Self::utc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn paris() -> StoreZone {
        StoreZone::parse("Europe/Paris").unwrap()
    }

    #[test]
    fn a_summer_evening_in_utc_is_tomorrow_in_paris() {
        let now = datetime!(2026-07-14 23:30 UTC);
        assert_eq!(paris().today(now), date!(2026 - 07 - 15));
        assert_eq!(StoreZone::utc().today(now), date!(2026 - 07 - 14));
        assert_eq!(paris().date_time(now), "2026-07-15 01:30 CEST");
    }

    #[test]
    fn the_clocks_change_on_the_last_sunday_of_march_and_october() {
        let z = paris();
        // 01:00 UTC on 29 March 2026: 02:00 CET becomes 03:00 CEST.
        assert_eq!(
            z.date_time(datetime!(2026-03-29 00:59 UTC)),
            "2026-03-29 01:59 CET"
        );
        assert_eq!(
            z.date_time(datetime!(2026-03-29 01:00 UTC)),
            "2026-03-29 03:00 CEST"
        );
        // The same 22:30 UTC is still the same day before the change, the next after.
        assert_eq!(
            z.today(datetime!(2026-03-28 22:30 UTC)),
            date!(2026 - 03 - 28)
        );
        assert_eq!(
            z.today(datetime!(2026-03-29 22:30 UTC)),
            date!(2026 - 03 - 30)
        );
        // 01:00 UTC on 25 October 2026: 03:00 CEST becomes 02:00 CET again.
        assert_eq!(
            z.date_time(datetime!(2026-10-25 00:30 UTC)),
            "2026-10-25 02:30 CEST"
        );
        assert_eq!(
            z.date_time(datetime!(2026-10-25 01:30 UTC)),
            "2026-10-25 02:30 CET"
        );
        let local = z.local(datetime!(2026-10-25 01:30 UTC));
        assert_eq!(local.offset(), UtcOffset::from_hms(1, 0, 0).unwrap());
        assert_eq!(local, datetime!(2026-10-25 01:30 UTC), "the same instant");
    }

    #[test]
    fn the_ends_of_the_day() {
        let kiritimati = StoreZone::parse("Pacific/Kiritimati").unwrap();
        let pago_pago = StoreZone::parse("Pacific/Pago_Pago").unwrap();
        let now = datetime!(2026-11-27 12:00 UTC);
        assert_eq!(kiritimati.today(now), date!(2026 - 11 - 28));
        assert_eq!(pago_pago.today(now), date!(2026 - 11 - 27));
        assert_eq!(kiritimati.date_time(now), "2026-11-28 02:00 UTC+14");
        assert_eq!(pago_pago.date_time(now), "2026-11-27 01:00 SST");
    }

    #[test]
    fn names_are_canonical_and_unknown_ones_refused() {
        assert_eq!(
            StoreZone::parse(" europe/PARIS ").unwrap().name(),
            "Europe/Paris"
        );
        assert_eq!(StoreZone::parse("UTC").unwrap(), StoreZone::utc());
        assert_eq!(StoreZone::utc().name(), "UTC");
        assert_eq!(
            StoreZone::utc().date_time(datetime!(2026-11-27 14:05 UTC)),
            "2026-11-27 14:05 UTC"
        );
        assert_eq!(StoreZone::parse("  "), Err(ZoneError::Empty));
        for bad in [
            "Europe/Pariss",
            "Mars/Olympus_Mons",
            "Etc/Unknown",
            "CET-1CEST,M3.5.0,M10.5.0/3",
            "../../etc/passwd",
            "Europe/Paris\0",
        ] {
            assert_eq!(StoreZone::parse(bad), Err(ZoneError::Unknown), "{bad:?}");
        }
        // A stored name that no longer parses reads as UTC rather than failing.
        assert_eq!(StoreZone::stored("Nowhere/Atall"), StoreZone::utc());
    }

    #[test]
    fn the_list_offers_real_places_and_every_one_parses() {
        let names = zone_names();
        assert_eq!(names.first().map(String::as_str), Some("UTC"));
        for expected in [
            "Europe/Paris",
            "America/New_York",
            "Pacific/Kiritimati",
            "Asia/Kolkata",
        ] {
            assert!(names.iter().any(|n| n == expected), "{expected}");
        }
        assert!(!names
            .iter()
            .any(|n| n.starts_with("Etc/") || n.starts_with("US/")));
        for name in names {
            assert!(StoreZone::parse(name).is_ok(), "{name}");
        }
    }
}
