//! How many requests of one job may be on their way at once (the user's choice, within these).

pub const MIN_CONCURRENCY: u8 = 1;
pub const MAX_CONCURRENCY: u8 = 16;
pub const DEFAULT_CONCURRENCY: u8 = 4;
