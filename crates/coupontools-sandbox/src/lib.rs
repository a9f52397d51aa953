//! A local Coupontools server: the API of `shared/api/coupontools-api.md` (§0 first, §10 where
//! the docs are silent) over in-memory demo data, for integration tests, benchmarks and the
//! app's practice mode.
//!
//! It is written from the reference alone and does not use `crate::api`, so that testing the
//! client against it checks the client against the reference, not against itself.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use coupontools_sandbox::{Fault, Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start(SandboxConfig::default()).await?;
//! sandbox.control().inject_on("send/email", Fault::DropAfterHandling, 1);
//! // ... point a client at sandbox.v3_url() with DEMO_CLIENT_ID / DEMO_CLIENT_SECRET ...
//! sandbox.stop().await;
//! # Ok(()) }
//! ```
//!
//! What it answers: v3 `coupon/list`, `coupon/info`, `send/email`, `couponsession/search`,
//! `couponsession/data`, `campaign/data`, `singleuse/create`, `multiplesingleuse/create`,
//! `singleuse/remove`, `loyaltyusers/list`, `directoryusers/list`, `category/main/list`; v4
//! `GET loyalty/loyalty-cards`; and the control API under `/_sandbox/` (see `control_http`).
//! Loyalty: v4 cards, copy, members ("stats": list, get, create, bulk, update / add stamps,
//! rewards, void, delete), push notifications, and v3 `loyalty/list|info`,
//! `loyaltyusers/list|update`, `loyalty/pushnotification/single|all`, all over ONE member store
//! (`loyalty_members`; decisions in `v4_loyalty` and `v3_loyalty`). `set_v4_refused` answers
//! every /v4 request 401 while v3 keeps working.
//!
//! Switches (in `SandboxConfig`, `SandboxControl`, `/_sandbox/settings` and the binary's flags):
//! `latency` before every request; `slow_handling`, a wait inside `send/email`'s handling (a
//! client that times out first leaves the e-mail to be sent anyway); `atomic_check_unique` (on:
//! check and record under one lock; off: check before the wait, record after it, so racing
//! requests for one address both send); `failure_status`; `email_integration`. Faults
//! (`Fault`) break the next requests before or after handling; `ok_without_action` and
//! `status_as_string` answer a request that took effect with an OK that does not say what
//! happened. `SandboxControl` counts sends per address, `send/email` requests per address
//! (`send_requests_for`) and the most handled at once for one address.
//!
//! Behaviour the docs do not fix, chosen here (sandbox-only):
//! - Unknown v3 path: HTTP 404, failure envelope without an error code. Reads answer GET and
//!   POST (a GET may carry its parameters in the query string); writes (`send/email`,
//!   `singleuse/*`, `multiplesingleuse/create`) answer POST only; other methods: HTTP 405.
//! - v3 body that is not a JSON object or form data, or above 1 MiB: code 300.
//! - A boolean parameter that is not true/false/1/0: code 302.
//! - `send/email` with `check_unique` and an earlier send: OK, `action: "already_sent"`, the
//!   earlier code and URL, nothing sent (see `v3_email`). Addresses at `bounce.test` bounce (604).
//! - One session store (`sessions.rs`) holds every session `send/email`, `singleuse/create`
//!   and `multiplesingleuse/create` made: 21 lower-case alphanumerics, URL
//!   `https://digicpn.com/p/<campaign code>/<code>`, one increasing `sequenceid` for all.
//!   `singleuse/remove` takes a session out of every read.
//! - `couponsession/search`: `search` Req, `campaign` Opt (`cam_`/`dir_`; 301, 502); finds the
//!   live sessions whose e-mail (any case), phone (by its digits) or custom validation code is
//!   the search text, newest first, within the campaign if given; `created_date_utc` is the
//!   creation (for an e-mail: send) time. The customer sits in
//!   `user_data: {email, firstname, lastname, phone}` (sandbox decision).
//! - `singleuse/create` with `duplicate_check` and an earlier session of the campaign for the
//!   same e-mail / phone / custom ID: that session, `action: "single_use_code_exists"`.
//! - `multiplesingleuse/create`: bad `amount`/`status`/`code_length` range/`code_type` 302,
//!   bad `code_prefix`/`code_length` format 303, missing `code_length`/`code_type` 200.
//! - `campaign/data`: dates in another form 303, a bad `page` 302, past the end an empty page;
//!   `page_size` rows a page (default 100), oldest first.
//! - `singleuse/remove` and `couponsession/data` of an unknown or removed session: 505.
//! - `directoryusers/list`: `amount_of_users` counts the whole directory, not the page.
//! - Directories (`directories`, `v3_directory`): `directory/list|info|campaigns`,
//!   `directoryusers/update` changes a member's payment status (508 unknown member, 302 an
//!   unknown status); the seeded `dir_7003` holds 2 500 members; `add_directory` makes one of
//!   any size; `set_third_level_categories(false)` makes `category/main/list` answer `{}`.
//! - Subaccounts (`subaccounts`): list/info/create/update on `/v4/subaccount…` in the v3 style,
//!   reset URL and SSO on v3; create errors 200/303/304/305; SSO links open `/_sso/login` once;
//!   a subaccount's own keys work on every route except the subaccount ones (102).
//! - v4: 401 bad keys, 404 unknown path, 405 wrong method, 422 unreadable body, all `{"message"}`.
//! - Coupon sessions have a life cycle (created → opened → claimed → validated, voided /
//!   un-voided, expired, locked) driven by `couponsession/update|updatemultiple`, with invented
//!   refusals 306 already validated, 307 voided, 308 expired, 309 locked (`v3_session_changes`);
//!   `campaign/opens|claims|validations` list by their own date; `coupon/pushnotification/
//!   single|all` are recorded; `coupon/info` with `show_usage_stats` adds `usage_stats`. The
//!   seeded campaign `cam_104250` "Lunch deal" holds 3 000 sessions of the last 60 days
//!   (`lunch_deal`); the benchmark's `cam_104299` "Lunch deal XL" exists only when
//!   `SandboxConfig::big_campaign_sessions` asks for it.

mod auth;
mod body;
mod config;
mod control;
mod control_http;
mod customers;
mod directories;
mod envelope;
mod fault_middleware;
mod faults;
mod lock;
mod loyalty_members;
mod lunch_deal;
mod rate_limit;
mod seed;
mod sends;
mod server;
mod sessions;
mod state;
mod subaccounts;
mod v3_coupons;
mod v3_directory;
mod v3_email;
mod v3_loyalty;
mod v3_routes;
mod v3_session_changes;
mod v3_sessions;
mod v3_single_use;
mod v3_subaccounts;
mod v4_loyalty;
mod v4_routes;

pub use config::{FailureStatus, SandboxConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
pub use control::SandboxControl;
pub use control::{CampaignCounts, SessionSnapshot};
pub use directories::PaymentSnapshot;
pub use faults::Fault;
pub use loyalty_members::{MemberSnapshot, PushSent};
pub use lunch_deal::BIG_CAMPAIGN;
pub use rate_limit::Arrival;
pub use sends::SentEmail;
pub use server::Sandbox;
pub use sessions::SessionPush;
