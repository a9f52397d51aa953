//! The bulk engine's errors (`desk-core`'s `ListError`, `JobError`), worded by the app.

use crate::db::DbError;
use crate::jobs::{JobError, ListError, DEFAULT_CONCURRENCY, MAX_CONCURRENCY, MIN_CONCURRENCY};
use crate::words::Worded;

#[test]
fn every_error_has_plain_words_and_a_hint() {
    let lists = [
        ListError::Empty,
        ListError::NoRows,
        ListError::NoEmailColumn,
        ListError::NoAddressesFound,
        ListError::NoSuchColumn {
            column: 4,
            columns: 3,
        },
        ListError::TooManyRows { limit: 100_000 },
        ListError::Unreadable { record: 7 },
    ];
    use crate::i18n::{in_language, Lang};
    // Every kind of error, in every language: words (no raw key), a hint, and not English.
    let words_everywhere = |words: &dyn Fn() -> (String, String), what: &str| {
        let english = in_language(Lang::En, words);
        for lang in Lang::ALL {
            let (message, hint) = in_language(lang, words);
            assert!(!message.is_empty() && !hint.is_empty(), "{lang:?} {what}");
            // A missing key comes back as the key itself, which has no spaces.
            assert!(
                message.contains(' ') && hint.contains(' '),
                "{lang:?} {what}: {message} / {hint}"
            );
            if lang != Lang::En {
                assert_ne!(message, english.0, "{lang:?} {what}: still English");
                assert_ne!(hint, english.1, "{lang:?} {what}: hint still English");
            }
        }
    };
    for e in lists {
        words_everywhere(&|| (e.user_message(), e.hint()), &format!("{e:?}"));
    }
    let jobs = [
        JobError::Open(DbError::from(rusqlite::Error::InvalidQuery)),
        JobError::Database(rusqlite::Error::InvalidQuery),
        JobError::NotFound {
            job_id: "job_1".into(),
        },
        JobError::InvalidConcurrency { given: 40 },
        JobError::NothingToSend,
        JobError::StillStopping,
        JobError::AlreadyDone { state: "finished" },
        JobError::AlreadyDone { state: "cancelled" },
        JobError::NoRuntime,
        JobError::Internal,
        JobError::Export(std::io::Error::other("disk full")),
        JobError::SameCampaignBusy,
        JobError::UnknownKind {
            kind: "future".into(),
        },
    ];
    for e in jobs {
        let message = e.user_message();
        // Technical detail stays out of what the window shows.
        assert!(
            !message.contains("disk full") && !message.contains("InvalidQuery"),
            "{message}"
        );
        words_everywhere(&|| (e.user_message(), e.hint()), &format!("{e:?}"));
    }
}

#[test]
fn the_words_follow_the_language_and_the_log_keeps_english() {
    use crate::i18n::{in_language, Lang};
    let e = ListError::Unreadable { record: 1234 };
    let dutch = in_language(Lang::Nl, || (e.user_message(), e.hint()));
    assert_eq!(dutch.0, "Regel 1234 van de lijst kon niet worden gelezen.");
    assert!(dutch.1.contains("CSV UTF-8"), "{}", dutch.1);
    assert_eq!(e.to_string(), "Line 1234 of the list could not be read.");
    let columns = ListError::NoSuchColumn {
        column: 4,
        columns: 1,
    };
    assert_eq!(
        columns.user_message(),
        "Column 4 was chosen, but the list has only 1 column."
    );
    let done = JobError::AlreadyDone { state: "cancelled" };
    assert_eq!(
        in_language(Lang::De, || done.user_message()),
        "Dieser Auftrag wurde bereits gestoppt."
    );
}

#[test]
fn the_concurrency_words_follow_the_runner_limits() {
    let e = JobError::InvalidConcurrency { given: 40 };
    assert_eq!(
        e.user_message(),
        format!(
            "Sending at once must be between {MIN_CONCURRENCY} and {MAX_CONCURRENCY} (it was 40)."
        )
    );
    assert!(e.hint().contains(&format!(
        "from {MIN_CONCURRENCY} to {MAX_CONCURRENCY}; {DEFAULT_CONCURRENCY} is"
    )));
}
