//! The store's reminder policy: ordered steps (days from the due date and
//! their wording), an optional repeat after the last step, and the hours and
//! days reminders may go out, in the store's time zone. Parsed once at the
//! edge (`PolicyForm::parse`); stored as JSON in the settings row.
use crate::forms::FieldError;
use serde::{Deserialize, Serialize};

/// More steps than any shop needs, and few enough to read on one page.
pub const MAX_STEPS: usize = 20;
/// The furthest a step may be from the due date, either way.
pub const MAX_DAYS: i32 = 365;
pub const MAX_REPEAT_TIMES: u16 = 20;
pub const MAX_REPEAT_EVERY: u16 = 90;
/// The shortest sending window accepted.
pub const MIN_WINDOW_MINUTES: u16 = 30;
/// Blank step rows the settings form offers for new steps.
pub const BLANK_ROWS: usize = 2;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub enabled: bool,
    pub steps: Vec<Step>,
    pub repeat: Option<Repeat>,
    pub window: Window,
}

/// One reminder: `days` from the due date (negative before, 0 on the day,
/// positive after), and what it says. The wording may hold `{order_number}`,
/// `{store_name}`, `{amount}` (the next amount due) and `{due_date}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub days: i32,
    pub subject: String,
    pub heading: String,
    pub intro: String,
}

/// "Then every `every_days` days, at most `times` more times" after the last step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repeat {
    pub every_days: u16,
    pub times: u16,
}

/// When reminders may go: from `start` to `end` (minutes after midnight,
/// store time) on the days ticked, Monday first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start: u16,
    pub end: u16,
    pub days: [bool; 7],
}

/// Which reminder: a step of the policy, and 0 or the how-manyth repeat of
/// the last step. Ordered as they are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Slot {
    pub step: u16,
    pub repeat: u16,
}

impl Default for Window {
    /// 09:00 to 18:00, Monday to Saturday.
    fn default() -> Self {
        Window {
            start: 9 * 60,
            end: 18 * 60,
            days: [true, true, true, true, true, true, false],
        }
    }
}

/// The wording a step gets when none is typed, in `lang`: friendly before
/// the due date, firm after it, final for the last of several.
pub fn default_wording_in(
    days: i32,
    last_of_several: bool,
    lang: crate::i18n::Lang,
) -> (String, String, String) {
    let w = lang.words();
    if last_of_several && days > 0 {
        (
            w.default_reminder_final_subject(),
            w.default_reminder_final_heading(),
            w.default_reminder_final_intro(),
        )
    } else if days > 0 {
        (
            w.default_reminder_overdue_subject(),
            w.default_reminder_overdue_heading(),
            w.default_reminder_overdue_intro(),
        )
    } else {
        (
            w.default_reminder_friendly_subject(),
            w.default_reminder_friendly_heading(),
            w.default_reminder_friendly_intro(),
        )
    }
}

/// The default wording as the settings form fills it (English; an order in
/// another language gets that language's, see `reminders::ssr::email`).
pub fn default_wording(days: i32, last_of_several: bool) -> (String, String, String) {
    default_wording_in(days, last_of_several, crate::i18n::Lang::En)
}

fn step(days: i32, last_of_several: bool) -> Step {
    let (subject, heading, intro) = default_wording(days, last_of_several);
    Step {
        days,
        subject,
        heading,
        intro,
    }
}

impl Default for Policy {
    /// Off, with three steps ready to switch on: 3 days before the due
    /// date, 3 days after, and a final one 7 days after (still within the
    /// default 7 grace days, while the pay link works).
    fn default() -> Self {
        Policy {
            enabled: false,
            steps: vec![step(-3, false), step(3, false), step(7, true)],
            repeat: None,
            window: Window::default(),
        }
    }
}

impl Policy {
    /// The policy a settings row holds: its JSON, or the default (off) when
    /// it holds none. A row that cannot be read (edited by hand) is logged
    /// by the caller and reads as the default, so nothing is sent by mistake.
    #[cfg(feature = "ssr")]
    pub fn from_json(json: &str) -> Result<Policy, serde_json::Error> {
        if json.trim().is_empty() {
            return Ok(Policy::default());
        }
        serde_json::from_str(json)
    }

    #[cfg(feature = "ssr")]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// How many reminders an order gets at most: the steps and the repeats.
    pub fn len(&self) -> usize {
        self.steps.len() + self.repeat.map_or(0, |r| usize::from(r.times))
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    pub fn first(&self) -> Option<Slot> {
        (!self.steps.is_empty()).then_some(Slot { step: 0, repeat: 0 })
    }

    /// The reminder after `slot`, if the policy has one.
    pub fn after(&self, slot: Slot) -> Option<Slot> {
        let last = u16::try_from(self.steps.len().checked_sub(1)?).ok()?;
        if slot.step < last {
            return Some(Slot {
                step: slot.step + 1,
                repeat: 0,
            });
        }
        match self.repeat {
            Some(r) if slot.step == last && slot.repeat < r.times => Some(Slot {
                step: last,
                repeat: slot.repeat + 1,
            }),
            _ => None,
        }
    }

    /// Whether `slot` is one of this policy's (a policy may have shrunk
    /// since an order's next reminder was planned).
    pub fn has(&self, slot: Slot) -> bool {
        let Some(last) = self.steps.len().checked_sub(1) else {
            return false;
        };
        let step = usize::from(slot.step);
        (step < last && slot.repeat == 0)
            || (step == last && slot.repeat <= self.repeat.map_or(0, |r| r.times))
    }

    /// Days from the due date to the reminder's day.
    pub fn days(&self, slot: Slot) -> i64 {
        let step = self
            .steps
            .get(usize::from(slot.step))
            .map_or(0, |s| i64::from(s.days));
        step + i64::from(slot.repeat) * i64::from(self.repeat.map_or(0, |r| r.every_days))
    }

    /// The wording of `slot` (a repeat says what its step says).
    pub fn step(&self, slot: Slot) -> Option<&Step> {
        self.steps.get(usize::from(slot.step))
    }

    /// 1-based position among all reminders an order gets.
    pub fn position(&self, slot: Slot) -> usize {
        usize::from(slot.step) + usize::from(slot.repeat) + 1
    }

    /// "2nd of 3", as staff read it.
    pub fn label(&self, slot: Slot) -> String {
        format!("{} of {}", ordinal(self.position(slot)), self.len())
    }
}

/// 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st…
pub fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// "09:00"
pub fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// "9", "09:30", "18:00" as minutes after midnight; 24:00 is the end of the day.
fn parse_clock(input: &str) -> Option<u16> {
    let s = input.trim();
    let (h, m) = match s.split_once([':', 'h', 'H']) {
        Some((h, m)) => (h, if m.is_empty() { "0" } else { m }),
        None => (s, "0"),
    };
    let (h, m): (u16, u16) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    if m > 59 || h > 24 || (h == 24 && m > 0) {
        return None;
    }
    Some(h * 60 + m)
}

pub const WEEKDAYS: [(&str, &str); 7] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
];

/// One step row as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepForm {
    pub days: String,
    pub subject: String,
    pub heading: String,
    pub intro: String,
}

/// The Reminders form as typed (strings, so a refused value comes back as
/// it was entered). Step rows are posted as `days_0`, `subject_0`, … and
/// a row with nothing typed is ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyForm {
    pub enabled: bool,
    pub steps: Vec<StepForm>,
    pub repeat_every: String,
    pub repeat_times: String,
    pub window_start: String,
    pub window_end: String,
    pub window_days: [bool; 7],
}

/// Longest wording kept; the form says so rather than cutting it.
const MAX_TEXT: usize = 2000;

impl PolicyForm {
    /// The stored policy as the form shows it, with blank rows to add steps.
    pub fn of(policy: &Policy) -> PolicyForm {
        let mut steps: Vec<StepForm> = policy
            .steps
            .iter()
            .map(|s| StepForm {
                days: s.days.to_string(),
                subject: s.subject.clone(),
                heading: s.heading.clone(),
                intro: s.intro.clone(),
            })
            .collect();
        steps.extend(std::iter::repeat_n(StepForm::default(), BLANK_ROWS));
        PolicyForm {
            enabled: policy.enabled,
            steps,
            repeat_every: policy
                .repeat
                .map(|r| r.every_days.to_string())
                .unwrap_or_default(),
            repeat_times: policy
                .repeat
                .map(|r| r.times.to_string())
                .unwrap_or_default(),
            window_start: clock(policy.window.start),
            window_end: clock(policy.window.end),
            window_days: policy.window.days,
        }
    }

    /// Reads the posted pairs: `enabled=on`, `days_N`, `subject_N`,
    /// `heading_N`, `intro_N`, `repeat_every`, `repeat_times`,
    /// `window_start`, `window_end`, and `day_mon` … `day_sun` = on.
    pub fn from_pairs(pairs: &[(String, String)]) -> PolicyForm {
        let mut form = PolicyForm::default();
        for (name, value) in pairs {
            let value = value.clone();
            match name.as_str() {
                "enabled" => form.enabled = value == "on",
                "repeat_every" => form.repeat_every = value,
                "repeat_times" => form.repeat_times = value,
                "window_start" => form.window_start = value,
                "window_end" => form.window_end = value,
                _ => {
                    if let Some(day) = name.strip_prefix("day_") {
                        if let Some(i) = WEEKDAYS.iter().position(|(code, _)| *code == day) {
                            form.window_days[i] = value == "on";
                        }
                        continue;
                    }
                    let Some((field, index)) = name.rsplit_once('_') else {
                        continue;
                    };
                    // Rows beyond what anyone types are ignored, not grown to.
                    let Ok(i) = index.parse::<usize>() else {
                        continue;
                    };
                    if i >= MAX_STEPS + BLANK_ROWS + 10 {
                        continue;
                    }
                    if form.steps.len() <= i {
                        form.steps.resize(i + 1, StepForm::default());
                    }
                    let row = &mut form.steps[i];
                    match field {
                        "days" => row.days = value,
                        "subject" => row.subject = value,
                        "heading" => row.heading = value,
                        "intro" => row.intro = value,
                        _ => {}
                    }
                }
            }
        }
        form
    }

    /// The policy, or every refusal with the field it belongs to. Steps
    /// must be in order of days with no two on one day; wording left empty
    /// gets the default for where the step falls.
    pub fn parse(&self) -> Result<Policy, Vec<FieldError>> {
        let mut errors = Vec::new();
        let rows: Vec<(usize, &StepForm)> = self
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                !(s.days.trim().is_empty()
                    && s.subject.trim().is_empty()
                    && s.heading.trim().is_empty()
                    && s.intro.trim().is_empty())
            })
            .collect();
        if rows.len() > MAX_STEPS {
            errors.push(FieldError::new(
                "steps",
                format!(
                    "Reminders: at most {MAX_STEPS} steps ({} given). Remove some, or use a repeat.",
                    rows.len()
                ),
            ));
        }
        let mut days: Vec<(usize, i32)> = Vec::new();
        for (i, row) in &rows {
            match row.days.trim().trim_start_matches('+').parse::<i32>() {
                Ok(d) if (-MAX_DAYS..=MAX_DAYS).contains(&d) => days.push((*i, d)),
                Ok(_) => errors.push(FieldError::new(
                    format!("days_{i}"),
                    format!("Days: between -{MAX_DAYS} and {MAX_DAYS} (negative is before the due date)."),
                )),
                Err(_) => errors.push(FieldError::new(
                    format!("days_{i}"),
                    "Days: a whole number of days from the due date, such as -3, 0 or 7.",
                )),
            }
            for (field, text) in [
                ("subject", &row.subject),
                ("heading", &row.heading),
                ("intro", &row.intro),
            ] {
                if text.chars().count() > MAX_TEXT {
                    errors.push(FieldError::new(
                        format!("{field}_{i}"),
                        format!("At most {MAX_TEXT} characters."),
                    ));
                } else if text
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\r')
                {
                    errors.push(FieldError::new(
                        format!("{field}_{i}"),
                        "Cannot contain control characters.",
                    ));
                } else if field == "subject" && text.contains(['\n', '\r']) {
                    errors.push(FieldError::new(
                        format!("{field}_{i}"),
                        "A subject is one line.",
                    ));
                }
            }
        }
        for pair in days.windows(2) {
            let ((_, before), (i, d)) = (pair[0], pair[1]);
            if d == before {
                errors.push(FieldError::new(
                    format!("days_{i}"),
                    format!("Days: two steps on day {d}. Each step needs its own day."),
                ));
            } else if d < before {
                errors.push(FieldError::new(
                    format!("days_{i}"),
                    format!("Days: steps go in order of days; {d} comes before the step above ({before})."),
                ));
            }
        }
        if self.enabled && rows.is_empty() {
            errors.push(FieldError::new(
                "steps",
                "Reminders: add at least one step, or switch reminders off.",
            ));
        }
        let repeat = match (self.repeat_every.trim(), self.repeat_times.trim()) {
            ("", "") => None,
            (every, times) => {
                let every = every
                    .parse::<u16>()
                    .ok()
                    .filter(|n| (1..=MAX_REPEAT_EVERY).contains(n));
                let times = times
                    .parse::<u16>()
                    .ok()
                    .filter(|n| (1..=MAX_REPEAT_TIMES).contains(n));
                if every.is_none() {
                    errors.push(FieldError::new(
                        "repeat_every",
                        format!("Repeat: every 1 to {MAX_REPEAT_EVERY} days (leave both empty for no repeat)."),
                    ));
                }
                if times.is_none() {
                    errors.push(FieldError::new(
                        "repeat_times",
                        format!("Repeat: 1 to {MAX_REPEAT_TIMES} more times (leave both empty for no repeat)."),
                    ));
                }
                every
                    .zip(times)
                    .map(|(every_days, times)| Repeat { every_days, times })
            }
        };
        let start = parse_clock(&self.window_start);
        let end = parse_clock(&self.window_end);
        if start.is_none() {
            errors.push(FieldError::new(
                "window_start",
                "From: a time such as 09:00.",
            ));
        }
        if end.is_none() {
            errors.push(FieldError::new(
                "window_end",
                "Until: a time such as 18:00.",
            ));
        }
        if let (Some(s), Some(e)) = (start, end) {
            if e <= s {
                errors.push(FieldError::new(
                    "window_end",
                    "Until: later than From, or reminders would never go out.",
                ));
            } else if e - s < MIN_WINDOW_MINUTES {
                // The scheduler wakes once a minute: a window of a few
                // minutes can be stepped over day after day.
                errors.push(FieldError::new(
                    "window_end",
                    format!("Until: at least {MIN_WINDOW_MINUTES} minutes after From."),
                ));
            }
        }
        if !self.window_days.iter().any(|d| *d) {
            errors.push(FieldError::new(
                "window_days",
                "Days: tick at least one day, or reminders would never go out.",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let count = days.len();
        let steps = rows
            .iter()
            .zip(&days)
            .enumerate()
            .map(|(n, ((_, row), (_, d)))| {
                let (subject, heading, intro) = default_wording(*d, count > 1 && n + 1 == count);
                let or = |typed: &str, default: String| {
                    let t = typed.trim();
                    if t.is_empty() {
                        default
                    } else {
                        t.to_owned()
                    }
                };
                Step {
                    days: *d,
                    subject: or(&row.subject, subject),
                    heading: or(&row.heading, heading),
                    intro: or(&row.intro, intro),
                }
            })
            .collect();
        Ok(Policy {
            enabled: self.enabled,
            steps,
            repeat,
            window: Window {
                start: start.unwrap_or(0),
                end: end.unwrap_or(0),
                days: self.window_days,
            },
        })
    }
}

#[cfg(feature = "ssr")]
mod timing {
    use super::{Policy, Slot, Window};
    use crate::domain::StoreZone;
    use time::{Date, Duration, OffsetDateTime};

    impl Window {
        fn open_on(&self, day: Date) -> bool {
            self.days[usize::from(day.weekday().number_days_from_monday())]
        }

        /// The first opening of the window on `date` or the first open day after it.
        pub fn opening_from(&self, zone: &StoreZone, date: Date) -> OffsetDateTime {
            let mut day = date;
            for _ in 0..7 {
                if self.open_on(day) {
                    break;
                }
                day = day.next_day().unwrap_or(day);
            }
            let (h, m) = (self.start / 60, self.start % 60);
            zone.instant(day, h as u8, m as u8)
        }

        /// `now` if the window is open, else its next opening.
        pub fn next_open(&self, zone: &StoreZone, now: OffsetDateTime) -> OffsetDateTime {
            let local = zone.local(now);
            let today = local.date();
            let minute = u16::from(local.hour()) * 60 + u16::from(local.minute());
            if self.open_on(today) && minute >= self.start && minute < self.end {
                return now;
            }
            if self.open_on(today) && minute < self.start {
                return self.opening_from(zone, today);
            }
            self.opening_from(zone, today.next_day().unwrap_or(today))
        }
    }

    impl Policy {
        /// When `slot` goes for an invoice due on `due`: its day's first
        /// opening of the window (or the next open day's).
        pub fn when(&self, zone: &StoreZone, due: Date, slot: Slot) -> OffsetDateTime {
            let day = due
                .checked_add(Duration::days(self.days(slot)))
                .unwrap_or(due);
            self.window.opening_from(zone, day)
        }

        /// The first reminder after `handled` (the last one sent or skipped,
        /// if any) that is still to come after `now`, and when.
        pub fn next_after(
            &self,
            zone: &StoreZone,
            due: Date,
            handled: Option<Slot>,
            now: OffsetDateTime,
        ) -> Option<(Slot, OffsetDateTime)> {
            let mut slot = match handled {
                Some(h) => self.after(h)?,
                None => self.first()?,
            };
            loop {
                let at = self.when(zone, due, slot);
                if at > now {
                    return Some((slot, at));
                }
                slot = self.after(slot)?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(days: &[&str]) -> PolicyForm {
        let mut f = PolicyForm::of(&Policy::default());
        f.enabled = true;
        f.steps = days
            .iter()
            .map(|d| StepForm {
                days: (*d).to_owned(),
                ..Default::default()
            })
            .collect();
        f
    }

    fn fields(r: Result<Policy, Vec<FieldError>>) -> Vec<String> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn the_default_policy_round_trips_through_its_form_and_json() {
        let p = Policy::default();
        assert!(!p.enabled);
        assert_eq!(PolicyForm::of(&p).parse().unwrap(), p);
        #[cfg(feature = "ssr")]
        {
            assert_eq!(Policy::from_json(&p.to_json()).unwrap(), p);
            assert_eq!(Policy::from_json("").unwrap(), p);
        }
    }

    #[test]
    fn steps_must_be_in_order_on_distinct_days() {
        assert_eq!(fields(form(&["3", "-1"]).parse()), ["days_1"]);
        assert_eq!(fields(form(&["3", "3"]).parse()), ["days_1"]);
        assert_eq!(fields(form(&["x"]).parse()), ["days_0"]);
        assert_eq!(fields(form(&["400"]).parse()), ["days_0"]);
        assert!(form(&["-3", "0", "+7"]).parse().is_ok());
        let many: Vec<String> = (0..21).map(|d| d.to_string()).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(fields(form(&many).parse()), ["steps"]);
        assert_eq!(fields(form(&[]).parse()), ["steps"]);
    }

    #[test]
    fn a_window_that_never_opens_is_refused() {
        let mut f = form(&["1"]);
        f.window_start = "18:00".into();
        f.window_end = "09:00".into();
        assert_eq!(fields(f.parse()), ["window_end"]);
        let mut f = form(&["1"]);
        f.window_days = [false; 7];
        assert_eq!(fields(f.parse()), ["window_days"]);
        let mut f = form(&["1"]);
        f.window_start = "25:00".into();
        assert_eq!(fields(f.parse()), ["window_start"]);
        let mut f = form(&["1"]);
        f.window_start = "8h30".into();
        f.window_end = "24:00".into();
        let p = f.parse().unwrap();
        assert_eq!((p.window.start, p.window.end), (510, 1440));
    }

    #[test]
    fn a_repeat_needs_both_numbers() {
        let mut f = form(&["1"]);
        f.repeat_every = "7".into();
        assert_eq!(fields(f.parse()), ["repeat_times"]);
        f.repeat_times = "2".into();
        let p = f.parse().unwrap();
        assert_eq!(
            p.repeat,
            Some(Repeat {
                every_days: 7,
                times: 2
            })
        );
        assert_eq!(p.len(), 3);
    }

    #[test]
    fn slots_run_through_the_steps_then_the_repeats() {
        let mut p = form(&["-3", "1", "7"]).parse().unwrap();
        p.repeat = Some(Repeat {
            every_days: 5,
            times: 2,
        });
        let mut slots = vec![p.first().unwrap()];
        while let Some(next) = p.after(*slots.last().unwrap()) {
            slots.push(next);
        }
        let days: Vec<i64> = slots.iter().map(|s| p.days(*s)).collect();
        assert_eq!(days, [-3, 1, 7, 12, 17]);
        assert_eq!(p.label(slots[1]), "2nd of 5");
        assert_eq!(p.label(slots[4]), "5th of 5");
        assert!(slots.iter().all(|s| p.has(*s)));
        assert!(!p.has(Slot { step: 2, repeat: 3 }));
        assert!(!p.has(Slot { step: 0, repeat: 1 }));
    }

    #[test]
    fn empty_wording_gets_friendly_firm_and_final_defaults() {
        let p = form(&["-3", "2", "10"]).parse().unwrap();
        assert_eq!(p.steps[0].heading, "A friendly reminder");
        assert_eq!(p.steps[1].heading, "Your invoice is overdue");
        assert_eq!(p.steps[2].heading, "Final reminder");
    }

    #[test]
    fn posted_pairs_make_the_form() {
        let pairs: Vec<(String, String)> = [
            ("enabled", "on"),
            ("days_0", "-2"),
            ("subject_0", "Soon"),
            ("days_1", ""),
            ("repeat_every", ""),
            ("window_start", "09:00"),
            ("window_end", "17:00"),
            ("day_mon", "on"),
            ("day_sun", "on"),
            ("days_99999", "1"),
        ]
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
        let f = PolicyForm::from_pairs(&pairs);
        let p = f.parse().unwrap();
        assert!(p.enabled);
        assert_eq!(p.steps.len(), 1);
        assert_eq!(p.steps[0].subject, "Soon");
        assert_eq!(
            p.window.days,
            [true, false, false, false, false, false, true]
        );
    }

    #[test]
    fn ordinals() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22].map(ordinal).to_vec();
        assert_eq!(
            got,
            ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd"]
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn reminders_go_at_the_windows_local_opening_across_a_dst_change() {
        use crate::domain::StoreZone;
        use time::macros::{date, datetime};
        let zone = StoreZone::parse("Europe/Paris").unwrap();
        let mut p = form(&["-1", "3"]).parse().unwrap();
        p.repeat = Some(Repeat {
            every_days: 2,
            times: 1,
        });
        // Due Friday 26 March 2027; clocks go forward on Sunday 28 March.
        let due = date!(2027 - 03 - 26);
        let first = p.first().unwrap();
        assert_eq!(p.when(&zone, due, first), datetime!(2027-03-25 08:00 UTC)); // 09:00 CET
        let second = p.after(first).unwrap();
        assert_eq!(p.when(&zone, due, second), datetime!(2027-03-29 07:00 UTC)); // 09:00 CEST
                                                                                 // The repeat falls on Wednesday 31 March.
        let third = p.after(second).unwrap();
        assert_eq!(p.when(&zone, due, third), datetime!(2027-03-31 07:00 UTC));
        // A Sunday moves to Monday (the window is closed on Sundays).
        assert_eq!(
            p.window.opening_from(&zone, date!(2027 - 03 - 28)),
            datetime!(2027-03-29 07:00 UTC)
        );
        // Inside the window: now; after it: the next day's opening.
        let now = datetime!(2027-03-29 10:00 UTC);
        assert_eq!(p.window.next_open(&zone, now), now);
        assert_eq!(
            p.window.next_open(&zone, datetime!(2027-03-29 17:00 UTC)),
            datetime!(2027-03-30 07:00 UTC)
        );
        // Planning after the first was handled, at a time past the second: the third.
        assert_eq!(
            p.next_after(&zone, due, Some(first), datetime!(2027-03-30 00:00 UTC)),
            Some((third, datetime!(2027-03-31 07:00 UTC)))
        );
    }
}
