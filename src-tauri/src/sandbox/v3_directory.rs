//! v3 `directoryusers/list` (seed 001, §0.2) and `category/main/list` (seed 003, §0.3).

use serde_json::{json, Map, Value};

use super::body::Params;
use super::envelope::{V3Error, V3Result};
use super::seed::{DirectoryUser, Shop};
use super::v3_coupons::is_prefixed_id;

/// `POST /v3/directoryusers/list`: `directory` Req (200 missing, 301 not `dir_` + digits,
/// 507 unknown), `page` Opt (1-based; digits only, else 301; 0 reads as 1). Newest first.
///
/// Sandbox decision (the seed's one-user example cannot tell): `amount_of_users` is the number
/// of registrations in the whole directory, not on this page.
pub(crate) fn users_list(shop: &Shop, params: &Params, page_size: usize) -> V3Result {
    let id = params
        .text("directory")
        .ok_or_else(|| V3Error::missing("directory"))?;
    if !is_prefixed_id(&id, "dir_") {
        return Err(V3Error::invalid_character("directory"));
    }
    let directory = shop
        .directory(&id)
        .ok_or_else(|| V3Error::new(507, "Directory ID not found."))?;
    let page = match params.text("page") {
        None => 1,
        Some(text) => parse_page(&text).ok_or_else(|| V3Error::invalid_character("page"))?,
    };
    let page_size = page_size.max(1);
    let skip = (page - 1).saturating_mul(page_size);
    let users: Vec<Value> = directory
        .users
        .iter()
        .rev()
        .skip(skip)
        .take(page_size)
        .map(user_json)
        .collect();

    let mut payload = Map::new();
    payload.insert("directory".into(), Value::String(directory.id.to_owned()));
    payload.insert("subaccount".into(), Value::String(String::new()));
    payload.insert(
        "amount_of_users".into(),
        Value::String(directory.users.len().to_string()),
    );
    payload.insert("page".into(), Value::String(page.to_string()));
    payload.insert("users".into(), Value::Array(users));
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

fn user_json(user: &DirectoryUser) -> Value {
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

/// `POST /v3/category/main/list`: an object from category ID to name, not an array (§0.3).
pub(crate) fn main_categories(shop: &Shop) -> V3Result {
    let categories: Map<String, Value> = shop
        .main_categories
        .iter()
        .map(|(id, name)| ((*id).to_owned(), Value::String((*name).to_owned())))
        .collect();
    let mut payload = Map::new();
    payload.insert("main_categories".into(), Value::Object(categories));
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(shop: &Shop, p: &str, size: usize) -> Vec<String> {
        let r = users_list(
            shop,
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
        let shop = Shop::demo();
        let first = page(&shop, "1", 100);
        assert_eq!(first.len(), 100);
        assert_eq!(first[0], "reg_560150");
        let second = page(&shop, "2", 100);
        assert_eq!(second.len(), 50);
        assert_eq!(second.last().map(String::as_str), Some("reg_560001"));
        assert!(page(&shop, "3", 100).is_empty());
        assert_eq!(page(&shop, "0", 100), first);
        assert!(page(&shop, "99999999999999999999999", 100).is_empty());
        assert_eq!(page(&shop, "4", 40).len(), 30);
    }

    #[test]
    fn page_defaults_to_one() {
        let shop = Shop::demo();
        let r = users_list(
            &shop,
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
        let shop = Shop::demo();
        let call = |pairs: &[(&str, &str)]| {
            users_list(&shop, &Params::from_pairs(pairs), 100).unwrap_err()
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
    fn main_categories_is_an_object() {
        let r = main_categories(&Shop::demo()).unwrap();
        assert_eq!(r["main_categories"]["31"], "Coffee & breakfast");
        assert!(r["main_categories"].is_object());
    }
}
