//! The v4 REST route table: bare JSON, and errors as `{"message": "..."}` (API reference §10).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;

use super::auth::is_authorized;
use super::body;
use super::envelope::{v4_json, v4_message};
use super::state::Shared;
use super::v4_loyalty;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    LoyaltyCards,
}

/// Every v4 path the sandbox answers, relative to `/v4/`, with its method.
const ENDPOINTS: &[(&str, Method, Endpoint)] =
    &[("loyalty/loyalty-cards", Method::GET, Endpoint::LoyaltyCards)];

pub(crate) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let route = parts
        .uri
        .path()
        .strip_prefix("/v4/")
        .unwrap_or("")
        .trim_end_matches('/');
    let Some((_, method, endpoint)) = ENDPOINTS.iter().find(|(p, _, _)| *p == route) else {
        return v4_message(
            StatusCode::NOT_FOUND,
            "Not found: the sandbox has nothing at this address.",
        );
    };
    if parts.method != *method {
        return v4_message(
            StatusCode::METHOD_NOT_ALLOWED,
            "This address does not take that method.",
        );
    }
    let parsed = body::read(&parts.headers, body).await;
    let params = parsed.clone().unwrap_or_default();
    if !is_authorized(
        &parts.headers,
        &params,
        &shared.client_id,
        &shared.client_secret,
    ) {
        return v4_message(
            StatusCode::UNAUTHORIZED,
            "The API key or secret is not correct.",
        );
    }
    if parsed.is_err() {
        return v4_message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The request body is not valid JSON.",
        );
    }
    match endpoint {
        Endpoint::LoyaltyCards => v4_json(StatusCode::OK, v4_loyalty::cards(&shared.shop)),
    }
}
