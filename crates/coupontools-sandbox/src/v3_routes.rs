//! The v3 route table and what every v3 call goes through: path, method, body, credentials.
//!
//! Reads answer GET as well as POST (§1 "GET on v3": a public client fetches `coupon/list`
//! with GET); a GET's parameters may come in the query string. Writes answer POST only.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;

use super::body::{self, BodyError, Params};
use super::envelope::{v3_auth_failure, v3_reply, v3_transport_failure, V3Error};
use super::state::{Caller, Shared};
use super::v3_sessions::Listed;
use super::v3_subaccounts;
use super::{
    v3_coupons, v3_directory, v3_email, v3_loyalty, v3_session_changes, v3_sessions, v3_single_use,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    CouponList,
    CouponInfo,
    SendEmail,
    CouponSessionSearch,
    CouponSessionData,
    CampaignData,
    CampaignOpens,
    CampaignClaims,
    CampaignValidations,
    CouponSessionUpdate,
    CouponSessionUpdateMultiple,
    CouponPushSingle,
    CouponPushAll,
    SingleUseCreate,
    MultipleSingleUseCreate,
    SingleUseRemove,
    LoyaltyUsersList,
    LoyaltyUsersUpdate,
    LoyaltyList,
    LoyaltyInfo,
    LoyaltyPushSingle,
    LoyaltyPushAll,
    DirectoryUsersList,
    MainCategoryList,
    DirectoryList,
    DirectoryInfo,
    DirectoryCampaigns,
    DirectoryUsersUpdate,
    CategoryList,
    SubaccountList,
    SubaccountInfo,
    SubaccountCreate,
    SubaccountUpdate,
    SubaccountResetUrl,
    SubaccountSso,
}

/// Whether a call only reads (answers GET too) or changes something (POST only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Read,
    Write,
}

/// Every v3 path the sandbox answers, relative to `/v3/`.
const ENDPOINTS: &[(&str, Endpoint, Kind)] = &[
    ("coupon/list", Endpoint::CouponList, Kind::Read),
    ("coupon/info", Endpoint::CouponInfo, Kind::Read),
    ("send/email", Endpoint::SendEmail, Kind::Write),
    (
        "couponsession/search",
        Endpoint::CouponSessionSearch,
        Kind::Read,
    ),
    (
        "couponsession/data",
        Endpoint::CouponSessionData,
        Kind::Read,
    ),
    ("campaign/data", Endpoint::CampaignData, Kind::Read),
    ("campaign/opens", Endpoint::CampaignOpens, Kind::Read),
    ("campaign/claims", Endpoint::CampaignClaims, Kind::Read),
    (
        "campaign/validations",
        Endpoint::CampaignValidations,
        Kind::Read,
    ),
    (
        "couponsession/update",
        Endpoint::CouponSessionUpdate,
        Kind::Write,
    ),
    (
        "couponsession/updatemultiple",
        Endpoint::CouponSessionUpdateMultiple,
        Kind::Write,
    ),
    (
        "coupon/pushnotification/single",
        Endpoint::CouponPushSingle,
        Kind::Write,
    ),
    (
        "coupon/pushnotification/all",
        Endpoint::CouponPushAll,
        Kind::Write,
    ),
    ("singleuse/create", Endpoint::SingleUseCreate, Kind::Write),
    (
        "multiplesingleuse/create",
        Endpoint::MultipleSingleUseCreate,
        Kind::Write,
    ),
    ("singleuse/remove", Endpoint::SingleUseRemove, Kind::Write),
    ("loyaltyusers/list", Endpoint::LoyaltyUsersList, Kind::Read),
    (
        "loyaltyusers/update",
        Endpoint::LoyaltyUsersUpdate,
        Kind::Write,
    ),
    ("loyalty/list", Endpoint::LoyaltyList, Kind::Read),
    ("loyalty/info", Endpoint::LoyaltyInfo, Kind::Read),
    (
        "loyalty/pushnotification/single",
        Endpoint::LoyaltyPushSingle,
        Kind::Write,
    ),
    (
        "loyalty/pushnotification/all",
        Endpoint::LoyaltyPushAll,
        Kind::Write,
    ),
    (
        "directoryusers/list",
        Endpoint::DirectoryUsersList,
        Kind::Read,
    ),
    ("category/main/list", Endpoint::MainCategoryList, Kind::Read),
    ("directory/list", Endpoint::DirectoryList, Kind::Read),
    ("directory/info", Endpoint::DirectoryInfo, Kind::Read),
    (
        "directory/campaigns",
        Endpoint::DirectoryCampaigns,
        Kind::Read,
    ),
    (
        "directoryusers/update",
        Endpoint::DirectoryUsersUpdate,
        Kind::Write,
    ),
    ("category/list", Endpoint::CategoryList, Kind::Read),
    (
        "subaccount/reset/url",
        Endpoint::SubaccountResetUrl,
        Kind::Write,
    ),
    ("subaccount/sso", Endpoint::SubaccountSso, Kind::Write),
];

/// The v3-style calls under `/v4/` (§6.4: `/v4/subaccount…`), relative to `/v4/`.
const V4_ENVELOPE_ENDPOINTS: &[(&str, Endpoint, Kind)] = &[
    ("subaccount/list", Endpoint::SubaccountList, Kind::Read),
    ("subaccount", Endpoint::SubaccountInfo, Kind::Read),
    ("subaccount/create", Endpoint::SubaccountCreate, Kind::Write),
    ("subaccount/update", Endpoint::SubaccountUpdate, Kind::Write),
];

/// Whether `route` (relative to `/v4/`) is one of the v3-style subaccount calls.
pub(crate) fn is_v4_envelope_route(route: &str) -> bool {
    V4_ENVELOPE_ENDPOINTS.iter().any(|(p, _, _)| *p == route)
}

/// A v3-style call under `/v4/` (the subaccount routes).
pub(crate) async fn handle_v4_envelope(shared: Arc<Shared>, request: Request) -> Response {
    let route = request
        .uri()
        .path()
        .strip_prefix("/v4/")
        .unwrap_or("")
        .trim_end_matches('/')
        .to_owned();
    serve(shared, request, &route, V4_ENVELOPE_ENDPOINTS).await
}

/// Paths echoed in error texts are cut to this length.
const MAX_ECHOED_PATH_CHARS: usize = 200;

pub(crate) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let route = request
        .uri()
        .path()
        .strip_prefix("/v3/")
        .unwrap_or("")
        .trim_end_matches('/')
        .to_owned();
    serve(shared, request, &route, ENDPOINTS).await
}

async fn serve(
    shared: Arc<Shared>,
    request: Request,
    route: &str,
    table: &[(&str, Endpoint, Kind)],
) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path();
    let Some((endpoint, kind)) = table
        .iter()
        .find(|(p, _, _)| *p == route)
        .map(|(_, e, k)| (*e, *k))
    else {
        // Sandbox-only: the real service's answer to an unknown path is not documented.
        return v3_transport_failure(
            StatusCode::NOT_FOUND,
            format!("Sandbox: there is no API call at {}.", echo(path)),
        );
    };
    let get = parts.method == Method::GET && kind == Kind::Read;
    if parts.method != Method::POST && !get {
        let allowed = match kind {
            Kind::Read => "GET and POST",
            Kind::Write => "POST",
        };
        return v3_transport_failure(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("Sandbox: {} only answers {allowed} requests.", echo(path)),
        );
    }
    let settings = shared.settings();
    let mut parsed = body::read(&parts.headers, body).await;
    if get {
        if let (Ok(params), Some(query)) = (&parsed, parts.uri.query()) {
            if params.is_empty() {
                parsed = Ok(Params::from_form(query.as_bytes()));
            }
        }
    }
    let params = parsed.clone().unwrap_or_default();
    let Some(caller) = shared.caller(&parts.headers, &params) else {
        return v3_auth_failure(settings.failure_status);
    };
    if let Err(problem) = parsed {
        return v3_reply(Err(body_failure(problem)), settings.failure_status);
    }
    let manages_subaccounts = matches!(
        endpoint,
        Endpoint::SubaccountList
            | Endpoint::SubaccountInfo
            | Endpoint::SubaccountCreate
            | Endpoint::SubaccountUpdate
            | Endpoint::SubaccountResetUrl
            | Endpoint::SubaccountSso
    );
    if manages_subaccounts && caller != Caller::Main {
        return v3_reply(
            Err(V3Error::new(
                102,
                "Subaccount credentials cannot be used to manage subaccounts.",
            )),
            settings.failure_status,
        );
    }
    let host = parts
        .headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"[]:.-".contains(&b))
        })
        .unwrap_or("127.0.0.1")
        .to_owned();
    let result = match endpoint {
        Endpoint::CouponList => v3_coupons::list(&shared.shop, &params),
        Endpoint::CouponInfo => v3_coupons::info_with_usage(&shared, &params),
        Endpoint::SendEmail => v3_email::send(Arc::clone(&shared), params).await,
        Endpoint::CouponSessionSearch => v3_sessions::search(&shared, &params),
        Endpoint::CouponSessionData => v3_sessions::data(&shared, &params),
        Endpoint::CampaignData => v3_sessions::campaign_data(&shared, &params, shared.page_size),
        Endpoint::CampaignOpens => {
            v3_sessions::campaign_list(&shared, &params, shared.page_size, Listed::Opens)
        }
        Endpoint::CampaignClaims => {
            v3_sessions::campaign_list(&shared, &params, shared.page_size, Listed::Claims)
        }
        Endpoint::CampaignValidations => {
            v3_sessions::campaign_list(&shared, &params, shared.page_size, Listed::Validations)
        }
        Endpoint::CouponSessionUpdate => v3_session_changes::update(&shared, &params),
        Endpoint::CouponSessionUpdateMultiple => {
            v3_session_changes::update_multiple(&shared, &params)
        }
        Endpoint::CouponPushSingle => v3_session_changes::push_single(&shared, &params),
        Endpoint::CouponPushAll => v3_session_changes::push_all(&shared, &params),
        Endpoint::SingleUseCreate => v3_single_use::create(&shared, &params),
        Endpoint::MultipleSingleUseCreate => v3_single_use::create_many(&shared, &params),
        Endpoint::SingleUseRemove => v3_single_use::remove(&shared, &params),
        Endpoint::LoyaltyUsersList => v3_loyalty::users_list(&shared, &params),
        Endpoint::LoyaltyUsersUpdate => v3_loyalty::users_update(&shared, &params),
        Endpoint::LoyaltyList => v3_loyalty::list(&shared, &params),
        Endpoint::LoyaltyInfo => v3_loyalty::info(&shared, &params),
        Endpoint::LoyaltyPushSingle => v3_loyalty::push_single(&shared, &params),
        Endpoint::LoyaltyPushAll => v3_loyalty::push_all(&shared, &params),
        Endpoint::DirectoryUsersList => {
            v3_directory::users_list(&shared, &params, shared.page_size)
        }
        Endpoint::MainCategoryList => {
            v3_directory::main_categories(&shared.shop, settings.third_level_categories)
        }
        Endpoint::DirectoryList => v3_directory::list(&shared),
        Endpoint::DirectoryInfo => v3_directory::info(&shared, &params),
        Endpoint::DirectoryCampaigns => v3_directory::campaigns(&shared, &params),
        Endpoint::DirectoryUsersUpdate => v3_directory::users_update(&shared, &params),
        Endpoint::CategoryList => v3_directory::categories(&shared.shop),
        Endpoint::SubaccountList => v3_subaccounts::list(&shared),
        Endpoint::SubaccountInfo => v3_subaccounts::info(&shared, &params),
        Endpoint::SubaccountCreate => v3_subaccounts::create(&shared, &params),
        Endpoint::SubaccountUpdate => v3_subaccounts::update(&shared, &params),
        Endpoint::SubaccountResetUrl => v3_subaccounts::reset_url(&shared, &params),
        Endpoint::SubaccountSso => v3_subaccounts::sso(&shared, &params, &host),
    };
    v3_reply(result, settings.failure_status)
}

/// Sandbox-only: a body that is neither a JSON object nor form data gets code 300, the docs'
/// "a parameter has an incorrect value, generic" class.
fn body_failure(problem: BodyError) -> V3Error {
    match problem {
        BodyError::Malformed => {
            V3Error::new(300, "The request body is not a JSON object or form data.")
        }
        BodyError::TooLarge => V3Error::new(300, "The request body is too large."),
    }
}

fn echo(path: &str) -> String {
    path.chars().take(MAX_ECHOED_PATH_CHARS).collect()
}
