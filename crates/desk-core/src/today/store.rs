//! Today's events of each account, kept in the app's database so that a restart shows the
//! figures at once and the poller reads only what is new. One row per event: a coupon opened,
//! claimed or used, by its code; the same event read twice (the poller's overlap) is kept once.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// What happened to a coupon.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum EventKind {
    Opened,
    Claimed,
    Used,
}

impl EventKind {
    pub const ALL: [EventKind; 3] = [EventKind::Opened, EventKind::Claimed, EventKind::Used];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Opened => "opened",
            EventKind::Claimed => "claimed",
            EventKind::Used => "used",
        }
    }

    fn parse(text: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// One event as the poller read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TodayEvent {
    pub campaign: String,
    pub kind: EventKind,
    pub code: String,
    /// When it happened, by the server (ms since 1970).
    pub at_ms: i64,
}

/// One campaign's counts within the asked span.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CampaignCounts {
    pub campaign: String,
    pub opened: u32,
    pub claimed: u32,
    pub used: u32,
}

/// Events are kept this long (two days cover "today" in every time zone).
pub const KEEP_MS: i64 = 2 * 24 * 3600 * 1000;

/// Stores the events not stored yet; returns those (the new ones, in the order given).
/// `now_ms` is when they were seen.
pub fn add_new(
    conn: &Connection,
    account_id: &str,
    events: &[TodayEvent],
    now_ms: i64,
) -> rusqlite::Result<Vec<TodayEvent>> {
    let mut added = Vec::new();
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO today_events (account_id, kind, code, campaign, at_ms, seen_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for event in events {
        let changed = insert.execute(params![
            account_id,
            event.kind.as_str(),
            event.code,
            event.campaign,
            event.at_ms,
            now_ms
        ])?;
        if changed == 1 {
            added.push(event.clone());
        }
    }
    Ok(added)
}

/// Forgets the account's events older than [`KEEP_MS`] before `now_ms`.
pub fn forget_old(conn: &Connection, account_id: &str, now_ms: i64) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM today_events WHERE account_id = ?1 AND at_ms < ?2",
        params![account_id, now_ms - KEEP_MS],
    )?;
    Ok(())
}

/// The latest event of one kind in one campaign, where the next read starts.
pub fn latest(
    conn: &Connection,
    account_id: &str,
    campaign: &str,
    kind: EventKind,
) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT MAX(at_ms) FROM today_events WHERE account_id = ?1 AND campaign = ?2 AND kind = ?3",
        params![account_id, campaign, kind.as_str()],
        |row| row.get::<_, Option<i64>>(0),
    )
    .optional()
    .map(Option::flatten)
}

/// Counts per campaign of the events in `[from_ms, to_ms)`, campaigns with most used first.
pub fn counts(
    conn: &Connection,
    account_id: &str,
    from_ms: i64,
    to_ms: i64,
) -> rusqlite::Result<Vec<CampaignCounts>> {
    let mut query = conn.prepare_cached(
        "SELECT campaign,
                SUM(kind = 'opened'), SUM(kind = 'claimed'), SUM(kind = 'used')
         FROM today_events WHERE account_id = ?1 AND at_ms >= ?2 AND at_ms < ?3
         GROUP BY campaign ORDER BY SUM(kind = 'used') DESC, campaign",
    )?;
    let rows = query.query_map(params![account_id, from_ms, to_ms], |row| {
        Ok(CampaignCounts {
            campaign: row.get(0)?,
            opened: row.get(1)?,
            claimed: row.get(2)?,
            used: row.get(3)?,
        })
    })?;
    rows.collect()
}

/// Events per hour of the span (`[from_ms, from_ms + 24 h)`): for each hour, opened, claimed
/// and used.
pub fn hourly(
    conn: &Connection,
    account_id: &str,
    from_ms: i64,
) -> rusqlite::Result<Vec<[u32; 3]>> {
    let mut hours = vec![[0u32; 3]; 24];
    let mut query = conn.prepare_cached(
        "SELECT (at_ms - ?2) / 3600000, kind, COUNT(*) FROM today_events
         WHERE account_id = ?1 AND at_ms >= ?2 AND at_ms < ?2 + 86400000
         GROUP BY 1, 2",
    )?;
    let rows = query.query_map(params![account_id, from_ms], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, u32>(2)?,
        ))
    })?;
    for row in rows {
        let (hour, kind, count) = row?;
        let slot = match EventKind::parse(&kind) {
            Some(EventKind::Opened) => 0,
            Some(EventKind::Claimed) => 1,
            Some(EventKind::Used) => 2,
            None => continue,
        };
        if let Some(hour) = usize::try_from(hour).ok().and_then(|h| hours.get_mut(h)) {
            hour[slot] = count;
        }
    }
    Ok(hours)
}

/// The newest `limit` events from `from_ms` on, newest first.
pub fn feed(
    conn: &Connection,
    account_id: &str,
    from_ms: i64,
    limit: usize,
) -> rusqlite::Result<Vec<TodayEvent>> {
    let mut query = conn.prepare_cached(
        "SELECT campaign, kind, code, at_ms FROM today_events
         WHERE account_id = ?1 AND at_ms >= ?2
         ORDER BY at_ms DESC, kind DESC, code LIMIT ?3",
    )?;
    let rows = query.query_map(params![account_id, from_ms, limit as i64], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, i64>(3)?,
        ))
    })?;
    let mut events = Vec::new();
    for row in rows {
        let (campaign, kind, code, at_ms) = row?;
        if let Some(kind) = EventKind::parse(&kind) {
            events.push(TodayEvent {
                campaign,
                kind,
                code,
                at_ms,
            });
        }
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().expect("temp dir");
        let conn = crate::db::open(&dir.path().join("desk.sqlite3")).expect("db");
        (dir, conn)
    }

    fn event(campaign: &str, kind: EventKind, code: &str, at_ms: i64) -> TodayEvent {
        TodayEvent {
            campaign: campaign.into(),
            kind,
            code: code.into(),
            at_ms,
        }
    }

    const H: i64 = 3_600_000;

    #[test]
    fn an_event_read_twice_is_kept_once_and_only_new_ones_come_back() {
        let (_dir, conn) = db();
        let first = [
            event("cam_1", EventKind::Opened, "AAA", 10 * H),
            event("cam_1", EventKind::Used, "AAA", 11 * H),
        ];
        assert_eq!(add_new(&conn, "acc", &first, 12 * H).unwrap(), first);
        let again = [
            event("cam_1", EventKind::Used, "AAA", 11 * H),
            event("cam_1", EventKind::Claimed, "AAA", 11 * H),
        ];
        assert_eq!(
            add_new(&conn, "acc", &again, 12 * H).unwrap(),
            vec![again[1].clone()]
        );
        // Another account's events are its own.
        assert_eq!(add_new(&conn, "other", &first, 12 * H).unwrap().len(), 2);
        assert_eq!(
            latest(&conn, "acc", "cam_1", EventKind::Used).unwrap(),
            Some(11 * H)
        );
        assert_eq!(
            latest(&conn, "acc", "cam_2", EventKind::Used).unwrap(),
            None
        );
    }

    #[test]
    fn counts_hours_and_feed_cover_the_asked_day_only() {
        let (_dir, conn) = db();
        let day = 100 * H;
        let events = [
            event("cam_1", EventKind::Opened, "A", day - 1),
            event("cam_1", EventKind::Opened, "B", day),
            event("cam_1", EventKind::Used, "B", day + 2 * H + 5),
            event("cam_2", EventKind::Claimed, "C", day + 2 * H),
            event("cam_2", EventKind::Used, "C", day + 23 * H),
            event("cam_2", EventKind::Used, "D", day + 24 * H),
        ];
        add_new(&conn, "acc", &events, day + 25 * H).unwrap();
        let counts = counts(&conn, "acc", day, day + 24 * H).unwrap();
        assert_eq!(
            counts,
            vec![
                CampaignCounts {
                    campaign: "cam_1".into(),
                    opened: 1,
                    claimed: 0,
                    used: 1
                },
                CampaignCounts {
                    campaign: "cam_2".into(),
                    opened: 0,
                    claimed: 1,
                    used: 1
                },
            ]
        );
        let hours = hourly(&conn, "acc", day).unwrap();
        assert_eq!(hours[0], [1, 0, 0]);
        assert_eq!(hours[2], [0, 1, 1]);
        assert_eq!(hours[23], [0, 0, 1]);
        assert_eq!(hours.iter().map(|h| h[2]).sum::<u32>(), 2);
        let feed = feed(&conn, "acc", day, 3).unwrap();
        let codes: Vec<_> = feed.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["D", "C", "B"], "newest first, at most three");
    }

    #[test]
    fn events_older_than_two_days_are_forgotten() {
        let (_dir, conn) = db();
        add_new(&conn, "acc", &[event("c", EventKind::Used, "OLD", 0)], H).unwrap();
        forget_old(&conn, "acc", KEEP_MS + H + 1).unwrap();
        assert!(feed(&conn, "acc", 0, 10).unwrap().is_empty());
    }
}
