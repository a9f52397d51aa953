//! Subaccounts (§5.2, routes per §10 "Subaccount routes") with state, and the one-time SSO
//! login page their tokens open.
//!
//! Sandbox decisions where the docs are silent:
//! - Three seeded subaccounts (`sub_1536`, `sub_1537`, `sub_1538`); created ones count up from
//!   `sub_1601`. Each has its own API key (28 digits) and secret (30 alphanumerics); those keys
//!   are accepted on every v3/v4 route and see the shop's data, but managing subaccounts with
//!   them is refused with 102 (§2.4 "subaccount credentials used to manage subaccounts").
//! - Create/update: 200 `Missing parameter: email` (create), 305 `Email address is not valid`,
//!   304 `Email already exists` (any subaccount, any case), 303 `Invalid format in parameter:
//!   expiry_date. Required format: yyyy-MM-dd`, 302 for a `status` other than trial/customer or
//!   a `country` that is not two letters. An unknown `subaccount`: 510 `Subaccount ID not
//!   correct.` (the SSO page's code, used for every subaccount route).
//! - Reset URL: `https://login.coupontools.test/reset/<token>` (not served).
//! - SSO: a 49-character token; `url` = `http://<host of the request>/_sso/login?token=…`
//!   (`url_whitelabel` adds `&whitelabel=1`). The first GET of it answers 200 with a small page,
//!   every later one 403: a token works once. Tokens are kept for the last [`MAX_TOKENS`].

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::distr::{Alphanumeric, SampleString};
use serde_json::{json, Map, Value};

use super::body::Params;
use super::control::SandboxControl;
use super::envelope::{V3Error, V3Result};
use super::state::{lock, Shared};
use super::v3_coupons::is_prefixed_id;

const FIRST_NEW_ID: u32 = 1_601;
const MAX_SUBACCOUNTS: usize = 500;
const MAX_TOKENS: usize = 1_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sub {
    pub(crate) id: u32,
    pub(crate) email: String,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    pub(crate) company_name: String,
    pub(crate) country: String,
    pub(crate) status: String,
    pub(crate) package: String,
    pub(crate) expiry_date: String,
    pub(crate) last_login: String,
    pub(crate) logins: u32,
    pub(crate) max_campaigns: u32,
    pub(crate) campaigns: Vec<(String, String, String)>,
    pub(crate) api_key: String,
    pub(crate) api_secret: String,
}

impl Sub {
    fn v3_id(&self) -> String {
        format!("sub_{}", self.id)
    }

    fn json(&self) -> Value {
        let username: String = format!("{}{}", self.first_name, self.last_name)
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        json!({
            "ID": self.v3_id(),
            "email": self.email,
            "username": username,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "company_name": self.company_name,
            "country": self.country,
            "status": self.status,
            "language": "en",
            "currency": "EUR",
            "lastlogin": self.last_login,
            "amountlogin": self.logins.to_string(),
            "max_campaigns": self.max_campaigns.to_string(),
            "has_campaigns": self.campaigns.len().to_string(),
            "available_campaigns": self.max_campaigns.saturating_sub(self.campaigns.len() as u32).to_string(),
            "expiry_date": self.expiry_date,
            "api_key": self.api_key,
            "api_secret": self.api_secret,
            "webhook_endpoint": "",
            "campaigns": self.campaigns.iter().map(|(id, code, status)| json!({
                "ID": id, "code": code, "url": format!("https://digicpn.com/p/{code}"), "status": status,
            })).collect::<Vec<_>>(),
            "access_dashboard": true,
            "access_campaigns": true,
            "access_directory": self.status == "customer",
            "access_statistics": self.status == "customer",
        })
    }
}

fn keys_for(id: u32) -> (String, String) {
    (
        format!("50827364190273645182{id:08}"),
        format!("sbxSub{id:06}Kq2Lm9Pz4Rt6Vw8Y"),
    )
}

fn seeded(
    id: u32,
    email: &str,
    first: &str,
    last: &str,
    company: &str,
    status: &str,
    expiry_date: &str,
) -> Sub {
    let (api_key, api_secret) = keys_for(id);
    Sub {
        id,
        email: email.to_owned(),
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        company_name: company.to_owned(),
        country: "BE".to_owned(),
        status: status.to_owned(),
        package: String::new(),
        expiry_date: expiry_date.to_owned(),
        last_login: "2025-11-02 08:14:00".to_owned(),
        logins: 12 + id % 7,
        max_campaigns: 10,
        campaigns: vec![
            (
                format!("cam_{}1", id),
                format!("s{id}a"),
                "active".to_owned(),
            ),
            (
                format!("cam_{}2", id),
                format!("s{id}b"),
                "example".to_owned(),
            ),
        ],
        api_key,
        api_secret,
    }
}

pub(crate) struct Subaccounts {
    subs: Mutex<Vec<Sub>>,
    tokens: Mutex<Tokens>,
}

#[derive(Default)]
pub(crate) struct Tokens {
    /// token → (subaccount, used)
    by_token: HashMap<String, (String, bool)>,
    order: VecDeque<String>,
}

impl Subaccounts {
    pub(crate) fn new() -> Subaccounts {
        Subaccounts {
            subs: Mutex::new(vec![
                seeded(
                    1536,
                    "gent@cornerbakery.test",
                    "Lotte",
                    "Peeters",
                    "Corner Bakery Gent",
                    "customer",
                    "2027-12-31",
                ),
                seeded(
                    1537,
                    "brugge@cornerbakery.test",
                    "Arne",
                    "Claes",
                    "Corner Bakery Brugge",
                    "customer",
                    "2026-06-30",
                ),
                seeded(
                    1538,
                    "popup@cornerbakery.test",
                    "Nora",
                    "Willems",
                    "Corner Bakery pop-up",
                    "trial",
                    "2026-01-15",
                ),
            ]),
            tokens: Mutex::new(Tokens::default()),
        }
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Vec<Sub>> {
        lock(&self.subs)
    }

    /// The subaccount whose API key and secret these are, if any.
    pub(crate) fn owner_of(&self, check: impl Fn(&str, &str) -> bool) -> Option<String> {
        self.store()
            .iter()
            .find(|s| check(&s.api_key, &s.api_secret))
            .map(Sub::v3_id)
    }
}

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

impl SandboxControl {
    /// Subaccounts the sandbox holds now.
    pub fn subaccount_count(&self) -> usize {
        self.shared().subaccounts.store().len()
    }

    /// The API key of a subaccount (`sub_…`), to check that "Add as an account" stored it.
    pub fn subaccount_api_key(&self, subaccount: &str) -> Option<String> {
        self.shared()
            .subaccounts
            .store()
            .iter()
            .find(|s| s.v3_id() == subaccount)
            .map(|s| s.api_key.clone())
    }
}
