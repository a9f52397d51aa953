//! Single-use links in bulk: creating many (`multiplesingleuse/create`, one call making a chunk
//! of links) and removing a list (`singleuse/remove`, one call per link).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::words::Words;
use crate::api::{
    ApiError, AutomatedCodes, CampaignSessionsQuery, Client, CodeType, ManySingleUseRequest,
    SessionData, SingleUseCode, SingleUseLink, SingleUseStatus,
};
use crate::jobs::journal::RowStatus;
use crate::jobs::kind::{
    reason_of, verdict_of_write_error, Claimed, JobKind, Reconciled, RowOutcome, Verdict,
};
use crate::kept_words::stored;

/// Links asked for in one call. A 5 000-link reply is about 1 MB and takes the server about a
/// second; a chunk whose reply is lost costs at most 50 pages of `campaign/data` to reconcile,
/// and 100 000 links are 20 calls, so progress moves every few seconds.
pub const CHUNK: u32 = 5_000;

/// Sessions that need reading one by one (a list without creation times) beyond this many
/// times the chunk make the look-up too costly to settle a chunk: it ends Unknown instead.
const MAX_READS_PER_ASKED: usize = 2;

/// What the journal keeps of a "create many links" job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateLinksSpec {
    pub campaign: String,
    pub amount: u32,
    /// `normal`, `voided` or `activated`.
    pub status: String,
    #[serde(default)]
    pub automated_codes: Option<AutomatedCodesSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutomatedCodesSpec {
    pub prefix: String,
    pub length: u8,
    /// `numeric` or `alphanumeric`.
    pub code_type: String,
}

/// One chunk: how many links one call asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChunkInput {
    pub amount: u32,
}

pub struct CreateLinksKind;

impl JobKind for CreateLinksKind {
    const NAME: &'static str = "single_use_create";
    const HISTORY_ACTION: &'static str = "single_use_create";
    const EXPORT_COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("url", "url"),
        ("code", "code"),
        ("validation_code", "widgetValidationCode"),
        ("custom_validation_code", "customValidationCode"),
    ];
    const ITEM_KEY: Option<&'static str> = Some("code");
    const STOP_ON_DOUBT: bool = true;

    type Spec = CreateLinksSpec;
    type Input = ChunkInput;

    fn label(spec: &CreateLinksSpec) -> Option<String> {
        Some(spec.campaign.clone())
    }

    fn target(input: &ChunkInput) -> String {
        // Kept as words: the history words it when shown.
        stored(&Words::with(
            "job.links.chunkTarget",
            &[("count", &input.amount)],
        ))
    }

    async fn attempt(
        client: &Client,
        spec: &CreateLinksSpec,
        rows: &[Claimed<ChunkInput>],
    ) -> Vec<Verdict> {
        let mut verdicts = Vec::with_capacity(rows.len());
        for row in rows {
            let request = ManySingleUseRequest {
                campaign: spec.campaign.clone(),
                amount: row.input.amount,
                status: status_of(&spec.status),
                automated_codes: spec.automated_codes.as_ref().map(|a| AutomatedCodes {
                    prefix: a.prefix.clone(),
                    length: a.length,
                    code_type: if a.code_type == "numeric" {
                        CodeType::Numeric
                    } else {
                        CodeType::Alphanumeric
                    },
                }),
            };
            verdicts.push(match client.single_use().create_many(&request).await {
                Ok(links) => {
                    let made = links.len() as u32;
                    let message = (made != row.input.amount).then(|| {
                        Words::with(
                            "job.links.madeOther",
                            &[("made", &made), ("asked", &row.input.amount)],
                        )
                    });
                    Verdict::Done(
                        RowOutcome::new(RowStatus::Sent, message)
                            .with_items(links.iter().map(link_item).collect()),
                    )
                }
                Err(error) => verdict_of_write_error(&error),
            });
        }
        verdicts
    }

    /// The chunk's links are the sessions the server made after the request left (its clock)
    /// that no job or single create of this desk holds, that carry no customer and (with
    /// automated codes) the job's prefix: exactly the asked number, as a run of consecutive
    /// sequence numbers when the server gives them. None → not made; anything else → Unknown
    /// with the counts, and the job stops (`STOP_ON_DOUBT`).
    async fn reconcile(
        client: &Client,
        spec: &CreateLinksSpec,
        row: &Claimed<ChunkInput>,
        known: &HashSet<String>,
    ) -> Reconciled<ChunkInput> {
        let asked = row.input.amount;
        // After a restart no reply may have told the server's clock yet: one page first.
        if !client.server_clock().is_known() {
            let probe = CampaignSessionsQuery {
                campaign: spec.campaign.clone(),
                start: None,
                end: None,
            };
            if let Err(error) = client.campaigns().data_page(&probe, 1).await {
                if error.is_account_failure() {
                    return Reconciled::PauseJob(reason_of(&error));
                }
                return Reconciled::CantTell(Words::with(
                    "job.links.cantAsk",
                    &[("count", &asked)],
                ));
            }
        }
        let Some(since) = row.sent_since(client) else {
            return Reconciled::CantTell(Words::with("job.links.cantAsk", &[("count", &asked)]));
        };
        // `start_date` comes to the minute and the docs do not say which date it filters on:
        // ask from the minute before, and if that shows nothing, read the whole campaign.
        let start = since - time::Duration::minutes(1);
        let mut found = new_links(client, spec, known, Some(start), since, asked).await;
        if matches!(&found, Ok(links) if links.is_empty()) {
            found = new_links(client, spec, known, None, since, asked).await;
        }
        match found {
            Ok(links) => judge_chunk(asked, &links),
            Err(Lookup::Api(error)) if error.is_account_failure() => {
                Reconciled::PauseJob(reason_of(&error))
            }
            Err(Lookup::Api(error)) => {
                log::warn!("jobs: chunk {} could not be looked up: {error}", row.row);
                Reconciled::CantTell(Words::with("job.links.cantAsk", &[("count", &asked)]))
            }
            Err(Lookup::TooCostly) => {
                Reconciled::CantTell(Words::with("job.links.cantAsk", &[("count", &asked)]))
            }
        }
    }
}

enum Lookup {
    Api(ApiError),
    TooCostly,
}

/// The campaign's sessions that can be this chunk's: made after `since` (the server's clock),
/// unknown to this desk, without a customer, with the job's code prefix; every one with its
/// link. The list is read to its empty page; a session the list gives without a creation
/// time is read on its own.
async fn new_links(
    client: &Client,
    spec: &CreateLinksSpec,
    known: &HashSet<String>,
    start: Option<time::OffsetDateTime>,
    since: time::OffsetDateTime,
    asked: u32,
) -> Result<Vec<SessionData>, Lookup> {
    let query = CampaignSessionsQuery {
        campaign: spec.campaign.clone(),
        start,
        end: None,
    };
    let sessions = client.campaigns().data(&query).await.map_err(Lookup::Api)?;
    let prefix = spec
        .automated_codes
        .as_ref()
        .map(|a| a.prefix.as_str())
        .filter(|p| !p.is_empty());
    let (dated, undated): (Vec<SessionData>, Vec<SessionData>) = sessions
        .into_iter()
        .filter(|s| can_be_ours(s, known, prefix))
        .partition(|s| s.created_at.is_some());
    if undated.len() > (asked as usize).saturating_mul(MAX_READS_PER_ASKED) {
        return Err(Lookup::TooCostly);
    }
    let mut candidates: Vec<SessionData> = dated
        .into_iter()
        .filter(|s| s.created_at.is_some_and(|at| at >= since))
        .collect();
    candidates.extend(undated);
    let complete = client
        .sessions()
        .complete(candidates)
        .await
        .map_err(Lookup::Api)?;
    if complete.iter().any(|s| s.created_at.is_none()) {
        // Neither the list nor the session tells when it was made: it may be ours.
        return Err(Lookup::TooCostly);
    }
    Ok(complete
        .into_iter()
        .filter(|s| s.created_at.is_some_and(|at| at >= since))
        .collect())
}

/// Whether a session of the campaign can be one of a chunk's links: not held by this desk, no
/// customer (a link made for one has one), and the job's code prefix when it has one.
fn can_be_ours(s: &SessionData, known: &HashSet<String>, prefix: Option<&str>) -> bool {
    !known.contains(s.code.as_str())
        && s.email.is_none()
        && s.first_name.is_none()
        && s.last_name.is_none()
        && s.phone.is_none()
        && match prefix {
            Some(prefix) => s
                .own_validation_code
                .as_deref()
                .is_some_and(|c| c.starts_with(prefix)),
            None => true,
        }
}

/// What the sessions that can be a chunk's say about it. Pure, so every case is tested here.
pub(crate) fn judge_chunk(asked: u32, links: &[SessionData]) -> Reconciled<ChunkInput> {
    let asked_n = asked as usize;
    let found = links.len();
    if found == 0 {
        return Reconciled::NotThere;
    }
    let unknown = || {
        Reconciled::CantTell(Words::with(
            "job.links.tooMany",
            &[("found", &found), ("asked", &asked)],
        ))
    };
    if found != asked_n {
        return unknown();
    }
    if links.iter().any(|s| s.url.trim().is_empty()) {
        return Reconciled::CantTell(Words::with("job.links.noUrl", &[("count", &asked)]));
    }
    let mut ids: Vec<u64> = links.iter().filter_map(|s| s.sequence_id).collect();
    if ids.len() == found {
        ids.sort_unstable();
        let run = ids.windows(2).all(|w| w[1] == w[0] + 1);
        if !run {
            // Links made elsewhere in between: which of them are ours cannot be told.
            return unknown();
        }
    } else if !ids.is_empty() {
        return unknown();
    }
    Reconciled::Done(
        RowOutcome::new(RowStatus::Sent, Some(Words::new("job.links.madeConfirmed")))
            .with_items(links.iter().map(session_item).collect()),
    )
}

fn status_of(word: &str) -> SingleUseStatus {
    match word {
        "voided" => SingleUseStatus::Voided,
        "activated" => SingleUseStatus::Activated,
        _ => SingleUseStatus::Normal,
    }
}

fn item(code: &SingleUseCode, url: &str, widget: &str, custom: Option<&str>) -> Map<String, Value> {
    let mut item = Map::new();
    item.insert("code".into(), Value::String(code.to_string()));
    item.insert("url".into(), Value::String(url.to_owned()));
    item.insert(
        "widgetValidationCode".into(),
        Value::String(if widget.is_empty() {
            code.short_code().to_owned()
        } else {
            widget.to_owned()
        }),
    );
    if let Some(custom) = custom.filter(|c| !c.is_empty()) {
        item.insert(
            "customValidationCode".into(),
            Value::String(custom.to_owned()),
        );
    }
    item
}

fn link_item(link: &SingleUseLink) -> Map<String, Value> {
    item(
        &link.code,
        &link.url,
        &link.widget_validation_code,
        link.custom_validation_code.as_deref(),
    )
}

fn session_item(session: &SessionData) -> Map<String, Value> {
    item(
        &session.code,
        &session.url,
        "",
        session.own_validation_code.as_deref(),
    )
}

/// What the journal keeps of a "remove links" job: nothing beyond its rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveLinksSpec {}

/// One link to remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoveInput {
    pub code: String,
    pub campaign: String,
}

pub struct RemoveLinksKind;

impl JobKind for RemoveLinksKind {
    const NAME: &'static str = "single_use_remove";
    const HISTORY_ACTION: &'static str = "single_use_remove";
    const EXPORT_COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("row", "row"),
        ("code", "code"),
        ("campaign", "campaign"),
        ("status", "status"),
        ("message", "message"),
    ];

    type Spec = RemoveLinksSpec;
    type Input = RemoveInput;

    fn done_word() -> Words {
        Words::new("job.csvStatus.removed")
    }

    fn label(_spec: &RemoveLinksSpec) -> Option<String> {
        None
    }

    fn target(input: &RemoveInput) -> String {
        input.code.clone()
    }

    async fn attempt(
        client: &Client,
        _spec: &RemoveLinksSpec,
        rows: &[Claimed<RemoveInput>],
    ) -> Vec<Verdict> {
        let mut verdicts = Vec::with_capacity(rows.len());
        for row in rows {
            let code = SingleUseCode::new(row.input.code.clone());
            verdicts.push(
                match client.single_use().remove(&row.input.campaign, &code).await {
                    Ok(()) => Verdict::Done(RowOutcome::new(
                        RowStatus::Sent,
                        Some(Words::new("job.links.removed")),
                    )),
                    // Gone already: a fact about this link, not a pattern of the account.
                    Err(ApiError::Coupontools { code: 505, .. }) => Verdict::Done(RowOutcome::new(
                        RowStatus::Failed,
                        Some(Words::new("job.links.alreadyGone")),
                    )),
                    Err(error) => verdict_of_write_error(&error),
                },
            );
        }
        verdicts
    }

    /// After a lost reply: a link that is gone now was removed by our request.
    async fn reconcile(
        client: &Client,
        _spec: &RemoveLinksSpec,
        row: &Claimed<RemoveInput>,
        _known: &HashSet<String>,
    ) -> Reconciled<RemoveInput> {
        match client.sessions().get(&row.input.code).await {
            Ok(_) => Reconciled::NotThere,
            Err(ApiError::Coupontools { code: 505, .. }) => Reconciled::Done(RowOutcome::new(
                RowStatus::Sent,
                Some(Words::new("job.links.removedConfirmed")),
            )),
            Err(error) if error.is_account_failure() => Reconciled::PauseJob(reason_of(&error)),
            Err(_) => Reconciled::CantTell(Words::new("job.links.removeUnknown")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(i: usize, email: Option<&str>, own: Option<&str>) -> SessionData {
        let code = format!("{i:0>21}");
        SessionData {
            campaign: "cam_1001".into(),
            url: format!("https://digicpn.com/p/abc123/{code}"),
            code: SingleUseCode::new(code),
            sequence_id: Some(i as u64),
            custom_id: None,
            created_at: None,
            opened_at: None,
            claimed_at: None,
            validated_at: None,
            voided_at: None,
            validated: false,
            voided: false,
            expires_at: None,
            own_validation_code: own.map(str::to_owned),
            locked: false,
            email: email.map(str::to_owned),
            first_name: None,
            last_name: None,
            phone: None,
        }
    }

    #[test]
    fn a_chunk_found_whole_is_done_with_its_links() {
        let sessions: Vec<_> = (1..=3).map(|i| session(i, None, None)).collect();
        match judge_chunk(3, &sessions) {
            Reconciled::Done(outcome) => {
                assert_eq!(outcome.items.len(), 3);
                assert!(outcome.items[0]["url"]
                    .as_str()
                    .unwrap()
                    .starts_with("https://"));
                assert_eq!(outcome.items[0]["widgetValidationCode"], "000000");
            }
            other => panic!("{other:?}"),
        }
    }

    /// Issue #16, case 1: a chunk never takes what it cannot prove is its own.
    #[test]
    fn anything_but_exactly_the_asked_run_is_unknown_never_partly() {
        let unknown = |r: Reconciled<ChunkInput>| matches!(r, Reconciled::CantTell(_));
        // Fewer than asked: another desk's links, or part of ours — nobody can tell.
        let three: Vec<_> = (1..=3).map(|i| session(i, None, None)).collect();
        assert!(unknown(judge_chunk(5, &three)));
        // More than asked.
        let seven: Vec<_> = (1..=7).map(|i| session(i, None, None)).collect();
        match judge_chunk(5, &seven) {
            Reconciled::CantTell(message) => {
                // "… Between 0 and {asked} links of this part may exist …"
                assert_eq!(message.key, "job.links.tooMany", "{message}");
                assert_eq!(
                    message.value("asked"),
                    Some(&crate::api::words::Value::Number(5)),
                    "{message}"
                );
                assert_eq!(
                    message.value("found"),
                    Some(&crate::api::words::Value::Number(7)),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
        // Exactly asked, but not one run: links made elsewhere in between.
        let gap: Vec<_> = [1, 2, 4].iter().map(|&i| session(i, None, None)).collect();
        assert!(unknown(judge_chunk(3, &gap)));
        // A link whose URL could not be read is no result.
        let mut no_url: Vec<_> = (1..=3).map(|i| session(i, None, None)).collect();
        no_url[1].url.clear();
        assert!(unknown(judge_chunk(3, &no_url)));
        // Nothing new: safe to ask again.
        assert_eq!(judge_chunk(5, &[]), Reconciled::NotThere);
    }

    #[test]
    fn links_this_desk_holds_of_customers_and_without_the_prefix_are_never_ours() {
        let known: HashSet<String> = [session(1, None, None).code.to_string()].into();
        assert!(!can_be_ours(&session(1, None, None), &known, None));
        assert!(can_be_ours(&session(2, None, None), &known, None));
        assert!(!can_be_ours(
            &session(3, Some("ann@example.com"), None),
            &known,
            None
        ));
        assert!(can_be_ours(
            &session(4, None, Some("XMAS-000000000001")),
            &known,
            Some("XMAS-")
        ));
        assert!(!can_be_ours(&session(5, None, None), &known, Some("XMAS-")));
        assert!(!can_be_ours(
            &session(6, None, Some("OTHER-00000000003")),
            &known,
            Some("XMAS-")
        ));
    }
}
