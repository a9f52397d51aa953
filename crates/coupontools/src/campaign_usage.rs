//! Behind the counter, `client.campaigns()`: campaigns with their usage numbers, the sessions
//! a campaign handed out, opened, claimed or validated (one paged call each, §5.3, paging per
//! §10), and a push notification to every wallet holder of a campaign.

use serde::{Deserialize, Serialize};

use super::client::Client;
use super::coupons::{Campaign, CampaignFilter, CampaignInfoReply, CampaignListReply};
use super::endpoints::Endpoint;
use super::error::ApiError;
use super::lenient;
use super::limiter::MAX_PAGES_AT_ONCE;
use super::loyalty_v4::PushReceipt;
use super::single_use::{CampaignSessionsQuery, SessionData, MAX_PAGES};
use super::validate::{self, FieldProblem};

/// Which of a campaign's sessions to list; each is its own call with the same paging.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionList {
    /// `campaign/data`: every session; the dates apply to the creation.
    #[default]
    All,
    /// `campaign/opens`: opened sessions; the dates apply to the opening.
    Opens,
    /// `campaign/claims`: claimed sessions; the dates apply to the claim.
    Claims,
    /// `campaign/validations`: validated sessions; the dates apply to the validation.
    Validations,
}

impl SessionList {
    pub fn endpoint(self) -> Endpoint {
        match self {
            SessionList::All => Endpoint::CampaignData,
            SessionList::Opens => Endpoint::CampaignOpens,
            SessionList::Claims => Endpoint::CampaignClaims,
            SessionList::Validations => Endpoint::CampaignValidations,
        }
    }
}

/// The usage numbers `coupon/info` adds with `show_usage_stats` (§5.3: the custom validation
/// codes and how many of them were claimed; the sandbox adds the session counts). None where
/// the reply does not say.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CampaignUsage {
    pub sessions: Option<u64>,
    pub opened: Option<u64>,
    pub claimed: Option<u64>,
    pub validated: Option<u64>,
    pub custom_codes: Option<u64>,
    pub claimed_custom_codes: Option<u64>,
}

/// A campaign and its usage numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CampaignWithUsage {
    pub campaign: Campaign,
    pub usage: CampaignUsage,
}

/// The numbers, read from `coupon_info.usage_stats` or, failing that, `coupon_info` itself
/// (the real field list was not captured; the names are the sandbox's, with likely aliases).
#[derive(Deserialize, Default)]
struct UsageRow {
    #[serde(
        default,
        alias = "amount_of_results",
        alias = "total_sessions",
        deserialize_with = "lenient::opt_number"
    )]
    amount_of_sessions: Option<u64>,
    #[serde(default, alias = "opens", deserialize_with = "lenient::opt_number")]
    amount_of_opens: Option<u64>,
    #[serde(default, alias = "claims", deserialize_with = "lenient::opt_number")]
    amount_of_claims: Option<u64>,
    #[serde(
        default,
        alias = "validations",
        deserialize_with = "lenient::opt_number"
    )]
    amount_of_validations: Option<u64>,
    #[serde(
        default,
        alias = "total_custom_codes",
        alias = "custom_codes",
        deserialize_with = "lenient::opt_number"
    )]
    amount_of_custom_codes: Option<u64>,
    #[serde(
        default,
        alias = "claimed_custom_codes",
        deserialize_with = "lenient::opt_number"
    )]
    amount_of_claimed_custom_codes: Option<u64>,
}

impl UsageRow {
    fn into_usage(self) -> CampaignUsage {
        CampaignUsage {
            sessions: self.amount_of_sessions,
            opened: self.amount_of_opens,
            claimed: self.amount_of_claims,
            validated: self.amount_of_validations,
            custom_codes: self.amount_of_custom_codes,
            claimed_custom_codes: self.amount_of_claimed_custom_codes,
        }
    }
}

#[derive(Deserialize)]
struct InfoWithUsage {
    #[serde(flatten)]
    campaign: Campaign,
    #[serde(default, deserialize_with = "lenient::one")]
    usage_stats: Option<UsageRow>,
    #[serde(flatten)]
    flat: UsageRow,
}

#[derive(Deserialize)]
struct InfoWithUsageReply {
    #[serde(default, deserialize_with = "lenient::one")]
    coupon_info: Option<InfoWithUsage>,
}

fn refused_locally(problem: FieldProblem) -> ApiError {
    ApiError::Invalid(problem)
}

/// The campaign domain of the API, `client.campaigns()`. Cheap: a borrowed client.
#[derive(Clone, Copy, Debug)]
pub struct CampaignsApi<'a> {
    client: &'a Client,
}

impl Client {
    /// Campaigns, their usage and their sessions (§5.3, §10).
    pub fn campaigns(&self) -> CampaignsApi<'_> {
        CampaignsApi { client: self }
    }
}

impl<'a> CampaignsApi<'a> {
    /// `POST campaign/data`, one page (1-based) of the campaign's sessions.
    pub async fn data_page(
        &self,
        query: &CampaignSessionsQuery,
        page: u32,
    ) -> Result<Vec<SessionData>, ApiError> {
        Ok(self
            .client
            .sessions_page_of(Endpoint::CampaignData, query, page)
            .await?
            .0)
    }

    /// Every session of the campaign within the dates, page after page, until a page brings
    /// none, or nothing new (a server that ignores `page`). Not before: whether
    /// `amount_of_results` counts the page or every session is not documented (§5.3), and a
    /// short page may still have a next. Sessions seen twice are kept once.
    pub async fn data(&self, query: &CampaignSessionsQuery) -> Result<Vec<SessionData>, ApiError> {
        self.client
            .all_sessions_of(Endpoint::CampaignData, query)
            .await
    }

    /// `POST coupon/list`: the account's campaigns, filtered.
    pub async fn list(&self, filter: &CampaignFilter) -> Result<Vec<Campaign>, ApiError> {
        let reply: CampaignListReply = self
            .client
            .transport()
            .v3(Endpoint::CouponList, &filter.to_body())
            .await?;
        Ok(reply.coupon_info)
    }

    /// `POST coupon/info`: one campaign by its `cam_…` ID.
    pub async fn info(&self, campaign: &str) -> Result<Campaign, ApiError> {
        let body = serde_json::json!({ "campaign": campaign });
        let reply: CampaignInfoReply = self
            .client
            .transport()
            .v3(Endpoint::CouponInfo, &body)
            .await?;
        reply.coupon_info.ok_or_else(|| ApiError::Decode {
            status: 200,
            path: "coupon_info".into(),
            detail: "the reply holds no campaign".into(),
        })
    }

    /// `POST coupon/info` with `show_usage_stats`: the campaign and its usage numbers.
    pub async fn info_with_usage(&self, campaign: &str) -> Result<CampaignWithUsage, ApiError> {
        let campaign = validate::coupon_campaign_id(campaign).map_err(refused_locally)?;
        let body = serde_json::json!({ "campaign": campaign, "show_usage_stats": true });
        let reply: InfoWithUsageReply = self
            .client
            .transport()
            .v3(Endpoint::CouponInfo, &body)
            .await?;
        let info = reply.coupon_info.ok_or_else(|| ApiError::Decode {
            status: 200,
            path: "coupon_info".into(),
            detail: "the reply holds no campaign".into(),
        })?;
        let usage = match info.usage_stats {
            Some(nested) => match nested.into_usage() {
                empty if empty == CampaignUsage::default() => info.flat.into_usage(),
                usage => usage,
            },
            None => info.flat.into_usage(),
        };
        Ok(CampaignWithUsage {
            campaign: info.campaign,
            usage,
        })
    }

    /// Every session of the list within the query's dates, page after page, by the rules of
    /// `data` (§10 "Paging of campaign/data and friends").
    pub async fn sessions(
        &self,
        list: SessionList,
        query: &CampaignSessionsQuery,
    ) -> Result<Vec<SessionData>, ApiError> {
        self.client.all_sessions_of(list.endpoint(), query).await
    }

    /// Every session of the list, pages read up to `at_most` at a time in order (the account's
    /// limiter decides how many really go at once), until a page brings no session not seen
    /// (an empty page, or a server that ignores `page`). Page 1's `amount_of_results` only
    /// estimates the pages for `on_page(pages read, pages estimated, sessions)`: whether it
    /// counts the page or every session is not documented (§5.3), so it never ends the list.
    /// `on_page` returning false stops between pages; the second value then says so.
    pub async fn all_sessions(
        &self,
        list: SessionList,
        query: &CampaignSessionsQuery,
        at_most: usize,
        mut on_page: impl FnMut(u32, Option<u32>, usize) -> bool,
    ) -> Result<(Vec<SessionData>, bool), ApiError> {
        use futures_util::{StreamExt, TryStreamExt};
        let (first, count) = self.sessions_page(list, query, 1).await?;
        let per_page = first.len().max(1) as u64;
        let estimate = count
            .filter(|&c| c > per_page)
            .map(|c| (c.div_ceil(per_page) as u32).clamp(1, MAX_PAGES));
        let mut seen: std::collections::HashSet<_> = first.iter().map(|s| s.code.clone()).collect();
        let mut sessions = first;
        if !on_page(1, estimate, sessions.len()) {
            return Ok((sessions, true));
        }
        if sessions.is_empty() {
            return Ok((sessions, false));
        }
        // Pages past the end wait at the limiter and are dropped unsent when the end is found,
        // so reading ahead costs at most the requests the limiter lets out at once.
        let mut rest = futures_util::stream::iter(2..=MAX_PAGES)
            .map(|page| async move {
                match self.sessions_page(list, query, page).await {
                    // A server that refuses a page past the end instead of answering it empty.
                    Err(e) if e.is_refusal_of_page() => Ok((Vec::new(), None)),
                    other => other,
                }
            })
            .buffered(at_most.clamp(1, MAX_PAGES_AT_ONCE));
        let mut done = 1;
        while let Some((page, _)) = rest.try_next().await? {
            done += 1;
            let before = sessions.len();
            sessions.extend(page.into_iter().filter(|s| seen.insert(s.code.clone())));
            if !on_page(done, estimate.map(|e| e.max(done)), sessions.len()) {
                return Ok((sessions, true));
            }
            if sessions.len() == before {
                break;
            }
        }
        Ok((sessions, false))
    }

    /// One page (1-based) of the list, and the reply's `amount_of_results` (all pages).
    pub async fn sessions_page(
        &self,
        list: SessionList,
        query: &CampaignSessionsQuery,
        page: u32,
    ) -> Result<(Vec<SessionData>, Option<u64>), ApiError> {
        self.client
            .sessions_page_of(list.endpoint(), query, page)
            .await
    }

    /// `POST coupon/pushnotification/all` (§10): a message to every wallet holder of the
    /// campaign; `recipients` when the reply says how many. A WRITE, never repeated blindly.
    pub async fn push_all(&self, campaign: &str, message: &str) -> Result<PushReceipt, ApiError> {
        let campaign = validate::coupon_campaign_id(campaign).map_err(refused_locally)?;
        let message = validate::push_message(message).map_err(refused_locally)?;
        let body = serde_json::json!({ "campaign": campaign, "message": message });
        self.client
            .transport()
            .v3(Endpoint::CouponPushAll, &body)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::decode_v3;

    #[test]
    fn usage_is_read_nested_or_flat_and_leniently() {
        let nested: InfoWithUsageReply = decode_v3(
            200,
            br#"{"status":{"status":"OK"},"coupon_info":{"ID":"cam_1","code":"abc123","name":"N",
            "usage_stats":{"amount_of_sessions":"3000","amount_of_opens":2100,"amount_of_claims":"1400",
            "amount_of_validations":"900","amount_of_custom_codes":"600","amount_of_claimed_custom_codes":""}}}"#,
        )
        .unwrap();
        let info = nested.coupon_info.unwrap();
        assert_eq!(info.campaign.id, "cam_1");
        assert_eq!(
            info.usage_stats.unwrap().into_usage(),
            CampaignUsage {
                sessions: Some(3000),
                opened: Some(2100),
                claimed: Some(1400),
                validated: Some(900),
                custom_codes: Some(600),
                claimed_custom_codes: None,
            }
        );
        let flat: InfoWithUsageReply = decode_v3(
            200,
            br#"{"status":{"status":"OK"},"coupon_info":[{"ID":"cam_2","total_custom_codes":"12","claimed_custom_codes":"5"}]}"#,
        )
        .unwrap();
        let info = flat.coupon_info.unwrap();
        assert_eq!(info.campaign.id, "cam_2");
        assert!(info.usage_stats.is_none());
        let usage = info.flat.into_usage();
        assert_eq!(
            (usage.custom_codes, usage.claimed_custom_codes),
            (Some(12), Some(5))
        );
        assert_eq!(usage.sessions, None);
    }

    #[test]
    fn each_list_has_its_own_row() {
        assert_eq!(
            [
                SessionList::All,
                SessionList::Opens,
                SessionList::Claims,
                SessionList::Validations
            ]
            .map(|l| l.endpoint().spec().path),
            [
                "/campaign/data",
                "/campaign/opens",
                "/campaign/claims",
                "/campaign/validations"
            ]
        );
    }
}
