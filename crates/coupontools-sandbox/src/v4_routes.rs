//! The v4 REST route table: bare JSON, and errors as `{"message": "..."}` (API reference §10).
//!
//! Paths hold IDs (`{id}` below); a path that matches a pattern but not its method is 405, one
//! that matches no pattern is 404. Credentials are checked before anything is looked up.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;

use super::body;
use super::envelope::v4_message;
use super::state::Shared;
use super::v4_loyalty::{self, Endpoint};

/// Every v4 path the sandbox answers, relative to `/v4/`, with its method. `{id}` is one path
/// segment.
const ENDPOINTS: &[(&str, Method, Endpoint)] = &[
    ("loyalty/loyalty-cards", Method::GET, Endpoint::LoyaltyCards),
    (
        "loyalty/loyalty-cards/{id}/copy",
        Method::POST,
        Endpoint::CopyCard,
    ),
    (
        "loyalty/loyalty-cards/{id}/stats",
        Method::GET,
        Endpoint::ListMembers,
    ),
    (
        "loyalty/loyalty-cards/{id}/stats",
        Method::POST,
        Endpoint::CreateMember,
    ),
    (
        "loyalty/loyalty-cards/{id}/stats/bulk",
        Method::POST,
        Endpoint::BulkCreateMembers,
    ),
    (
        "loyalty/loyalty-cards/{id}/stats/{id}",
        Method::GET,
        Endpoint::GetMember,
    ),
    (
        "loyalty/loyalty-cards/{id}/stats/{id}",
        Method::POST,
        Endpoint::UpdateMember,
    ),
    (
        "loyalty/loyalty-cards/{id}/stats/{id}",
        Method::DELETE,
        Endpoint::DeleteMember,
    ),
    (
        "loyalty/loyalty-cards/{id}/stats/{id}/rewards",
        Method::PUT,
        Endpoint::UseRewards,
    ),
    (
        "loyalty/loyalty-cards/{id}/stats/{id}/void",
        Method::PUT,
        Endpoint::VoidMember,
    ),
    (
        "loyalty/loyalty-cards/{id}/push-notifications",
        Method::POST,
        Endpoint::Push,
    ),
];

/// The path segments that stand for `{id}` when `route` fits `pattern`. A literal segment wins
/// over `{id}` (`stats/bulk` is never member "bulk").
fn fit<'a>(pattern: &str, route: &'a str) -> Option<Vec<&'a str>> {
    let mut ids = Vec::new();
    let mut want = pattern.split('/');
    let mut have = route.split('/');
    loop {
        match (want.next(), have.next()) {
            (None, None) => return Some(ids),
            (Some("{id}"), Some(segment)) if !segment.is_empty() => ids.push(segment),
            (Some(w), Some(h)) if w == h => {}
            _ => return None,
        }
    }
}

fn find(route: &str) -> Vec<(&'static Method, Endpoint, Vec<&str>)> {
    let fitting = ENDPOINTS
        .iter()
        .filter_map(|(p, m, e)| fit(p, route).map(|ids| (m, *e, ids)))
        .collect::<Vec<_>>();
    // `stats/bulk` fits both `stats/bulk` and `stats/{id}`: keep the patterns with the most
    // literal segments.
    let best = fitting
        .iter()
        .map(|(_, _, ids)| ids.len())
        .min()
        .unwrap_or(0);
    fitting
        .into_iter()
        .filter(|(_, _, ids)| ids.len() == best)
        .collect()
}

pub(crate) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    // `/v4/subaccount…` speaks the v3 style (§6.4).
    let v3_style = request
        .uri()
        .path()
        .strip_prefix("/v4/")
        .map(|r| r.trim_end_matches('/'))
        .is_some_and(super::v3_routes::is_v4_envelope_route);
    if v3_style {
        return super::v3_routes::handle_v4_envelope(shared, request).await;
    }
    let (parts, body) = request.into_parts();
    let route = parts
        .uri
        .path()
        .strip_prefix("/v4/")
        .unwrap_or("")
        .trim_end_matches('/');
    let candidates = find(route);
    if candidates.is_empty() {
        return v4_message(
            StatusCode::NOT_FOUND,
            "Not found: the sandbox has nothing at this address.",
        );
    }
    let Some((_, endpoint, ids)) = candidates
        .into_iter()
        .find(|(method, _, _)| **method == parts.method)
    else {
        return v4_message(
            StatusCode::METHOD_NOT_ALLOWED,
            "This address does not take that method.",
        );
    };
    let parsed = body::read(&parts.headers, body).await;
    let params = parsed.clone().unwrap_or_default();
    if shared.caller(&parts.headers, &params).is_none() || shared.loyalty.v4_refused() {
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
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    v4_loyalty::handle(&shared, endpoint, &ids, &query, &params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_take_ids_and_prefer_literal_segments() {
        let one = |route: &str| {
            find(route)
                .into_iter()
                .map(|(m, e, ids)| (m.clone(), e, ids.join(",")))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            one("loyalty/loyalty-cards/5/stats/bulk"),
            vec![(Method::POST, Endpoint::BulkCreateMembers, "5".into())]
        );
        let member = one("loyalty/loyalty-cards/5/stats/77");
        assert_eq!(member.len(), 3);
        assert!(member.iter().all(|(_, _, ids)| ids == "5,77"));
        assert_eq!(
            one("loyalty/loyalty-cards/5/stats/77/void"),
            vec![(Method::PUT, Endpoint::VoidMember, "5,77".into())]
        );
        assert!(one("loyalty/loyalty-cards//stats").is_empty());
        assert!(one("loyalty/loyalty-cards/5/stats/77/nothing").is_empty());
        assert_eq!(
            one("loyalty/loyalty-cards"),
            vec![(Method::GET, Endpoint::LoyaltyCards, String::new())]
        );
    }
}
