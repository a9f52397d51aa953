//! v3 directories (§5.7, decisions in §10 and `directories`): `directory/list|info|campaigns`,
//! `directoryusers/list` (seed 001, §0.2) and `directoryusers/update`, `category/list` and
//! `category/main/list` (seed 003, §0.3).

use serde_json::{json, Map, Value};

use super::body::Params;
use super::directories::{Dir, Member};
use super::envelope::{V3Error, V3Result};
use super::seed::Shop;
use super::state::Shared;
use super::v3_coupons::is_prefixed_id;

/// The `directory` parameter: 200 missing, 301 not `dir_` + digits, 507 unknown.
fn directory_index(dirs: &[Dir], params: &Params) -> Result<usize, V3Error> {
    let id = params
        .text("directory")
        .ok_or_else(|| V3Error::missing("directory"))?;
    if !is_prefixed_id(id.trim(), "dir_") {
        return Err(V3Error::invalid_character("directory"));
    }
    dirs.iter()
        .position(|d| d.id == id.trim())
        .ok_or_else(|| V3Error::new(507, "Directory ID not found."))
}

fn directory_json(d: &Dir) -> Value {
    json!({
        "ID": d.id,
        "name": d.name,
        "url": d.url(),
        "status": "active",
        "amount_of_users": d.members.len().to_string(),
    })
}

/// `POST /v3/directory/list`: every directory (§10).
pub(crate) fn list(shared: &Shared) -> V3Result {
    let dirs = shared.directories.store();
    let mut payload = Map::new();
    payload.insert(
        "directories".into(),
        Value::Array(dirs.iter().map(directory_json).collect()),
    );
    Ok(payload)
}

/// `POST /v3/directory/info`: `directory` Req (§5.7: 301, 507).
pub(crate) fn info(shared: &Shared, params: &Params) -> V3Result {
    let dirs = shared.directories.store();
    let i = directory_index(&dirs, params)?;
    let mut payload = Map::new();
    payload.insert("directory".into(), directory_json(&dirs[i]));
    Ok(payload)
}

/// `POST /v3/directory/campaigns` (§10): `campaigns` of `{ID, code, name, url, status}`.
pub(crate) fn campaigns(shared: &Shared, params: &Params) -> V3Result {
    let dirs = shared.directories.store();
    let i = directory_index(&dirs, params)?;
    let campaigns: Vec<Value> = dirs[i]
        .campaigns
        .iter()
        .filter_map(|id| shared.shop.campaign(id))
        .map(|c| {
            json!({"ID": c.id, "code": c.code, "name": c.name, "url": c.url(), "status": c.status()})
        })
        .collect();
    let mut payload = Map::new();
    payload.insert("directory".into(), Value::String(dirs[i].id.clone()));
    payload.insert("campaigns".into(), Value::Array(campaigns));
    Ok(payload)
}

/// `POST /v3/directoryusers/list`: `directory` Req (200 missing, 301 not `dir_` + digits,
/// 507 unknown), `page` Opt (1-based; digits only, else 301; 0 reads as 1). Newest first.
///
/// Sandbox decision (the seed's one-user example cannot tell): `amount_of_users` is the number
/// of registrations in the whole directory, not on this page.
pub(crate) fn users_list(shared: &Shared, params: &Params, page_size: usize) -> V3Result {
    let dirs = shared.directories.store();
    let directory = &dirs[directory_index(&dirs, params)?];
    let page = match params.text("page") {
        None => 1,
        Some(text) => parse_page(&text).ok_or_else(|| V3Error::invalid_character("page"))?,
    };
    let page_size = page_size.max(1);
    let skip = (page - 1).saturating_mul(page_size);
    let users: Vec<Value> = directory
        .members
        .iter()
        .rev()
        .skip(skip)
        .take(page_size)
        .map(user_json)
        .collect();

    let mut payload = Map::new();
    payload.insert("directory".into(), Value::String(directory.id.clone()));
    payload.insert("subaccount".into(), Value::String(String::new()));
    let counted = if shared.directories.count_per_page() {
        users.len()
    } else {
        directory.members.len()
    };
    payload.insert("amount_of_users".into(), Value::String(counted.to_string()));
    payload.insert("page".into(), Value::String(page.to_string()));
    payload.insert("users".into(), Value::Array(users));
    Ok(payload)
}

/// `POST /v3/directoryusers/update` (§10): `directory`, `user` (`reg_…`) Req; `payment_status`
/// Req (`paid` | `unpaid` | `pending` | `""`; another word 302); `payment_confirmation_id` and
/// `payment_confirmation_account` Opt (absent = cleared). Sandbox decisions: an unknown user is
/// 508 `Registration ID not found.`; the reply carries the member as `directoryusers/list`
/// shows it, under `user`.
pub(crate) fn users_update(shared: &Shared, params: &Params) -> V3Result {
    let mut dirs = shared.directories.store();
    let d = directory_index(&dirs, params)?;
    let user = params
        .text("user")
        .ok_or_else(|| V3Error::missing("user"))?;
    if !is_prefixed_id(user.trim(), "reg_") {
        return Err(V3Error::invalid_character("user"));
    }
    // `payment_status` must be there, but "" (no status) is a value: read it raw.
    let status = match params.get("payment_status") {
        None | Some(Value::Null) => return Err(V3Error::missing("payment_status")),
        Some(Value::String(s)) => s.trim().to_ascii_lowercase(),
        Some(other) => other.to_string(),
    };
    if !matches!(status.as_str(), "paid" | "unpaid" | "pending" | "") {
        return Err(V3Error::new(
            302,
            "Invalid value in parameter: payment_status. Use paid, unpaid, pending or an empty value.",
        ));
    }
    let digits = &user.trim()[4..];
    let directory = &mut dirs[d];
    let member = directory
        .members
        .iter_mut()
        .find(|m| m.id.to_string() == digits)
        .ok_or_else(|| V3Error::new(508, "Registration ID not found."))?;
    member.payment_status = status;
    member.payment_confirmation_id = params
        .text("payment_confirmation_id")
        .map(|t| t.trim().chars().take(200).collect())
        .unwrap_or_default();
    member.payment_confirmation_account = params
        .text("payment_confirmation_account")
        .map(|t| t.trim().chars().take(200).collect())
        .unwrap_or_default();
    let mut payload = Map::new();
    payload.insert("directory".into(), Value::String(directory.id.clone()));
    payload.insert("user".into(), user_json(member));
    payload.insert(
        "action".into(),
        Value::String("payment_status_updated".into()),
    );
    Ok(payload)
}

fn parse_page(text: &str) -> Option<usize> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Absurdly large pages are simply past the end.
    let page = text.parse::<usize>().unwrap_or(usize::MAX);
    Some(page.max(1))
}

fn user_json(user: &Member) -> Value {
    json!({
        "ID": format!("reg_{}", user.id),
        "last_seen": user.last_seen,
        "amount_of_logins": user.amount_of_logins.to_string(),
        "email": user.email,
        "phone": user.phone,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "gender": user.gender,
        "birthday": user.birthday,
        "age_range": user.age_range,
        "payment_status": user.payment_status,
        "payment_confirmation_id": user.payment_confirmation_id,
        "payment_confirmation_account": user.payment_confirmation_account,
    })
}

/// `POST /v3/category/list` (§10): `categories`, an object `cat_…` → name. Sandbox decision:
/// the campaigns' categories plus one no campaign uses.
pub(crate) fn categories(shop: &Shop) -> V3Result {
    let mut categories: Map<String, Value> = shop
        .main_categories
        .iter()
        .map(|(id, name)| (format!("cat_{id}"), Value::String((*name).to_owned())))
        .collect();
    categories.insert("cat_34".into(), Value::String("Seasonal".into()));
    let mut payload = Map::new();
    payload.insert("categories".into(), Value::Object(categories));
    Ok(payload)
}

/// `POST /v3/category/main/list`: an object from category ID to name, not an array (§0.3);
/// `{}` for an account without 3rd-level categories (`set_third_level_categories(false)`).
pub(crate) fn main_categories(shop: &Shop, third_level: bool) -> V3Result {
    let categories: Map<String, Value> = if third_level {
        shop.main_categories
            .iter()
            .map(|(id, name)| ((*id).to_owned(), Value::String((*name).to_owned())))
            .collect()
    } else {
        Map::new()
    };
    let mut payload = Map::new();
    payload.insert("main_categories".into(), Value::Object(categories));
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SandboxConfig;

    fn shared() -> Shared {
        Shared::new(SandboxConfig::default())
    }

    fn page(shared: &Shared, p: &str, size: usize) -> Vec<String> {
        let r = users_list(
            shared,
            &Params::from_pairs(&[("directory", "dir_7001"), ("page", p)]),
            size,
        )
        .unwrap();
        assert_eq!(r["amount_of_users"], "150");
        r["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["ID"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn pages_run_newest_first() {
        let shared = shared();
        let first = page(&shared, "1", 100);
        assert_eq!(first.len(), 100);
        assert_eq!(first[0], "reg_560150");
        let second = page(&shared, "2", 100);
        assert_eq!(second.len(), 50);
        assert_eq!(second.last().map(String::as_str), Some("reg_560001"));
        assert!(page(&shared, "3", 100).is_empty());
        assert_eq!(page(&shared, "0", 100), first);
        assert!(page(&shared, "99999999999999999999999", 100).is_empty());
        assert_eq!(page(&shared, "4", 40).len(), 30);
    }

    #[test]
    fn page_defaults_to_one() {
        let shared = shared();
        let r = users_list(
            &shared,
            &Params::from_pairs(&[("directory", "dir_7001")]),
            100,
        )
        .unwrap();
        assert_eq!(r["page"], "1");
        assert_eq!(r["subaccount"], "");
        assert_eq!(r["users"].as_array().unwrap().len(), 100);
    }

    #[test]
    fn errors() {
        let shared = shared();
        let call = |pairs: &[(&str, &str)]| {
            users_list(&shared, &Params::from_pairs(pairs), 100).unwrap_err()
        };
        assert_eq!(call(&[]), V3Error::missing("directory"));
        assert_eq!(
            call(&[("directory", "7001")]),
            V3Error::new(301, "Invalid character in parameter: directory.")
        );
        assert_eq!(
            call(&[("directory", "dir_1")]),
            V3Error::new(507, "Directory ID not found.")
        );
        assert_eq!(
            call(&[("directory", "dir_7001"), ("page", "two")]).code,
            301
        );
        assert_eq!(call(&[("directory", "dir_7001"), ("page", "-1")]).code, 301);
    }

    #[test]
    fn payment_status_changes_and_is_checked() {
        let shared = shared();
        let update = |pairs: &[(&str, &str)]| users_update(&shared, &Params::from_pairs(pairs));
        let r = update(&[
            ("directory", "dir_7001"),
            ("user", "reg_560002"),
            ("payment_status", "paid"),
            ("payment_confirmation_id", "pi_9"),
        ])
        .unwrap();
        assert_eq!(r["user"]["payment_status"], "paid");
        assert_eq!(r["user"]["payment_confirmation_id"], "pi_9");
        let listed = users_list(
            &shared,
            &Params::from_pairs(&[("directory", "dir_7001"), ("page", "2")]),
            100,
        )
        .unwrap();
        let row = listed["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["ID"] == "reg_560002")
            .cloned()
            .unwrap();
        assert_eq!(row["payment_status"], "paid");
        assert_eq!(
            update(&[
                ("directory", "dir_7001"),
                ("user", "reg_1"),
                ("payment_status", "paid")
            ])
            .unwrap_err()
            .code,
            508
        );
        assert_eq!(
            update(&[
                ("directory", "dir_7001"),
                ("user", "reg_560002"),
                ("payment_status", "refunded")
            ])
            .unwrap_err()
            .code,
            302
        );
        assert_eq!(
            update(&[("directory", "dir_7001"), ("user", "reg_560002")])
                .unwrap_err()
                .code,
            200
        );
        assert_eq!(
            update(&[
                ("directory", "dir_7001"),
                ("user", "560002"),
                ("payment_status", "")
            ])
            .unwrap_err()
            .code,
            301
        );
    }

    #[test]
    fn lists_info_and_campaigns() {
        let shared = shared();
        let r = list(&shared).unwrap();
        let dirs = r["directories"].as_array().unwrap();
        assert!(dirs
            .iter()
            .any(|d| d["ID"] == "dir_7003" && d["amount_of_users"] == "2500"));
        let r = info(&shared, &Params::from_pairs(&[("directory", "dir_7002")])).unwrap();
        assert_eq!(r["directory"]["name"], "Staff & friends");
        let r = campaigns(&shared, &Params::from_pairs(&[("directory", "dir_7001")])).unwrap();
        assert_eq!(r["campaigns"][0]["ID"], "cam_104211");
        assert_eq!(
            info(&shared, &Params::from_pairs(&[("directory", "dir_9")]))
                .unwrap_err()
                .code,
            507
        );
    }

    #[test]
    fn main_categories_is_an_object_or_empty() {
        let r = main_categories(&Shop::demo(), true).unwrap();
        assert_eq!(r["main_categories"]["31"], "Coffee & breakfast");
        assert!(r["main_categories"].is_object());
        let r = main_categories(&Shop::demo(), false).unwrap();
        assert_eq!(r["main_categories"], json!({}));
        let r = categories(&Shop::demo()).unwrap();
        assert_eq!(r["categories"]["cat_31"], "Coffee & breakfast");
    }
}
