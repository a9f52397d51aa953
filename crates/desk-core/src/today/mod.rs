//! Today: what is happening in an account's campaigns right now. The poller reads the opens,
//! claims and validations of the active campaigns within a budget of requests a minute; the
//! store keeps the day's events in the app's database, counts them and lists the latest.

pub mod budget;
pub mod news;
pub mod poller;
pub mod store;

pub use budget::{PollBudget, DEFAULT_PER_MINUTE, MAX_PER_MINUTE, MIN_PER_MINUTE};
pub use news::{ClaimsReached, ClaimsWatch, UseHeld, UsesUnderWay};
pub use poller::{PollError, TodayPoller};
pub use store::{CampaignCounts, EventKind, TodayEvent};
