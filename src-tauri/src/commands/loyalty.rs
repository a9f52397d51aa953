//! "Loyalty" screen: cards, their members, the member panel (edit, stamps, rewards, void,
//! delete), new members, import, export and push messages. Accounts whose keys the v4 API
//! refuses fall back to the v3 operations (cards, members with stamps, set stamps, void, push).

use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use super::bulk::{manager, start_job, StartedJob};
use super::history::{save_csv, SavedFile};
use super::{
    blocking, may_have_taken_effect, push_result, record_history, settle_time, PushResult, UiError,
};
use crate::api::words::Words;
use crate::api::{
    validate, ApiError, Client, LoyaltyMember, LoyaltyUser, MemberChangeV3, MemberFields,
    MemberQuery,
};
use crate::error_kind::ErrorKind;
use crate::history::{Line, Outcome};
use crate::i18n::{t, tf, Plain};
use crate::jobs::{ImportSpec, RowStatus};
use crate::settings::AccountRecord;
use crate::shown_jobs::ShownProgress;
use crate::state::AppState;
use crate::words::{say, Worded};

/// Pages of members asked for at once; the account's limiter decides how many really go.
const PAGE_CONCURRENCY: usize = crate::api::limiter::MAX_PAGES_AT_ONCE;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CardView {
    /// v4: the number; v3: `loy_…`.
    pub id: String,
    pub name: String,
    pub kind: String,
    pub code: String,
    pub domain: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoyaltyOverview {
    pub cards: Vec<CardView>,
    /// The v4 API refused the keys: only the v3 operations are offered.
    pub v3_only: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RewardView {
    pub id: u64,
    pub name: String,
    pub used: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberView {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub address: String,
    pub zip: String,
    pub city: String,
    pub phone: String,
    pub email: String,
    pub custom: [Option<String>; 8],
    pub stamps: u32,
    pub rewards: Vec<RewardView>,
    pub voided: bool,
    #[serde(serialize_with = "crate::api::lenient::ser_opt_datetime")]
    pub created_at: Option<time::OffsetDateTime>,
}

impl From<LoyaltyMember> for MemberView {
    fn from(m: LoyaltyMember) -> Self {
        MemberView {
            id: m.id.to_string(),
            first_name: m.first_name,
            last_name: m.last_name,
            address: m.address,
            zip: m.zip,
            city: m.city,
            phone: m.phone,
            email: m.email,
            custom: m.custom,
            stamps: m.stamps,
            rewards: m
                .rewards
                .into_iter()
                .map(|r| RewardView {
                    id: r.id,
                    name: r.name,
                    used: r.used,
                })
                .collect(),
            voided: m.voided,
            created_at: m.created_at,
        }
    }
}

impl From<LoyaltyUser> for MemberView {
    fn from(u: LoyaltyUser) -> Self {
        MemberView {
            id: u.id,
            first_name: u.first_name,
            last_name: u.last_name,
            address: String::new(),
            zip: String::new(),
            city: String::new(),
            phone: u.phone,
            email: u.email,
            custom: Default::default(),
            stamps: u.stamps,
            rewards: Vec::new(),
            voided: u.voided,
            created_at: None,
        }
    }
}

/// A card as the commands address it.
enum Card {
    V4(u64),
    V3(String),
}

fn card_of(id: &str) -> Result<Card, UiError> {
    let id = id.trim();
    if id.starts_with("loy_") {
        return Ok(Card::V3(id.to_owned()));
    }
    id.parse().map(Card::V4).map_err(|_| {
        UiError::new(
            ErrorKind::Validation,
            t("cmd.loyalty.chooseCard.message"),
            t("cmd.loyalty.chooseCard.hint"),
        )
    })
}

fn member_of(id: &str) -> Result<u64, UiError> {
    id.trim().parse().map_err(|_| {
        UiError::new(
            ErrorKind::Validation,
            t("cmd.loyalty.chooseMember.message"),
            t("cmd.loyalty.chooseMember.hint"),
        )
    })
}

fn v3_only_action() -> UiError {
    UiError::new(
        ErrorKind::NotAvailable,
        t("cmd.loyalty.v3Only.message"),
        t("cmd.loyalty.v3Only.hint"),
    )
}

fn is_v4_refusal(error: &ApiError) -> bool {
    matches!(
        error,
        ApiError::V4 {
            status: 401 | 403,
            ..
        }
    )
}

fn line(
    account: &AccountRecord,
    action: &'static str,
    card: &str,
    member: &str,
    outcome: Outcome,
    detail: Option<String>,
) -> Line {
    Line {
        account_id: account.id.clone(),
        account: account.name.clone(),
        action,
        campaign: Some(card.to_owned()),
        target: Some(member.to_owned()),
        outcome,
        detail,
    }
}

#[tauri::command]
pub async fn loyalty_cards(state: State<'_, AppState>) -> Result<LoyaltyOverview, UiError> {
    let (_, client) = super::account_and_client(&state).await?;
    match client.loyalty().cards().await {
        Ok(cards) => Ok(LoyaltyOverview {
            cards: cards
                .into_iter()
                .map(|c| CardView {
                    id: c.id.to_string(),
                    name: c.name,
                    kind: c.kind,
                    code: c.code,
                    domain: c.domain,
                })
                .collect(),
            v3_only: false,
        }),
        Err(e) if is_v4_refusal(&e) => {
            log::info!("loyalty: v4 refused the keys, using v3");
            let cards = client.loyalty().cards_v3(false).await?;
            Ok(LoyaltyOverview {
                cards: cards
                    .into_iter()
                    .map(|c| CardView {
                        id: c.id,
                        name: c.name,
                        kind: c.kind,
                        code: c.code,
                        domain: String::new(),
                    })
                    .collect(),
                v3_only: true,
            })
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadProgress {
    pub loaded: usize,
    pub total: Option<u64>,
    /// The members this page added, so the window shows the first rows at once. The command's
    /// answer is still the whole list (a channel message can arrive after it).
    pub members: Vec<MemberView>,
}

/// Every member of the card (all pages, several at a time), reporting as pages arrive.
#[tauri::command]
pub async fn loyalty_members(
    state: State<'_, AppState>,
    card: String,
    include_voided: bool,
    on_progress: Channel<LoadProgress>,
) -> Result<Vec<MemberView>, UiError> {
    let (_, client) = super::account_and_client(&state).await?;
    match card_of(&card)? {
        Card::V4(id) => {
            let members = client
                .loyalty()
                .all_members(
                    id,
                    None,
                    include_voided,
                    PAGE_CONCURRENCY,
                    |new, loaded, total| {
                        let members = new.iter().cloned().map(Into::into).collect();
                        let _ = on_progress.send(LoadProgress {
                            loaded,
                            total,
                            members,
                        });
                    },
                )
                .await?;
            Ok(members.into_iter().map(Into::into).collect())
        }
        Card::V3(id) => {
            let list = client.loyalty().members_v3(&id).await?;
            let _ = on_progress.send(LoadProgress {
                loaded: list.users.len(),
                total: Some(list.users.len() as u64),
                members: Vec::new(),
            });
            Ok(list
                .users
                .into_iter()
                .filter(|u| include_voided || !u.voided)
                .map(Into::into)
                .collect())
        }
    }
}

#[tauri::command]
pub async fn loyalty_member(
    state: State<'_, AppState>,
    card: String,
    member: String,
) -> Result<MemberView, UiError> {
    let (_, client) = super::account_and_client(&state).await?;
    reread(&client, &card, &member).await
}

/// The member as the server has them now (v3: from the card's list).
async fn reread(client: &Client, card: &str, member: &str) -> Result<MemberView, UiError> {
    match card_of(card)? {
        Card::V4(id) => Ok(client
            .loyalty()
            .member(id, member_of(member)?)
            .await?
            .into()),
        Card::V3(id) => client
            .loyalty()
            .members_v3(&id)
            .await?
            .users
            .into_iter()
            .find(|u| u.id == member)
            .map(Into::into)
            .ok_or_else(|| {
                UiError::new(
                    ErrorKind::NotFound,
                    t("cmd.loyalty.memberGone.message"),
                    t("cmd.loyalty.memberGone.hint"),
                )
            }),
    }
}

#[tauri::command]
pub async fn create_loyalty_member(
    state: State<'_, AppState>,
    card: String,
    fields: MemberFields,
) -> Result<MemberView, UiError> {
    let fields = validate::member_fields(&fields)?;
    let Card::V4(id) = card_of(&card)? else {
        return Err(v3_only_action());
    };
    let (account, client) = super::account_and_client(&state).await?;
    let who = fields
        .email
        .clone()
        .unwrap_or_else(|| t("cmd.loyalty.history.newMember"));
    let (created, left) = super::write(client.loyalty().create_member(id, &fields)).await;
    let made = match created {
        Ok(member) => member,
        // Creating again blind could make the customer twice: look the e-mail up first.
        Err(error) if may_have_taken_effect(&error) => {
            settle_time(&client, left).await;
            let found = match fields.email.as_deref().or(fields.phone.as_deref()) {
                Some(key) => client
                    .loyalty()
                    .members(
                        id,
                        &MemberQuery {
                            search: Some(key.to_owned()),
                            ..MemberQuery::default()
                        },
                    )
                    .await
                    .ok()
                    .and_then(|page| {
                        page.members
                            .into_iter()
                            .find(|m| m.email.eq_ignore_ascii_case(key) || m.phone == key)
                    }),
                None => None,
            };
            match found {
                Some(member) => member,
                None => {
                    record_history(
                        &state,
                        line(
                            &account,
                            "loyalty_member_create",
                            &card,
                            &who,
                            Outcome::Unknown,
                            None,
                        ),
                    )
                    .await;
                    return Err(UiError::new(
                        ErrorKind::OutcomeUnknown,
                        t("cmd.loyalty.create.unknown.message"),
                        t("cmd.loyalty.create.unknown.hint"),
                    ));
                }
            }
        }
        Err(error) => return Err(error.into()),
    };
    // Worded before the await: the words' arguments may not cross it.
    let detail = tf("cmd.loyalty.history.memberId", &[("id", &Plain(made.id))]);
    record_history(
        &state,
        line(
            &account,
            "loyalty_member_create",
            &card,
            &who,
            Outcome::Ok,
            Some(detail),
        ),
    )
    .await;
    Ok(made.into())
}

#[tauri::command]
pub async fn update_loyalty_member(
    state: State<'_, AppState>,
    card: String,
    member: String,
    fields: MemberFields,
) -> Result<MemberView, UiError> {
    let fields = validate::member_fields(&fields)?;
    let Card::V4(id) = card_of(&card)? else {
        return Err(v3_only_action());
    };
    let member_id = member_of(&member)?;
    let (account, client) = super::account_and_client(&state).await?;
    // Writing the same fields twice does no harm, but the screen shows what the server has.
    let (result, left) = super::write(client.loyalty().update_member(id, member_id, &fields)).await;
    let outcome = super::outcome_of(&result);
    record_history(
        &state,
        line(
            &account,
            "loyalty_member_update",
            &card,
            &member,
            outcome,
            None,
        ),
    )
    .await;
    match result {
        Ok(_) => reread(&client, &card, &member).await,
        Err(e) if may_have_taken_effect(&e) => {
            settle_time(&client, left).await;
            reread(&client, &card, &member).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StampResult {
    pub member: MemberView,
    /// The reply was lost; a re-read showed the stamps had arrived.
    pub confirmed_after_interruption: bool,
    /// The card's count right before the write, when it differed from what the panel showed
    /// (another till stamped it meanwhile).
    pub changed_since_shown: Option<u32>,
}

/// What a re-read after a lost stamp reply says. Pure, so every case is tested. `start` is the
/// count read right before the write, `now` the count once the request can no longer run.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum StampsSettled {
    Arrived,
    NotAdded,
    /// Another difference: stamps from elsewhere, or ours and others'; nobody can tell.
    Unknown,
}

pub(crate) fn settle_stamps(start: u32, amount: u32, now: u32) -> StampsSettled {
    if now == start.saturating_add(amount) {
        StampsSettled::Arrived
    } else if now == start {
        StampsSettled::NotAdded
    } else {
        StampsSettled::Unknown
    }
}

/// Adds stamps. Not idempotent. The member is read right before the write, so stamps another
/// till added since the panel opened count (and v3, which sets the count, builds on them);
/// after a lost reply the member is read again and the stamps count as added only if the total
/// moved by exactly `amount` from that fresh read.
#[tauri::command]
pub async fn add_loyalty_stamps(
    state: State<'_, AppState>,
    card: String,
    member: String,
    amount: u32,
    before: u32,
    note: Option<String>,
) -> Result<StampResult, UiError> {
    let amount = validate::stamp_amount(amount)?;
    let note =
        validate::optional_text(note.as_deref(), "note", &Words::new("cmd.label.note"), 200)?;
    let card_ref = card_of(&card)?;
    let (account, client) = super::account_and_client(&state).await?;
    let start = reread(&client, &card, &member).await?.stamps;
    let changed_since_shown = (start != before).then_some(start);
    let (result, left) = match &card_ref {
        Card::V4(id) => {
            let member_id = member_of(&member)?;
            let (r, left) = super::write(client.loyalty().add_stamps(*id, member_id, amount)).await;
            (r.map(|_| ()), left)
        }
        // v3 sets the count: the new total from the count just read (a stamp added at another
        // till in the instant between that read and this write would be overwritten; v3 has
        // no way to add).
        Card::V3(id) => {
            let change = MemberChangeV3 {
                stamps: Some(start.saturating_add(amount)),
                voided: None,
            };
            let (r, left) =
                super::write(client.loyalty().update_member_v3(id, &member, &change)).await;
            (r.map(|_| ()), left)
        }
    };
    let detail = Some(match &note {
        Some(note) => tf(
            "cmd.loyalty.history.stampsNote",
            &[("count", &amount), ("note", note)],
        ),
        None => tf("cmd.loyalty.history.stamps", &[("count", &amount)]),
    });
    let remember = |outcome, detail| {
        record_history(
            &state,
            line(
                &account,
                "loyalty_add_stamps",
                &card,
                &member,
                outcome,
                detail,
            ),
        )
    };
    match result {
        Ok(_) => {
            remember(Outcome::Ok, detail).await;
            Ok(StampResult {
                member: reread(&client, &card, &member).await?,
                confirmed_after_interruption: false,
                changed_since_shown,
            })
        }
        Err(error) if may_have_taken_effect(&error) => {
            settle_time(&client, left).await;
            let now = reread(&client, &card, &member).await?;
            match settle_stamps(start, amount, now.stamps) {
                StampsSettled::Arrived => {
                    remember(Outcome::Ok, detail).await;
                    Ok(StampResult {
                        member: now,
                        confirmed_after_interruption: true,
                        changed_since_shown,
                    })
                }
                StampsSettled::NotAdded => {
                    remember(Outcome::Failed, detail).await;
                    Err(UiError::new(
                        ErrorKind::NotAdded,
                        tf("cmd.loyalty.stamps.notAdded.message", &[("before", &start)]),
                        t("cmd.loyalty.stamps.notAdded.hint"),
                    ))
                }
                StampsSettled::Unknown => {
                    remember(Outcome::Unknown, detail).await;
                    Err(UiError::new(
                        ErrorKind::OutcomeUnknown,
                        tf(
                            "cmd.loyalty.stamps.unknown.message",
                            &[
                                ("now", &now.stamps),
                                ("before", &start),
                                ("amount", &amount),
                            ],
                        ),
                        t("cmd.loyalty.stamps.unknown.hint"),
                    ))
                }
            }
        }
        Err(error) => {
            record_history(
                &state,
                line(
                    &account,
                    "loyalty_add_stamps",
                    &card,
                    &member,
                    Outcome::Failed,
                    Some(error.user_message()),
                ),
            )
            .await;
            Err(error.into())
        }
    }
}

#[tauri::command]
pub async fn use_loyalty_rewards(
    state: State<'_, AppState>,
    card: String,
    member: String,
    reward_ids: Vec<u64>,
) -> Result<MemberView, UiError> {
    if reward_ids.is_empty() {
        return Err(UiError {
            field: Some("rewards".into()),
            ..UiError::new(
                ErrorKind::Validation,
                t("cmd.loyalty.rewards.none.message"),
                t("cmd.loyalty.rewards.none.hint"),
            )
        });
    }
    let Card::V4(id) = card_of(&card)? else {
        return Err(v3_only_action());
    };
    let member_id = member_of(&member)?;
    let (account, client) = super::account_and_client(&state).await?;
    let (result, left) =
        super::write(client.loyalty().use_rewards(id, member_id, &reward_ids)).await;
    write_outcome(
        &state,
        &account,
        "loyalty_use_rewards",
        &card,
        &member,
        &result,
    )
    .await;
    settle_write(&client, &card, &member, result, left).await
}

#[tauri::command]
pub async fn void_loyalty_member(
    state: State<'_, AppState>,
    card: String,
    member: String,
) -> Result<MemberView, UiError> {
    let (account, client) = super::account_and_client(&state).await?;
    let (result, left) = match card_of(&card)? {
        Card::V4(id) => {
            let member_id = member_of(&member)?;
            let (r, left) = super::write(client.loyalty().void_member(id, member_id)).await;
            (r.map(|_| ()), left)
        }
        Card::V3(id) => {
            let change = MemberChangeV3 {
                stamps: None,
                voided: Some(true),
            };
            let (r, left) =
                super::write(client.loyalty().update_member_v3(&id, &member, &change)).await;
            (r.map(|_| ()), left)
        }
    };
    write_outcome(&state, &account, "loyalty_void", &card, &member, &result).await;
    settle_write(&client, &card, &member, result, left).await
}

/// Deletes a member for good. The window asks the person to type the member's name; it is
/// checked here too.
#[tauri::command]
pub async fn delete_loyalty_member(
    state: State<'_, AppState>,
    card: String,
    member: String,
    typed_name: String,
) -> Result<(), UiError> {
    let Card::V4(id) = card_of(&card)? else {
        return Err(v3_only_action());
    };
    let member_id = member_of(&member)?;
    let (account, client) = super::account_and_client(&state).await?;
    let current = client.loyalty().member(id, member_id).await?;
    let name = format!("{} {}", current.first_name.trim(), current.last_name.trim());
    let expected = if name.trim().is_empty() {
        current.email.clone()
    } else {
        name.trim().to_owned()
    };
    if !typed_name.trim().eq_ignore_ascii_case(&expected) {
        return Err(UiError {
            field: Some("deleteName".into()),
            ..UiError::new(
                ErrorKind::Validation,
                t("cmd.loyalty.delete.nameMismatch.message"),
                t("cmd.loyalty.delete.nameMismatch.hint"),
            )
        });
    }
    let (result, left) = super::write(client.loyalty().delete_member(id, member_id)).await;
    write_outcome(&state, &account, "loyalty_delete", &card, &member, &result).await;
    match result {
        Ok(()) => Ok(()),
        Err(e) if may_have_taken_effect(&e) => {
            settle_time(&client, left).await;
            match client.loyalty().member(id, member_id).await {
                Err(ApiError::V4 { status: 404, .. }) => Ok(()),
                Ok(_) => Err(UiError::new(
                    ErrorKind::NotDeleted,
                    t("cmd.loyalty.delete.notDeleted.message"),
                    t("cmd.loyalty.delete.notDeleted.hint"),
                )),
                Err(e) => Err(e.into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

async fn write_outcome<T>(
    state: &State<'_, AppState>,
    account: &AccountRecord,
    action: &'static str,
    card: &str,
    member: &str,
    result: &Result<T, ApiError>,
) {
    let (outcome, detail) = match result {
        Ok(_) => (Outcome::Ok, None),
        Err(e) if may_have_taken_effect(e) => (Outcome::Unknown, None),
        Err(e) => (Outcome::Failed, Some(e.user_message())),
    };
    record_history(state, line(account, action, card, member, outcome, detail)).await;
}

/// Every change is re-read from the server and shown; after a lost reply, once the request can
/// no longer be running.
async fn settle_write<T>(
    client: &Client,
    card: &str,
    member: &str,
    result: Result<T, ApiError>,
    left: std::time::Instant,
) -> Result<MemberView, UiError> {
    match result {
        Ok(_) => reread(client, card, member).await,
        Err(e) if may_have_taken_effect(&e) => {
            settle_time(client, left).await;
            reread(client, card, member).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A push message to the given members, or to all when `members` is None.
#[tauri::command]
pub async fn push_loyalty_message(
    state: State<'_, AppState>,
    card: String,
    message: String,
    members: Option<Vec<String>>,
) -> Result<PushResult, UiError> {
    let message = validate::push_message(&message)?;
    let (account, client) = super::account_and_client(&state).await?;
    let who = match &members {
        Some(list) => tf("cmd.loyalty.history.someMembers", &[("count", &list.len())]),
        None => t("cmd.loyalty.history.allMembers"),
    };
    let result = match (card_of(&card)?, &members) {
        (Card::V4(id), Some(list)) => {
            let ids = list
                .iter()
                .map(|m| member_of(m))
                .collect::<Result<Vec<_>, _>>()?;
            client
                .loyalty()
                .push_notification(id, &message, Some(&ids))
                .await
        }
        (Card::V4(id), None) => client.loyalty().push_notification(id, &message, None).await,
        (Card::V3(id), Some(list)) if list.len() == 1 => {
            client
                .loyalty()
                .push_member_v3(&id, &list[0], &message)
                .await
        }
        (Card::V3(_), Some(_)) => return Err(v3_only_action()),
        (Card::V3(id), None) => client.loyalty().push_all_v3(&id, &message).await,
    };
    write_outcome(&state, &account, "loyalty_push", &card, &who, &result).await;
    push_result(result.map(|receipt| receipt.recipients))
}

#[tauri::command]
pub async fn copy_loyalty_card(
    state: State<'_, AppState>,
    card: String,
    name: Option<String>,
) -> Result<CardView, UiError> {
    let name = validate::loyalty_card_name(name.as_deref())?;
    let Card::V4(id) = card_of(&card)? else {
        return Err(v3_only_action());
    };
    let (account, client) = super::account_and_client(&state).await?;
    let copy = client.loyalty().copy_card(id, name.as_deref()).await;
    let target = name
        .clone()
        .unwrap_or_else(|| t("cmd.loyalty.history.copy"));
    write_outcome(&state, &account, "loyalty_copy_card", &card, &target, &copy).await;
    let copy = copy?;
    Ok(CardView {
        id: copy.id.to_string(),
        name: copy.name,
        kind: copy.kind,
        code: copy.code,
        domain: copy.domain,
    })
}

/// One line of an import file as the preview shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportRow {
    pub row: usize,
    pub member: MemberFields,
    pub problem: Option<String>,
    /// The same problem as data, for the job's row (worded again in whatever language reads it).
    #[serde(skip)]
    pub problem_words: Option<Words>,
    /// The e-mail of an earlier row: skipped, not failed (the problem's words are in the
    /// person's language, so the job cannot tell it from them).
    #[serde(skip)]
    pub duplicate: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportPreview {
    /// The file's column names, and which of them holds which field.
    pub headers: Vec<String>,
    pub mapping: ImportMapping,
    pub total: usize,
    pub valid: usize,
    pub problems: usize,
    /// The first rows, for the preview table.
    pub rows: Vec<ImportRow>,
}

const IMPORT_PREVIEW_ROWS: usize = 200;
const MAX_IMPORT_ROWS: usize = 50_000;

/// Column names a member file may use, in the five languages.
const COLUMNS: &[(&str, &[&str])] = &[
    (
        "first_name",
        &[
            "first name",
            "firstname",
            "first_name",
            "voornaam",
            "prénom",
            "prenom",
            "vorname",
            "nombre",
        ],
    ),
    (
        "last_name",
        &[
            "last name",
            "lastname",
            "last_name",
            "surname",
            "achternaam",
            "naam",
            "nom",
            "nachname",
            "apellido",
            "apellidos",
        ],
    ),
    (
        "email",
        &[
            "email",
            "e-mail",
            "e-mailadres",
            "mail",
            "courriel",
            "correo",
            "correo electrónico",
        ],
    ),
    (
        "phone",
        &[
            "phone",
            "telephone",
            "telefoon",
            "gsm",
            "mobile",
            "téléphone",
            "telefon",
            "teléfono",
        ],
    ),
    (
        "address",
        &[
            "address",
            "adres",
            "adresse",
            "dirección",
            "direccion",
            "street",
        ],
    ),
    (
        "zip",
        &[
            "zip",
            "postcode",
            "postal code",
            "code postal",
            "plz",
            "código postal",
            "codigo postal",
        ],
    ),
    (
        "city",
        &[
            "city", "stad", "gemeente", "ville", "stadt", "ort", "ciudad",
        ],
    ),
];

/// Which column of the file holds which field: field name (`first_name`, `email`, …) → column
/// index. Guessed from the header (any of the five languages); the window may correct it.
pub type ImportMapping = std::collections::BTreeMap<String, usize>;

/// Reads a member file: its header names the columns (any of the five languages; `mapping`
/// overrides the guess), `,` `;` or tab separated. Each row is checked like the form; rows with
/// the e-mail of an earlier row are marked twice. Returns the header and the mapping used too.
pub fn parse_member_file(
    text: &str,
    mapping: Option<&ImportMapping>,
) -> Result<(Vec<String>, ImportMapping, Vec<ImportRow>), UiError> {
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or_default();
    let delimiter = [b'\t', b';', b',']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|_| file_problem(t("cmd.loyalty.import.noHeader")))?
        .clone();
    let mut index: ImportMapping = ImportMapping::new();
    match mapping {
        Some(chosen) => {
            for (field, &column) in chosen {
                let known = COLUMNS.iter().any(|(f, _)| f == field);
                if known && column < headers.len() {
                    index.insert(field.clone(), column);
                }
            }
        }
        None => {
            for (i, header) in headers.iter().enumerate() {
                let header = header.trim().to_lowercase();
                if let Some((field, _)) = COLUMNS
                    .iter()
                    .find(|(_, names)| names.contains(&header.as_str()))
                {
                    index.entry((*field).to_owned()).or_insert(i);
                }
            }
        }
    }
    if !index.contains_key("email")
        && !index.contains_key("phone")
        && !index.contains_key("first_name")
    {
        return Err(file_problem(t("cmd.loyalty.import.noColumns")));
    }
    let mut rows = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (n, record) in reader.records().enumerate() {
        let row = n + 1;
        if row > MAX_IMPORT_ROWS {
            return Err(file_problem(tf(
                "cmd.loyalty.import.tooMany",
                &[("max", &MAX_IMPORT_ROWS)],
            )));
        }
        let record = record.map_err(|_| {
            file_problem(tf(
                "cmd.loyalty.import.badLine",
                &[("line", &Plain(row + 1))],
            ))
        })?;
        let cell = |field: &str| {
            index
                .get(field)
                .and_then(|&i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let raw = MemberFields {
            first_name: cell("first_name"),
            last_name: cell("last_name"),
            address: cell("address"),
            zip: cell("zip"),
            city: cell("city"),
            phone: cell("phone"),
            email: cell("email"),
            custom: Default::default(),
        };
        if raw == MemberFields::default() {
            continue;
        }
        let (member, problem, duplicate) = match validate::member_fields(&raw) {
            Ok(member) => {
                let twice = member
                    .email
                    .as_ref()
                    .is_some_and(|e| !seen.insert(e.to_lowercase()));
                (
                    member,
                    twice.then(|| Words::new("cmd.loyalty.import.twice")),
                    twice,
                )
            }
            Err(problem) => (raw, Some(problem.message), false),
        };
        rows.push(ImportRow {
            row,
            member,
            problem: problem.as_ref().map(say),
            problem_words: problem,
            duplicate,
        });
    }
    Ok((headers.iter().map(str::to_owned).collect(), index, rows))
}

fn file_problem(message: String) -> UiError {
    UiError {
        field: Some("importText".into()),
        ..UiError::new(ErrorKind::Validation, message, t("cmd.loyalty.import.hint"))
    }
}

#[tauri::command]
pub async fn preview_member_import(
    text: String,
    mapping: Option<ImportMapping>,
) -> Result<ImportPreview, UiError> {
    blocking(move || {
        let (headers, mapping, rows) = parse_member_file(&text, mapping.as_ref())?;
        let problems = rows.iter().filter(|r| r.problem.is_some()).count();
        Ok(ImportPreview {
            headers,
            mapping,
            total: rows.len(),
            valid: rows.len() - problems,
            problems,
            rows: rows.into_iter().take(IMPORT_PREVIEW_ROWS).collect(),
        })
    })
    .await
}

#[tauri::command]
pub async fn start_member_import(
    state: State<'_, AppState>,
    card: String,
    card_name: String,
    text: String,
    mapping: Option<ImportMapping>,
    on_progress: Channel<ShownProgress>,
) -> Result<StartedJob, UiError> {
    let Card::V4(id) = card_of(&card)? else {
        return Err(v3_only_action());
    };
    let manager = manager(&state)?.clone();
    let (account, client) = super::account_and_client(&state).await?;
    let spec = ImportSpec {
        card: id,
        card_name: if card_name.trim().is_empty() {
            card.clone()
        } else {
            card_name
        },
    };
    start_job(
        manager,
        account,
        client,
        on_progress,
        move |jobs, account| {
            let rows = parse_member_file(&text, mapping.as_ref())?
                .2
                .into_iter()
                .map(|r| {
                    let settled = r.problem_words.map(|p| {
                        let status = if r.duplicate {
                            RowStatus::Skipped
                        } else {
                            RowStatus::Failed
                        };
                        (status, p)
                    });
                    (r.row, r.member, settled)
                })
                .collect();
            Ok(jobs.create_import_job(&account.id, &account.name, &spec, rows)?)
        },
    )
    .await
}

/// The members as a CSV in Downloads (all of them, the voided too when asked).
#[tauri::command]
pub async fn export_loyalty_members<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    card: String,
    include_voided: bool,
) -> Result<SavedFile, UiError> {
    let (_, client) = super::account_and_client(&state).await?;
    let members: Vec<MemberView> = match card_of(&card)? {
        Card::V4(id) => client
            .loyalty()
            .all_members(id, None, include_voided, PAGE_CONCURRENCY, |_, _, _| {})
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
        Card::V3(id) => client
            .loyalty()
            .members_v3(&id)
            .await?
            .users
            .into_iter()
            .filter(|u| include_voided || !u.voided)
            .map(Into::into)
            .collect(),
    };
    let rows = members
        .iter()
        .map(|m| {
            vec![
                m.id.clone(),
                m.first_name.clone(),
                m.last_name.clone(),
                m.email.clone(),
                m.phone.clone(),
                m.address.clone(),
                m.zip.clone(),
                m.city.clone(),
                m.stamps.to_string(),
                m.rewards.iter().filter(|r| !r.used).count().to_string(),
                if m.voided { "yes" } else { "no" }.to_owned(),
                m.created_at
                    .and_then(|t| {
                        t.format(&time::format_description::well_known::Rfc3339)
                            .ok()
                    })
                    .unwrap_or_default(),
            ]
        })
        .collect();
    const HEADER: &[&str] = &[
        "id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "address",
        "zip",
        "city",
        "stamps",
        "rewards_available",
        "voided",
        "created_at",
    ];
    save_csv(
        &app,
        "coupon-desk-members",
        HEADER,
        rows,
        t("cmd.loyalty.exportFailed"),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_file_is_read_by_its_headers_in_any_language_and_checked_row_by_row() {
        let (headers, mapping, rows) = parse_member_file(
            "\u{feff}Voornaam;Achternaam;E-mail;Telefoon\nAnn;Peeters;ann@example.com;+32 470 12 34 56\nBob;;not-an-address;\nCid;;ANN@example.com;\n",
            None,
        )
        .unwrap();
        assert_eq!(headers[2], "E-mail");
        assert_eq!(mapping.get("email"), Some(&2));
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].member.first_name.as_deref(), Some("Ann"));
        assert_eq!(rows[0].member.phone.as_deref(), Some("+32 470 12 34 56"));
        assert!(rows[0].problem.is_none());
        assert!(rows[1].problem.is_some(), "{rows:?}");
        assert!(rows[2].problem.as_deref().unwrap().contains("earlier row"));
        assert!(rows[2].duplicate && !rows[1].duplicate, "{rows:?}");
        let none = parse_member_file("colour,size\nred,L\n", None).unwrap_err();
        assert_eq!(none.field.as_deref(), Some("importText"));
        // The person says which column is what; the header no longer has to.
        let chosen: ImportMapping = [("email".to_owned(), 1), ("first_name".to_owned(), 0)].into();
        let (_, _, rows) =
            parse_member_file("a,b\nNina,nina@example.com\n", Some(&chosen)).unwrap();
        assert_eq!(rows[0].member.email.as_deref(), Some("nina@example.com"));
        assert_eq!(rows[0].member.first_name.as_deref(), Some("Nina"));
    }

    #[test]
    fn a_repeated_address_is_told_apart_in_any_language() {
        let (_, _, rows) = crate::i18n::in_language(crate::i18n::Lang::De, || {
            parse_member_file("email\nann@example.com\nANN@example.com\n", None)
        })
        .unwrap();
        assert!(rows[1].duplicate && !rows[0].duplicate, "{rows:?}");
        assert_eq!(
            rows[1].problem.as_deref(),
            Some("Diese E-Mail-Adresse steht auch in einer früheren Zeile.")
        );
    }

    #[test]
    fn card_and_member_ids_are_checked_in_plain_words() {
        assert!(matches!(card_of("48213"), Ok(Card::V4(48213))));
        assert!(matches!(card_of("loy_48213"), Ok(Card::V3(_))));
        assert_eq!(card_of("coffee").err().unwrap().kind, ErrorKind::Validation);
        assert!(member_of("x").is_err());
    }
}
