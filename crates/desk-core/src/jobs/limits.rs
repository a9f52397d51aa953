//! How many requests of one job may be on their way at once: the user's "at most", under which
//! the account's limiter (`coupontools::limiter`) finds the speed. The highest is "Automatic".

pub const MIN_CONCURRENCY: u8 = 1;
pub const MAX_CONCURRENCY: u8 = 16;
/// Automatic: no ceiling of the user's below the limiter's own.
pub const DEFAULT_CONCURRENCY: u8 = MAX_CONCURRENCY;
