//! "Several coupons at once" on the Redeem screen: pasted codes marked as used or voided with
//! `couponsession/updatemultiple`, at most 100 per call. A code the reply does not speak of, or
//! a whole call whose reply was lost, is read again (`couponsession/data`) before the screen
//! says anything: never "used" twice, never a false "not done".

use serde::{Deserialize, Serialize};
use tauri::State;

use super::{active_account, may_have_taken_effect, record_history, settle_time, UiError};
use crate::api::{
    validate, ApiError, Client, ManySessionsUpdate, Operation, SessionData, SessionUpdateOutcome,
    MAX_SESSIONS_PER_UPDATE,
};
use crate::history::{Line, Outcome};
use crate::i18n::{t, tf};
use crate::settings::AccountRecord;
use crate::state::AppState;

/// The most codes one paste may hold (ten calls).
const MAX_CODES: usize = 10 * MAX_SESSIONS_PER_UPDATE;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManyAction {
    /// Mark as used.
    Use,
    Void,
}

impl ManyAction {
    fn history_action(self) -> &'static str {
        match self {
            ManyAction::Use => "redeem_validate",
            ManyAction::Void => "redeem_void",
        }
    }

    fn done(self, session: &SessionData) -> bool {
        match self {
            ManyAction::Use => session.validated_at.is_some(),
            ManyAction::Void => session.voided_at.is_some(),
        }
    }

    fn update(self, codes: Vec<String>) -> ManySessionsUpdate {
        ManySessionsUpdate {
            codes,
            operation: (self == ManyAction::Use).then_some(Operation::Validated),
            validation_value: None,
            void: (self == ManyAction::Void).then_some(true),
        }
    }
}

/// One code's result as the screen lists it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ManyRow {
    pub code: String,
    /// `done`, `refused` or `unknown`.
    pub result: &'static str,
    pub message: String,
}

/// The codes of a paste: one per line (a link, a 21- or 6-character code); blank lines and
/// repeats dropped.
pub fn pasted_codes(text: &str) -> Result<Vec<String>, UiError> {
    let mut codes: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let code = validate::session_lookup_code(line).map_err(|p| UiError {
            field: Some("codes".into()),
            ..UiError::new(
                "validation",
                tf(
                    "redeem.many.badCode",
                    &[("line", &line), ("why", &p.message)],
                ),
                p.hint,
            )
        })?;
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    if codes.is_empty() {
        return Err(UiError {
            field: Some("codes".into()),
            ..UiError::new(
                "validation",
                t("redeem.many.none.message"),
                t("redeem.many.none.hint"),
            )
        });
    }
    if codes.len() > MAX_CODES {
        return Err(UiError {
            field: Some("codes".into()),
            ..UiError::new(
                "validation",
                tf(
                    "redeem.many.tooMany.message",
                    &[("n", &codes.len()), ("max", &MAX_CODES)],
                ),
                t("redeem.many.tooMany.hint"),
            )
        });
    }
    Ok(codes)
}

fn refusal_words(code: u32, description: String) -> String {
    match code {
        306 => t("redeem.many.refused.used"),
        307 => t("redeem.many.refused.voided"),
        308 => t("redeem.many.refused.expired"),
        309 => t("redeem.many.refused.locked"),
        505 => t("redeem.many.refused.notFound"),
        _ => ApiError::Coupontools { code, description }.user_message(),
    }
}

/// After a lost or silent reply: what the coupon shows now.
async fn reread(client: &Client, code: &str, action: ManyAction) -> ManyRow {
    let (result, message) = match client.sessions().get(code).await {
        Ok(session) if action.done(&session) => ("done", t("redeem.many.confirmed")),
        Ok(_) => ("refused", t("redeem.many.notChanged")),
        Err(ApiError::Coupontools { code: 505, .. }) => {
            ("refused", t("redeem.many.refused.notFound"))
        }
        Err(_) => ("unknown", t("redeem.many.cantTell")),
    };
    ManyRow {
        code: code.to_owned(),
        result,
        message,
    }
}

fn line(account: &AccountRecord, action: ManyAction, row: &ManyRow) -> Line {
    Line {
        account_id: account.id.clone(),
        account: account.name.clone(),
        action: action.history_action(),
        campaign: None,
        target: Some(row.code.clone()),
        outcome: match row.result {
            "done" => Outcome::Ok,
            "refused" => Outcome::Failed,
            _ => Outcome::Unknown,
        },
        detail: Some(row.message.clone()),
    }
}

/// Marks every pasted coupon as used, or voids them, 100 per call; one result per code.
#[tauri::command]
pub async fn redeem_many(
    state: State<'_, AppState>,
    codes: String,
    action: ManyAction,
) -> Result<Vec<ManyRow>, UiError> {
    let codes = pasted_codes(&codes)?;
    let account = active_account(&state).await?;
    let client = state.client_for(&account).await?;
    let mut rows = Vec::with_capacity(codes.len());
    for chunk in codes.chunks(MAX_SESSIONS_PER_UPDATE) {
        match client
            .sessions()
            .update_many(&action.update(chunk.to_vec()))
            .await
        {
            Ok(results) => {
                let mut silent = Vec::new();
                for result in results {
                    match result.outcome {
                        SessionUpdateOutcome::Updated { .. } => rows.push(ManyRow {
                            code: result.code,
                            result: "done",
                            message: t("redeem.many.done"),
                        }),
                        SessionUpdateOutcome::Refused { code, message } => rows.push(ManyRow {
                            code: result.code,
                            result: "refused",
                            message: refusal_words(code, message),
                        }),
                        SessionUpdateOutcome::Unknown => silent.push(result.code),
                    }
                }
                for code in silent {
                    rows.push(reread(&client, &code, action).await);
                }
            }
            Err(e) if may_have_taken_effect(&e) => {
                settle_time(&client).await;
                for code in chunk {
                    rows.push(reread(&client, code, action).await);
                }
            }
            // The whole call was refused (the account, or a value): nothing was changed.
            Err(e) if rows.is_empty() => return Err(e.into()),
            Err(e) => {
                let message = e.user_message();
                rows.extend(chunk.iter().map(|code| ManyRow {
                    code: code.clone(),
                    result: "refused",
                    message: message.clone(),
                }));
            }
        }
    }
    for row in &rows {
        record_history(&state, line(&account, action, row)).await;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_codes_take_links_and_drop_repeats() {
        let code = "abcdefghij0123456789k";
        let codes = pasted_codes(&format!(
            "\n{code}\nhttps://digicpn.com/p/fc7k2p/{code}\nabc123\n"
        ))
        .unwrap();
        assert_eq!(codes, vec![code.to_owned(), "abc123".to_owned()]);
        assert_eq!(
            pasted_codes(" \n").unwrap_err().field.as_deref(),
            Some("codes")
        );
        assert!(pasted_codes("not a code!").is_err());
        let many: String = (0..1001).map(|i| format!("{i:06}\n")).collect();
        assert!(pasted_codes(&many).is_err());
    }
}
