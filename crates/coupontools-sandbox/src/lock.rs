//! The one way the sandbox takes a lock.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// A panic elsewhere while a lock was held must not take the whole sandbox down with it:
/// the data behind these locks stays consistent between statements, so it is safe to go on.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
