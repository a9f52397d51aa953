//! The app's local database: history of what was sent and the journals of bulk jobs.
//!
//! One SQLite file in the app data folder. The schema moves forward through `MIGRATIONS`, applied
//! in order and recorded in `PRAGMA user_version`, so a later feature only appends a step.

use std::path::Path;

use rusqlite::Connection;

/// Each entry is one schema step; never edit a step that has shipped, append a new one.
const MIGRATIONS: &[&str] = &[
    // 1: what the desk did, one row per action (a send, a test of the connection, ...).
    "CREATE TABLE history (
        id          INTEGER PRIMARY KEY,
        at          TEXT    NOT NULL,   -- RFC 3339, UTC
        account_id  TEXT    NOT NULL,
        account     TEXT    NOT NULL,   -- the account's name at the time
        action      TEXT    NOT NULL,   -- e.g. 'test_connection', 'email_coupon'
        campaign    TEXT,
        target      TEXT,               -- e.g. the e-mail address
        outcome     TEXT    NOT NULL,   -- 'ok', 'skipped', 'failed', 'unknown'
        detail      TEXT,               -- e.g. the single-use URL or the error message
        job_id      TEXT
     );
     CREATE INDEX history_at ON history(at);",
    // 2: journals of bulk e-mail jobs (jobs/journal.rs): one row per recipient, written before
    // each send and after each reply, so a crash never loses or repeats a send.
    "CREATE TABLE email_jobs (
        id            TEXT    PRIMARY KEY,
        created_at    TEXT    NOT NULL,   -- RFC 3339, UTC
        account_id    TEXT    NOT NULL,
        account_name  TEXT    NOT NULL,
        campaign      TEXT    NOT NULL,
        subject       TEXT,
        check_unique  INTEGER NOT NULL,   -- 0/1
        concurrency   INTEGER NOT NULL,
        state         TEXT    NOT NULL,   -- 'running', 'paused', 'finished', 'cancelled'
        pause_reason  TEXT,
        pause_hint    TEXT,
        total         INTEGER NOT NULL
     );
     CREATE TABLE email_job_rows (
        job_id          TEXT    NOT NULL REFERENCES email_jobs(id) ON DELETE CASCADE,
        row             INTEGER NOT NULL, -- 1-based data row of the file
        email           TEXT    NOT NULL,
        first_name      TEXT,
        last_name       TEXT,
        status          TEXT    NOT NULL, -- 'pending', 'in_flight', 'sent', 'skipped', 'failed', 'unknown'
        attempts        INTEGER NOT NULL DEFAULT 0,
        maybe_sent      INTEGER NOT NULL DEFAULT 0, -- an earlier attempt may have reached the server
        single_use_code TEXT,
        single_use_url  TEXT,
        message         TEXT,
        updated_at      TEXT    NOT NULL,
        PRIMARY KEY (job_id, row)
     );
     CREATE INDEX email_job_rows_queue ON email_job_rows(job_id, status, attempts, row);
     CREATE INDEX email_jobs_state ON email_jobs(state);",
    // 3: one journal for every kind of bulk work (jobs/kind.rs). A job's parameters and each
    // row's input and output are the kind's JSON; the engine's columns stay typed. E-mail jobs
    // of step 2 are carried over as kind 'email', unfinished ones included.
    "CREATE TABLE jobs (
        id            TEXT    PRIMARY KEY,
        kind          TEXT    NOT NULL,   -- 'email', ...
        created_at    TEXT    NOT NULL,   -- RFC 3339, UTC
        account_id    TEXT    NOT NULL,
        account_name  TEXT    NOT NULL,
        spec          TEXT    NOT NULL,   -- JSON: the kind's job-wide parameters
        label         TEXT,               -- what the job works on (e.g. the campaign), for lists
        concurrency   INTEGER NOT NULL,
        state         TEXT    NOT NULL,   -- 'running', 'paused', 'finished', 'cancelled'
        pause_reason  TEXT,
        pause_hint    TEXT,
        total         INTEGER NOT NULL
     );
     CREATE TABLE job_rows (
        job_id        TEXT    NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        row           INTEGER NOT NULL,   -- 1-based row of the input
        input         TEXT    NOT NULL,   -- JSON object, the kind's row input
        target        TEXT    NOT NULL,   -- what the history names (e.g. the address)
        status        TEXT    NOT NULL,   -- 'pending', 'in_flight', 'sent', 'skipped', 'failed', 'unknown'
        attempts      INTEGER NOT NULL DEFAULT 0,
        maybe_sent    INTEGER NOT NULL DEFAULT 0, -- an earlier request may have taken effect
        first_sent_at INTEGER,            -- unix ms: the first request for this row left
        last_sent_at  INTEGER,            -- unix ms: the latest request for this row left
        output        TEXT,               -- JSON object, the kind's row output
        message       TEXT,
        updated_at    TEXT    NOT NULL,
        PRIMARY KEY (job_id, row)
     );
     INSERT INTO jobs (id, kind, created_at, account_id, account_name, spec, label, concurrency,
                       state, pause_reason, pause_hint, total)
        SELECT id, 'email', created_at, account_id, account_name,
               json_object('campaign', campaign, 'subject', subject,
                           'checkUnique', json(CASE WHEN check_unique THEN 'true' ELSE 'false' END)),
               campaign, concurrency, state, pause_reason, pause_hint, total
        FROM email_jobs;
     INSERT INTO job_rows (job_id, row, input, target, status, attempts, maybe_sent, output, message, updated_at)
        SELECT job_id, row, json_object('email', email, 'firstName', first_name, 'lastName', last_name), email,
               status, attempts, maybe_sent,
               CASE WHEN single_use_code IS NULL AND single_use_url IS NULL THEN NULL
                    ELSE json_object('singleUseCode', single_use_code, 'singleUseUrl', single_use_url) END,
               message, updated_at
        FROM email_job_rows;
     DROP TABLE email_job_rows;
     DROP TABLE email_jobs;
     CREATE INDEX job_rows_queue ON job_rows(job_id, status, attempts, row);
     CREATE INDEX jobs_state ON jobs(state);",
    // 4: what one call made for a row when it makes many (the links of a chunk of single-use
    // links), numbered across the job in the order they were recorded.
    "CREATE TABLE job_items (
        job_id  TEXT    NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        item    INTEGER NOT NULL,   -- 1-based across the job
        row     INTEGER NOT NULL,   -- the row that made it
        data    TEXT    NOT NULL,   -- JSON object, the kind's item
        PRIMARY KEY (job_id, item)
     );",
    // 5: when a row's first request left by the server's clock (its local time plus the
    // difference the replies' `Date` told then), so a look-up after a restart does not depend
    // on the computer's clock having stayed put in between.
    "ALTER TABLE job_rows ADD COLUMN first_sent_server_ms INTEGER;",
    // 6: what happened today in each account's campaigns (the Today screen), as the poller
    // read it: one row per coupon opened, claimed or used (`at_ms` by the server's clock).
    "CREATE TABLE today_events (
        account_id TEXT    NOT NULL,
        kind       TEXT    NOT NULL,   -- opened | claimed | used
        code       TEXT    NOT NULL,
        campaign   TEXT    NOT NULL,
        at_ms      INTEGER NOT NULL,
        seen_ms    INTEGER NOT NULL,
        PRIMARY KEY (account_id, kind, code)
     );
     CREATE INDEX today_events_when ON today_events(account_id, at_ms);
     CREATE INDEX today_events_campaign ON today_events(account_id, campaign, kind, at_ms);",
    // 7: "was this coupon used at this desk?" for each use Today reads (`today::news`), without
    // reading the whole history.
    "CREATE INDEX history_target ON history(account_id, target);",
];

/// The schema step that made the journal generic; tests build older databases with the steps
/// before it.
pub const GENERIC_JOURNAL_STEP: usize = 3;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    #[error("The app's local database could not be opened or updated ({0}).")]
    Sqlite(#[from] rusqlite::Error),
    #[error("The local database was written by a newer Coupon Desk (schema {found}, this version knows {known}).")]
    TooNew { found: i64, known: i64 },
    #[error("The app's data folder could not be created ({0}).")]
    Folder(#[from] std::io::Error),
}

/// Opens (creating if needed) the database at `path` and brings its schema up to date.
pub fn open(path: &Path) -> Result<Connection, DbError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut conn = Connection::open(path)?;
    // WAL keeps the journal durable without blocking readers (the UI reads while a job writes).
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// A second connection for long reads (exports), so they never wait for or block the writer:
/// in WAL mode readers see the last commit while the one writer goes on.
pub fn open_reader(path: &Path) -> Result<Connection, DbError> {
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

/// Applies every step past the database's `user_version`, each in its own transaction.
pub fn migrate(conn: &mut Connection) -> Result<(), DbError> {
    migrate_to(conn, MIGRATIONS.len())
}

/// Applies the steps up to and including `step` (1-based): how a test makes the database an
/// older version of the app wrote.
pub fn migrate_to(conn: &mut Connection, step: usize) -> Result<(), DbError> {
    let known = step.min(MIGRATIONS.len()) as i64;
    let found: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > known {
        return Err(DbError::TooNew { found, known });
    }
    for (index, step) in MIGRATIONS
        .iter()
        .enumerate()
        .take(known as usize)
        .skip(found as usize)
    {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", (index + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema_version(conn: &Connection) -> Result<i64, DbError> {
        Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
    }

    #[test]
    fn opens_fresh_database_at_latest_schema_and_reopens_idempotently() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/desk.sqlite3");
        let conn = open(&path).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), MIGRATIONS.len() as i64);
        conn.execute(
            "INSERT INTO history (at, account_id, account, action, outcome) VALUES ('2026-01-01T00:00:00Z', 'a', 'Shop', 'test_connection', 'ok')",
            [],
        )
        .unwrap();
        drop(conn);
        let conn = open(&path).unwrap();
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM history", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            rows, 1,
            "reopening must keep the data and not re-run migrations"
        );
    }

    #[test]
    fn refuses_a_database_from_a_newer_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.sqlite3");
        let conn = open(&path).unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        drop(conn);
        assert!(matches!(
            open(&path),
            Err(DbError::TooNew { found: 999, .. })
        ));
    }
}
