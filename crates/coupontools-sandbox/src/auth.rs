//! Credentials as the API accepts them (§1, §10): the v3 header pair, the v4 header pair, or
//! `client_id` / `client_secret` in the body — all three on every route, because real clients
//! mix them and the docs do not say which route takes which.

use axum::http::HeaderMap;

use super::body::Params;

/// True when one of the three places carries the right ID *and* secret together.
pub(crate) fn is_authorized(headers: &HeaderMap, params: &Params, id: &str, secret: &str) -> bool {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let pairs = [
        (header("x-client-id"), header("x-client-secret")),
        (header("x-api-key"), header("x-api-secret")),
        (params.text("client_id"), params.text("client_secret")),
    ];
    pairs.into_iter().any(|pair| match pair {
        (Some(given_id), Some(given_secret)) => {
            // Both compared every time, so a wrong ID takes as long as a wrong secret.
            let id_ok = same(given_id.trim(), id);
            let secret_ok = same(given_secret.trim(), secret);
            id_ok & secret_ok
        }
        _ => false,
    })
}

/// Comparison whose time does not depend on where the first difference is.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const ID: &str = "1234";
    const SECRET: &str = "abcd";

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn either_header_pair_is_accepted_in_any_case() {
        let empty = Params::default();
        assert!(is_authorized(
            &headers(&[("x-client-id", ID), ("x-client-secret", SECRET)]),
            &empty,
            ID,
            SECRET
        ));
        assert!(is_authorized(
            &headers(&[("X-API-KEY", ID), ("x-Api-Secret", SECRET)]),
            &empty,
            ID,
            SECRET
        ));
    }

    #[test]
    fn body_credentials_are_accepted() {
        let p = Params::from_pairs(&[("client_id", ID), ("client_secret", SECRET)]);
        assert!(is_authorized(&HeaderMap::new(), &p, ID, SECRET));
    }

    #[test]
    fn wrong_missing_or_split_credentials_are_refused() {
        let empty = Params::default();
        assert!(!is_authorized(&HeaderMap::new(), &empty, ID, SECRET));
        assert!(!is_authorized(
            &headers(&[("x-client-id", ID), ("x-client-secret", "abce")]),
            &empty,
            ID,
            SECRET
        ));
        assert!(!is_authorized(
            &headers(&[("x-client-id", ID)]),
            &empty,
            ID,
            SECRET
        ));
        // A pair is only a pair when both halves come from the same place.
        assert!(!is_authorized(
            &headers(&[("x-client-id", ID), ("x-api-secret", SECRET)]),
            &empty,
            ID,
            SECRET
        ));
        let p = Params::from_pairs(&[("client_id", ID), ("client_secret", "")]);
        assert!(!is_authorized(&HeaderMap::new(), &p, ID, SECRET));
    }

    #[test]
    fn same_compares_whole_strings() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
        assert!(same("", ""));
    }
}
