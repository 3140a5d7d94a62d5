//! Staff accounts, sign-in and sessions.
pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Cashier,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Cashier => "cashier",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "cashier" => Some(Role::Cashier),
            _ => None,
        }
    }

    /// Admins can do everything a cashier can.
    pub fn allows(self, required: Role) -> bool {
        self == Role::Admin || required == Role::Cashier
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Cashier => "Cashier",
        }
    }
}

/// What pages know about the signed-in staff member (never the hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffView {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignInError {
    /// One message for a wrong password, an unknown email and a malformed one.
    #[error("The email or password is incorrect.")]
    Invalid,
    #[error("The password is too long (at most 1024 characters).")]
    PasswordTooLong,
    /// Too many failures for this account from this address (or from this
    /// address altogether); the next attempt may come after `wait_secs`.
    #[error("Too many failed attempts. Please wait {} and try again.", wait_text(.wait_secs))]
    Throttled { wait_secs: u64 },
    /// Every password check was taken for too long (a flood of sign-ins).
    #[error("Sign-in is very busy right now. Please try again in a few seconds.")]
    Busy,
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
}

/// The longest wait a sign-in page link may claim (the throttles never ask
/// for more than the 15-minute address window).
const MAX_SHOWN_WAIT_SECS: u64 = 3600;

impl SignInError {
    /// The short code carried in the sign-in page's URL after a failed post.
    pub fn code(&self) -> &'static str {
        match self {
            SignInError::Invalid => "invalid",
            SignInError::PasswordTooLong => "too_long",
            SignInError::Throttled { .. } => "throttled",
            SignInError::Busy => "busy",
            SignInError::Internal => "internal",
        }
    }

    /// The sign-in page's query after a failed post: `error=<code>`, and for
    /// a throttled attempt `&wait=<seconds>` so the page can say how long.
    pub fn query(&self) -> String {
        match self {
            SignInError::Throttled { wait_secs } => format!("error=throttled&wait={wait_secs}"),
            other => format!("error={}", other.code()),
        }
    }

    /// Back from the query (`error`, `wait`); an unreadable wait is shown as
    /// "a moment", never refused.
    pub fn from_query(code: &str, wait: Option<&str>) -> Option<SignInError> {
        Some(match code {
            "invalid" => SignInError::Invalid,
            "too_long" => SignInError::PasswordTooLong,
            "throttled" => SignInError::Throttled {
                wait_secs: wait
                    .filter(|w| w.len() <= 6)
                    .and_then(|w| w.parse::<u64>().ok())
                    .unwrap_or(0)
                    .min(MAX_SHOWN_WAIT_SECS),
            },
            "busy" => SignInError::Busy,
            "internal" => SignInError::Internal,
            _ => return None,
        })
    }
}

/// How long to wait, as a person reads it: "1 second", "45 seconds",
/// "3 minutes" (rounded up); 0 is "a moment".
pub fn wait_text(secs: &u64) -> String {
    match *secs {
        0 => "a moment".to_owned(),
        1 => "1 second".to_owned(),
        s @ 2..=59 => format!("{s} seconds"),
        s => match s.div_ceil(60) {
            1 => "1 minute".to_owned(),
            m => format!("{m} minutes"),
        },
    }
}

/// Why an admin's action on a staff account was refused. `code()` is what
/// the Staff page's `?error=` carries; handlers and pages decide by the
/// variant, never by the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountRefusal {
    /// Deactivating, demoting or resetting oneself: an admin could lock
    /// themself out, and their own password changes through the current one.
    OwnAccount,
    /// The change would leave no active admin to manage the store.
    LastAdmin,
    UnknownRole,
}

impl AccountRefusal {
    pub fn code(self) -> &'static str {
        match self {
            AccountRefusal::OwnAccount => "own_account",
            AccountRefusal::LastAdmin => "last_admin",
            AccountRefusal::UnknownRole => "role",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            AccountRefusal::OwnAccount => "You cannot do this to your own account. Change your password under Change my password; another admin can change your role or status.",
            AccountRefusal::LastAdmin => "At least one active admin must remain: make someone else an admin first.",
            AccountRefusal::UnknownRole => "Choose Cashier or Admin.",
        }
    }

    pub fn from_code(code: &str) -> Option<AccountRefusal> {
        [
            AccountRefusal::OwnAccount,
            AccountRefusal::LastAdmin,
            AccountRefusal::UnknownRole,
        ]
        .into_iter()
        .find(|r| r.code() == code)
    }
}

impl std::fmt::Display for AccountRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for AccountRefusal {}

/// Why changing one's own password was refused; shown beside `field()`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordChangeRefusal {
    #[error("Enter your current password.")]
    CurrentMissing,
    #[error("The current password is incorrect.")]
    WrongCurrent,
    #[error("Too many failed attempts. Please wait {} and try again.", wait_text(.wait_secs))]
    Throttled { wait_secs: u64 },
    #[error(
        "Passwords are being checked for many people right now. Please try again in a few seconds."
    )]
    Busy,
    #[error("Choose another password: {0}.")]
    Policy(PasswordPolicyError),
    #[error("The new password must differ from the current one.")]
    Unchanged,
    #[error("The two new passwords are not the same.")]
    Mismatch,
}

impl PasswordChangeRefusal {
    /// The form field the message belongs beside.
    pub fn field(&self) -> &'static str {
        match self {
            PasswordChangeRefusal::CurrentMissing
            | PasswordChangeRefusal::WrongCurrent
            | PasswordChangeRefusal::Throttled { .. }
            | PasswordChangeRefusal::Busy => "current_password",
            PasswordChangeRefusal::Policy(_) | PasswordChangeRefusal::Unchanged => "new_password",
            PasswordChangeRefusal::Mismatch => "repeat_password",
        }
    }
}

/// The **Add a staff member** form as typed (no password: Settle makes one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AddStaffForm {
    pub email: String,
    pub name: String,
    pub role: String,
}

impl Default for AddStaffForm {
    fn default() -> Self {
        AddStaffForm {
            email: String::new(),
            name: String::new(),
            // The everyday account; making an admin is a deliberate choice.
            role: Role::Cashier.as_str().to_owned(),
        }
    }
}

/// A password Settle made for someone (new account or reset), shown to the
/// admin once, on the page after the post, and then forgotten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownPassword {
    pub name: String,
    pub email: String,
    pub password: String,
    /// True for a reset, false for a new account.
    pub reset: bool,
}

/// Everything the Staff page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffPageData {
    /// The admin looking at the page (they get no buttons against themself).
    pub me: StaffView,
    pub staff: Vec<StaffView>,
    pub add: AddStaffForm,
    pub add_errors: Vec<crate::forms::FieldError>,
    pub shown_password: Option<ShownPassword>,
    pub password_errors: Vec<crate::forms::FieldError>,
}

/// Everything the My account page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPageData {
    pub me: StaffView,
    pub password_errors: Vec<crate::forms::FieldError>,
}

/// Percent-encodes a path for a query value (`/login?next=…`), keeping `/`
/// readable and everything but RFC 3986's unreserved characters encoded.
pub fn encode_query_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Passwords a person chooses: long enough to resist guessing, short enough
/// that hashing one cannot be used to tie up the server.
pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_BYTES: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordPolicyError {
    #[error("the password is empty")]
    Empty,
    #[error("the password must be at least 12 characters long")]
    TooShort,
    #[error("the password can be at most 1024 bytes long")]
    TooLong,
    #[error("the password is too easy to guess: avoid repeated characters and common passwords")]
    TooWeak,
}

/// Checks a new password. Deliberately simple: length first (the measure that
/// matters most), then the handful of patterns every guessing list starts with.
pub fn check_new_password(password: &str, email: &str) -> Result<(), PasswordPolicyError> {
    if password.is_empty() {
        return Err(PasswordPolicyError::Empty);
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(PasswordPolicyError::TooLong);
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(PasswordPolicyError::TooShort);
    }
    let lower = password.to_lowercase();
    let distinct = {
        let mut chars: Vec<char> = lower.chars().collect();
        chars.sort_unstable();
        chars.dedup();
        chars.len()
    };
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    const COMMON: [&str; 8] = [
        "password", "123456", "qwerty", "letmein", "welcome", "admin", "settle", "abcdef",
    ];
    if distinct < 5
        || COMMON.iter().any(|c| lower.contains(c))
        || (local.chars().count() >= 4 && lower.contains(&local))
    {
        return Err(PasswordPolicyError::TooWeak);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy() {
        assert_eq!(
            check_new_password("", "a@b.co"),
            Err(PasswordPolicyError::Empty)
        );
        assert_eq!(
            check_new_password("short", "a@b.co"),
            Err(PasswordPolicyError::TooShort)
        );
        assert_eq!(
            check_new_password(&"x".repeat(2000), "a@b.co"),
            Err(PasswordPolicyError::TooLong)
        );
        assert_eq!(
            check_new_password("aaaaaaaaaaaaaaaa", "a@b.co"),
            Err(PasswordPolicyError::TooWeak)
        );
        assert_eq!(
            check_new_password("MyPassword2026!", "a@b.co"),
            Err(PasswordPolicyError::TooWeak)
        );
        assert_eq!(
            check_new_password("jane.doe-is-great", "jane.doe@b.co"),
            Err(PasswordPolicyError::TooWeak)
        );
        assert_eq!(
            check_new_password("correct horse battery", "a@b.co"),
            Ok(())
        );
    }

    #[test]
    fn refusal_codes_round_trip() {
        for r in [
            AccountRefusal::OwnAccount,
            AccountRefusal::LastAdmin,
            AccountRefusal::UnknownRole,
        ] {
            assert_eq!(AccountRefusal::from_code(r.code()), Some(r));
        }
        assert_eq!(AccountRefusal::from_code("nope"), None);
    }

    #[test]
    fn sign_in_errors_round_trip_through_the_query() {
        for e in [
            SignInError::Invalid,
            SignInError::PasswordTooLong,
            SignInError::Throttled { wait_secs: 4 },
            SignInError::Busy,
            SignInError::Internal,
        ] {
            let query = e.query();
            let code = query
                .strip_prefix("error=")
                .and_then(|q| q.split('&').next())
                .unwrap();
            let wait = query.split("&wait=").nth(1);
            assert_eq!(SignInError::from_query(code, wait), Some(e), "{query}");
        }
        assert_eq!(SignInError::from_query("nope", None), None);
        assert_eq!(
            SignInError::from_query("throttled", Some("99999999999")),
            Some(SignInError::Throttled { wait_secs: 0 })
        );
        assert_eq!(
            SignInError::from_query("throttled", Some("86400")),
            Some(SignInError::Throttled { wait_secs: 3600 })
        );
        assert_eq!(
            SignInError::Throttled { wait_secs: 4 }.to_string(),
            "Too many failed attempts. Please wait 4 seconds and try again."
        );
        assert_eq!(
            SignInError::Throttled { wait_secs: 0 }.to_string(),
            "Too many failed attempts. Please wait a moment and try again."
        );
    }

    #[test]
    fn waits_read_as_people_say_them() {
        assert_eq!(wait_text(&1), "1 second");
        assert_eq!(wait_text(&59), "59 seconds");
        assert_eq!(wait_text(&60), "1 minute");
        assert_eq!(wait_text(&61), "2 minutes");
        assert_eq!(wait_text(&300), "5 minutes");
    }

    #[test]
    fn roles() {
        assert!(Role::Admin.allows(Role::Cashier));
        assert!(Role::Admin.allows(Role::Admin));
        assert!(Role::Cashier.allows(Role::Cashier));
        assert!(!Role::Cashier.allows(Role::Admin));
    }
}
