//! Single-use links in bulk: creating many (`multiplesingleuse/create`, one call making a chunk
//! of links) and removing a list (`singleuse/remove`, one call per link).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::{
    ApiError, AutomatedCodes, CampaignSessionsQuery, Client, CodeType, ManySingleUseRequest,
    SessionData, SingleUseCode, SingleUseLink, SingleUseStatus,
};
use crate::i18n::{t, tf};
use crate::jobs::error::JobError;
use crate::jobs::journal::{JobId, RowStatus};
use crate::jobs::kind::{
    reason_of, verdict_of_write_error, Claimed, JobKind, Reconciled, RowOutcome, Verdict,
};
use crate::jobs::runner::JobManager;

/// Links asked for in one call. A 5 000-link reply is about 1 MB and takes the server about a
/// second; a chunk whose reply is lost costs at most 50 pages of `campaign/data` to reconcile,
/// and 100 000 links are 20 calls, so progress moves every few seconds.
pub const CHUNK: u32 = 5_000;

/// A session made this long before our request still counts as possibly ours (clocks differ).
const CLOCK_SKEW_MINUTES: i64 = 5;

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
        tf("job.links.chunkTarget", &[("count", &input.amount)])
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
            verdicts.push(match client.create_many_single_use(&request).await {
                Ok(links) => {
                    let made = links.len() as u32;
                    let message = (made != row.input.amount).then(|| {
                        tf(
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

    async fn reconcile(
        client: &Client,
        spec: &CreateLinksSpec,
        row: &Claimed<ChunkInput>,
        known: &HashSet<String>,
    ) -> Reconciled<ChunkInput> {
        let since = row.first_sent_at.map(|ms| {
            time::OffsetDateTime::from_unix_timestamp(ms / 1000 - CLOCK_SKEW_MINUTES * 60)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        });
        let query = CampaignSessionsQuery {
            campaign: spec.campaign.clone(),
            start: since,
            end: None,
        };
        match client.campaign_sessions(&query).await {
            Ok(sessions) => judge_chunk(spec, row, known, &sessions),
            Err(error) if error.is_account_failure() => Reconciled::PauseJob(reason_of(&error)),
            Err(error) => {
                log::warn!("jobs: chunk {} could not be looked up: {error:?}", row.row);
                Reconciled::CantTell(tf("job.links.cantAsk", &[("count", &row.input.amount)]))
            }
        }
    }
}

/// What the campaign's sessions say about a chunk in doubt: the links made since it was asked
/// for, that no earlier chunk of this job made and that carry no customer (e-mails and links
/// made for one customer have one). Pure, so every case is tested here.
pub(crate) fn judge_chunk(
    spec: &CreateLinksSpec,
    row: &Claimed<ChunkInput>,
    known: &HashSet<String>,
    sessions: &[SessionData],
) -> Reconciled<ChunkInput> {
    let prefix = spec
        .automated_codes
        .as_ref()
        .map(|a| a.prefix.as_str())
        .filter(|p| !p.is_empty());
    let ours: Vec<&SessionData> = sessions
        .iter()
        .filter(|s| !known.contains(s.code.as_str()))
        .filter(|s| {
            s.email.is_none()
                && s.first_name.is_none()
                && s.last_name.is_none()
                && s.phone.is_none()
        })
        .filter(|s| match prefix {
            Some(prefix) => s
                .own_validation_code
                .as_deref()
                .is_some_and(|c| c.starts_with(prefix)),
            None => true,
        })
        .collect();
    let asked = row.input.amount as usize;
    let found = ours.len();
    if found == 0 {
        Reconciled::NotThere
    } else if found == asked {
        Reconciled::Done(
            RowOutcome::new(RowStatus::Sent, Some(t("job.links.madeConfirmed")))
                .with_items(ours.iter().map(|s| session_item(s)).collect()),
        )
    } else if found < asked {
        Reconciled::Partly {
            items: ours.iter().map(|s| session_item(s)).collect(),
            rest: ChunkInput {
                amount: (asked - found) as u32,
            },
        }
    } else {
        Reconciled::CantTell(tf(
            "job.links.tooMany",
            &[("found", &found), ("asked", &asked)],
        ))
    }
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

    fn done_word() -> String {
        t("job.csvStatus.removed")
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
                match client.remove_single_use(&row.input.campaign, &code).await {
                    Ok(()) => Verdict::Done(RowOutcome::new(
                        RowStatus::Sent,
                        Some(t("job.links.removed")),
                    )),
                    // Gone already: a fact about this link, not a pattern of the account.
                    Err(ApiError::Coupontools { code: 505, .. }) => Verdict::Done(RowOutcome::new(
                        RowStatus::Failed,
                        Some(t("job.links.alreadyGone")),
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
        match client.session_data(&row.input.code).await {
            Ok(_) => Reconciled::NotThere,
            Err(ApiError::Coupontools { code: 505, .. }) => Reconciled::Done(RowOutcome::new(
                RowStatus::Sent,
                Some(t("job.links.removedConfirmed")),
            )),
            Err(error) if error.is_account_failure() => Reconciled::PauseJob(reason_of(&error)),
            Err(_) => Reconciled::CantTell(t("job.links.removeUnknown")),
        }
    }
}

impl JobManager {
    /// Stores a job that makes `spec.amount` links in chunks of [`CHUNK`].
    pub fn create_links_job(
        &self,
        account_id: &str,
        account_name: &str,
        spec: &CreateLinksSpec,
    ) -> Result<JobId, JobError> {
        // A chunk in doubt is told apart by time: another job making links in the same campaign
        // at the same time would be counted as its own.
        let busy = self.not_done()?.into_iter().any(|job| {
            job.kind == CreateLinksKind::NAME
                && job.label.as_deref() == Some(spec.campaign.as_str())
        });
        if busy {
            return Err(JobError::SameCampaignBusy);
        }
        let chunks = (0..spec.amount.div_ceil(CHUNK)).map(|i| {
            let amount = (spec.amount - i * CHUNK).min(CHUNK);
            (i as usize + 1, ChunkInput { amount }, None)
        });
        // One chunk at a time: a chunk in doubt is told apart from the next by time.
        self.create_job::<CreateLinksKind>(account_id, account_name, spec, 1, chunks)
    }

    /// Stores a job that removes `links`, `concurrency` at a time.
    pub fn create_removal_job(
        &self,
        account_id: &str,
        account_name: &str,
        links: Vec<RemoveInput>,
        concurrency: u8,
    ) -> Result<JobId, JobError> {
        if links.is_empty() {
            return Err(JobError::NothingToSend);
        }
        let rows = links
            .into_iter()
            .enumerate()
            .map(|(i, link)| (i + 1, link, None));
        self.create_job::<RemoveLinksKind>(
            account_id,
            account_name,
            &RemoveLinksSpec::default(),
            concurrency,
            rows,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(prefix: Option<&str>) -> CreateLinksSpec {
        CreateLinksSpec {
            campaign: "cam_1001".into(),
            amount: 10,
            status: "normal".into(),
            automated_codes: prefix.map(|p| AutomatedCodesSpec {
                prefix: p.into(),
                length: 12,
                code_type: "numeric".into(),
            }),
        }
    }

    fn chunk(amount: u32) -> Claimed<ChunkInput> {
        Claimed {
            row: 2,
            input: ChunkInput { amount },
            attempts: 1,
            maybe_sent: true,
            first_sent_at: Some(1_800_000_000_000),
            last_sent_at: Some(1_800_000_000_000),
        }
    }

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
        match judge_chunk(&spec(None), &chunk(3), &HashSet::new(), &sessions) {
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

    #[test]
    fn links_of_earlier_chunks_and_of_customers_are_not_counted() {
        let mut sessions: Vec<_> = (1..=5).map(|i| session(i, None, None)).collect();
        sessions.push(session(6, Some("ann@example.com"), None));
        let known: HashSet<String> = sessions[..2].iter().map(|s| s.code.to_string()).collect();
        match judge_chunk(&spec(None), &chunk(5), &known, &sessions) {
            Reconciled::Partly { items, rest } => {
                assert_eq!(items.len(), 3);
                assert_eq!(rest, ChunkInput { amount: 2 });
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn nothing_new_is_safe_to_ask_again_and_too_much_stops() {
        assert_eq!(
            judge_chunk(&spec(None), &chunk(5), &HashSet::new(), &[]),
            Reconciled::NotThere
        );
        let many: Vec<_> = (1..=7).map(|i| session(i, None, None)).collect();
        match judge_chunk(&spec(None), &chunk(5), &HashSet::new(), &many) {
            Reconciled::CantTell(message) => {
                assert!(message.contains("up to 7 links"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn with_automated_codes_only_sessions_with_the_prefix_count() {
        let sessions = vec![
            session(1, None, Some("XMAS-000000000001")),
            session(2, None, None),
            session(3, None, Some("OTHER-00000000003")),
        ];
        match judge_chunk(&spec(Some("XMAS-")), &chunk(2), &HashSet::new(), &sessions) {
            Reconciled::Partly { items, rest } => {
                assert_eq!(items.len(), 1);
                assert_eq!(items[0]["customValidationCode"], "XMAS-000000000001");
                assert_eq!(rest.amount, 1);
            }
            other => panic!("{other:?}"),
        }
    }
}
