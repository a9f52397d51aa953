//! What the database holds, told without its contents: the schema version and, per bulk job,
//! its kind, state and how many rows stand where. For a support file, which must carry no
//! customer, address, link or message.

use rusqlite::Connection;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreSummary {
    /// `PRAGMA user_version`: how many schema steps this database has taken.
    pub schema_version: i64,
    pub history_lines: i64,
    pub jobs: Vec<JobCounts>,
}

/// One job, by numbers only (its label, account name and rows stay out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobCounts {
    pub id: String,
    pub kind: String,
    pub state: String,
    pub created_at: String,
    pub total: i64,
    pub pending: i64,
    pub in_flight: i64,
    pub sent: i64,
    pub skipped: i64,
    pub failed: i64,
    pub unknown: i64,
    /// Items a job made beyond its rows (the links of a chunk).
    pub items: i64,
}

pub fn store_summary(conn: &Connection) -> rusqlite::Result<StoreSummary> {
    let schema_version = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let history_lines = conn.query_row("SELECT count(*) FROM history", [], |r| r.get(0))?;
    let mut jobs: Vec<JobCounts> = conn
        .prepare(
            "SELECT id, kind, state, created_at, total,
                    (SELECT count(*) FROM job_items i WHERE i.job_id = jobs.id)
             FROM jobs ORDER BY created_at",
        )?
        .query_map([], |r| {
            Ok(JobCounts {
                id: r.get(0)?,
                kind: r.get(1)?,
                state: r.get(2)?,
                created_at: r.get(3)?,
                total: r.get(4)?,
                items: r.get(5)?,
                ..JobCounts::default()
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut counts =
        conn.prepare("SELECT status, count(*) FROM job_rows WHERE job_id = ?1 GROUP BY status")?;
    for job in &mut jobs {
        let rows = counts.query_map([&job.id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (status, n) = row?;
            match status.as_str() {
                "pending" => job.pending = n,
                "in_flight" => job.in_flight = n,
                "sent" => job.sent = n,
                "skipped" => job.skipped = n,
                "failed" => job.failed = n,
                // A word this version does not know is a row in doubt, as the journal reads it.
                _ => job.unknown += n,
            }
        }
    }
    Ok(StoreSummary {
        schema_version,
        history_lines,
        jobs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_is_told_by_its_numbers_only() {
        let dir = tempfile::tempdir().expect("dir");
        let conn = crate::db::open(&dir.path().join("d.sqlite3")).expect("db");
        conn.execute_batch(
            "INSERT INTO jobs (id, kind, created_at, account_id, account_name, spec, label,
                               concurrency, state, total)
             VALUES ('job_1', 'email', '2026-12-07T10:00:00Z', 'acc', 'Bakery Ann',
                     '{\"subject\":\"Hi Ann\"}', 'Spring', 4, 'paused', 3);
             INSERT INTO job_rows (job_id, row, input, target, status, message, updated_at)
             VALUES ('job_1', 1, '{\"email\":\"ann@shop.test\"}', 'ann@shop.test', 'sent', NULL, 'x'),
                    ('job_1', 2, '{\"email\":\"bob@shop.test\"}', 'bob@shop.test', 'failed', 'm', 'x'),
                    ('job_1', 3, '{\"email\":\"cid@shop.test\"}', 'cid@shop.test', 'pending', NULL, 'x');",
        )
        .expect("a job");
        let summary = store_summary(&conn).expect("summary");
        assert!(summary.schema_version >= 5, "{summary:?}");
        assert_eq!(summary.jobs.len(), 1);
        let job = &summary.jobs[0];
        assert_eq!((job.kind.as_str(), job.state.as_str()), ("email", "paused"));
        assert_eq!((job.total, job.sent, job.failed, job.pending), (3, 1, 1, 1));
        let text = serde_json::to_string(&summary).expect("json");
        for private in ["ann@shop.test", "Bakery Ann", "Spring", "Hi Ann"] {
            assert!(!text.contains(private), "{private} in {text}");
        }
    }
}
