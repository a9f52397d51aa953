//! Bulk work, Tauri-free: e-mail lists in, many sends out with bounded concurrency, and a
//! journal on disk that makes a crash or a closed window lose nothing and send nothing twice.

pub mod email_list;
pub mod error;
pub mod journal;
pub mod progress;
pub mod results_csv;
pub mod runner;
mod worker;

pub use email_list::{template_csv, ColumnMapping, EmailList, EmailListRow, RowProblem};
pub use error::{JobError, ListError};
pub use journal::{JobId, JobRow, JobRows, JobState, JobSummary, PauseReason, RowStatus};
pub use progress::{JobProgress, NoProgress, ProgressSink};
pub use runner::{EmailJobSpec, JobManager, DEFAULT_CONCURRENCY, MAX_CONCURRENCY, MIN_CONCURRENCY};
