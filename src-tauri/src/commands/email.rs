//! "Send a coupon" screen: pick a campaign, e-mail it to one customer, show the link and its QR.

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_opener::OpenerExt;

use super::{active_account, UiError};
use crate::api::{
    self, validate, ApiError, CampaignFilter, Client, CouponSession, EmailAction,
    EmailCouponRequest, EmailedCoupon, Endpoint, SessionSearch, SingleUseCode,
};
use crate::history;
use crate::i18n::{t, tf};
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
    category: Option<String>,
) -> Result<Vec<CampaignView>, UiError> {
    let category = crate::api::validate::category_filter(category.as_deref().unwrap_or(""))?;
    let account = active_account(&state).await?;
    let client = state.client_for(&account).await?;
    let filter = CampaignFilter {
        only_active: only_active.unwrap_or(true),
        category,
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
    let first_name = validate::optional_text(
        input.first_name.as_deref(),
        "firstName",
        &t("cmd.label.firstName"),
        100,
    )?;
    let last_name = validate::optional_text(
        input.last_name.as_deref(),
        "lastName",
        &t("cmd.label.lastName"),
        100,
    )?;
    let subject = validate::optional_text(
        input.subject.as_deref(),
        "subject",
        &t("cmd.label.subject"),
        200,
    )?;
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
    let result = match client.send_coupon_email(&request).await {
        Ok(sent) => settle_send(&client, &request, sent).await,
        Err(e) => Err(e),
    };

    let (outcome, detail) = match &result {
        Ok(sent) if sent.outcome == EmailAction::NotSentNow => (
            history::Outcome::Skipped,
            tf(
                "cmd.email.history.alreadyHad",
                &[("url", &sent.single_use_url)],
            ),
        ),
        Ok(sent) if sent.single_use_url.is_empty() => {
            (history::Outcome::Ok, t("cmd.email.history.linkUnknown"))
        }
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
    let qr_data_url = if sent.single_use_url.is_empty() {
        None
    } else {
        match crate::qr::svg_data_url(&sent.single_use_url) {
            Ok(url) => Some(url),
            Err(e) => {
                log::warn!("QR code: {e}");
                None
            }
        }
    };
    Ok(SendResult {
        receiver: sent.receiver,
        campaign: sent.campaign,
        single_use_code: sent.single_use_code.to_string(),
        single_use_url: sent.single_use_url,
        already_sent: sent.outcome == EmailAction::NotSentNow,
        qr_data_url,
    })
}

/// Fills in what a `send/email` reply leaves open, by looking the address up in the campaign
/// (§10 "send/email repeat with check_unique"):
/// - sent, with its link: as is;
/// - sent without a link: the newest session's link; none found, the send stands with an empty
///   link ("sent, link unknown");
/// - not sent now: the newest session's link, shown as "already had this coupon"; none found (or
///   the lookup failed), nobody can tell what happened: an unknown outcome, "check before
///   resending".
pub(crate) async fn settle_send(
    client: &Client,
    request: &EmailCouponRequest,
    mut sent: EmailedCoupon,
) -> Result<EmailedCoupon, ApiError> {
    match sent.outcome {
        EmailAction::Sent if !sent.single_use_code.is_empty() => Ok(sent),
        EmailAction::Sent => {
            match newest_session(client, request).await {
                Ok(Some(session)) => take_link(&mut sent, session),
                Ok(None) => log::info!("send/email: sent, link unknown (no session found)"),
                Err(e) => log::warn!("send/email: sent, link unknown (lookup failed: {e})"),
            }
            Ok(sent)
        }
        EmailAction::NotSentNow => match newest_session(client, request).await {
            Ok(Some(session)) => {
                take_link(&mut sent, session);
                Ok(sent)
            }
            Ok(None) => Err(ApiError::OutcomeUnknown {
                endpoint: Endpoint::SendEmail,
                detail: format!(
                    "unknown reply: action {:?} says nothing was sent now, but the address holds no coupon of this campaign",
                    sent.action
                ),
            }),
            Err(e) => Err(ApiError::OutcomeUnknown {
                endpoint: Endpoint::SendEmail,
                detail: format!(
                    "unknown reply: action {:?} says nothing was sent now, and looking the address up failed: {e}",
                    sent.action
                ),
            }),
        },
    }
}

/// The newest session of this campaign held by this address, if any.
async fn newest_session(
    client: &Client,
    request: &EmailCouponRequest,
) -> Result<Option<CouponSession>, ApiError> {
    let query = SessionSearch {
        search: request.email.clone(),
        campaign: Some(request.campaign.clone()),
    };
    let found = client.search_sessions(&query).await?;
    // Newest first; a search by text could also match a phone number or a custom code, so a
    // session that names another address or campaign is not this customer's coupon.
    Ok(found.into_iter().find(|s| {
        s.email
            .as_deref()
            .is_none_or(|e| e.eq_ignore_ascii_case(request.email.trim()))
            && (s.campaign.is_empty() || s.campaign == request.campaign)
    }))
}

fn take_link(sent: &mut EmailedCoupon, session: CouponSession) {
    sent.single_use_code = SingleUseCode::new(session.code.as_str());
    sent.single_use_url = session.url;
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
                t("cmd.email.openFailed.message"),
                t("cmd.email.openFailed.hint"),
            )
        })
}

fn not_a_web_link() -> UiError {
    UiError::new(
        "validation",
        t("cmd.email.notWebLink.message"),
        t("cmd.email.notWebLink.hint"),
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

    mod settle {
        use super::super::*;
        use crate::api::{ClientConfig, Credentials};
        use crate::sandbox::{Sandbox, SandboxConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};

        const CAMPAIGN: &str = "cam_104211";

        fn client(sb: &Sandbox) -> Client {
            Client::new(ClientConfig::new(
                Credentials::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
                sb.v3_url(),
                sb.v4_url(),
            ))
            .unwrap()
        }

        fn request(to: &str) -> EmailCouponRequest {
            EmailCouponRequest {
                campaign: CAMPAIGN.into(),
                email: to.into(),
                check_unique: true,
                ..EmailCouponRequest::default()
            }
        }

        /// A reply as the server might give it, without code or link.
        fn bare(to: &str, outcome: EmailAction) -> EmailedCoupon {
            EmailedCoupon {
                campaign: CAMPAIGN.into(),
                subject: String::new(),
                receiver: to.into(),
                single_use_code: SingleUseCode::default(),
                single_use_url: String::new(),
                action: match outcome {
                    EmailAction::Sent => "email_sent".into(),
                    EmailAction::NotSentNow => "skipped".into(),
                },
                outcome,
            }
        }

        #[tokio::test]
        async fn the_link_left_open_is_looked_up_in_the_campaign() {
            let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
            let client = client(&sb);
            let first = client
                .send_coupon_email(&request("Ann@Shop.test"))
                .await
                .unwrap();
            assert_eq!(first.outcome, EmailAction::Sent);
            let kept = settle_send(&client, &request("Ann@Shop.test"), first.clone())
                .await
                .unwrap();
            assert_eq!(kept, first, "a complete send is kept as is");

            let skipped = settle_send(
                &client,
                &request("ann@shop.test"),
                bare("ann@shop.test", EmailAction::NotSentNow),
            )
            .await
            .unwrap();
            assert_eq!(skipped.outcome, EmailAction::NotSentNow);
            assert_eq!(skipped.single_use_code, first.single_use_code);
            assert_eq!(skipped.single_use_url, first.single_use_url);

            let sent = settle_send(
                &client,
                &request("ann@shop.test"),
                bare("ann@shop.test", EmailAction::Sent),
            )
            .await
            .unwrap();
            assert_eq!(sent.single_use_url, first.single_use_url);
            sb.stop().await;
        }

        #[tokio::test]
        async fn nothing_found_is_unknown_when_skipped_and_link_unknown_when_sent() {
            let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
            let client = client(&sb);
            match settle_send(
                &client,
                &request("new@shop.test"),
                bare("new@shop.test", EmailAction::NotSentNow),
            )
            .await
            {
                Err(e @ ApiError::OutcomeUnknown { .. }) => {
                    assert_eq!(e.kind(), "outcome_unknown");
                    assert!(e.hint().contains("before sending it again"), "{}", e.hint());
                }
                other => panic!("{other:?}"),
            }
            let sent = settle_send(
                &client,
                &request("new@shop.test"),
                bare("new@shop.test", EmailAction::Sent),
            )
            .await
            .unwrap();
            assert_eq!(sent.outcome, EmailAction::Sent);
            assert!(sent.single_use_url.is_empty(), "sent, link unknown");
            assert_eq!(sb.control().request_count("couponsession/search"), 2);
            sb.stop().await;
        }
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
