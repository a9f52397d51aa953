//! The server's clock, as its replies' `Date` headers tell it.
//!
//! A look-up after a lost reply asks "what did the server make since our request left?". The
//! server stamps what it makes with its own clock, so the moment our request left must be told
//! in that clock too: a computer whose clock is six minutes fast would otherwise take its own
//! coupon for an older one and send it again. Every reply updates the difference between the
//! two clocks; without one yet, the computer's clock stands in.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;

/// How far before the moment our request left (by the server's clock) something the server
/// made may still be ours: `Date` comes to the whole second and is read a little after the
/// server wrote it, and the server may stamp its records as the request arrives.
pub const SERVER_CLOCK_MARGIN: Duration = Duration::from_secs(2);

#[derive(Debug, Default)]
pub struct ServerClock {
    /// Server time minus this computer's time, in milliseconds.
    offset_ms: AtomicI64,
    known: AtomicBool,
}

impl ServerClock {
    /// Takes a reply's `Date` header (RFC 7231 IMF-fixdate), received at `local`.
    pub fn observe(&self, date_header: &str, local: SystemTime) {
        let Some(server) = parse_http_date(date_header) else {
            return;
        };
        let local_ms = unix_ms(local);
        // The server wrote the header before we read it, truncated to its second: its clock at
        // `local` is between `server` and `server + 1 s + the reply's travel`; the middle of
        // the second is the better guess.
        let offset = server * 1000 + 500 - local_ms;
        self.offset_ms.store(offset, Ordering::Relaxed);
        self.known.store(true, Ordering::Relaxed);
    }

    /// Whether a reply has told the server's time yet.
    pub fn is_known(&self) -> bool {
        self.known.load(Ordering::Relaxed)
    }

    /// Server time minus this computer's time in milliseconds, once a reply told it.
    pub fn offset_ms_if_known(&self) -> Option<i64> {
        self.is_known()
            .then(|| self.offset_ms.load(Ordering::Relaxed))
    }

    /// Server time minus this computer's time (zero until a reply told it).
    pub fn offset(&self) -> time::Duration {
        time::Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// `local_ms` (Unix ms by this computer's clock, as the journal keeps request times) told
    /// in the server's clock.
    pub fn server_time_of(&self, local_ms: i64) -> OffsetDateTime {
        let ms = local_ms.saturating_add(self.offset_ms.load(Ordering::Relaxed));
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// The earliest server time at which something made by a request that left at `local_ms`
    /// (this computer's clock) can be stamped.
    pub fn earliest_of_request(&self, local_ms: i64) -> OffsetDateTime {
        self.server_time_of(local_ms) - SERVER_CLOCK_MARGIN
    }

    /// The server's time now.
    pub fn now(&self) -> OffsetDateTime {
        self.server_time_of(unix_ms(SystemTime::now()))
    }
}

fn unix_ms(at: SystemTime) -> i64 {
    match at.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` → Unix seconds. The two obsolete forms HTTP allows are not
/// sent by anything we talk to; they yield None and the computer's clock stands in.
fn parse_http_date(text: &str) -> Option<i64> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(text.trim(), &format)
        .ok()
        .map(|at| at.assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fast_computer_clock_is_told_in_the_servers() {
        let clock = ServerClock::default();
        assert!(!clock.is_known());
        // The computer says 08:55:37.200; the server said 08:49:37: six minutes fast.
        let local = UNIX_EPOCH + Duration::from_millis(784_111_777_200 + 360_000);
        clock.observe("Sun, 06 Nov 1994 08:49:37 GMT", local);
        assert!(clock.is_known());
        let offset = clock.offset().whole_milliseconds();
        assert!((-360_000..=-359_000).contains(&offset), "{offset}");
        let sent_local_ms = 784_111_777_000 + 360_000;
        let server = clock.server_time_of(sent_local_ms);
        assert_eq!(server.unix_timestamp(), 784_111_777);
        assert!(clock.earliest_of_request(sent_local_ms) < server);
    }

    #[test]
    fn an_unreadable_date_changes_nothing() {
        let clock = ServerClock::default();
        clock.observe("yesterday", SystemTime::now());
        clock.observe("Sunday, 06-Nov-94 08:49:37 GMT", SystemTime::now());
        assert!(!clock.is_known());
        assert_eq!(clock.offset(), time::Duration::ZERO);
    }
}
