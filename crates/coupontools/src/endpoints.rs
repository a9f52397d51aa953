//! The one table of every path the client calls.
//!
//! Each row says where its method and path come from; rows the sources do not confirm point to
//! the project decision in §10 of `shared/api/coupontools-api.md`, so a correction is a one-line
//! change here. Later features add rows.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// `POST` + JSON body, `X-Client-*` headers, `status` envelope.
    V3,
    /// REST verbs, `x-api-*` headers, bare JSON.
    V4,
    /// On the v4 base but in the v3 style: `POST` + body, `X-Client-*` headers, `status`
    /// envelope (§5.2, §6.4: `/v4/subaccount…`).
    V4Envelope,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Delete,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Delete => "DELETE",
        }
    }
}

/// Where a row's facts come from (the markers of the API reference).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// One of the product's source documents (§0).
    Seed,
    /// Read in a documentation page.
    Doc,
    /// Seen in public client code only.
    Client,
    /// A project decision; the text points into §10.
    Inferred(&'static str),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndpointSpec {
    pub family: Family,
    pub method: HttpMethod,
    /// Relative to the family's base URL; `{name}` marks a path parameter.
    pub path: &'static str,
    /// Safe to repeat: the transport retries it after transient failures.
    pub idempotent: bool,
    /// Where method and path come from.
    pub source: Source,
    /// The reply shape and anything decided about it where the sources are silent.
    pub reply: Source,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    CouponList,
    CouponInfo,
    SendEmail,
    CouponSessionSearch,
    CouponSessionData,
    CampaignData,
    SingleUseCreate,
    MultipleSingleUseCreate,
    SingleUseRemove,
    LoyaltyUsersList,
    DirectoryUsersList,
    CategoryMainList,
    V4LoyaltyCards,
    // Loyalty (the `client.loyalty()` handler).
    LoyaltyList,
    LoyaltyInfo,
    LoyaltyUsersUpdate,
    LoyaltyPushSingle,
    LoyaltyPushAll,
    V4LoyaltyCardCopy,
    V4LoyaltyMembers,
    V4LoyaltyMember,
    V4LoyaltyMemberCreate,
    V4LoyaltyMembersBulk,
    V4LoyaltyMemberUpdate,
    V4LoyaltyRewardsUse,
    V4LoyaltyMemberVoid,
    V4LoyaltyMemberDelete,
    V4LoyaltyPush,
    // Sessions and campaign usage (the `client.sessions()` / `client.campaigns()` handlers).
    CampaignOpens,
    CampaignClaims,
    CampaignValidations,
    CouponSessionUpdate,
    CouponSessionUpdateMultiple,
    CouponPushSingle,
    CouponPushAll,
    // Directories and categories (the `client.directories()` / `client.categories()` handlers).
    DirectoryList,
    DirectoryInfo,
    DirectoryCampaigns,
    DirectoryUsersUpdate,
    CategoryList,
    // Subaccounts (the `client.subaccounts()` handler).
    SubaccountList,
    SubaccountInfo,
    SubaccountCreate,
    SubaccountUpdate,
    SubaccountResetUrl,
    SubaccountSso,
}

impl Endpoint {
    /// Every row, for tests and diagnostics.
    pub const ALL: &'static [Endpoint] = &[
        Endpoint::CouponList,
        Endpoint::CouponInfo,
        Endpoint::SendEmail,
        Endpoint::CouponSessionSearch,
        Endpoint::CouponSessionData,
        Endpoint::CampaignData,
        Endpoint::SingleUseCreate,
        Endpoint::MultipleSingleUseCreate,
        Endpoint::SingleUseRemove,
        Endpoint::LoyaltyUsersList,
        Endpoint::DirectoryUsersList,
        Endpoint::CategoryMainList,
        Endpoint::V4LoyaltyCards,
        Endpoint::LoyaltyList,
        Endpoint::LoyaltyInfo,
        Endpoint::LoyaltyUsersUpdate,
        Endpoint::LoyaltyPushSingle,
        Endpoint::LoyaltyPushAll,
        Endpoint::V4LoyaltyCardCopy,
        Endpoint::V4LoyaltyMembers,
        Endpoint::V4LoyaltyMember,
        Endpoint::V4LoyaltyMemberCreate,
        Endpoint::V4LoyaltyMembersBulk,
        Endpoint::V4LoyaltyMemberUpdate,
        Endpoint::V4LoyaltyRewardsUse,
        Endpoint::V4LoyaltyMemberVoid,
        Endpoint::V4LoyaltyMemberDelete,
        Endpoint::V4LoyaltyPush,
        Endpoint::CampaignOpens,
        Endpoint::CampaignClaims,
        Endpoint::CampaignValidations,
        Endpoint::CouponSessionUpdate,
        Endpoint::CouponSessionUpdateMultiple,
        Endpoint::CouponPushSingle,
        Endpoint::CouponPushAll,
        Endpoint::DirectoryList,
        Endpoint::DirectoryInfo,
        Endpoint::DirectoryCampaigns,
        Endpoint::DirectoryUsersUpdate,
        Endpoint::CategoryList,
        Endpoint::SubaccountList,
        Endpoint::SubaccountInfo,
        Endpoint::SubaccountCreate,
        Endpoint::SubaccountUpdate,
        Endpoint::SubaccountResetUrl,
        Endpoint::SubaccountSso,
    ];

    /// Replies that carry secrets (a subaccount's API key and secret, a one-time login or
    /// password-reset token): nothing of such a reply may reach an error text, so none of it can
    /// end up in a log.
    pub fn reply_carries_secrets(self) -> bool {
        matches!(
            self,
            Endpoint::SubaccountList
                | Endpoint::SubaccountInfo
                | Endpoint::SubaccountCreate
                | Endpoint::SubaccountUpdate
                | Endpoint::SubaccountResetUrl
                | Endpoint::SubaccountSso
        )
    }

    pub fn spec(self) -> EndpointSpec {
        use Family::*;
        use HttpMethod::*;
        let (family, method, path, idempotent, source, reply) = match self {
            Endpoint::CouponList => (
                V3,
                Post,
                "/coupon/list",
                true,
                Source::Doc,
                Source::Inferred("§10 coupon/list: `coupon_info` array of {ID, code, name, title, status, url}"),
            ),
            Endpoint::CouponInfo => (
                V3,
                Post,
                "/coupon/info",
                true,
                Source::Doc,
                Source::Inferred("§10 coupon/info: `coupon_info` object of {ID, code, name, title, status, url}"),
            ),
            // A WRITE: every call may send an e-mail, so it is never repeated blindly.
            Endpoint::SendEmail => (
                V3,
                Post,
                "/send/email",
                false,
                Source::Seed,
                // Project decision, docs silent (§10 "send/email repeat with check_unique"):
                // `action: "email_sent"` is a send now (its code may be missing: look it up);
                // any other action word means nothing was sent now; a reply without `action`, or
                // whose `status` is not the documented object, is an unknown outcome, reconciled
                // like a lost reply and never read as "already sent".
                Source::Inferred("§10 send/email repeat with check_unique: action \"email_sent\" = sent now, any other word = not sent now, no action or an undocumented envelope = outcome unknown"),
            ),
            // A read: searching changes nothing, so it is retried like any list.
            Endpoint::CouponSessionSearch => (
                V3,
                Post,
                "/couponsession/search",
                true,
                Source::Inferred("§10 couponsession/search: `search` Req (custom validation code, phone or e-mail), `campaign` Opt restricts to one campaign"),
                Source::Inferred("§10 couponsession/search: `amount_of_results` + `data` array of sessions shaped like couponsession/data (session, session_url, campaign, status.created_date_utc, …)"),
            ),
            // A read: `couponsession` is the 21-character code or its 6-character short form.
            Endpoint::CouponSessionData => (
                V3,
                Post,
                "/couponsession/data",
                true,
                Source::Doc,
                // Doc-old example plus the help article's fuller `data.status`; where the
                // customer sits is not documented (sandbox decision: `user_data`).
                Source::Doc,
            ),
            // A read, paged: `campaign` Req, `page`, `start_date`/`end_date` (UTC, inclusive).
            Endpoint::CampaignData => (
                V3,
                Post,
                "/campaign/data",
                true,
                Source::Doc,
                Source::Inferred("§10 Paging of campaign/data and friends: page=1,2,… until a page returns fewer rows than the first page or none; `amount_of_results` + `data` rows per §5.3"),
            ),
            // WRITES from here: each call may make or remove links, so never repeated blindly.
            Endpoint::SingleUseCreate => (
                V3,
                Post,
                "/singleuse/create",
                false,
                Source::Doc,
                // Reply fields seen in two public clients (§5.4).
                Source::Client,
            ),
            Endpoint::MultipleSingleUseCreate => (
                V3,
                Post,
                "/multiplesingleuse/create",
                false,
                Source::Doc,
                // `action` comes with a leading space and `sequence_id` as an integer (§4, §5.4).
                Source::Doc,
            ),
            Endpoint::SingleUseRemove => (
                V3,
                Post,
                "/singleuse/remove",
                false,
                Source::Inferred("§10 singleuse/remove: POST /v3/singleuse/remove with `campaign` + `couponsession` (full 21-char code)"),
                Source::Inferred("§10 singleuse/remove: envelope + action \"single_use_code_removed\"; unknown session: error 505"),
            ),
            Endpoint::LoyaltyUsersList => {
                (V3, Post, "/loyaltyusers/list", true, Source::Seed, Source::Seed)
            }
            Endpoint::DirectoryUsersList => {
                (V3, Post, "/directoryusers/list", true, Source::Seed, Source::Seed)
            }
            Endpoint::CategoryMainList => {
                (V3, Post, "/category/main/list", true, Source::Seed, Source::Seed)
            }
            Endpoint::V4LoyaltyCards => (
                V4,
                Get,
                "/loyalty/loyalty-cards",
                true,
                Source::Seed,
                Source::Inferred("§10 v4 card object: as §6.1 (id, code, name, domain, type)"),
            ),
            // ---- Loyalty, v3 (§5.6, §10). Reads are retried; updates and pushes never are.
            Endpoint::LoyaltyList => (
                V3,
                Post,
                "/loyalty/list",
                true,
                Source::Doc,
                Source::Inferred("§10 loyalty/list: `loyaltycards` array of the §0.1 card object"),
            ),
            Endpoint::LoyaltyInfo => (
                V3,
                Post,
                "/loyalty/info",
                true,
                Source::Doc,
                Source::Inferred("§10 loyalty/info: `loyaltycard` object of the §0.1 card object"),
            ),
            Endpoint::LoyaltyUsersUpdate => (
                V3,
                Post,
                "/loyaltyusers/update",
                false,
                Source::Inferred("§10 loyaltyusers/update: `loyaltycard`, `user` (lus_…) Req; `stamps` = the new count, `voided` \"0\"/\"1\""),
                Source::Inferred("§10 loyaltyusers/update: reply not documented; the sandbox answers envelope + `user` (read if present)"),
            ),
            Endpoint::LoyaltyPushSingle => (
                V3,
                Post,
                "/loyalty/pushnotification/single",
                false,
                Source::Inferred("§10 v3 loyalty push: `loyaltycard`, `user`, `message`"),
                Source::Inferred("§10 v3 loyalty push: envelope; `amount_of_recipients` read if present"),
            ),
            Endpoint::LoyaltyPushAll => (
                V3,
                Post,
                "/loyalty/pushnotification/all",
                false,
                Source::Inferred("§10 v3 loyalty push: `loyaltycard`, `message`"),
                Source::Inferred("§10 v3 loyalty push: envelope; `amount_of_recipients` read if present"),
            ),
            // ---- Loyalty, v4 (§0.5 seed 002; shapes per §10).
            Endpoint::V4LoyaltyCardCopy => (
                V4,
                Post,
                "/loyalty/loyalty-cards/{id}/copy",
                false,
                Source::Seed,
                Source::Inferred("§10 v4 card object: the new card"),
            ),
            Endpoint::V4LoyaltyMembers => (
                V4,
                Get,
                "/loyalty/loyalty-cards/{loyaltyCardId}/stats",
                true,
                Source::Inferred("§10 v4 list users filter/pagination: pagination[page], pagination[per_page], filter[search], include_voided=true"),
                Source::Inferred("§10 v4 list users filter/pagination: bare array or {data, pagination: {page, per_page, total}}"),
            ),
            Endpoint::V4LoyaltyMember => (
                V4,
                Get,
                "/loyalty/loyalty-cards/{loyaltyCardId}/stats/{userId}",
                true,
                Source::Seed,
                Source::Inferred("§10 v4 user object"),
            ),
            Endpoint::V4LoyaltyMemberCreate => (
                V4,
                Post,
                "/loyalty/loyalty-cards/{id}/stats",
                false,
                Source::Seed,
                Source::Inferred("§10 v4 user object: the created user"),
            ),
            Endpoint::V4LoyaltyMembersBulk => (
                V4,
                Post,
                "/loyalty/loyalty-cards/{id}/stats/bulk",
                false,
                Source::Inferred("§10 v4 bulk create body: {\"users\": [...]}, at most 100 per request"),
                Source::Inferred("§10 v4 bulk create body: created users as an array or {data}; per-user refusals as `errors: [{index, message}]` (project decision, sandbox)"),
            ),
            // Update AND add stamps: one method and path, the body tells them apart (§0.5).
            Endpoint::V4LoyaltyMemberUpdate => (
                V4,
                Post,
                "/loyalty/loyalty-cards/{loyaltyCardId}/stats/{userId}",
                false,
                Source::Seed,
                Source::Inferred("§10 v4 replies to update / add stamps: the updated user object"),
            ),
            // PUT, but using a reward twice is refused: a write, never repeated blindly.
            Endpoint::V4LoyaltyRewardsUse => (
                V4,
                Put,
                "/loyalty/loyalty-cards/{loyaltyCardId}/stats/{userId}/rewards",
                false,
                Source::Seed,
                Source::Inferred("§10 v4 replies to use rewards: the updated user object"),
            ),
            Endpoint::V4LoyaltyMemberVoid => (
                V4,
                Put,
                "/loyalty/loyalty-cards/{loyaltyCardId}/stats/{userId}/void",
                false,
                Source::Seed,
                Source::Inferred("§10 v4 replies to void: the updated user object"),
            ),
            Endpoint::V4LoyaltyMemberDelete => (
                V4,
                Delete,
                "/loyalty/loyalty-cards/{loyaltyCardId}/stats/{userId}",
                false,
                Source::Seed,
                Source::Inferred("§10 v4 replies: delete answers 2xx with any body"),
            ),
            Endpoint::V4LoyaltyPush => (
                V4,
                Post,
                "/loyalty/loyalty-cards/{id}/push-notifications",
                false,
                Source::Seed,
                Source::Inferred("§10 v4 replies: push answers 2xx with any body (a count of recipients read if present)"),
            ),
            // ---- Campaign usage lists (§5.3): reads, paged like campaign/data.
            Endpoint::CampaignOpens => (
                V3,
                Post,
                "/campaign/opens",
                true,
                Source::Doc,
                Source::Inferred("§10 Paging of campaign/data and friends: as campaign/data; only opened sessions, the dates apply to the open date"),
            ),
            Endpoint::CampaignClaims => (
                V3,
                Post,
                "/campaign/claims",
                true,
                Source::Doc,
                Source::Inferred("§10 Paging of campaign/data and friends: as campaign/data; only claimed sessions, the dates apply to the claim date"),
            ),
            Endpoint::CampaignValidations => (
                V3,
                Post,
                "/campaign/validations",
                true,
                Source::Doc,
                Source::Inferred("§10 Paging of campaign/data and friends: as campaign/data; only validated sessions, the dates apply to the validation date"),
            ),
            // ---- Session writes (§5.3, §10): never repeated blindly; a lost reply is
            // reconciled by re-reading the session (`couponsession/data`).
            Endpoint::CouponSessionUpdate => (
                V3,
                Post,
                "/couponsession/update",
                false,
                Source::Inferred("§10 couponsession/update: `couponsession` Req (21-char or 6-char), `operation` validated|claimed, `validation_value` (money spent), `void` \"true\"/\"false\""),
                Source::Inferred("§10 couponsession/update: the session as couponsession/data returns it; already validated / voided / expired refused with codes the sandbox invents (306 / 307 / 308, locked 309)"),
            ),
            Endpoint::CouponSessionUpdateMultiple => (
                V3,
                Post,
                "/couponsession/updatemultiple",
                false,
                Source::Inferred("§10 update multiple sessions (v3): `couponsessions` array of codes + the flags of couponsession/update"),
                Source::Inferred("§10 update multiple sessions (v3): reply not documented; project decision: `data` rows {couponsession, status OK|failed, session | error_code + error_message}, one per code sent"),
            ),
            Endpoint::CouponPushSingle => (
                V3,
                Post,
                "/coupon/pushnotification/single",
                false,
                Source::Doc,
                // Bare envelope on success; 505 in envelope shape B (§2.2).
                Source::Doc,
            ),
            Endpoint::CouponPushAll => (
                V3,
                Post,
                "/coupon/pushnotification/all",
                false,
                Source::Inferred("§10 Campaign push to all (v3): `campaign`, `message`"),
                Source::Inferred("§10 Campaign push to all (v3): envelope; `amount_of_recipients` read if present (project decision)"),
            ),
            // ---- Directories and categories (§5.7, §10). Reads are retried; the payment-status
            // update never is: after a lost reply the member is re-read first.
            Endpoint::DirectoryList => (
                V3,
                Post,
                "/directory/list",
                true,
                Source::Doc,
                Source::Inferred("§10 directory/list, directory/info: `directories` array of {ID, name, url, status, amount_of_users}"),
            ),
            Endpoint::DirectoryInfo => (
                V3,
                Post,
                "/directory/info",
                true,
                Source::Doc,
                Source::Inferred("§10 directory/list, directory/info: `directory` object of {ID, name, url, status, amount_of_users}"),
            ),
            Endpoint::DirectoryCampaigns => (
                V3,
                Post,
                "/directory/campaigns",
                true,
                Source::Inferred("§10 Campaigns of a directory (v3): POST /v3/directory/campaigns with `directory`"),
                Source::Inferred("§10 Campaigns of a directory (v3): `campaigns` array of {ID, code, name, url, status}"),
            ),
            Endpoint::DirectoryUsersUpdate => (
                V3,
                Post,
                "/directoryusers/update",
                false,
                Source::Inferred("§10 directoryusers/update (v3): `directory`, `user` (reg_…) Req; `payment_status` paid|unpaid|pending|\"\"; `payment_confirmation_id`, `payment_confirmation_account` Opt"),
                Source::Inferred("§10 directoryusers/update (v3): reply not documented; project decision: envelope + `user` (the registration as directoryusers/list shows it), read if present"),
            ),
            Endpoint::CategoryList => (
                V3,
                Post,
                "/category/list",
                true,
                Source::Doc,
                Source::Inferred("§10 category/list (v3): `categories` object id → name, like `main_categories`"),
            ),
            // ---- Subaccounts (§5.2, §10 "Subaccount routes"): v3 style; list/info/create/update
            // on the v4 base, reset URL and SSO on v3. Create, update, reset and SSO are writes.
            Endpoint::SubaccountList => (
                V4Envelope,
                Post,
                "/subaccount/list",
                true,
                Source::Doc,
                Source::Inferred("§10 Subaccount routes: `subaccounts` array of the §5.2 subaccount object"),
            ),
            Endpoint::SubaccountInfo => (
                V4Envelope,
                Post,
                "/subaccount",
                true,
                Source::Doc,
                // Doc-old example (§5.2 "Get subaccount"), key `subaccount`.
                Source::Doc,
            ),
            Endpoint::SubaccountCreate => (
                V4Envelope,
                Post,
                "/subaccount/create",
                false,
                Source::Doc,
                // A public client reads `subaccount.ID` (§5.2); the rest as "Get".
                Source::Client,
            ),
            Endpoint::SubaccountUpdate => (
                V4Envelope,
                Post,
                "/subaccount/update",
                false,
                Source::Inferred("§10 Subaccount routes: update POST /v4/subaccount/update (`subaccount` + the create fields)"),
                Source::Inferred("§10 Subaccount routes: reply `subaccount` (read if present)"),
            ),
            Endpoint::SubaccountResetUrl => (
                V3,
                Post,
                "/subaccount/reset/url",
                false,
                Source::Doc,
                Source::Inferred("§10 Subaccount routes: reset URL reply `url`"),
            ),
            // Each call makes a new one-time token: a write, never repeated blindly.
            Endpoint::SubaccountSso => (
                V3,
                Post,
                "/subaccount/sso",
                false,
                Source::Doc,
                Source::Doc,
            ),
        };
        EndpointSpec {
            family,
            method,
            path,
            idempotent,
            source,
            reply,
        }
    }

    /// The path with its `{name}` parameters filled in order, each percent-encoded.
    ///
    /// Missing values leave the placeholder empty, which the server answers with a clear
    /// "not found" rather than us guessing; surplus values are ignored.
    pub fn path_with(self, params: &[&str]) -> String {
        fill_path(self.spec().path, params)
    }
}

fn fill_path(template: &str, params: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut values = params.iter();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        if let Some(value) = values.next() {
            push_encoded(&mut out, value);
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let spec = self.spec();
        let family = match spec.family {
            Family::V3 => "v3",
            Family::V4 | Family::V4Envelope => "v4",
        };
        write!(f, "{} {}{}", spec.method.as_str(), family, spec.path)
    }
}

/// Encodes everything but RFC 3986 unreserved characters, so an ID can never add a path segment.
fn push_encoded(out: &mut String, value: &str) {
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_consistent() {
        for &endpoint in Endpoint::ALL {
            let spec = endpoint.spec();
            assert!(spec.path.starts_with('/'), "{endpoint:?}");
            match spec.family {
                Family::V3 => assert_eq!(
                    spec.method,
                    HttpMethod::Post,
                    "v3 is POST-only: {endpoint:?}"
                ),
                Family::V4Envelope => assert_eq!(
                    spec.method,
                    HttpMethod::Post,
                    "the v3 style is POST-only: {endpoint:?}"
                ),
                Family::V4 => {}
            }
            if spec.method == HttpMethod::Get {
                assert!(spec.idempotent, "a GET is a read: {endpoint:?}");
            }
            for source in [spec.source, spec.reply] {
                if let Source::Inferred(note) = source {
                    assert!(
                        note.contains("§10") || note.contains("project decision"),
                        "{endpoint:?}: an inferred row must point to its decision"
                    );
                }
            }
        }
    }

    #[test]
    fn send_email_is_a_write() {
        assert!(!Endpoint::SendEmail.spec().idempotent);
        assert!(Endpoint::CouponList.spec().idempotent);
    }

    #[test]
    fn session_search_is_an_inferred_read() {
        let spec = Endpoint::CouponSessionSearch.spec();
        assert!(Endpoint::ALL.contains(&Endpoint::CouponSessionSearch));
        assert_eq!(
            (spec.family, spec.method, spec.path, spec.idempotent),
            (Family::V3, HttpMethod::Post, "/couponsession/search", true)
        );
        for source in [spec.source, spec.reply] {
            assert!(
                matches!(source, Source::Inferred(note) if note.starts_with("§10 couponsession/search")),
                "{source:?}"
            );
        }
        assert_eq!(
            Endpoint::CouponSessionSearch.to_string(),
            "POST v3/couponsession/search"
        );
    }

    #[test]
    fn single_use_rows_are_writes_and_session_reads_are_reads() {
        for write in [
            Endpoint::SingleUseCreate,
            Endpoint::MultipleSingleUseCreate,
            Endpoint::SingleUseRemove,
        ] {
            assert!(Endpoint::ALL.contains(&write));
            assert!(!write.spec().idempotent, "{write:?} is a write");
        }
        for read in [Endpoint::CouponSessionData, Endpoint::CampaignData] {
            assert!(Endpoint::ALL.contains(&read));
            assert!(read.spec().idempotent, "{read:?} is a read");
        }
        let remove = Endpoint::SingleUseRemove.spec();
        for source in [remove.source, remove.reply] {
            assert!(
                matches!(source, Source::Inferred(note) if note.starts_with("§10 singleuse/remove")),
                "{source:?}"
            );
        }
        assert!(matches!(
            Endpoint::CampaignData.spec().reply,
            Source::Inferred(note) if note.starts_with("§10 Paging of campaign/data")
        ));
        assert_eq!(
            Endpoint::MultipleSingleUseCreate.to_string(),
            "POST v3/multiplesingleuse/create"
        );
    }

    #[test]
    fn session_writes_are_never_retried_and_usage_lists_are_reads() {
        for write in [
            Endpoint::CouponSessionUpdate,
            Endpoint::CouponSessionUpdateMultiple,
            Endpoint::CouponPushSingle,
            Endpoint::CouponPushAll,
        ] {
            assert!(Endpoint::ALL.contains(&write));
            assert!(!write.spec().idempotent, "{write:?} is a write");
        }
        for read in [
            Endpoint::CampaignOpens,
            Endpoint::CampaignClaims,
            Endpoint::CampaignValidations,
        ] {
            assert!(Endpoint::ALL.contains(&read));
            assert!(read.spec().idempotent, "{read:?} is a read");
        }
        let update = Endpoint::CouponSessionUpdate.spec();
        for source in [update.source, update.reply] {
            assert!(
                matches!(source, Source::Inferred(note) if note.starts_with("§10 couponsession/update")),
                "{source:?}"
            );
        }
        assert_eq!(
            Endpoint::CouponSessionUpdateMultiple.to_string(),
            "POST v3/couponsession/updatemultiple"
        );
        assert_eq!(
            Endpoint::CouponPushAll.to_string(),
            "POST v3/coupon/pushnotification/all"
        );
    }

    #[test]
    fn directory_and_subaccount_rows() {
        assert_eq!(
            Endpoint::SubaccountList.to_string(),
            "POST v4/subaccount/list"
        );
        assert_eq!(
            Endpoint::SubaccountSso.to_string(),
            "POST v3/subaccount/sso"
        );
        for write in [
            Endpoint::DirectoryUsersUpdate,
            Endpoint::SubaccountCreate,
            Endpoint::SubaccountUpdate,
            Endpoint::SubaccountResetUrl,
            Endpoint::SubaccountSso,
        ] {
            assert!(!write.spec().idempotent, "{write:?} is a write");
        }
        for read in [
            Endpoint::DirectoryList,
            Endpoint::DirectoryInfo,
            Endpoint::DirectoryCampaigns,
            Endpoint::CategoryList,
            Endpoint::SubaccountList,
            Endpoint::SubaccountInfo,
        ] {
            assert!(read.spec().idempotent, "{read:?} is a read");
        }
    }

    #[test]
    fn paths_are_unique_per_family_and_method() {
        let mut seen = std::collections::HashSet::new();
        for &endpoint in Endpoint::ALL {
            let spec = endpoint.spec();
            assert!(
                seen.insert((spec.family, spec.method, spec.path)),
                "duplicate row {endpoint:?}"
            );
        }
    }

    #[test]
    fn path_parameters_are_encoded() {
        assert_eq!(
            Endpoint::V4LoyaltyCards.path_with(&[]),
            "/loyalty/loyalty-cards"
        );
        assert_eq!(
            fill_path(
                "/loyalty/loyalty-cards/{loyaltyCardId}/stats/{userId}",
                &["12", "7/../x y"]
            ),
            "/loyalty/loyalty-cards/12/stats/7%2F..%2Fx%20y"
        );
        assert_eq!(fill_path("/a/{id}/copy", &[]), "/a//copy");
    }

    #[test]
    fn display_names_method_family_and_path() {
        assert_eq!(Endpoint::SendEmail.to_string(), "POST v3/send/email");
        assert_eq!(
            Endpoint::V4LoyaltyCards.to_string(),
            "GET v4/loyalty/loyalty-cards"
        );
    }
}
