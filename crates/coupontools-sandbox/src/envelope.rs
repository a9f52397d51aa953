//! Reply builders: the v3 envelope of API reference §2 (success, failure shape A, auth shape C)
//! and the bare JSON of v4 (§10).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::config::FailureStatus;

/// What a v3 handler produced: the payload keys that sit next to `status`, or one failure.
pub(crate) type V3Result = Result<Map<String, Value>, V3Error>;

/// One v3 failure: a code from §2.4 and its description, as the docs print them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct V3Error {
    pub(crate) code: u32,
    pub(crate) description: String,
}

impl V3Error {
    pub(crate) fn new(code: u32, description: impl Into<String>) -> V3Error {
        V3Error {
            code,
            description: description.into(),
        }
    }

    pub(crate) fn missing(param: &str) -> V3Error {
        V3Error::new(200, format!("Missing parameter: {param}"))
    }

    pub(crate) fn invalid_character(param: &str) -> V3Error {
        V3Error::new(301, format!("Invalid character in parameter: {param}."))
    }

    /// Sandbox-only: the docs name code 302 "a value outside its predefined list" but show no text.
    pub(crate) fn not_a_boolean(param: &str) -> V3Error {
        V3Error::new(
            302,
            format!("Invalid value in parameter: {param}. Use true or false."),
        )
    }
}

pub(crate) const AUTH_FAILURE_MESSAGE: &str =
    "HTTP/1.0 401 Unauthorized. Client ID or Secret not correct.";
const UNPROCESSABLE_MESSAGE: &str = "HTTP/1.0 422 Unprocessable entity.";

pub(crate) fn v3_reply(result: V3Result, failure_status: FailureStatus) -> Response {
    match result {
        Ok(payload) => json_response(StatusCode::OK, v3_success_body(payload)),
        Err(error) => {
            let status = match failure_status {
                FailureStatus::Http200 => StatusCode::OK,
                FailureStatus::Semantic => StatusCode::UNPROCESSABLE_ENTITY,
            };
            json_response(status, v3_failure_body(&error))
        }
    }
}

pub(crate) fn v3_auth_failure(failure_status: FailureStatus) -> Response {
    let status = match failure_status {
        FailureStatus::Http200 => StatusCode::OK,
        FailureStatus::Semantic => StatusCode::UNAUTHORIZED,
    };
    json_response(status, v3_auth_failure_body())
}

/// Sandbox-only (the real answer is unknown): an unknown v3 path or a method other than POST
/// gets a plain HTTP error with a failure envelope but no invented error code.
pub(crate) fn v3_transport_failure(status: StatusCode, description: String) -> Response {
    let status_line = format!(
        "HTTP/1.0 {} {}.",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    let body = json!({
        "status": {
            "status": "failed",
            "errors": {
                "error_message": status_line,
                "error_message_description": [description],
            }
        }
    });
    json_response(status, body)
}

pub(crate) fn v3_success_body(payload: Map<String, Value>) -> Value {
    let mut body = Map::with_capacity(payload.len() + 1);
    body.insert("status".to_owned(), json!({ "status": "OK" }));
    for (key, value) in payload {
        // A payload can never overwrite the envelope itself.
        if key != "status" {
            body.insert(key, value);
        }
    }
    Value::Object(body)
}

/// Shape A of §2.2: parallel arrays inside `status.errors`.
pub(crate) fn v3_failure_body(error: &V3Error) -> Value {
    json!({
        "status": {
            "status": "failed",
            "errors": {
                "error_message": UNPROCESSABLE_MESSAGE,
                "error_message_description": [error.description],
                "error_code": [error.code],
            }
        }
    })
}

/// Shape C of §2.2: a scalar code and no description array.
pub(crate) fn v3_auth_failure_body() -> Value {
    json!({
        "status": {
            "status": "failed",
            "errors": {
                "error_code": 1000,
                "error_message": AUTH_FAILURE_MESSAGE,
            }
        }
    })
}

pub(crate) fn v4_json(status: StatusCode, body: Value) -> Response {
    json_response(status, body)
}

/// v4 errors per §10: `{"message": "..."}`.
pub(crate) fn v4_message(status: StatusCode, message: &str) -> Response {
    json_response(status, json!({ "message": message }))
}

pub(crate) fn json_response(status: StatusCode, body: Value) -> Response {
    // Serialising a `Value` cannot fail; the fallback only keeps this free of `expect`.
    let text = serde_json::to_string(&body).unwrap_or_else(|_| String::from("{}"));
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        text,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn status_and_body(response: Response) -> (StatusCode, Value) {
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[test]
    fn success_puts_payload_next_to_status() {
        let mut payload = Map::new();
        payload.insert("action".into(), json!("email_sent"));
        payload.insert("status".into(), json!("must not win"));
        let body = v3_success_body(payload);
        assert_eq!(
            body,
            json!({"status": {"status": "OK"}, "action": "email_sent"})
        );
    }

    #[test]
    fn failure_is_shape_a_with_parallel_arrays() {
        let body = v3_failure_body(&V3Error::new(502, "Campaign ID not found."));
        assert_eq!(body["status"]["status"], "failed");
        let errors = &body["status"]["errors"];
        assert_eq!(
            errors["error_message"],
            "HTTP/1.0 422 Unprocessable entity."
        );
        assert_eq!(errors["error_code"], json!([502]));
        assert_eq!(
            errors["error_message_description"],
            json!(["Campaign ID not found."])
        );
    }

    #[test]
    fn auth_failure_is_shape_c_with_a_scalar_code() {
        let body = v3_auth_failure_body();
        assert_eq!(body["status"]["errors"]["error_code"], json!(1000));
        assert_eq!(
            body["status"]["errors"]["error_message"],
            AUTH_FAILURE_MESSAGE
        );
        assert!(body["status"]["errors"]
            .get("error_message_description")
            .is_none());
    }

    #[test]
    fn helper_texts_follow_the_docs() {
        assert_eq!(
            V3Error::missing("email").description,
            "Missing parameter: email"
        );
        assert_eq!(V3Error::missing("email").code, 200);
        assert_eq!(
            V3Error::invalid_character("campaign").description,
            "Invalid character in parameter: campaign."
        );
        assert_eq!(V3Error::invalid_character("campaign").code, 301);
    }

    #[tokio::test]
    async fn failure_status_decides_the_http_code() {
        let err = || Err(V3Error::new(305, "Email address is not valid"));
        let (s, _) = status_and_body(v3_reply(err(), FailureStatus::Http200)).await;
        assert_eq!(s, StatusCode::OK);
        let (s, b) = status_and_body(v3_reply(err(), FailureStatus::Semantic)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(b["status"]["errors"]["error_code"], json!([305]));
        let (s, _) = status_and_body(v3_auth_failure(FailureStatus::Http200)).await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = status_and_body(v3_auth_failure(FailureStatus::Semantic)).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = status_and_body(v3_reply(Ok(Map::new()), FailureStatus::Semantic)).await;
        assert_eq!(s, StatusCode::OK);
    }

    #[tokio::test]
    async fn transport_failure_keeps_the_envelope_without_a_code() {
        let (s, b) =
            status_and_body(v3_transport_failure(StatusCode::NOT_FOUND, "nope".into())).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(b["status"]["status"], "failed");
        assert_eq!(
            b["status"]["errors"]["error_message"],
            "HTTP/1.0 404 Not Found."
        );
        assert!(b["status"]["errors"].get("error_code").is_none());
    }
}
