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
    LoyaltyUsersList,
    DirectoryUsersList,
    CategoryMainList,
    V4LoyaltyCards,
}

impl Endpoint {
    /// Every row, for tests and diagnostics.
    pub const ALL: &'static [Endpoint] = &[
        Endpoint::CouponList,
        Endpoint::CouponInfo,
        Endpoint::SendEmail,
        Endpoint::CouponSessionSearch,
        Endpoint::LoyaltyUsersList,
        Endpoint::DirectoryUsersList,
        Endpoint::CategoryMainList,
        Endpoint::V4LoyaltyCards,
    ];

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
            Family::V4 => "v4",
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
