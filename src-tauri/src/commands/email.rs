//! "Send a coupon" screen: pick a campaign, e-mail it to one customer, show the link and its QR.

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_opener::OpenerExt;

use super::{active_account, UiError};
use crate::api::words::Words;
use crate::api::{
    self, validate, ApiError, CampaignFilter, Client, CouponSession, EmailAction,
    EmailCouponRequest, EmailedCoupon, Endpoint, SessionSearch, SingleUseCode,
};
use crate::error_kind::ErrorKind;
use crate::history;
use crate::i18n::{t, tf};
use crate::jobs::kinds::email::{session_of_this_send, settle_in_doubt};
use crate::jobs::{EmailSpec, Reconciled, RowStatus};
use crate::state::AppState;
use crate::words::Worded;

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
        .campaigns()
        .list(&filter)
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
    /// The reply was lost; the address's sessions showed this send had gone out.
    pub confirmed_after_interruption: bool,
    pub qr_data_url: Option<String>,
}

/// Checks every field before anything is sent; the first problem is named with its field.
pub fn check_send_input(input: &SendInput) -> Result<EmailCouponRequest, validate::FieldProblem> {
    let campaign = validate::campaign_id(&input.campaign)?;
    let email = validate::email_address(&input.email)?;
    let first_name = validate::optional_text(
        input.first_name.as_deref(),
        "firstName",
        &Words::new("cmd.label.firstName"),
        100,
    )?;
    let last_name = validate::optional_text(
        input.last_name.as_deref(),
        "lastName",
        &Words::new("cmd.label.lastName"),
        100,
    )?;
    let subject = validate::optional_text(
        input.subject.as_deref(),
        "subject",
        &Words::new("cmd.label.subject"),
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
    let left_ms = crate::jobs::journal::now_ms();
    let (sent, left) = super::write(client.email().send(&request)).await;
    let result = match sent {
        Ok(sent) => settle_send(&client, &request, sent, left_ms)
            .await
            .map(|sent| (sent, false)),
        Err(e) if super::may_have_taken_effect(&e) => {
            super::settle_time(&client, left).await;
            settle_lost_send(&client, &request, left_ms).await
        }
        Err(e) => Err(Unsettled::Api(e)),
    };

    let (outcome, detail) = match &result {
        Ok((sent, _)) if sent.outcome == EmailAction::NotSentNow => (
            history::Outcome::Skipped,
            tf(
                "cmd.email.history.alreadyHad",
                &[("url", &sent.single_use_url)],
            ),
        ),
        Ok((sent, _)) if sent.single_use_url.is_empty() => {
            (history::Outcome::Ok, t("cmd.email.history.linkUnknown"))
        }
        Ok((sent, _)) => (history::Outcome::Ok, sent.single_use_url.clone()),
        Err(Unsettled::NotSent) => (history::Outcome::Failed, t("cmd.email.notSent.message")),
        Err(Unsettled::Api(e)) if e.outcome_unknown() => {
            (history::Outcome::Unknown, e.user_message())
        }
        Err(Unsettled::Api(e)) => (history::Outcome::Failed, e.user_message()),
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

    let (sent, confirmed) = result.map_err(|e| match e {
        Unsettled::NotSent => UiError::new(
            ErrorKind::NotSent,
            t("cmd.email.notSent.message"),
            t("cmd.email.notSent.hint"),
        ),
        Unsettled::Api(e) => e.into(),
    })?;
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
        confirmed_after_interruption: confirmed,
        qr_data_url,
    })
}

/// A send that did not end with Coupontools' word.
#[derive(Debug)]
pub(crate) enum Unsettled {
    /// The reply was lost and the address got nothing from this send: safe to send again.
    NotSent,
    Api(ApiError),
}

fn job_spec(request: &EmailCouponRequest) -> EmailSpec {
    EmailSpec {
        campaign: request.campaign.clone(),
        subject: request.subject.clone(),
        check_unique: request.check_unique,
    }
}

/// After a lost reply, once the request can no longer be running: the list job's own rule
/// (`settle_in_doubt`), so one send and a list's row are settled alike.
pub(crate) async fn settle_lost_send(
    client: &Client,
    request: &EmailCouponRequest,
    left_ms: i64,
) -> Result<(EmailedCoupon, bool), Unsettled> {
    let spec = job_spec(request);
    let unknown = |detail: String| {
        Unsettled::Api(ApiError::OutcomeUnknown {
            endpoint: Endpoint::SendEmail,
            detail,
        })
    };
    match settle_in_doubt(client, &spec, &request.email, Some(left_ms), None).await {
        Reconciled::Done(outcome) => {
            let field = |key: &str| {
                outcome
                    .output
                    .get(key)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            let sent = outcome.status == RowStatus::Sent;
            Ok((
                EmailedCoupon {
                    campaign: request.campaign.clone(),
                    subject: request.subject.clone().unwrap_or_default(),
                    receiver: request.email.clone(),
                    single_use_code: SingleUseCode::new(field("singleUseCode")),
                    single_use_url: field("singleUseUrl"),
                    action: String::new(),
                    outcome: if sent {
                        EmailAction::Sent
                    } else {
                        EmailAction::NotSentNow
                    },
                },
                sent,
            ))
        }
        Reconciled::NotThere => Err(Unsettled::NotSent),
        Reconciled::Partly { .. } | Reconciled::CantTell(_) | Reconciled::PauseJob(_) => Err(
            unknown("the reply was lost and the look-up could not tell whether it was sent".into()),
        ),
    }
}

/// Fills in what a `send/email` reply leaves open, by looking the address up in the campaign
/// (§10 "send/email repeat with check_unique"):
/// - sent, with its link: as is;
/// - sent without a link: the link of the session the server made after the request left
///   (never an earlier coupon of the address); none found, the send stands with an empty link
///   ("sent, link unknown");
/// - not sent now: when the reply names no earlier coupon, a session made after the request
///   left is this send whatever the reply's word; else the newest session's link, shown as "already had this coupon"; none found (or
///   the lookup failed), nobody can tell what happened: an unknown outcome, "check before
///   resending".
pub(crate) async fn settle_send(
    client: &Client,
    request: &EmailCouponRequest,
    mut sent: EmailedCoupon,
    left_ms: i64,
) -> Result<EmailedCoupon, Unsettled> {
    let spec = job_spec(request);
    match sent.outcome {
        EmailAction::Sent if !sent.single_use_code.is_empty() => Ok(sent),
        EmailAction::Sent => {
            match session_of_this_send(client, &spec, &request.email, left_ms).await {
                Ok(Some(session)) => take_link(&mut sent, session),
                Ok(None) => log::info!("send/email: sent, link unknown (no session found)"),
                Err(e) => log::warn!("send/email: sent, link unknown (lookup failed: {e})"),
            }
            Ok(sent)
        }
        EmailAction::NotSentNow => {
            // A reply that names no earlier coupon, while the server made one after our
            // request left: whatever its word, this is our send.
            if sent.single_use_code.is_empty() {
                if let Ok(Some(session)) =
                    session_of_this_send(client, &spec, &request.email, left_ms).await
                {
                    take_link(&mut sent, session);
                    sent.outcome = EmailAction::Sent;
                    return Ok(sent);
                }
            }
            match newest_session(client, request).await {
                Ok(Some(session)) => {
                    take_link(&mut sent, session);
                    Ok(sent)
                }
                Ok(None) => Err(Unsettled::Api(ApiError::OutcomeUnknown {
                    endpoint: Endpoint::SendEmail,
                    detail: format!(
                        "unknown reply: action {:?} says nothing was sent now, but the address holds no coupon of this campaign",
                        sent.action
                    ),
                })),
                Err(e) => Err(Unsettled::Api(ApiError::OutcomeUnknown {
                    endpoint: Endpoint::SendEmail,
                    detail: format!(
                        "unknown reply: action {:?} says nothing was sent now, and looking the address up failed: {e}",
                        sent.action
                    ),
                })),
            }
        }
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
    let found = client.sessions().search(&query).await?;
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
                ErrorKind::Open,
                t("cmd.email.openFailed.message"),
                t("cmd.email.openFailed.hint"),
            )
        })
}

fn not_a_web_link() -> UiError {
    UiError::new(
        ErrorKind::Validation,
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

        fn now_ms() -> i64 {
            crate::jobs::journal::now_ms()
        }

        #[tokio::test]
        async fn the_link_left_open_is_looked_up_in_the_campaign() {
            let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
            let client = client(&sb);
            let before_first = now_ms();
            let first = client
                .email()
                .send(&request("Ann@Shop.test"))
                .await
                .unwrap();
            assert_eq!(first.outcome, EmailAction::Sent);
            let kept = settle_send(
                &client,
                &request("Ann@Shop.test"),
                first.clone(),
                before_first,
            )
            .await
            .unwrap();
            assert_eq!(kept, first, "a complete send is kept as is");

            // A later request (after the margin) that the server skipped: the earlier link.
            let later = now_ms() + 5_000;
            let skipped = settle_send(
                &client,
                &request("ann@shop.test"),
                bare("ann@shop.test", EmailAction::NotSentNow),
                later,
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
                before_first,
            )
            .await
            .unwrap();
            assert_eq!(sent.single_use_url, first.single_use_url);
            sb.stop().await;
        }

        /// Issue #16, case 5: "sent" without a link never takes an earlier coupon's link, and a
        /// session the server made after our request is this send whatever the reply's word —
        /// never "already received".
        #[tokio::test]
        async fn a_session_made_after_the_request_is_this_send_and_an_older_one_is_not() {
            let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
            let ctl = sb.control();
            let client = client(&sb);
            // The address got this coupon an hour ago (by the server's clock).
            ctl.set_clock_offset(time::Duration::hours(-1));
            let old = client
                .email()
                .send(&request("eve@shop.test"))
                .await
                .unwrap();
            ctl.set_clock_offset(time::Duration::ZERO);
            let sent = settle_send(
                &client,
                &request("eve@shop.test"),
                bare("eve@shop.test", EmailAction::Sent),
                now_ms(),
            )
            .await
            .unwrap();
            assert_eq!(sent.outcome, EmailAction::Sent);
            assert!(
                sent.single_use_url.is_empty(),
                "the hour-old link is not this send's: {}",
                old.single_use_url
            );

            // Now a real send, whose reply says something else than "email_sent".
            let left = now_ms();
            let mut other = request("fay@shop.test");
            other.check_unique = false;
            let made = client.email().send(&other).await.unwrap();
            let settled = settle_send(
                &client,
                &other,
                bare("fay@shop.test", EmailAction::NotSentNow),
                left,
            )
            .await
            .unwrap();
            assert_eq!(settled.outcome, EmailAction::Sent, "sent now, not already");
            assert_eq!(settled.single_use_url, made.single_use_url);
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
                now_ms(),
            )
            .await
            {
                Err(Unsettled::Api(e @ ApiError::OutcomeUnknown { .. })) => {
                    assert_eq!(e.kind(), "outcome_unknown");
                    assert!(e.hint().contains("before sending it again"), "{}", e.hint());
                }
                other => panic!("{other:?}"),
            }
            let sent = settle_send(
                &client,
                &request("new@shop.test"),
                bare("new@shop.test", EmailAction::Sent),
                now_ms(),
            )
            .await
            .unwrap();
            assert_eq!(sent.outcome, EmailAction::Sent);
            assert!(sent.single_use_url.is_empty(), "sent, link unknown");
            assert_eq!(sb.control().request_count("couponsession/search"), 3);
            sb.stop().await;
        }

        /// A lost reply on one send is settled by the list job's rule: found → sent (confirmed),
        /// nothing → "not sent", never sent twice by the app.
        #[tokio::test]
        async fn a_lost_reply_is_settled_from_the_addresss_sessions() {
            let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
            let ctl = sb.control();
            let client = client(&sb);
            let left = now_ms();
            ctl.inject_on("send/email", crate::sandbox::Fault::DropAfterHandling, 1);
            assert!(client
                .email()
                .send(&request("gus@shop.test"))
                .await
                .is_err());
            let (sent, confirmed) = settle_lost_send(&client, &request("gus@shop.test"), left)
                .await
                .unwrap();
            assert!(confirmed && sent.outcome == EmailAction::Sent);
            assert!(!sent.single_use_url.is_empty());
            assert_eq!(ctl.emails_sent_to("gus@shop.test"), 1);

            let left = now_ms();
            ctl.inject_on("send/email", crate::sandbox::Fault::DropConnection, 1);
            assert!(client
                .email()
                .send(&request("hal@shop.test"))
                .await
                .is_err());
            assert!(matches!(
                settle_lost_send(&client, &request("hal@shop.test"), left).await,
                Err(Unsettled::NotSent)
            ));
            assert_eq!(ctl.emails_sent_to("hal@shop.test"), 0);
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
