//! Finding the coupon a cashier scanned or typed: the 21-character code, its 6-character short
//! form, a link holding the code, or the shop's own validation code (looked up with the session
//! search), and what that coupon's state means at the counter. One place, so the single Redeem
//! and "Mark many as used" read a code the same way.

use time::OffsetDateTime;

use super::error::ApiError;
use super::session_search::SessionSearch;
use super::sessions::SessionsApi;
use super::single_use::SessionData;

/// The longest text taken as one scan (a link with its query is far shorter).
pub const MAX_SCAN_CHARS: usize = 300;

/// What a coupon's state means at the counter, in the order it is judged: a voided coupon is
/// "voided" even when it was used before, so nobody accepts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CounterState {
    Valid,
    Used,
    Voided,
    Expired,
    Locked,
    NotFound,
}

impl CounterState {
    /// The word the window and the exports use.
    pub fn as_str(self) -> &'static str {
        match self {
            CounterState::Valid => "valid",
            CounterState::Used => "used",
            CounterState::Voided => "voided",
            CounterState::Expired => "expired",
            CounterState::Locked => "locked",
            CounterState::NotFound => "not_found",
        }
    }

    /// The state of `session` at `now`.
    pub fn of(session: &SessionData, now: OffsetDateTime) -> CounterState {
        if session.voided {
            CounterState::Voided
        } else if session.validated {
            CounterState::Used
        } else if session.expires_at.is_some_and(|at| at <= now) {
            CounterState::Expired
        } else if session.locked {
            CounterState::Locked
        } else {
            CounterState::Valid
        }
    }
}

/// What a scan found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    One(Box<SessionData>),
    NotFound,
    /// The shop's own code is carried by this many coupons: the scan cannot tell which.
    Ambiguous(usize),
}

/// The session code in a scan or typed text: a link's last segment, or a plain 21- or
/// 6-character code. None for anything else (the shop's own validation code, say).
pub fn code_in(text: &str) -> Option<String> {
    let text = text.trim().trim_end_matches([',', '/']);
    let text = text.split(['?', '#']).next().unwrap_or(text);
    let last = text.rsplit('/').next().unwrap_or(text);
    let plain = last.len() == 21 || last.len() == 6;
    (plain && last.bytes().all(|b| b.is_ascii_alphanumeric())).then(|| last.to_owned())
}

impl<'a> SessionsApi<'a> {
    /// The coupon behind a scan: by its code first (`couponsession/data`), then as the shop's
    /// own validation code (`couponsession/search`, which must match exactly one coupon). A
    /// six-character text that is no short code may still be an own code, so it is searched too.
    pub async fn find(&self, scanned: &str) -> Result<Found, ApiError> {
        let scanned = scanned.trim();
        if let Some(code) = code_in(scanned) {
            match self.get(&code).await {
                Ok(session) => return Ok(Found::One(Box::new(session))),
                Err(ApiError::Coupontools { code: 505, .. }) if code.len() == 6 => {}
                Err(ApiError::Coupontools { code: 505, .. }) => return Ok(Found::NotFound),
                Err(e) => return Err(e),
            }
        }
        let found = self
            .search(&SessionSearch {
                search: scanned.to_owned(),
                campaign: None,
            })
            .await?;
        let matching: Vec<_> = found
            .into_iter()
            .filter(|s| s.code.as_str() != scanned)
            .collect();
        match matching.len() {
            0 => Ok(Found::NotFound),
            1 => Ok(Found::One(Box::new(
                self.get(matching[0].code.as_str()).await?,
            ))),
            n => Ok(Found::Ambiguous(n)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SingleUseCode;

    #[test]
    fn codes_come_out_of_links_and_plain_text_and_own_codes_do_not() {
        assert_eq!(
            code_in(" 0ist0ywa4t9z7rj0g8mf7\n").as_deref(),
            Some("0ist0ywa4t9z7rj0g8mf7")
        );
        assert_eq!(
            code_in("https://digicpn.com/p/abc123/0ist0ywa4t9z7rj0g8mf7/").as_deref(),
            Some("0ist0ywa4t9z7rj0g8mf7")
        );
        assert_eq!(
            code_in("https://digicpn.com/p/abc123/0ist0ywa4t9z7rj0g8mf7?utm=x").as_deref(),
            Some("0ist0ywa4t9z7rj0g8mf7")
        );
        assert_eq!(code_in("0ist0y").as_deref(), Some("0ist0y"));
        assert_eq!(code_in("LD-00005"), None);
        assert_eq!(code_in("DESK 0001"), None);
    }

    fn session() -> SessionData {
        SessionData {
            campaign: "cam_1".into(),
            code: SingleUseCode::new("0ist0ywa4t9z7rj0g8mf7"),
            url: String::new(),
            sequence_id: None,
            custom_id: None,
            created_at: None,
            opened_at: None,
            claimed_at: None,
            validated_at: None,
            voided_at: None,
            validated: false,
            voided: false,
            expires_at: None,
            own_validation_code: None,
            locked: false,
            email: None,
            first_name: None,
            last_name: None,
            phone: None,
        }
    }

    #[test]
    fn the_counter_state_puts_voided_first_and_valid_last() {
        let now = OffsetDateTime::now_utc();
        let past = Some(now - time::Duration::days(1));
        assert_eq!(CounterState::of(&session(), now), CounterState::Valid);
        let mut s = session();
        s.locked = true;
        assert_eq!(CounterState::of(&s, now), CounterState::Locked);
        s.expires_at = past;
        assert_eq!(CounterState::of(&s, now), CounterState::Expired);
        s.validated_at = past;
        s.validated = true;
        assert_eq!(CounterState::of(&s, now), CounterState::Used);
        s.voided_at = past;
        s.voided = true;
        assert_eq!(CounterState::of(&s, now).as_str(), "voided");
    }
}
