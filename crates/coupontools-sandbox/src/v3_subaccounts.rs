//! The subaccount routes (§5.2, §10 "Subaccount routes") and the one-time SSO login page; the
//! decisions are in `subaccounts`.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::distr::{Alphanumeric, SampleString};
use serde_json::{json, Map, Value};

use super::body::Params;
use super::envelope::{V3Error, V3Result};
use super::lock::lock;
use super::state::Shared;
use super::subaccounts::*;
use super::v3_coupons::is_prefixed_id;

fn sub_index(subs: &[Sub], params: &Params) -> Result<usize, V3Error> {
    let id = params
        .text("subaccount")
        .ok_or_else(|| V3Error::missing("subaccount"))?;
    let id = id.trim();
    let digits = if is_prefixed_id(id, "sub_") {
        &id[4..]
    } else if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        id
    } else {
        return Err(V3Error::invalid_character("subaccount"));
    };
    subs.iter()
        .position(|s| s.id.to_string() == digits)
        .ok_or_else(|| V3Error::new(510, "Subaccount ID not correct."))
}

fn email_ok(email: &str) -> bool {
    let mut parts = email.split('@');
    matches!((parts.next(), parts.next(), parts.next()),
        (Some(local), Some(domain), None) if !local.is_empty() && domain.contains('.')
            && !domain.starts_with('.') && !domain.ends_with('.') && !email.contains(char::is_whitespace))
}

fn date_ok(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
        && time::Date::parse(
            text,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .is_ok()
}

/// Applies the create/update fields to `sub`, checking each as the sandbox decided.
fn apply(subs: &[Sub], sub: &mut Sub, params: &Params, except: Option<u32>) -> Result<(), V3Error> {
    if let Some(email) = params.text("email") {
        let email = email.trim().to_owned();
        if !email_ok(&email) {
            return Err(V3Error::new(305, "Email address is not valid"));
        }
        if subs
            .iter()
            .any(|s| Some(s.id) != except && s.email.eq_ignore_ascii_case(&email))
        {
            return Err(V3Error::new(304, "Email already exists"));
        }
        sub.email = email;
    }
    if let Some(date) = params.text("expiry_date") {
        if !date_ok(date.trim()) {
            return Err(V3Error::new(
                303,
                "Invalid format in parameter: expiry_date. Required format: yyyy-MM-dd",
            ));
        }
        sub.expiry_date = date.trim().to_owned();
    }
    if let Some(status) = params.text("status") {
        let status = status.trim().to_ascii_lowercase();
        if status != "trial" && status != "customer" {
            return Err(V3Error::new(
                302,
                "Invalid value in parameter: status. Use trial or customer.",
            ));
        }
        sub.status = status;
    }
    if let Some(country) = params.text("country") {
        let country = country.trim();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(V3Error::new(
                302,
                "Invalid value in parameter: country. Use a two-letter ISO code.",
            ));
        }
        sub.country = country.to_ascii_uppercase();
    }
    for (key, field) in [
        ("first_name", &mut sub.first_name),
        ("last_name", &mut sub.last_name),
        ("company_name", &mut sub.company_name),
        ("package", &mut sub.package),
    ] {
        if let Some(value) = params.text(key) {
            *field = value.trim().chars().take(200).collect();
        }
    }
    Ok(())
}

fn one(sub: &Sub) -> V3Result {
    let mut payload = Map::new();
    payload.insert("subaccount".into(), sub.json());
    Ok(payload)
}

/// `POST /v4/subaccount/list`.
pub(crate) fn list(shared: &Shared) -> V3Result {
    let subs = shared.subaccounts.store();
    let mut payload = Map::new();
    payload.insert(
        "amount_of_subaccounts".into(),
        Value::String(subs.len().to_string()),
    );
    payload.insert(
        "subaccounts".into(),
        Value::Array(subs.iter().map(Sub::json).collect()),
    );
    Ok(payload)
}

/// `POST /v4/subaccount`.
pub(crate) fn info(shared: &Shared, params: &Params) -> V3Result {
    let subs = shared.subaccounts.store();
    let i = sub_index(&subs, params)?;
    one(&subs[i])
}

/// `POST /v4/subaccount/create`.
pub(crate) fn create(shared: &Shared, params: &Params) -> V3Result {
    if params.text("email").is_none() {
        return Err(V3Error::missing("email"));
    }
    let mut subs = shared.subaccounts.store();
    if subs.len() >= MAX_SUBACCOUNTS {
        return Err(V3Error::new(300, "The sandbox holds no more subaccounts."));
    }
    let id = subs
        .iter()
        .map(|s| s.id + 1)
        .max()
        .unwrap_or(FIRST_NEW_ID)
        .max(FIRST_NEW_ID);
    let (api_key, api_secret) = keys_for(id);
    let mut sub = Sub {
        id,
        email: String::new(),
        first_name: String::new(),
        last_name: String::new(),
        company_name: String::new(),
        country: String::new(),
        status: "trial".into(),
        package: String::new(),
        expiry_date: String::new(),
        last_login: String::new(),
        logins: 0,
        max_campaigns: 5,
        campaigns: Vec::new(),
        api_key,
        api_secret,
    };
    apply(&subs, &mut sub, params, None)?;
    let reply = one(&sub);
    subs.push(sub);
    reply
}

/// `POST /v4/subaccount/update`: only the fields given change.
pub(crate) fn update(shared: &Shared, params: &Params) -> V3Result {
    let mut subs = shared.subaccounts.store();
    let i = sub_index(&subs, params)?;
    let mut sub = subs[i].clone();
    let own = sub.id;
    apply(&subs, &mut sub, params, Some(own))?;
    subs[i] = sub;
    one(&subs[i])
}

/// `POST /v3/subaccount/reset/url`.
pub(crate) fn reset_url(shared: &Shared, params: &Params) -> V3Result {
    let subs = shared.subaccounts.store();
    let i = sub_index(&subs, params)?;
    let token = Alphanumeric.sample_string(&mut rand::rng(), 32);
    let mut payload = Map::new();
    payload.insert("subaccount".into(), Value::String(subs[i].v3_id()));
    payload.insert(
        "url".into(),
        Value::String(format!("https://login.coupontools.test/reset/{token}")),
    );
    Ok(payload)
}

/// `POST /v3/subaccount/sso` (§5.2): a token that opens `/_sso/login` once. `host` is the
/// request's Host header, so the link reaches this sandbox.
pub(crate) fn sso(shared: &Shared, params: &Params, host: &str) -> V3Result {
    let id = {
        let subs = shared.subaccounts.store();
        subs[sub_index(&subs, params)?].v3_id()
    };
    let token = Alphanumeric.sample_string(&mut rand::rng(), 49);
    {
        let mut tokens = lock(&shared.subaccounts.tokens);
        if tokens.order.len() >= MAX_TOKENS {
            if let Some(old) = tokens.order.pop_front() {
                tokens.by_token.remove(&old);
            }
        }
        tokens.order.push_back(token.clone());
        tokens.by_token.insert(token.clone(), (id.clone(), false));
    }
    let url = format!("http://{host}/_sso/login?token={token}");
    let mut payload = Map::new();
    payload.insert(
        "subaccount".into(),
        json!({"ID": id, "token": token, "url": url, "url_whitelabel": format!("{url}&whitelabel=1")}),
    );
    Ok(payload)
}

/// `GET /_sso/login?token=…`: logs the browser in once; a used or unknown token is refused.
pub(crate) async fn login(
    State(shared): State<std::sync::Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let token = query.get("token").cloned().unwrap_or_default();
    let who = {
        let mut tokens = lock(&shared.subaccounts.tokens);
        match tokens.by_token.get_mut(&token) {
            Some((id, used)) if !*used => {
                *used = true;
                Some(id.clone())
            }
            _ => None,
        }
    };
    let (status, text) = match who {
        Some(id) => (
            StatusCode::OK,
            format!("<!doctype html><title>Coupontools</title><p>Practice: logged in as subaccount {id}.</p>"),
        ),
        None => (
            StatusCode::FORBIDDEN,
            "<!doctype html><title>Coupontools</title><p>This login link has already been used or is not valid.</p>".to_owned(),
        ),
    };
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        text,
    )
        .into_response()
}
