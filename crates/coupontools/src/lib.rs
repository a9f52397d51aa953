//! The Coupontools client: transport, envelope and error decoding, retry policy, one table of
//! endpoints, typed requests and replies for v3 and v4.
//!
//! A library of its own: no Tauri, no dictionaries, no database. It never words a message: an
//! error or a field's problem names its words ([`words::Words`], a dictionary key and typed
//! values) and the program using it words them (Coupon Desk: `src-tauri/src/words.rs`).

pub mod campaign_usage;
pub mod categories;
pub mod client;
pub mod config;
pub mod coupons;
pub mod directories;
pub mod directory_members;
pub mod email;
pub mod endpoints;
pub mod envelope;
pub mod error;
pub mod lenient;
pub mod limiter;
pub mod loyalty;
pub mod loyalty_v3;
pub mod loyalty_v4;
pub mod member_fields;
pub mod redaction;
pub mod retry;
pub mod scanned_code;
pub mod server_clock;
pub mod session_search;
pub mod session_state;
pub mod sessions;
pub mod single_use;
pub mod single_use_code;
pub mod speed_control;
pub mod subaccounts;
pub mod tls;
mod transport;
pub mod validate;
pub mod words;

pub use campaign_usage::{CampaignUsage, CampaignWithUsage, CampaignsApi, SessionList};
pub use categories::{CategoriesApi, Category};
pub use client::Client;
pub use config::{
    ClientConfig, Credentials, Secret, ALT_V3_BASE, DEFAULT_V3_BASE, DEFAULT_V4_BASE,
};
pub use coupons::{Campaign, CampaignFilter, SingleUseCode};
pub use directories::{DirectoriesApi, Directory, PaymentUpdate};
pub use directory_members::{DirectoryUser, DirectoryUsersPage, DIRECTORY_PAGE_SIZE};
pub use email::{EmailAction, EmailCouponRequest, EmailedCoupon};
pub use endpoints::{Endpoint, EndpointSpec};
pub use error::ApiError;
pub use limiter::{Limiter, SpeedNow};
pub use loyalty::{LoyaltyCard, LoyaltyCardUsers, LoyaltyCardV4, LoyaltyUser};
pub use loyalty_v3::MemberChangeV3;
pub use loyalty_v4::{
    BulkBatch, BulkCreated, BulkRejection, LoyaltyApi, LoyaltyMember, MemberFields, MemberPage,
    MemberQuery, PushReceipt, Reward, MAX_BULK_MEMBERS,
};
pub use retry::RetryPolicy;
pub use scanned_code::{code_in, CounterState, Found, MAX_SCAN_CHARS};
pub use session_search::{CouponSession, SessionSearch};
pub use sessions::{
    ManySessionsUpdate, Operation, SessionUpdate, SessionUpdateOutcome, SessionUpdateResult,
    SessionsApi, MAX_SESSIONS_PER_UPDATE,
};
pub use single_use::{
    AutomatedCodes, CampaignSessionsQuery, CodeType, ManySingleUseRequest, SessionData,
    SingleUseLink, SingleUseRequest, SingleUseStatus,
};
pub use speed_control::SpeedMode;
pub use subaccounts::{SsoLogin, Subaccount, SubaccountCampaign, SubaccountFields, SubaccountsApi};
pub use transport::track_departure;
pub use transport::{CONNECT_TIMEOUT, MAX_REFUSALS};
pub use validate::{FieldProblem, PaymentStatus};
