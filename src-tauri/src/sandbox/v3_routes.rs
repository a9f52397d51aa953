//! The v3 route table and what every v3 call goes through: path, method, body, credentials.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;

use super::auth::is_authorized;
use super::body::{self, BodyError};
use super::envelope::{v3_auth_failure, v3_reply, v3_transport_failure, V3Error};
use super::state::Shared;
use super::{v3_coupons, v3_directory, v3_email, v3_loyalty, v3_sessions};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    CouponList,
    CouponInfo,
    SendEmail,
    CouponSessionSearch,
    LoyaltyUsersList,
    DirectoryUsersList,
    MainCategoryList,
}

/// Every v3 path the sandbox answers, relative to `/v3/`.
const ENDPOINTS: &[(&str, Endpoint)] = &[
    ("coupon/list", Endpoint::CouponList),
    ("coupon/info", Endpoint::CouponInfo),
    ("send/email", Endpoint::SendEmail),
    ("couponsession/search", Endpoint::CouponSessionSearch),
    ("loyaltyusers/list", Endpoint::LoyaltyUsersList),
    ("directoryusers/list", Endpoint::DirectoryUsersList),
    ("category/main/list", Endpoint::MainCategoryList),
];

/// Paths echoed in error texts are cut to this length.
const MAX_ECHOED_PATH_CHARS: usize = 200;

pub(crate) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path();
    let route = path
        .strip_prefix("/v3/")
        .unwrap_or("")
        .trim_end_matches('/');
    let Some(endpoint) = ENDPOINTS.iter().find(|(p, _)| *p == route).map(|(_, e)| *e) else {
        // Sandbox-only: the real service's answer to an unknown path is not documented.
        return v3_transport_failure(
            StatusCode::NOT_FOUND,
            format!("Sandbox: there is no API call at {}.", echo(path)),
        );
    };
    if parts.method != Method::POST {
        return v3_transport_failure(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("Sandbox: {} only answers POST requests.", echo(path)),
        );
    }
    let settings = shared.settings();
    let parsed = body::read(&parts.headers, body).await;
    let params = parsed.clone().unwrap_or_default();
    if !is_authorized(
        &parts.headers,
        &params,
        &shared.client_id,
        &shared.client_secret,
    ) {
        return v3_auth_failure(settings.failure_status);
    }
    if let Err(problem) = parsed {
        return v3_reply(Err(body_failure(problem)), settings.failure_status);
    }
    let result = match endpoint {
        Endpoint::CouponList => v3_coupons::list(&shared.shop, &params),
        Endpoint::CouponInfo => v3_coupons::info(&shared.shop, &params),
        Endpoint::SendEmail => v3_email::send(Arc::clone(&shared), params).await,
        Endpoint::CouponSessionSearch => v3_sessions::search(&shared, &params),
        Endpoint::LoyaltyUsersList => v3_loyalty::users_list(&shared.shop, &params),
        Endpoint::DirectoryUsersList => {
            v3_directory::users_list(&shared.shop, &params, shared.page_size)
        }
        Endpoint::MainCategoryList => v3_directory::main_categories(&shared.shop),
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
