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

use serde_json::{json, Value};

use super::lock::lock;

pub(crate) const FIRST_NEW_ID: u32 = 1_601;
pub(crate) const MAX_SUBACCOUNTS: usize = 500;
pub(crate) const MAX_TOKENS: usize = 1_000;

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
    pub(crate) fn v3_id(&self) -> String {
        format!("sub_{}", self.id)
    }

    pub(crate) fn json(&self) -> Value {
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

pub(crate) fn keys_for(id: u32) -> (String, String) {
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
    pub(crate) tokens: Mutex<Tokens>,
}

#[derive(Default)]
pub(crate) struct Tokens {
    /// token → (subaccount, used)
    pub(crate) by_token: HashMap<String, (String, bool)>,
    pub(crate) order: VecDeque<String>,
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
