//! Reading a v3 reply: the `status` envelope decides, never the HTTP status (§2, §10).

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::error::{ApiError, ACCOUNT_FAILURE_CODES};

/// How much of an unreadable body an error keeps: enough to recognise a proxy page in a log.
pub const EXCERPT_CHARS: usize = 200;

/// Decodes a v3 body into the payload `T`, or into the error it carries.
///
/// Success iff `status.status` is "OK" (any case), whatever the HTTP status. Failures may keep
/// `errors` inside `status` (shape A) or beside it (shape B), with `error_code` as a number, a
/// string or an array of either (shape C is a scalar code without descriptions).
pub fn decode_v3<T: DeserializeOwned>(http_status: u16, body: &[u8]) -> Result<T, ApiError> {
    let head: Head = match serde_json::from_slice(body) {
        Ok(head) => head,
        Err(_) => return Err(not_the_api(http_status, body)),
    };
    let Some(status) = head.status else {
        // JSON, but not ours: a gateway's `{"message": "..."}`, for instance.
        return Err(not_the_api(http_status, body));
    };
    let (verdict, inner_errors) = match &status {
        Value::Object(fields) => (
            fields.get("status").and_then(Value::as_str),
            fields.get("errors"),
        ),
        Value::String(text) => (Some(text.as_str()), None),
        _ => (None, None),
    };
    if verdict.is_some_and(|v| v.trim().eq_ignore_ascii_case("OK")) {
        return decode_payload(http_status, body);
    }
    Err(refusal(inner_errors.or(head.errors.as_ref()), verdict))
}

/// What is wrong with the envelope of a reply whose `status` is there but is not the documented
/// object (§2.1), e.g. `"status": "OK"` as a plain string; None for the documented shape and for
/// bodies [`decode_v3`] already rejects as not the API.
///
/// `decode_v3` reads such a reply by its words, which is fine for a read. A write must not:
/// §10 ("send/email repeat with check_unique") makes it an unknown outcome, reconciled like a
/// lost reply, whatever the string says (see `transport::read_v3`).
pub fn undocumented_status(body: &[u8]) -> Option<String> {
    let Ok(Value::Object(mut fields)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    let found = match fields.remove("status")? {
        Value::Object(_) => return None,
        Value::String(text) => format!("the text {:?}", excerpt(text.as_bytes())),
        Value::Null => "null".to_owned(),
        Value::Bool(_) => "a boolean".to_owned(),
        Value::Number(_) => "a number".to_owned(),
        Value::Array(_) => "a list".to_owned(),
    };
    Some(format!(
        "unknown reply: `status` is {found} instead of the documented object"
    ))
}

/// The envelope's two keys; every other key is skipped here and read by the payload type.
#[derive(Deserialize)]
struct Head {
    #[serde(default)]
    status: Option<Value>,
    #[serde(default)]
    errors: Option<Value>,
}

/// Decodes JSON into `T`, naming the JSON path of a wrongly typed field.
pub fn decode_payload<T: DeserializeOwned>(http_status: u16, body: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            // Not a typing problem: the JSON itself is broken.
            return not_the_api(http_status, body);
        }
        ApiError::Decode {
            status: http_status,
            path,
            detail: inner.to_string(),
        }
    })
}

pub fn not_the_api(http_status: u16, body: &[u8]) -> ApiError {
    ApiError::NotTheApi {
        status: http_status,
        excerpt: excerpt(body),
    }
}

/// True when the body stops before the JSON does (or is empty): the reply was cut off on the way,
/// which for retrying is the same as a lost reply.
pub fn is_incomplete(body: &[u8]) -> bool {
    if body.iter().all(u8::is_ascii_whitespace) {
        return true;
    }
    match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        Ok(_) => false,
        Err(e) => e.is_eof(),
    }
}

/// The first [`EXCERPT_CHARS`] characters of a body, on one line.
pub fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .trim()
        .chars()
        .take(EXCERPT_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn refusal(errors: Option<&Value>, verdict: Option<&str>) -> ApiError {
    let codes: Vec<u32> = errors
        .and_then(|e| e.get("error_code"))
        .map(codes_of)
        .unwrap_or_default();
    let descriptions: Vec<String> = errors
        .and_then(|e| e.get("error_message_description"))
        .map(texts_of)
        .unwrap_or_default();
    let summary = errors
        .and_then(|e| e.get("error_message"))
        .and_then(Value::as_str)
        .unwrap_or("");

    // With several problems at once, the one that stops the whole account matters most.
    let pick = codes
        .iter()
        .position(|c| ACCOUNT_FAILURE_CODES.contains(c))
        .unwrap_or(0);
    let code = codes.get(pick).copied().unwrap_or(0);
    let description = descriptions
        .get(pick)
        .or(descriptions.first())
        .map(String::as_str)
        .filter(|d| !d.trim().is_empty())
        .or(Some(summary).filter(|s| !s.trim().is_empty()))
        .or(verdict)
        .unwrap_or("")
        .trim()
        .to_owned();
    ApiError::Coupontools { code, description }
}

fn codes_of(value: &Value) -> Vec<u32> {
    match value {
        Value::Array(items) => items.iter().filter_map(code_of).collect(),
        other => code_of(other).into_iter().collect(),
    }
}

fn code_of(value: &Value) -> Option<u32> {
    match value {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                    .map(|f| f as u64)
            })
            .and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn texts_of(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().filter_map(text_of).collect(),
        other => text_of(other).into_iter().collect(),
    }
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Echo {
        #[serde(default, deserialize_with = "crate::lenient::string")]
        campaign: String,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Typed {
        users: Vec<TypedUser>,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct TypedUser {
        stamps: u32,
    }

    fn refused(http: u16, body: &str) -> (u32, String) {
        match decode_v3::<Echo>(http, body.as_bytes()) {
            Err(ApiError::Coupontools { code, description }) => (code, description),
            other => panic!("{body}: expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn success_whatever_the_http_status_and_case() {
        for (http, verdict) in [(200, "OK"), (200, "ok"), (422, "Ok"), (500, " OK ")] {
            let body = format!(r#"{{"status":{{"status":"{verdict}"}},"campaign":"cam_1"}}"#);
            assert_eq!(
                decode_v3::<Echo>(http, body.as_bytes()).unwrap(),
                Echo {
                    campaign: "cam_1".into()
                }
            );
        }
    }

    #[test]
    fn shape_a_errors_inside_status_with_parallel_arrays() {
        let body = r#"{"status":{"status":"failed","errors":{"error_message":"HTTP/1.0 422 Unprocessable entity.","error_message_description":["Webhook not found."],"error_code":[509]}}}"#;
        assert_eq!(refused(422, body), (509, "Webhook not found.".into()));
        assert_eq!(
            refused(200, body),
            (509, "Webhook not found.".into()),
            "HTTP 200 failure mode"
        );
    }

    #[test]
    fn shape_b_errors_beside_status() {
        let body = r#"{"status":{"status":"failed"},"errors":{"error_message":"HTTP/1.0 422 Unprocessable entity.","error_message_description":["Couponsession not found."],"error_code":[505]}}"#;
        assert_eq!(refused(422, body), (505, "Couponsession not found.".into()));
    }

    #[test]
    fn shape_c_scalar_code_without_descriptions() {
        let body = r#"{"status":{"status":"failed","errors":{"error_code":1000,"error_message":"HTTP/1.0 401 Unauthorized. Client ID or Secret not correct."}}}"#;
        let (code, description) = refused(401, body);
        assert_eq!(code, 1000);
        assert_eq!(
            description,
            "HTTP/1.0 401 Unauthorized. Client ID or Secret not correct."
        );
    }

    #[test]
    fn error_code_as_string_or_array_of_either() {
        let with = |code: &str| {
            format!(
                r#"{{"status":{{"status":"failed","errors":{{"error_message_description":["Missing parameter: campaign"],"error_code":{code}}}}}}}"#
            )
        };
        for code in [
            "200",
            "\"200\"",
            "[200]",
            "[\"200\"]",
            "200.0",
            "[\" 200 \"]",
        ] {
            assert_eq!(refused(200, &with(code)).0, 200, "error_code {code}");
        }
        assert_eq!(refused(200, &with("\"abc\"")).0, 0);
        assert_eq!(refused(200, &with("null")).0, 0);
    }

    #[test]
    fn several_errors_put_account_failures_first() {
        let body = r#"{"status":{"status":"failed","errors":{"error_message_description":["Missing parameter: email","No Email integration"],"error_code":[200,104]}}}"#;
        assert_eq!(refused(200, body), (104, "No Email integration".into()));
        let body = r#"{"status":{"status":"failed","errors":{"error_message_description":["Missing parameter: email","Invalid character in parameter: campaign."],"error_code":[200,301]}}}"#;
        assert_eq!(refused(200, body), (200, "Missing parameter: email".into()));
    }

    #[test]
    fn failure_without_errors_keeps_whatever_was_said() {
        assert_eq!(
            refused(200, r#"{"status":{"status":"failed"}}"#),
            (0, "failed".into())
        );
        assert_eq!(refused(200, r#"{"status":"error"}"#), (0, "error".into()));
        let body = r#"{"status":{"status":"failed","errors":{"error_message":"Something broke"}}}"#;
        assert_eq!(refused(200, body), (0, "Something broke".into()));
        let body = r#"{"status":{"status":"failed","errors":{"error_code":[515],"error_message_description":"Folder not found"}}}"#;
        assert_eq!(refused(200, body), (515, "Folder not found".into()));
    }

    #[test]
    fn unreadable_bodies_are_not_the_api_with_status_and_short_excerpt() {
        let long_html = format!("<html><body>{}</body></html>", "Bad gateway ".repeat(100));
        for (http, body, incomplete) in [
            (502, long_html.as_str(), false),
            (200, "", true),
            (200, "   \n", true),
            (
                200,
                r#"{"status":{"status":"OK"},"coupon_info":[{"ID":"cam_1""#,
                true,
            ),
            (200, "[1,2,3]", false),
            (200, r#"{"message":"Internal Server Error"}"#, false),
            (404, "Not Found", false),
        ] {
            match decode_v3::<Echo>(http, body.as_bytes()) {
                Err(ApiError::NotTheApi { status, excerpt }) => {
                    assert_eq!(status, http);
                    assert!(
                        excerpt.chars().count() <= EXCERPT_CHARS,
                        "{}",
                        excerpt.len()
                    );
                    assert!(body.trim().starts_with(excerpt.as_str()), "{excerpt:?}");
                }
                other => panic!("{body:?}: {other:?}"),
            }
            assert_eq!(is_incomplete(body.as_bytes()), incomplete, "{body:?}");
        }
        let Err(ApiError::NotTheApi { excerpt, .. }) = decode_v3::<Echo>(502, long_html.as_bytes())
        else {
            panic!("expected NotTheApi");
        };
        assert_eq!(excerpt.chars().count(), EXCERPT_CHARS);
    }

    #[test]
    fn status_in_an_undocumented_form_is_named() {
        for body in [
            r#"{"status":{"status":"OK"},"a":1}"#,
            r#"{"status":{"status":"failed"}}"#,
            "<html>not json</html>",
            r#"{"message":"no status"}"#,
            "[1]",
        ] {
            assert_eq!(undocumented_status(body.as_bytes()), None, "{body}");
        }
        for (body, words) in [
            (
                r#"{"status":"OK","action":"email_sent"}"#,
                "the text \"OK\"",
            ),
            (r#"{"status":"error"}"#, "the text \"error\""),
            (r#"{"status":null}"#, "null"),
            (r#"{"status":1}"#, "a number"),
            (r#"{"status":["OK"]}"#, "a list"),
        ] {
            let detail = undocumented_status(body.as_bytes()).unwrap_or_default();
            assert!(
                detail.contains(words) && detail.contains("instead of the documented object"),
                "{body}: {detail}"
            );
        }
    }

    #[test]
    fn excerpt_counts_characters_not_bytes_and_stays_on_one_line() {
        let body = "é".repeat(300);
        assert_eq!(excerpt(body.as_bytes()).chars().count(), 200);
        assert_eq!(excerpt(b"<h1>\r\nDown</h1>"), "<h1>  Down</h1>");
        assert_eq!(excerpt(&[0xff, b'a']), "\u{fffd}a");
    }

    #[test]
    fn wrong_types_in_a_payload_are_decode_errors_with_the_path() {
        let body = r#"{"status":{"status":"OK"},"users":[{"stamps":1},{"stamps":{"n":2}}]}"#;
        match decode_v3::<Typed>(200, body.as_bytes()) {
            Err(ApiError::Decode {
                status,
                path,
                detail,
            }) => {
                assert_eq!(status, 200);
                assert_eq!(path, "users[1].stamps");
                assert!(detail.contains("invalid type"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
        match decode_v3::<Typed>(200, br#"{"status":{"status":"OK"}}"#) {
            Err(ApiError::Decode { path, detail, .. }) => {
                assert_eq!(path, ".");
                assert!(detail.contains("missing field `users`"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
    }
}
