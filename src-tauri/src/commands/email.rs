//! "Send a coupon" screen: pick a campaign, e-mail it to one customer, show the link and its QR.

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_opener::OpenerExt;

use super::{active_account, UiError};
use crate::api::{self, validate, CampaignFilter, EmailCouponRequest};
use crate::history;
use crate::state::AppState;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CampaignView {
    pub id: String,
    pub code: String,
    pub name: String,
    pub title: String,
    pub status: String,
    pub url: String,
}

impl From<api::Campaign> for CampaignView {
    fn from(c: api::Campaign) -> Self {
        Self {
            id: c.id,
            code: c.code,
            name: c.name,
            title: c.title,
            status: c.status,
            url: c.url,
        }
    }
}

#[tauri::command]
pub async fn list_campaigns(
    state: State<'_, AppState>,
    only_active: Option<bool>,
) -> Result<Vec<CampaignView>, UiError> {
    let account = active_account(&state).await?;
    let client = state.client_for(&account).await?;
    let filter = CampaignFilter {
        only_active: only_active.unwrap_or(true),
        ..CampaignFilter::default()
    };
    let mut campaigns: Vec<CampaignView> = client
        .list_campaigns(&filter)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    campaigns.sort_by_key(|c| c.name.to_lowercase());
    Ok(campaigns)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendInput {
    pub campaign: String,
    pub email: String,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default = "super::default_true")]
    pub check_unique: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SendResult {
    pub receiver: String,
    pub campaign: String,
    pub single_use_code: String,
    pub single_use_url: String,
    pub already_sent: bool,
    pub qr_data_url: Option<String>,
}

/// Checks every field before anything is sent; the first problem is named with its field.
pub fn check_send_input(input: &SendInput) -> Result<EmailCouponRequest, validate::FieldProblem> {
    let campaign = validate::campaign_id(&input.campaign)?;
    let email = validate::email_address(&input.email)?;
    let first_name =
        validate::optional_text(input.first_name.as_deref(), "firstName", "first name", 100)?;
    let last_name =
        validate::optional_text(input.last_name.as_deref(), "lastName", "last name", 100)?;
    let subject = validate::optional_text(input.subject.as_deref(), "subject", "subject", 200)?;
    Ok(EmailCouponRequest {
        campaign,
        email,
        subject,
        first_name,
        last_name,
        check_unique: input.check_unique,
    })
}

#[tauri::command]
pub async fn send_coupon_email(
    state: State<'_, AppState>,
    input: SendInput,
) -> Result<SendResult, UiError> {
    let request = check_send_input(&input)?;
    let account = active_account(&state).await?;
    let client = state.client_for(&account).await?;
    let result = client.send_coupon_email(&request).await;

    let (outcome, detail) = match &result {
        Ok(sent) if sent.already_sent => (
            history::Outcome::Skipped,
            format!("Already had this coupon: {}", sent.single_use_url),
        ),
        Ok(sent) => (history::Outcome::Ok, sent.single_use_url.clone()),
        Err(e) if e.outcome_unknown() => (history::Outcome::Unknown, e.user_message()),
        Err(e) => (history::Outcome::Failed, e.user_message()),
    };
    let line = history::Line {
        account_id: account.id.clone(),
        account: account.name.clone(),
        action: "email_coupon",
        campaign: Some(request.campaign.clone()),
        target: Some(request.email.clone()),
        outcome,
        detail: Some(detail),
    };
    super::record_history(&state, line).await;

    let sent = result?;
    let qr_data_url = match crate::qr::svg_data_url(&sent.single_use_url) {
        Ok(url) => Some(url),
        Err(e) => {
            log::warn!("QR code: {e}");
            None
        }
    };
    Ok(SendResult {
        receiver: sent.receiver,
        campaign: sent.campaign,
        single_use_code: sent.single_use_code.to_string(),
        single_use_url: sent.single_use_url,
        already_sent: sent.already_sent,
        qr_data_url,
    })
}

/// Opens a link (a single-use URL) in the default browser. Only web links: API data is hostile,
/// and `file:` or custom schemes could start programs.
#[tauri::command]
pub async fn open_url<R: Runtime>(app: AppHandle<R>, url: String) -> Result<(), UiError> {
    let parsed = url::Url::parse(url.trim()).map_err(|_| not_a_web_link())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(not_a_web_link());
    }
    app.opener()
        .open_url(parsed.as_str(), None::<&str>)
        .map_err(|e| {
            log::warn!("opening a link: {e}");
            UiError::new(
                "open",
                "The link could not be opened in your browser.",
                "Copy the link and paste it into your browser instead.",
            )
        })
}

fn not_a_web_link() -> UiError {
    UiError::new(
        "validation",
        "Only web links (https://…) can be opened.",
        "Copy the link instead.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> SendInput {
        SendInput {
            campaign: "cam_100101".into(),
            email: " Ann@Example.com ".into(),
            first_name: Some(" Ann ".into()),
            last_name: None,
            subject: Some("".into()),
            check_unique: true,
        }
    }

    #[test]
    fn a_good_form_becomes_a_request_with_trimmed_values() {
        let Ok(r) = check_send_input(&input()) else {
            panic!("a good form must pass")
        };
        assert_eq!(r.campaign, "cam_100101");
        assert_eq!(r.first_name.as_deref(), Some("Ann"));
        assert_eq!(
            r.subject, None,
            "an empty subject is left out, so Coupontools uses its own"
        );
        assert!(r.check_unique);
    }

    #[test]
    fn each_bad_field_is_named() {
        let mut bad = input();
        bad.email = "ann@".into();
        assert_eq!(check_send_input(&bad).err().map(|p| p.field), Some("email"));
        let mut bad = input();
        bad.campaign = "".into();
        assert_eq!(
            check_send_input(&bad).err().map(|p| p.field),
            Some("campaign")
        );
        let mut bad = input();
        bad.first_name = Some("x".repeat(101));
        assert_eq!(
            check_send_input(&bad).err().map(|p| p.field),
            Some("firstName")
        );
        let mut bad = input();
        bad.subject = Some("line\u{0}break".into());
        assert_eq!(
            check_send_input(&bad).err().map(|p| p.field),
            Some("subject")
        );
    }
}
