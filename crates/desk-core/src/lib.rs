//! Coupon Desk's core, below the window and without it: the bulk engine (`jobs`: runner,
//! workers, journal, and the kinds of work), the local `history`, the SQLite database (`db`) and
//! CSV files (`csv_file`). It talks to Coupontools through the `coupontools` client only, and
//! never words anything: a row's message, a pause's reason and an error's explanation are
//! `api::Words`, which the app turns into sentences in the reader's language.

pub use coupontools as api;
pub mod atomic_file;
pub mod csv_file;
pub mod db;
pub mod history;
pub mod jobs;
pub mod kept_words;
pub mod store_summary;
pub mod today;
