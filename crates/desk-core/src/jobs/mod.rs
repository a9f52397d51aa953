//! Bulk work, Tauri-free: one engine for every kind of list work (e-mail a list, and the kinds
//! that follow), with bounded concurrency and a journal on disk that makes a crash or a closed
//! window lose nothing and send nothing twice. A kind (`kinds/`) says how rows become requests
//! and how a row in doubt is looked up; the engine (`runner`, `worker`, `journal`) owns the rest.

mod create;
pub mod email_list;
pub mod error;
pub mod journal;
pub mod kind;
pub mod kinds;
pub mod limits;
mod live_run;
pub mod progress;
pub mod results_csv;
pub mod runner;
pub mod status;
mod worker;
pub use worker::grace;

pub use create::ImportRow;
pub use email_list::{
    template_csv, template_header, ColumnMapping, EmailList, EmailListRow, RowProblem,
};
pub use error::{JobError, ListError};
pub use journal::{now_ms, JobId, JobRow, JobRows, JobState, JobSummary, PauseReason, RowStatus};
pub use kind::{verdict_of_write_error, Claimed, JobKind, Reconciled, RowOutcome, Verdict};
pub use kinds::{
    AutomatedCodesSpec, CreateLinksSpec, EmailInput, EmailJobSpec, EmailKind, EmailSpec,
    ImportSpec, PaymentInput, PaymentJobSpec, PaymentRow, RedeemInput, RemoveInput,
};
pub use limits::{DEFAULT_CONCURRENCY, MAX_CONCURRENCY, MIN_CONCURRENCY};
pub use live_run::SAME_REFUSAL_PAUSE_AFTER;
pub use progress::{EndSink, JobEnd, JobProgress, JobSpeed, NoProgress, ProgressSink};
pub use runner::JobManager;
