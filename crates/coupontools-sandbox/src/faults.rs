//! Injected failures and the queue of those waiting for their request (`fault_middleware`
//! applies them).

use std::collections::VecDeque;

/// A way for the next request(s) to go wrong, as seen by the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// That HTTP status with a small HTML page, as a proxy or overloaded server answers.
    /// The request has no effect. A number that is not a final HTTP status (e.g. 1000, 101) becomes 500.
    ServerError(u16),
    /// HTTP 429 with a `Retry-After` header. The request has no effect.
    TooManyRequests { retry_after_secs: u64 },
    /// The connection is closed without an answer; the request has NO effect.
    DropConnection,
    /// The request takes effect (e.g. the e-mail is sent), then the reply is lost (connection cut).
    DropAfterHandling,
    /// That status and body, served as `text/html`. The request has no effect.
    NonJson { status: u16, body: String },
    /// The request takes effect; the client gets the real status with only the first half of
    /// the real body (a complete HTTP reply whose JSON stops in the middle).
    Truncated,
    /// HTTP 200 with an empty body. The request has no effect.
    Empty,
    /// A v3 refusal in Coupontools' own words (envelope shape A with this code); the request has
    /// no effect. For tests of what follows a refusal (e.g. after a lost reply).
    Refuse { code: u32, description: String },
    /// The request takes effect (e.g. the e-mail is sent), but the reply has no `action` key:
    /// an OK that does not say what happened.
    OkWithoutAction,
    /// The request takes effect; the reply's `status` is a plain string instead of the
    /// documented object: `{"status": "OK", ...payload}` (a failure becomes `"status": "failed"`
    /// with its `errors` beside it).
    StatusAsString,
    /// Nothing goes wrong: the request is handled as usual. Queued before another fault on
    /// the same path, it aims that one at a later request (the second chunk, say).
    Pass,
}

/// At most this many injections wait at once; older ones make room for newer ones.
const MAX_QUEUED_FAULTS: usize = 1024;

struct Injection {
    path_suffix: Option<String>,
    fault: Fault,
    remaining: u32,
}

#[derive(Default)]
pub(crate) struct FaultQueue {
    injections: VecDeque<Injection>,
}

impl FaultQueue {
    pub(crate) fn push(&mut self, path_suffix: Option<&str>, fault: Fault, times: u32) {
        if times == 0 {
            return;
        }
        if self.injections.len() >= MAX_QUEUED_FAULTS {
            log::warn!("sandbox: too many faults waiting; the oldest one was dropped");
            self.injections.pop_front();
        }
        let path_suffix = path_suffix.map(|s| s.trim_end_matches('/').to_owned());
        self.injections.push_back(Injection {
            path_suffix,
            fault,
            remaining: times,
        });
    }

    /// The fault for a request on `path`: the oldest injection that matches it, used up once.
    /// A suffix may start with a method (`"POST stats/910002"`): then only that method matches,
    /// so a write's fault is not spent on the read before it.
    #[cfg(test)]
    pub(crate) fn take(&mut self, path: &str) -> Option<Fault> {
        self.take_for("", path)
    }

    pub(crate) fn take_for(&mut self, method: &str, path: &str) -> Option<Fault> {
        let path = path.trim_end_matches('/');
        let index = self
            .injections
            .iter()
            .position(|inj| match &inj.path_suffix {
                Some(suffix) => match suffix.split_once(' ') {
                    Some((want, suffix)) => {
                        want.eq_ignore_ascii_case(method) && path.ends_with(suffix)
                    }
                    None => path.ends_with(suffix.as_str()),
                },
                None => true,
            })?;
        let injection = self.injections.get_mut(index)?;
        injection.remaining = injection.remaining.saturating_sub(1);
        let fault = injection.fault.clone();
        if injection.remaining == 0 {
            self.injections.remove(index);
        }
        Some(fault)
    }

    pub(crate) fn clear(&mut self) {
        self.injections.clear();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.injections.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injections_are_used_up_in_order() {
        let mut q = FaultQueue::default();
        q.push(None, Fault::ServerError(503), 2);
        q.push(None, Fault::Empty, 1);
        assert_eq!(q.take("/v3/coupon/list"), Some(Fault::ServerError(503)));
        assert_eq!(q.take("/v4/x"), Some(Fault::ServerError(503)));
        assert_eq!(q.take("/v3/coupon/list"), Some(Fault::Empty));
        assert_eq!(q.take("/v3/coupon/list"), None);
    }

    #[test]
    fn path_bound_injections_only_hit_their_path() {
        let mut q = FaultQueue::default();
        q.push(Some("send/email/"), Fault::DropAfterHandling, 1);
        assert_eq!(q.take("/v3/coupon/list"), None);
        assert_eq!(q.take("/v3/send/email/"), Some(Fault::DropAfterHandling));
        assert_eq!(q.take("/v3/send/email"), None);
    }

    #[test]
    fn zero_times_injects_nothing_and_clear_empties() {
        let mut q = FaultQueue::default();
        q.push(None, Fault::Empty, 0);
        assert_eq!(q.len(), 0);
        q.push(None, Fault::Empty, 5);
        q.clear();
        assert_eq!(q.take("/v3/a"), None);
    }

    #[test]
    fn queue_is_capped() {
        let mut q = FaultQueue::default();
        q.push(None, Fault::ServerError(500), 1);
        for _ in 0..MAX_QUEUED_FAULTS {
            q.push(None, Fault::Empty, 1);
        }
        assert_eq!(q.len(), MAX_QUEUED_FAULTS);
        assert_eq!(q.take("/v3/a"), Some(Fault::Empty));
    }
}
