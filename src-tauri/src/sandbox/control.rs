//! `SandboxControl`: the test's (or practice mode's) hand on a running sandbox.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::config::FailureStatus;
use super::faults::Fault;
use super::sends::SentEmail;
use super::state::Shared;

#[derive(Clone)]
pub struct SandboxControl {
    shared: Arc<Shared>,
}

impl SandboxControl {
    pub(crate) fn new(shared: Arc<Shared>) -> SandboxControl {
        SandboxControl { shared }
    }

    /// For the control methods that live next to their state (e.g. `loyalty_members`).
    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Delay added to every /v3 and /v4 request from now on.
    pub fn set_latency(&self, d: Duration) {
        self.shared.update_settings(|s| s.latency = d);
    }

    pub fn set_failure_status(&self, s: FailureStatus) {
        self.shared
            .update_settings(|settings| settings.failure_status = s);
    }

    /// Off: `send/email` answers error 104, as for an account without an e-mail platform.
    pub fn set_email_integration(&self, on: bool) {
        self.shared.update_settings(|s| s.email_integration = on);
    }

    /// How long `send/email` works on each request from now on, inside its handling: a client
    /// with a shorter timeout gives up while the e-mail is still being sent, and it is sent.
    pub fn set_slow_handling(&self, d: Duration) {
        self.shared.update_settings(|s| s.slow_handling = d);
    }

    /// Off: `send/email` checks `check_unique` before its `slow_handling` wait and records the
    /// send after it, so two racing requests for one address both send. On (default): check
    /// and record under one lock.
    pub fn set_atomic_check_unique(&self, on: bool) {
        self.shared.update_settings(|s| s.atomic_check_unique = on);
    }

    /// The next `times` requests on /v3 or /v4 (any path) go wrong this way.
    pub fn inject(&self, fault: Fault, times: u32) {
        self.shared.faults().push(None, fault, times);
    }

    /// The next `times` requests whose path ends with `path_suffix` (e.g. "send/email") go
    /// wrong this way; other requests are not affected and do not use it up.
    pub fn inject_on(&self, path_suffix: &str, fault: Fault, times: u32) {
        self.shared.faults().push(Some(path_suffix), fault, times);
    }

    pub fn clear_faults(&self) {
        self.shared.faults().clear();
    }

    /// E-mails actually sent to that address (case-insensitive), any campaign. Skipped sends
    /// (`already_sent`), bounces and failed requests do not count.
    pub fn emails_sent_to(&self, email: &str) -> u32 {
        self.shared.sends().count_to(email)
    }

    /// Every remembered send, oldest first.
    pub fn emails_sent(&self) -> Vec<SentEmail> {
        self.shared.sends().all()
    }

    /// `send/email` requests for that address (case-insensitive) that reached the handler,
    /// whatever their result: refused, skipped, sent, and faulted after handling alike.
    pub fn send_requests_for(&self, email: &str) -> u32 {
        self.shared.send_requests().received_for(email)
    }

    /// The highest number of `send/email` requests for one and the same address that were
    /// being handled at the same moment, since the sandbox started.
    pub fn max_concurrent_sends_for_one_address(&self) -> u32 {
        self.shared.send_requests().max_in_flight()
    }

    /// Live sessions of the campaign: made by `send/email`, `singleuse/create` or
    /// `multiplesingleuse/create` and not removed (nor forgotten past the store's cap).
    pub fn sessions_in_campaign(&self, campaign: &str) -> usize {
        self.shared.sessions().live_in_campaign(campaign)
    }

    /// Whether a live session has this full 21-character code.
    pub fn session_exists(&self, code: &str) -> bool {
        self.shared.sessions().exists(code)
    }

    /// Requests received on /v3 and /v4 paths ending with `path_suffix`, faulted ones included.
    pub fn request_count(&self, path_suffix: &str) -> u32 {
        self.shared.request_count(path_suffix)
    }
}

impl fmt::Debug for SandboxControl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxControl").finish_non_exhaustive()
    }
}
