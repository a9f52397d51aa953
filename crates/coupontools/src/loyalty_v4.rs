//! The loyalty handler, `client.loyalty()`: the twelve v4 operations of §0.5 (cards, members —
//! "stats" in the paths —, stamps, rewards, void, delete, push) with the shapes §10 decides.
//! The v3 loyalty calls live on the same handler with a `_v3` suffix (`loyalty_v3.rs`).
//!
//! Reads are retried after transient failures; writes never are: after a lost reply the error
//! is `OutcomeUnknown`, and the caller re-reads the member (`member`) before doing anything
//! again (pattern 5).
//!
//! A request the client's own checks refuse (a copy name over 50 characters, 0 stamps, an empty
//! push message) is never sent and comes back as `ApiError::Invalid` with the check's field and
//! plain sentence; commands run the same `validate` checks first and show it beside the field.

use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;

use futures_util::{stream, StreamExt, TryStreamExt};
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::client::Client;
use super::endpoints::Endpoint;
use super::error::ApiError;
use super::lenient;
use super::loyalty::LoyaltyCardV4;
use super::validate::{self, FieldProblem};
use super::words::Words;

/// Users one bulk-create request carries at most (§10); larger imports are split.
pub const MAX_BULK_MEMBERS: usize = 100;
/// Members per page when `MemberQuery` does not say (the sandbox's default too).
pub const DEFAULT_MEMBERS_PER_PAGE: u32 = 50;
/// The largest page the client asks for (`all_members` uses it).
pub const MAX_MEMBERS_PER_PAGE: u32 = 100;
/// Pages `all_members` reads at most, should a server ignore the page number and never run dry.
const MAX_PAGES: u32 = 100_000;

// ---------------------------------------------------------------------------------------------
// Types

/// A reward a member earned on a stamp card.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reward {
    #[serde(deserialize_with = "lenient::number")]
    pub id: u64,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub used: bool,
}

/// One holder of a v4 loyalty card (a "stat", §10 v4 user object).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "RawMember")]
pub struct LoyaltyMember {
    pub id: u64,
    pub first_name: String,
    pub last_name: String,
    pub address: String,
    pub zip: String,
    pub city: String,
    pub phone: String,
    pub email: String,
    /// `custom_1` … `custom_8`; None when absent or empty.
    pub custom: [Option<String>; 8],
    pub stamps: u32,
    pub rewards: Vec<Reward>,
    pub voided: bool,
    #[serde(serialize_with = "lenient::ser_opt_datetime")]
    pub created_at: Option<OffsetDateTime>,
}

impl LoyaltyMember {
    /// Rewards earned and not used yet.
    pub fn unused_rewards(&self) -> impl Iterator<Item = &Reward> {
        self.rewards.iter().filter(|r| !r.used)
    }
}

#[derive(Deserialize)]
struct RawMember {
    #[serde(deserialize_with = "lenient::number")]
    id: u64,
    #[serde(default, deserialize_with = "lenient::string")]
    first_name: String,
    #[serde(default, deserialize_with = "lenient::string")]
    last_name: String,
    #[serde(default, deserialize_with = "lenient::string")]
    address: String,
    #[serde(default, deserialize_with = "lenient::string")]
    zip: String,
    #[serde(default, deserialize_with = "lenient::string")]
    city: String,
    #[serde(default, deserialize_with = "lenient::string")]
    phone: String,
    #[serde(default, deserialize_with = "lenient::string")]
    email: String,
    #[serde(default, deserialize_with = "lenient::string")]
    custom_1: String,
    #[serde(default, deserialize_with = "lenient::string")]
    custom_2: String,
    #[serde(default, deserialize_with = "lenient::string")]
    custom_3: String,
    #[serde(default, deserialize_with = "lenient::string")]
    custom_4: String,
    #[serde(default, deserialize_with = "lenient::string")]
    custom_5: String,
    #[serde(default, deserialize_with = "lenient::string")]
    custom_6: String,
    #[serde(default, deserialize_with = "lenient::string")]
    custom_7: String,
    #[serde(default, deserialize_with = "lenient::string")]
    custom_8: String,
    #[serde(default, deserialize_with = "lenient::number_or_default")]
    stamps: u32,
    #[serde(default, deserialize_with = "lenient::list")]
    rewards: Vec<Reward>,
    #[serde(default, deserialize_with = "lenient::boolean")]
    voided: bool,
    #[serde(default, deserialize_with = "loose_datetime")]
    created_at: Option<OffsetDateTime>,
}

impl From<RawMember> for LoyaltyMember {
    fn from(raw: RawMember) -> LoyaltyMember {
        let some = |text: String| (!text.trim().is_empty()).then_some(text);
        LoyaltyMember {
            id: raw.id,
            first_name: raw.first_name,
            last_name: raw.last_name,
            address: raw.address,
            zip: raw.zip,
            city: raw.city,
            phone: raw.phone,
            email: raw.email,
            custom: [
                some(raw.custom_1),
                some(raw.custom_2),
                some(raw.custom_3),
                some(raw.custom_4),
                some(raw.custom_5),
                some(raw.custom_6),
                some(raw.custom_7),
                some(raw.custom_8),
            ],
            stamps: raw.stamps,
            rewards: raw.rewards,
            voided: raw.voided,
            created_at: raw.created_at,
        }
    }
}

/// `created_at` in the v3 forms (`2025-01-01 13:48:22`, `…T…`, ` UTC`/`Z`) or RFC 3339 with an
/// offset. The shape is not documented, so an unreadable value is None rather than a failed
/// list: a date shown as unknown beats a member list that cannot be read at all.
fn loose_datetime<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OffsetDateTime>, D::Error> {
    let value = Value::deserialize(d)?;
    let text = match value {
        Value::String(text) => text,
        Value::Number(n) => {
            return Ok(n
                .as_i64()
                .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok()))
        }
        _ => return Ok(None),
    };
    if let Ok(at) = OffsetDateTime::parse(text.trim(), &Rfc3339) {
        return Ok(Some(at));
    }
    Ok(lenient::parse_datetime(&text).ok().flatten())
}

pub use super::member_fields::MemberFields;

/// Which members of a card to list (§10: bracket query parameters).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MemberQuery {
    /// Part of a name, e-mail, phone number or ID (`filter[search]`).
    pub search: Option<String>,
    pub include_voided: bool,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

impl Default for MemberQuery {
    fn default() -> MemberQuery {
        MemberQuery {
            search: None,
            include_voided: false,
            page: 1,
            per_page: DEFAULT_MEMBERS_PER_PAGE,
        }
    }
}

impl MemberQuery {
    fn to_query(&self) -> Vec<(&'static str, String)> {
        let mut query = vec![
            ("pagination[page]", self.page.max(1).to_string()),
            ("pagination[per_page]", self.per_page.max(1).to_string()),
        ];
        if let Some(search) = self
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            query.push(("filter[search]", search.to_owned()));
        }
        if self.include_voided {
            query.push(("include_voided", "true".into()));
        }
        query
    }
}

/// One page of members. `page` and `per_page` are the server's when it says them, else the
/// ones asked for; `total` is None when the server does not say (a bare array).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberPage {
    pub members: Vec<LoyaltyMember>,
    pub page: u32,
    pub per_page: u32,
    pub total: Option<u64>,
}

impl MemberPage {
    /// The number of pages when the total is known.
    pub fn page_count(&self) -> Option<u32> {
        let total = self.total?;
        let per_page = u64::from(self.per_page.max(1));
        Some(u32::try_from(total.div_ceil(per_page)).unwrap_or(u32::MAX))
    }
}

/// What a bulk request made: the members created, and the users the server refused with their
/// index in the WHOLE list given to `create_members` (not in the batch).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkCreated {
    pub created: Vec<LoyaltyMember>,
    pub rejected: Vec<BulkRejection>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkRejection {
    pub index: usize,
    pub message: String,
}

/// One request of a bulk import: which users it carried and how it ended. A batch that fails
/// as a whole (422, account refused, outcome unknown) keeps its error here; the other batches
/// go on.
#[derive(Debug)]
pub struct BulkBatch {
    /// Index of the batch's first user in the whole list.
    pub start: usize,
    pub len: usize,
    pub result: Result<BulkCreated, ApiError>,
}

/// The reply to a push notification; `recipients` when the server says how many got it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushReceipt {
    #[serde(
        default,
        alias = "amount_of_recipients",
        alias = "count",
        deserialize_with = "lenient::opt_number"
    )]
    pub recipients: Option<u64>,
}

// ---------------------------------------------------------------------------------------------
// Reply decoders

/// A member list: a bare array, or `{data, pagination: {page, per_page, total}}` (§10).
struct PageReply {
    members: Vec<LoyaltyMember>,
    pagination: Option<Pagination>,
}

#[derive(Deserialize, Default)]
struct Pagination {
    #[serde(default, deserialize_with = "lenient::opt_number")]
    page: Option<u32>,
    #[serde(default, deserialize_with = "lenient::opt_number")]
    per_page: Option<u32>,
    #[serde(default, deserialize_with = "lenient::opt_number")]
    total: Option<u64>,
}

impl<'de> Deserialize<'de> for PageReply {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PageVisitor)
    }
}

struct PageVisitor;

impl<'de> Visitor<'de> for PageVisitor {
    type Value = PageReply;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of members, or an object with a `data` list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PageReply, A::Error> {
        let mut members = Vec::new();
        while let Some(member) = seq.next_element()? {
            members.push(member);
        }
        Ok(PageReply {
            members,
            pagination: None,
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PageReply, A::Error> {
        let mut members = None;
        let mut pagination = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "data" if members.is_none() => {
                    members = Some(map.next_value::<Vec<LoyaltyMember>>()?)
                }
                "pagination" if pagination.is_none() => {
                    pagination = map.next_value::<Option<Pagination>>()?
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(PageReply {
            members: members.ok_or_else(|| de::Error::missing_field("data"))?,
            pagination,
        })
    }
}

/// A bulk reply: the created users as a bare array, or `{data, errors: [{index, message}]}`.
struct BulkReply {
    created: Vec<LoyaltyMember>,
    errors: Vec<RawRejection>,
}

#[derive(Deserialize)]
struct RawRejection {
    #[serde(deserialize_with = "lenient::number")]
    index: usize,
    #[serde(default, deserialize_with = "lenient::string")]
    message: String,
}

impl<'de> Deserialize<'de> for BulkReply {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(BulkVisitor(PhantomData))
    }
}

struct BulkVisitor(PhantomData<()>);

impl<'de> Visitor<'de> for BulkVisitor {
    type Value = BulkReply;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of created members, or an object with a `data` list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<BulkReply, A::Error> {
        let PageReply { members, .. } = PageVisitor.visit_seq(seq)?;
        Ok(BulkReply {
            created: members,
            errors: Vec::new(),
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<BulkReply, A::Error> {
        let mut created = None;
        let mut errors = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "data" if created.is_none() => {
                    created = Some(map.next_value::<Vec<LoyaltyMember>>()?)
                }
                "errors" => {
                    errors = map
                        .next_value::<Option<Vec<RawRejection>>>()?
                        .unwrap_or_default()
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(BulkReply {
            created: created.ok_or_else(|| de::Error::missing_field("data"))?,
            errors,
        })
    }
}

/// `GET loyalty/loyalty-cards`: the cards as a bare list or under `data`.
#[derive(Deserialize)]
pub(crate) struct CardList(
    #[serde(deserialize_with = "lenient::data_list")] pub(crate) Vec<LoyaltyCardV4>,
);

// ---------------------------------------------------------------------------------------------
// The handler

/// The loyalty domain of the API, `client.loyalty()`. Cheap: a borrowed client.
#[derive(Clone, Copy, Debug)]
pub struct LoyaltyApi<'a> {
    pub(crate) client: &'a Client,
}

impl Client {
    /// Loyalty cards and their members: v4 (§0.5) and, with a `_v3` suffix, v3 (§5.6, §10).
    pub fn loyalty(&self) -> LoyaltyApi<'_> {
        LoyaltyApi { client: self }
    }
}

/// See the module notes.
pub(crate) fn refused_locally(problem: FieldProblem) -> ApiError {
    ApiError::Invalid(problem)
}

impl<'a> LoyaltyApi<'a> {
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        endpoint: Endpoint,
        ids: &[u64],
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<T, ApiError> {
        let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        self.client
            .transport()
            .v4(endpoint, &ids, query, body)
            .await
    }

    async fn call_any_body(
        &self,
        endpoint: Endpoint,
        ids: &[u64],
        body: Option<&Value>,
    ) -> Result<Vec<u8>, ApiError> {
        let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        self.client
            .transport()
            .v4_any_body(endpoint, &ids, &[], body)
            .await
    }

    /// `GET /loyalty/loyalty-cards`: every loyalty card of the account.
    pub async fn cards(&self) -> Result<Vec<LoyaltyCardV4>, ApiError> {
        let CardList(cards) = self.call(Endpoint::V4LoyaltyCards, &[], &[], None).await?;
        Ok(cards)
    }

    /// `POST /loyalty/loyalty-cards/{id}/copy`: a new card like `card`, named `name` (at most
    /// 50 characters; None lets Coupontools choose). A WRITE.
    pub async fn copy_card(
        &self,
        card: u64,
        name: Option<&str>,
    ) -> Result<LoyaltyCardV4, ApiError> {
        let name = validate::loyalty_card_name(name).map_err(refused_locally)?;
        let mut body = Map::new();
        if let Some(name) = name {
            body.insert("name".into(), Value::String(name));
        }
        self.call(
            Endpoint::V4LoyaltyCardCopy,
            &[card],
            &[],
            Some(&Value::Object(body)),
        )
        .await
    }

    /// `GET /loyalty/loyalty-cards/{id}/stats`: one page of the card's members.
    pub async fn members(&self, card: u64, query: &MemberQuery) -> Result<MemberPage, ApiError> {
        let reply: PageReply = self
            .call(Endpoint::V4LoyaltyMembers, &[card], &query.to_query(), None)
            .await?;
        let pagination = reply.pagination.unwrap_or_default();
        Ok(MemberPage {
            members: reply.members,
            page: pagination.page.unwrap_or(query.page.max(1)),
            per_page: pagination
                .per_page
                .filter(|n| *n > 0)
                .unwrap_or(query.per_page.max(1)),
            total: pagination.total,
        })
    }

    /// Every member of a card: page 1 first, then the remaining pages up to `concurrency` at a
    /// time (at least 1), in page order. `on_page(new, loaded, total)` is called after each page
    /// with the members that page added, so a window can show the first rows at once.
    /// A member seen twice (the list shifted while paging) is kept once.
    ///
    /// When the server gives no total, pages are read one after the other until one comes
    /// back short.
    pub async fn all_members(
        &self,
        card: u64,
        search: Option<&str>,
        include_voided: bool,
        concurrency: usize,
        mut on_page: impl FnMut(&[LoyaltyMember], usize, Option<u64>),
    ) -> Result<Vec<LoyaltyMember>, ApiError> {
        let query = |page: u32| MemberQuery {
            search: search.map(str::to_owned),
            include_voided,
            page,
            per_page: MAX_MEMBERS_PER_PAGE,
        };
        let first = self.members(card, &query(1)).await?;
        let total = first.total;
        let mut seen = HashSet::new();
        let mut members = Vec::with_capacity(total.map_or(0, |t| t.min(1_000_000) as usize));
        // Returns where the page's new members start in `members`.
        let mut keep = |page: Vec<LoyaltyMember>, members: &mut Vec<LoyaltyMember>| {
            let start = members.len();
            members.extend(page.into_iter().filter(|m| seen.insert(m.id)));
            start
        };
        let page_count = first.page_count();
        let start = keep(first.members, &mut members);
        on_page(&members[start..], members.len(), total);
        if members.is_empty() {
            return Ok(members);
        }

        // The pages the total announces come several at a time; then the list is read on to
        // its first page that brings nothing new (an empty one, or page 1 again from a server
        // that ignores the number): a total that counts something else never cuts it short.
        let mut next = 2;
        if let Some(pages) = page_count.map(|p| p.min(MAX_PAGES)).filter(|&p| p >= 2) {
            let mut rest = stream::iter(2..=pages)
                .map(|page| {
                    let q = query(page);
                    async move { self.members(card, &q).await }
                })
                .buffered(concurrency.max(1));
            while let Some(page) = rest.try_next().await? {
                let start = keep(page.members, &mut members);
                on_page(&members[start..], members.len(), total);
            }
            next = pages + 1;
        }
        for page in next..=MAX_PAGES {
            let more = match self.members(card, &query(page)).await {
                Ok(more) => more,
                // A server that refuses a page past the end instead of answering it empty.
                Err(e) if e.is_refusal_of_page() => break,
                Err(e) => return Err(e),
            };
            let before = keep(more.members, &mut members);
            if members.len() == before {
                break;
            }
            on_page(&members[before..], members.len(), total);
        }
        Ok(members)
    }

    /// `GET /loyalty/loyalty-cards/{id}/stats/{userId}`: one member with all data.
    pub async fn member(&self, card: u64, member: u64) -> Result<LoyaltyMember, ApiError> {
        self.call(Endpoint::V4LoyaltyMember, &[card, member], &[], None)
            .await
    }

    /// `POST /loyalty/loyalty-cards/{id}/stats`: one new member. A WRITE.
    pub async fn create_member(
        &self,
        card: u64,
        fields: &MemberFields,
    ) -> Result<LoyaltyMember, ApiError> {
        self.call(
            Endpoint::V4LoyaltyMemberCreate,
            &[card],
            &[],
            Some(&fields.to_body()),
        )
        .await
    }

    /// `POST /loyalty/loyalty-cards/{id}/stats/bulk` with `{"users": [...]}`: at most
    /// [`MAX_BULK_MEMBERS`] users (more is refused locally). Rejection indexes are within
    /// `users`. A WRITE.
    pub async fn create_members_batch(
        &self,
        card: u64,
        users: &[MemberFields],
    ) -> Result<BulkCreated, ApiError> {
        self.create_batch(card, users, 0).await
    }

    async fn create_batch(
        &self,
        card: u64,
        users: &[MemberFields],
        offset: usize,
    ) -> Result<BulkCreated, ApiError> {
        if users.is_empty() {
            return Ok(BulkCreated::default());
        }
        if users.len() > MAX_BULK_MEMBERS {
            return Err(refused_locally(FieldProblem::new(
                "users",
                Words::with(
                    "apiWords.loyalty.tooManyMembers",
                    &[("max", &MAX_BULK_MEMBERS)],
                ),
                Words::new("apiError.v4.refused.hint"),
            )));
        }
        let body = serde_json::json!({
            "users": users.iter().map(MemberFields::to_body).collect::<Vec<_>>(),
        });
        let reply: BulkReply = self
            .call(Endpoint::V4LoyaltyMembersBulk, &[card], &[], Some(&body))
            .await?;
        Ok(BulkCreated {
            created: reply.created,
            rejected: reply
                .errors
                .into_iter()
                .map(|e| BulkRejection {
                    index: offset + e.index,
                    message: e.message,
                })
                .collect(),
        })
    }

    /// Adds any number of members, [`MAX_BULK_MEMBERS`] per request, one request after the
    /// other; every batch's outcome is reported, and a failed batch does not stop the next.
    pub async fn create_members(&self, card: u64, users: &[MemberFields]) -> Vec<BulkBatch> {
        let mut batches = Vec::new();
        for (n, chunk) in users.chunks(MAX_BULK_MEMBERS).enumerate() {
            let start = n * MAX_BULK_MEMBERS;
            let result = self.create_batch(card, chunk, start).await;
            batches.push(BulkBatch {
                start,
                len: chunk.len(),
                result,
            });
        }
        batches
    }

    /// `POST /loyalty/loyalty-cards/{id}/stats/{userId}` with the fields: changes a member.
    /// A WRITE.
    pub async fn update_member(
        &self,
        card: u64,
        member: u64,
        fields: &MemberFields,
    ) -> Result<LoyaltyMember, ApiError> {
        // Never carries `amount`, so the server reads it as an update, not as stamps.
        let body = fields.to_body();
        self.call(
            Endpoint::V4LoyaltyMemberUpdate,
            &[card, member],
            &[],
            Some(&body),
        )
        .await
    }

    /// The same path as `update_member` with `{"amount": n}` (n ≥ 1): adds stamps; rewards
    /// come when a stamp card fills. A WRITE: after a lost reply, re-read the member before
    /// adding again.
    pub async fn add_stamps(
        &self,
        card: u64,
        member: u64,
        amount: u32,
    ) -> Result<LoyaltyMember, ApiError> {
        let amount = validate::stamp_amount(amount).map_err(refused_locally)?;
        let body = serde_json::json!({ "amount": amount });
        self.call(
            Endpoint::V4LoyaltyMemberUpdate,
            &[card, member],
            &[],
            Some(&body),
        )
        .await
    }

    /// `PUT …/stats/{userId}/rewards` with `reward_ids`: marks those rewards used. A WRITE.
    pub async fn use_rewards(
        &self,
        card: u64,
        member: u64,
        reward_ids: &[u64],
    ) -> Result<LoyaltyMember, ApiError> {
        if reward_ids.is_empty() {
            return Err(refused_locally(FieldProblem {
                field: "rewards",
                message: Words::new("field.rewards.none.message"),
                hint: Words::new("field.rewards.none.hint"),
            }));
        }
        let body = serde_json::json!({ "reward_ids": reward_ids });
        self.call(
            Endpoint::V4LoyaltyRewardsUse,
            &[card, member],
            &[],
            Some(&body),
        )
        .await
    }

    /// `PUT …/stats/{userId}/void`: voids the member's card. A WRITE.
    pub async fn void_member(&self, card: u64, member: u64) -> Result<LoyaltyMember, ApiError> {
        self.call(
            Endpoint::V4LoyaltyMemberVoid,
            &[card, member],
            &[],
            Some(&Value::Object(Map::new())),
        )
        .await
    }

    /// `DELETE …/stats/{userId}`: removes the member for good. A WRITE.
    pub async fn delete_member(&self, card: u64, member: u64) -> Result<(), ApiError> {
        self.call_any_body(Endpoint::V4LoyaltyMemberDelete, &[card, member], None)
            .await
            .map(|_| ())
    }

    /// `POST /loyalty/loyalty-cards/{id}/push-notifications`: `message` (1 to 500
    /// characters) to `recipients` (member IDs), or to every member when None. A WRITE.
    pub async fn push_notification(
        &self,
        card: u64,
        message: &str,
        recipients: Option<&[u64]>,
    ) -> Result<PushReceipt, ApiError> {
        let message = validate::push_message(message).map_err(refused_locally)?;
        let mut body = Map::new();
        body.insert("message".into(), Value::String(message));
        if let Some(ids) = recipients {
            body.insert("recipient_stat_ids".into(), serde_json::json!(ids));
        }
        let reply = self
            .call_any_body(Endpoint::V4LoyaltyPush, &[card], Some(&Value::Object(body)))
            .await?;
        // §10: any 2xx body; a count of recipients is read when there is one.
        Ok(serde_json::from_slice::<PushReceipt>(&reply).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::decode_payload;

    #[test]
    fn a_member_decodes_leniently() {
        let body = br#"{"id":"17","first_name":"Ann","custom_3":"VIP","custom_4":"","stamps":"9",
            "rewards":[{"id":"5","name":"Free coffee","used":"0"},{"id":6,"used":true}],
            "voided":"1","created_at":"2025-02-03 10:11:12","unknown":{"x":1}}"#;
        let m: LoyaltyMember = decode_payload(200, body).unwrap();
        assert_eq!(m.id, 17);
        assert_eq!(m.first_name, "Ann");
        assert_eq!(m.custom[2].as_deref(), Some("VIP"));
        assert_eq!(m.custom[3], None);
        assert_eq!(m.stamps, 9);
        assert_eq!(m.rewards.len(), 2);
        assert!(!m.rewards[0].used && m.rewards[1].used);
        assert_eq!(m.unused_rewards().count(), 1);
        assert!(m.voided);
        assert_eq!(
            m.created_at.map(|t| t.unix_timestamp()),
            Some(1_738_577_472)
        );
        let bare: LoyaltyMember = decode_payload(200, br#"{"id":1}"#).unwrap();
        assert_eq!(
            (bare.stamps, bare.voided, bare.created_at),
            (0, false, None)
        );
        let rfc: LoyaltyMember =
            decode_payload(200, br#"{"id":1,"created_at":"2025-02-03T10:11:12+01:00"}"#).unwrap();
        assert!(rfc.created_at.is_some());
        let odd: LoyaltyMember =
            decode_payload(200, br#"{"id":1,"created_at":"yesterday"}"#).unwrap();
        assert_eq!(odd.created_at, None);
        match decode_payload::<LoyaltyMember>(200, br#"{"id":1,"stamps":"many"}"#) {
            Err(ApiError::Decode { path, .. }) => assert_eq!(path, "stamps"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pages_bare_or_wrapped() {
        let bare: PageReply = decode_payload(200, br#"[{"id":1},{"id":2}]"#).unwrap();
        assert_eq!(bare.members.len(), 2);
        assert!(bare.pagination.is_none());
        let wrapped: PageReply = decode_payload(
            200,
            br#"{"data":[{"id":1}],"pagination":{"page":"2","per_page":50,"total":"51"},"meta":{}}"#,
        )
        .unwrap();
        let p = wrapped.pagination.unwrap();
        assert_eq!((p.page, p.per_page, p.total), (Some(2), Some(50), Some(51)));
        match decode_payload::<PageReply>(200, br#"{"data":[{"id":1},{"name":"x"}]}"#) {
            Err(ApiError::Decode { path, .. }) => assert_eq!(path, "data[1]"),
            other => panic!("{:?}", other.map(|r| r.members)),
        }
    }

    #[test]
    fn page_count_rounds_up() {
        let page = |total, per_page| MemberPage {
            total,
            per_page,
            ..MemberPage::default()
        };
        assert_eq!(page(Some(10_000), 100).page_count(), Some(100));
        assert_eq!(page(Some(10_001), 100).page_count(), Some(101));
        assert_eq!(page(Some(0), 50).page_count(), Some(0));
        assert_eq!(page(None, 50).page_count(), None);
    }

    #[test]
    fn bulk_reply_bare_or_with_errors() {
        let bare: BulkReply = decode_payload(200, br#"[{"id":1}]"#).unwrap();
        assert_eq!((bare.created.len(), bare.errors.len()), (1, 0));
        let mixed: BulkReply = decode_payload(
            200,
            br#"{"data":[{"id":1}],"errors":[{"index":"3","message":"bad e-mail"}]}"#,
        )
        .unwrap();
        assert_eq!(mixed.errors[0].index, 3);
        assert_eq!(mixed.errors[0].message, "bad e-mail");
    }

    #[test]
    fn queries_use_bracket_names() {
        let q = MemberQuery {
            search: Some("  ann ".into()),
            include_voided: true,
            page: 0,
            per_page: 20,
        };
        assert_eq!(
            q.to_query(),
            vec![
                ("pagination[page]", "1".to_owned()),
                ("pagination[per_page]", "20".to_owned()),
                ("filter[search]", "ann".to_owned()),
                ("include_voided", "true".to_owned()),
            ]
        );
        assert_eq!(MemberQuery::default().to_query().len(), 2);
    }

    #[test]
    fn member_fields_are_checked_in_plain_words() {
        let ok = validate::member_fields(&MemberFields {
            first_name: Some("  Ann ".into()),
            email: Some(" ann@example.com ".into()),
            phone: Some("+32 470 12 34 56".into()),
            zip: Some("9000".into()),
            city: Some("".into()),
            ..MemberFields::default()
        })
        .unwrap();
        assert_eq!(ok.first_name.as_deref(), Some("Ann"));
        assert_eq!(ok.email.as_deref(), Some("ann@example.com"));
        assert_eq!(ok.city, None);
        let problem = |fields: MemberFields| validate::member_fields(&fields).unwrap_err();
        let p = problem(MemberFields {
            email: Some("ann@".into()),
            ..MemberFields::default()
        });
        assert_eq!(p.field, "email");
        let p = problem(MemberFields {
            phone: Some("call me".into()),
            ..MemberFields::default()
        });
        assert_eq!(p.field, "phone");
        let p = problem(MemberFields {
            zip: Some("1234567890123".into()),
            ..MemberFields::default()
        });
        assert_eq!(
            (p.field, p.message),
            (
                "zip",
                Words::with(
                    "field.text.tooLong.message",
                    &[("label", &Words::new("field.label.zip"))]
                )
            )
        );
        let p = problem(MemberFields {
            city: Some("x".repeat(61)),
            ..MemberFields::default()
        });
        assert_eq!(p.field, "city");
        assert!(validate::loyalty_card_name(Some(&"n".repeat(51))).is_err());
        assert_eq!(validate::loyalty_card_name(Some(" ")).unwrap(), None);
        assert!(validate::push_message(" ").is_err());
        assert!(validate::push_message(&"m".repeat(501)).is_err());
        assert!(validate::push_message(&"m".repeat(500)).is_ok());
        assert!(validate::stamp_amount(0).is_err());
    }

    #[test]
    fn member_fields_leave_absent_ones_out() {
        let fields = MemberFields {
            first_name: Some("Ann".into()),
            city: Some(String::new()),
            custom: [None, Some("x".into()), None, None, None, None, None, None],
            ..MemberFields::default()
        };
        assert_eq!(
            fields.to_body(),
            serde_json::json!({"first_name": "Ann", "city": "", "custom_2": "x"})
        );
    }
}
