//! Request bodies as the API accepts them: JSON objects, form-encoded pairs or nothing at all
//! (API reference §1), read into one map so handlers do not care which one arrived.

use axum::body::Body;
use axum::http::{header, HeaderMap};
use serde_json::{Map, Value};

/// Bodies above this are refused; keeps one request from holding much memory.
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// JSON that does not parse, or JSON that is not an object.
    Malformed,
    TooLarge,
}

/// A parameter whose value is there but cannot be read as a yes/no.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotABoolean;

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Params {
    map: Map<String, Value>,
}

/// Reads the whole body (up to `MAX_BODY_BYTES`) and parses it.
pub(crate) async fn read(headers: &HeaderMap, body: Body) -> Result<Params, BodyError> {
    // The only way reading a body fails here is the size limit (or a client that went away,
    // whose answer nobody will read).
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| BodyError::TooLarge)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    Params::parse(content_type, &bytes)
}

impl Params {
    /// Reads a body. The content type decides when it is clear; otherwise the first byte does,
    /// because real clients send form bodies with a JSON content type and the other way round.
    pub(crate) fn parse(content_type: Option<&str>, bytes: &[u8]) -> Result<Params, BodyError> {
        if bytes.len() > MAX_BODY_BYTES {
            return Err(BodyError::TooLarge);
        }
        let first = bytes.iter().copied().find(|b| !b.is_ascii_whitespace());
        let Some(first) = first else {
            return Ok(Params::default());
        };
        let content_type = content_type.unwrap_or("").to_ascii_lowercase();
        let looks_like_json = first == b'{' || first == b'[';
        if content_type.contains("x-www-form-urlencoded") && !looks_like_json {
            return Ok(Params::from_form(bytes));
        }
        if content_type.contains("json") || looks_like_json {
            return Params::from_json(bytes);
        }
        Ok(Params::from_form(bytes))
    }

    fn from_json(bytes: &[u8]) -> Result<Params, BodyError> {
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => Ok(Params { map }),
            Ok(Value::Null) => Ok(Params::default()),
            Ok(_) | Err(_) => Err(BodyError::Malformed),
        }
    }

    /// Form-encoded pairs; also a GET's query string.
    pub(crate) fn from_form(bytes: &[u8]) -> Params {
        let map = url::form_urlencoded::parse(bytes)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect();
        Params { map }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    #[cfg(test)]
    pub(crate) fn from_pairs(pairs: &[(&str, &str)]) -> Params {
        let map = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
            .collect();
        Params { map }
    }

    /// The value as text, or `None` when it is absent, null or blank: the API treats an empty
    /// value the same as a missing one. Numbers arrive as JSON numbers from some clients.
    pub(crate) fn text(&self, key: &str) -> Option<String> {
        let text = match self.map.get(key)? {
            Value::Null => return None,
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            // Arrays and objects are kept as their JSON text so that the ID and e-mail checks
            // reject them with the usual errors instead of pretending they are missing.
            other => other.to_string(),
        };
        if text.trim().is_empty() {
            None
        } else {
            Some(text)
        }
    }

    /// The raw value, for lists and objects (v4 bodies).
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key)
    }

    /// A yes/no value: JSON booleans, "true"/"false", "1"/"0" (and 1/0 as numbers).
    pub(crate) fn flag(&self, key: &str) -> Result<Option<bool>, NotABoolean> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(0) => Ok(Some(false)),
                Some(1) => Ok(Some(true)),
                _ => Err(NotABoolean),
            },
            Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "" => Ok(None),
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                _ => Err(NotABoolean),
            },
            Some(_) => Err(NotABoolean),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: Option<&str> = Some("application/json");
    const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

    #[test]
    fn json_object_is_read() {
        let p = Params::parse(JSON, br#"{"campaign":"cam_1","page":2}"#).unwrap();
        assert_eq!(p.text("campaign").as_deref(), Some("cam_1"));
        assert_eq!(p.text("page").as_deref(), Some("2"));
        assert_eq!(p.text("missing"), None);
    }

    #[test]
    fn form_body_is_read_and_decoded() {
        let p = Params::parse(
            FORM,
            b"campaign=cam_1&email=a%2Bb%40shop.test&firstname=Ann+Marie",
        )
        .unwrap();
        assert_eq!(p.text("email").as_deref(), Some("a+b@shop.test"));
        assert_eq!(p.text("firstname").as_deref(), Some("Ann Marie"));
    }

    #[test]
    fn empty_and_blank_bodies_mean_no_parameters() {
        for ct in [JSON, FORM, None] {
            assert_eq!(Params::parse(ct, b"").unwrap(), Params::default());
            assert_eq!(Params::parse(ct, b"  \r\n").unwrap(), Params::default());
        }
        assert_eq!(Params::parse(JSON, b"null").unwrap(), Params::default());
    }

    #[test]
    fn body_kind_is_sniffed_when_the_content_type_is_missing_or_wrong() {
        let p = Params::parse(None, br#"{"a":"1"}"#).unwrap();
        assert_eq!(p.text("a").as_deref(), Some("1"));
        let p = Params::parse(Some("text/plain"), b"a=1&b=2").unwrap();
        assert_eq!(p.text("b").as_deref(), Some("2"));
        let p = Params::parse(FORM, br#"{"a":"json after all"}"#).unwrap();
        assert_eq!(p.text("a").as_deref(), Some("json after all"));
    }

    #[test]
    fn broken_json_and_non_objects_are_refused() {
        assert_eq!(
            Params::parse(JSON, b"{\"a\":").unwrap_err(),
            BodyError::Malformed
        );
        assert_eq!(
            Params::parse(JSON, b"[1,2]").unwrap_err(),
            BodyError::Malformed
        );
        assert_eq!(
            Params::parse(JSON, b"\"text\"").unwrap_err(),
            BodyError::Malformed
        );
    }

    #[test]
    fn oversized_bodies_are_refused() {
        let big = vec![b'a'; MAX_BODY_BYTES + 1];
        assert_eq!(Params::parse(FORM, &big).unwrap_err(), BodyError::TooLarge);
    }

    #[test]
    fn blank_values_count_as_missing() {
        let p = Params::parse(JSON, br#"{"a":"  ","b":null,"c":""}"#).unwrap();
        assert_eq!(p.text("a"), None);
        assert_eq!(p.text("b"), None);
        assert_eq!(p.text("c"), None);
    }

    #[test]
    fn flags_accept_every_documented_spelling() {
        let p = Params::parse(
            JSON,
            br#"{"a":true,"b":false,"c":"true","d":"FALSE","e":"1","f":"0","g":1,"h":0,"i":""}"#,
        )
        .unwrap();
        let expect = [
            ("a", Some(true)),
            ("b", Some(false)),
            ("c", Some(true)),
            ("d", Some(false)),
            ("e", Some(true)),
            ("f", Some(false)),
            ("g", Some(true)),
            ("h", Some(false)),
            ("i", None),
            ("absent", None),
        ];
        for (key, want) in expect {
            assert_eq!(p.flag(key), Ok(want), "key {key}");
        }
        let form = Params::parse(FORM, b"x=true&y=0").unwrap();
        assert_eq!(form.flag("x"), Ok(Some(true)));
        assert_eq!(form.flag("y"), Ok(Some(false)));
    }

    #[test]
    fn flags_refuse_other_values() {
        let p = Params::parse(JSON, br#"{"a":"yes","b":2,"c":[true],"d":-1}"#).unwrap();
        for key in ["a", "b", "c", "d"] {
            assert_eq!(p.flag(key), Err(NotABoolean), "key {key}");
        }
    }
}
