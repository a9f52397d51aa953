//! The v4 loyalty API (API reference §0.5, §6.1–6.2, §10): cards and their members ("stats"),
//! bare JSON, integer IDs, errors as `{"message"}` with 404 / 422.
//!
//! Sandbox decisions where §10 leaves a choice:
//! - Lists: `pagination[page]` (1-based, default 1), `pagination[per_page]` (default 50, above
//!   100 answered as 100), `filter[search]`, `include_voided`; reply
//!   `{data, pagination: {page, per_page, total}}`. A page that is not a whole number ≥ 1 is 422.
//! - Member fields: text (numbers are taken as text); `email` must look like an address;
//!   `phone` digits and `+ - . ( ) /` and spaces; lengths: names 100, address 200, zip 12,
//!   city 60, phone 30, custom fields 255. Unknown keys are ignored. `null` leaves a field as is.
//! - Bulk (`{"users": [...]}`, 1 to 100): a batch that is not such a list is 422 as a whole;
//!   otherwise every valid user is created and each invalid one is reported by its 0-based
//!   index in the batch: HTTP 200 `{"data": [created…], "errors": [{"index", "message"}]}`.
//!   One bad row in a list of 100 does not cost the other 99.
//! - Update and add stamps share `POST …/stats/{userId}`: a body with `amount` adds stamps
//!   (a whole number ≥ 1, else 422) and ignores any other field.
//! - Replies: create and copy 201 with the new object; update, stamps, rewards, void 200 with
//!   the member; delete 200 `{"deleted": true, "id"}`; push 200 `{"recipients": n}`.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};
use time::macros::format_description;

use super::body::Params;
use super::envelope::{v4_json, v4_message};
use super::loyalty_members::{Card, Member, MemberText, StoreError, MAX_PUSH_CHARS};
use super::state::Shared;
use super::v3_email::is_valid_email;

/// Users one bulk request may carry (§10).
pub(crate) const MAX_BULK_USERS: usize = 100;
pub(crate) const DEFAULT_PER_PAGE: usize = 50;
pub(crate) const MAX_PER_PAGE: usize = 100;
pub(crate) const MAX_CARD_NAME_CHARS: usize = 50;

/// What a v4 loyalty request asks for (`v4_routes` maps paths and methods to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    LoyaltyCards,
    CopyCard,
    ListMembers,
    CreateMember,
    BulkCreateMembers,
    GetMember,
    /// Update a member, or add stamps when the body has `amount` (§0.5 #7 and #8).
    UpdateMember,
    DeleteMember,
    UseRewards,
    VoidMember,
    Push,
}

pub(crate) fn handle(
    shared: &Shared,
    endpoint: Endpoint,
    ids: &[&str],
    query: &[(String, String)],
    body: &Params,
) -> Response {
    match answer(shared, endpoint, ids, query, body) {
        Ok((status, value)) => v4_json(status, value),
        Err(Refusal(status, message)) => v4_message(status, &message),
    }
}

struct Refusal(StatusCode, String);

fn invalid(message: impl Into<String>) -> Refusal {
    Refusal(StatusCode::UNPROCESSABLE_ENTITY, message.into())
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Refusal {
        match e {
            StoreError::CardNotFound => {
                Refusal(StatusCode::NOT_FOUND, "Loyalty card not found.".into())
            }
            StoreError::MemberNotFound => Refusal(
                StatusCode::NOT_FOUND,
                "User not found on this loyalty card.".into(),
            ),
            StoreError::Invalid(message) => invalid(message),
        }
    }
}

/// A path ID: digits only, else nothing can have it.
fn id_at(ids: &[&str], n: usize, missing: StoreError) -> Result<u64, Refusal> {
    ids.get(n)
        .filter(|s| !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| missing.into())
}

fn answer(
    shared: &Shared,
    endpoint: Endpoint,
    ids: &[&str],
    query: &[(String, String)],
    body: &Params,
) -> Result<(StatusCode, Value), Refusal> {
    let card_id = || id_at(ids, 0, StoreError::CardNotFound);
    let member_id = || id_at(ids, 1, StoreError::MemberNotFound);
    let mut store = shared.loyalty.store();
    let ok = |member: Member| (StatusCode::OK, member_json(&member));
    match endpoint {
        Endpoint::LoyaltyCards => Ok((
            StatusCode::OK,
            store.cards().iter().map(card_json).collect(),
        )),
        Endpoint::CopyCard => {
            let card = card_id()?;
            let name = match body.get("name") {
                None | Some(Value::Null) => None,
                Some(Value::String(name)) if name.trim().is_empty() => None,
                Some(Value::String(name)) => {
                    if name.chars().count() > MAX_CARD_NAME_CHARS {
                        return Err(invalid(format!(
                            "The name may be at most {MAX_CARD_NAME_CHARS} characters."
                        )));
                    }
                    Some(name.trim().to_owned())
                }
                Some(_) => return Err(invalid("The name must be text.")),
            };
            let copy = store.copy_card(card, name)?;
            Ok((StatusCode::CREATED, card_json(&copy)))
        }
        Endpoint::ListMembers => {
            let card = store.card(card_id()?)?;
            list(card, query)
        }
        Endpoint::GetMember => Ok(ok(store.member(card_id()?, member_id()?)?.clone())),
        Endpoint::CreateMember => {
            let card = card_id()?;
            store.card(card)?;
            let mut text = member_text(|key| body.get(key)).map_err(invalid)?;
            text.phone = text.phone.map(|p| shared.loyalty.stored_phone(&p));
            let member = store.create_member(card, &text, shared.now_utc())?;
            Ok((StatusCode::CREATED, member_json(&member)))
        }
        Endpoint::BulkCreateMembers => {
            let card = card_id()?;
            store.card(card)?;
            let users = match body.get("users") {
                Some(Value::Array(users)) => users,
                _ => return Err(invalid("Send the users as a list: {\"users\": [ ... ]}.")),
            };
            if users.is_empty() {
                return Err(invalid("The list of users is empty."));
            }
            if users.len() > MAX_BULK_USERS {
                return Err(invalid(format!(
                    "At most {MAX_BULK_USERS} users per request; this one has {}.",
                    users.len()
                )));
            }
            let mut created = Vec::new();
            let mut errors = Vec::new();
            for (index, user) in users.iter().enumerate() {
                let text = match user {
                    Value::Object(fields) => member_text(|key| fields.get(key)),
                    _ => Err("Each user must be an object.".to_owned()),
                };
                match text.map_err(StoreError::Invalid).and_then(|mut text| {
                    text.phone = text.phone.map(|p| shared.loyalty.stored_phone(&p));
                    store.create_member(card, &text, shared.now_utc())
                }) {
                    Ok(member) => created.push(member_json(&member)),
                    Err(StoreError::Invalid(message)) => {
                        errors.push(json!({ "index": index, "message": message }))
                    }
                    Err(other) => return Err(other.into()),
                }
            }
            Ok((StatusCode::OK, json!({ "data": created, "errors": errors })))
        }
        Endpoint::UpdateMember => {
            let (card, member) = (card_id()?, member_id()?);
            store.member(card, member)?;
            if let Some(amount) = body.get("amount") {
                let amount = whole_number(amount)
                    .filter(|n| (1..=u64::from(u32::MAX)).contains(n))
                    .ok_or_else(|| {
                        invalid("The amount of stamps must be a whole number of at least 1.")
                    })?;
                return Ok(ok(store.add_stamps(card, member, amount as u32)?));
            }
            let text = member_text(|key| body.get(key)).map_err(invalid)?;
            Ok(ok(store.update_member(card, member, &text)?))
        }
        Endpoint::UseRewards => {
            let (card, member) = (card_id()?, member_id()?);
            store.member(card, member)?;
            let reward_ids = id_list(body.get("reward_ids"))
                .filter(|ids| !ids.is_empty())
                .ok_or_else(|| invalid("reward_ids must be a list of reward IDs."))?;
            Ok(ok(store.use_rewards(card, member, &reward_ids)?))
        }
        Endpoint::VoidMember => {
            let (card, member) = (card_id()?, member_id()?);
            Ok(ok(store.set_voided(card, member, true)?))
        }
        Endpoint::DeleteMember => {
            let (card, member) = (card_id()?, member_id()?);
            store.delete_member(card, member)?;
            Ok((StatusCode::OK, json!({ "deleted": true, "id": member })))
        }
        Endpoint::Push => {
            let card = card_id()?;
            store.card(card)?;
            let message = match body.get("message") {
                Some(Value::String(text)) if !text.trim().is_empty() => text.trim().to_owned(),
                _ => return Err(invalid("The message is required.")),
            };
            if message.chars().count() > MAX_PUSH_CHARS {
                return Err(invalid(format!(
                    "The message may be at most {MAX_PUSH_CHARS} characters."
                )));
            }
            let recipients = match body.get("recipient_stat_ids") {
                None | Some(Value::Null) => None,
                value => Some(
                    id_list(value)
                        .ok_or_else(|| invalid("recipient_stat_ids must be a list of user IDs."))?,
                ),
            };
            let to = store.push(card, &message, recipients.as_deref(), "v4")?;
            Ok((StatusCode::OK, json!({ "recipients": to.len() })))
        }
    }
}

fn list(card: &Card, query: &[(String, String)]) -> Result<(StatusCode, Value), Refusal> {
    let param = |key: &str| {
        query
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim())
    };
    let number = |key: &str, default: usize| -> Result<usize, Refusal> {
        match param(key) {
            None | Some("") => Ok(default),
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| invalid(format!("{key} must be a whole number of at least 1."))),
        }
    };
    let page = number("pagination[page]", 1)?;
    let per_page = number("pagination[per_page]", DEFAULT_PER_PAGE)?.min(MAX_PER_PAGE);
    let include_voided = match param("include_voided")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("") | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(_) => return Err(invalid("include_voided must be true or false.")),
    };
    let needle = param("filter[search]").unwrap_or("").to_lowercase();
    let matching: Vec<&Member> = card
        .visible(include_voided)
        .filter(|m| m.matches(&needle))
        .collect();
    let total = matching.len();
    let data: Vec<Value> = matching
        .into_iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .map(member_json)
        .collect();
    Ok((
        StatusCode::OK,
        json!({
            "data": data,
            "pagination": { "page": page, "per_page": per_page, "total": total },
        }),
    ))
}

fn whole_number(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn id_list(value: Option<&Value>) -> Option<Vec<u64>> {
    match value? {
        Value::Array(items) => items.iter().map(whole_number).collect(),
        _ => None,
    }
}

/// The editable fields of a member from a body, checked (see the module notes).
fn member_text<'v>(get: impl Fn(&str) -> Option<&'v Value>) -> Result<MemberText, String> {
    let field = |key: &str, label: &str, max: usize| -> Result<Option<String>, String> {
        let text = match get(key) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::String(s)) => s.trim().to_owned(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => return Err(format!("The {label} must be text.")),
        };
        if text.chars().count() > max {
            return Err(format!("The {label} may be at most {max} characters."));
        }
        Ok(Some(text))
    };
    let email = field("email", "e-mail address", 254)?;
    if let Some(email) = email.as_deref().filter(|e| !e.is_empty()) {
        if !is_valid_email(email) {
            return Err(format!("The e-mail address “{email}” is not valid."));
        }
    }
    let phone = field("phone", "phone number", 30)?;
    if let Some(phone) = &phone {
        if !phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-.()/".contains(c))
        {
            return Err(format!("The phone number “{phone}” is not valid."));
        }
    }
    let mut custom: [Option<String>; 8] = Default::default();
    for (n, slot) in custom.iter_mut().enumerate() {
        *slot = field(&format!("custom_{}", n + 1), "custom field", 255)?;
    }
    Ok(MemberText {
        first_name: field("first_name", "first name", 100)?,
        last_name: field("last_name", "last name", 100)?,
        address: field("address", "address", 200)?,
        zip: field("zip", "postal code", 12)?,
        city: field("city", "city", 60)?,
        phone,
        email,
        custom,
    })
}

pub(crate) fn card_json(card: &Card) -> Value {
    json!({
        "id": card.id,
        "code": card.code,
        "name": card.name,
        "domain": card.domain,
        "type": card.v4_type,
    })
}

/// The v4 user object of §10.
pub(crate) fn member_json(member: &Member) -> Value {
    let mut object = Map::new();
    object.insert("id".into(), json!(member.id));
    for (key, value) in [
        ("first_name", &member.first_name),
        ("last_name", &member.last_name),
        ("address", &member.address),
        ("zip", &member.zip),
        ("city", &member.city),
        ("phone", &member.phone),
        ("email", &member.email),
    ] {
        object.insert(key.into(), json!(value));
    }
    for (n, value) in member.custom.iter().enumerate() {
        object.insert(format!("custom_{}", n + 1), json!(value));
    }
    object.insert("stamps".into(), json!(member.stamps));
    object.insert(
        "rewards".into(),
        member
            .rewards
            .iter()
            .map(|r| json!({ "id": r.id, "name": r.name, "used": r.used }))
            .collect(),
    );
    object.insert("voided".into(), json!(member.voided));
    let created = member
        .created_at
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap_or_default();
    object.insert("created_at".into(), json!(created));
    Value::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SandboxConfig;

    fn shared() -> Shared {
        Shared::new(SandboxConfig::default())
    }

    fn call(
        shared: &Shared,
        endpoint: Endpoint,
        ids: &[&str],
        query: &[(&str, &str)],
        body: Value,
    ) -> (StatusCode, Value) {
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let body = Params::parse(Some("application/json"), body.to_string().as_bytes()).unwrap();
        match answer(shared, endpoint, ids, &query, &body) {
            Ok(reply) => reply,
            Err(Refusal(status, message)) => (status, json!({ "message": message })),
        }
    }

    #[test]
    fn cards_are_bare_objects_with_integer_ids() {
        let s = shared();
        let (status, list) = call(&s, Endpoint::LoyaltyCards, &[], &[], json!({}));
        assert_eq!(status, StatusCode::OK);
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 5);
        assert_eq!(list[0]["id"], json!(48213));
        assert_eq!(list[0]["type"], "stamp");
        assert_eq!(list[1]["domain"], "save2wallet.link");
        let types: std::collections::HashSet<_> =
            list.iter().map(|c| c["type"].as_str().unwrap()).collect();
        assert!(types.len() >= 3, "{types:?}");
    }

    #[test]
    fn lists_page_search_and_hide_voided() {
        let s = shared();
        let (_, page) = call(&s, Endpoint::ListMembers, &["48216"], &[], json!({}));
        assert_eq!(page["data"].as_array().unwrap().len(), 50);
        assert_eq!(
            page["pagination"],
            json!({"page": 1, "per_page": 50, "total": 10_000})
        );
        let (_, page) = call(
            &s,
            Endpoint::ListMembers,
            &["48216"],
            &[("pagination[page]", "100"), ("pagination[per_page]", "500")],
            json!({}),
        );
        assert_eq!(page["pagination"]["per_page"], 100);
        assert_eq!(page["data"].as_array().unwrap().len(), 100);
        assert_eq!(page["data"][99]["email"], "member10000@example.com");
        let (_, page) = call(
            &s,
            Endpoint::ListMembers,
            &["48216"],
            &[("filter[search]", "MEMBER00042@")],
            json!({}),
        );
        assert_eq!(page["pagination"]["total"], 1);
        let (status, _) = call(
            &s,
            Endpoint::ListMembers,
            &["48216"],
            &[("pagination[page]", "0")],
            json!({}),
        );
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        call(
            &s,
            Endpoint::VoidMember,
            &["48213", "910001"],
            &[],
            json!({}),
        );
        let (_, page) = call(&s, Endpoint::ListMembers, &["48213"], &[], json!({}));
        assert_eq!(page["pagination"]["total"], 4);
        let (_, page) = call(
            &s,
            Endpoint::ListMembers,
            &["48213"],
            &[("include_voided", "true")],
            json!({}),
        );
        assert_eq!(page["pagination"]["total"], 5);
    }

    #[test]
    fn update_and_add_stamps_share_a_path() {
        let s = shared();
        let (status, m) = call(
            &s,
            Endpoint::UpdateMember,
            &["48213", "910002"],
            &[],
            json!({"amount": 2, "first_name": "ignored"}),
        );
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            (m["stamps"].as_u64(), m["first_name"].as_str()),
            (Some(9), Some("Lucas"))
        );
        assert_eq!(m["rewards"].as_array().unwrap().len(), 1);
        let (_, m) = call(
            &s,
            Endpoint::UpdateMember,
            &["48213", "910002"],
            &[],
            json!({"city": "Gent"}),
        );
        assert_eq!(
            (m["city"].as_str(), m["stamps"].as_u64()),
            (Some("Gent"), Some(9))
        );
        for amount in [json!(0), json!(-1), json!("x"), json!(1.5)] {
            let (status, body) = call(
                &s,
                Endpoint::UpdateMember,
                &["48213", "910002"],
                &[],
                json!({ "amount": amount }),
            );
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{amount}");
            assert!(body["message"].is_string());
        }
        let (status, _) = call(
            &s,
            Endpoint::UpdateMember,
            &["48213", "1"],
            &[],
            json!({"amount": 1}),
        );
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = call(&s, Endpoint::GetMember, &["9", "910002"], &[], json!({}));
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    #[test]
    fn bulk_reports_bad_rows_by_index_and_creates_the_rest() {
        let s = shared();
        let (status, reply) = call(
            &s,
            Endpoint::BulkCreateMembers,
            &["48214"],
            &[],
            json!({"users": [
                {"first_name": "A", "email": "a@example.com"},
                {"first_name": "B", "email": "not an address"},
                {"first_name": "C"},
            ]}),
        );
        assert_eq!(status, StatusCode::OK);
        assert_eq!(reply["data"].as_array().unwrap().len(), 2);
        assert_eq!(reply["errors"][0]["index"], 1);
        let too_many: Vec<Value> = (0..101).map(|_| json!({})).collect();
        let (status, _) = call(
            &s,
            Endpoint::BulkCreateMembers,
            &["48214"],
            &[],
            json!({ "users": too_many }),
        );
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}
