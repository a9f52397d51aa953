//! What the client has to say, as data: a key of the app's dictionaries and the values for its
//! `{placeholders}`. The client never words a message itself; the app does, when it shows or
//! logs one, in the language of the window (so the client knows no language and no dictionary).

use std::borrow::Cow;
use std::fmt::{self, Display};

/// A message to be worded by the app: `key` names it in the dictionaries.
///
/// It round-trips through serde, so what a job's row said can be stored as data and worded in
/// the language of whoever reads it later.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Words {
    pub key: Cow<'static, str>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<(Cow<'static, str>, Value)>,
}

/// A value for a placeholder, kept typed so the app can write a number its language's way and
/// pick a plural form by `count`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    /// Text as is (a name, an address, the server's own words).
    Text(String),
    /// A whole number: grouped the language's way (1,234 / 1.234 / 1 234).
    Number(i128),
    /// A number or code written as is, never grouped (a status 503, a year).
    Plain(String),
    /// Other words, worded first (a lead sentence with the server's reason after it).
    Words(Box<Words>),
}

impl Words {
    /// `key` is a dictionary key; one made at run time (`format!`) is fine.
    pub fn new(key: impl Into<Cow<'static, str>>) -> Words {
        Words {
            key: key.into(),
            values: Vec::new(),
        }
    }

    pub fn with(
        key: impl Into<Cow<'static, str>>,
        values: &[(&'static str, &dyn ToValue)],
    ) -> Words {
        Words {
            key: key.into(),
            values: values
                .iter()
                .map(|(n, v)| (Cow::Borrowed(*n), v.to_value()))
                .collect(),
        }
    }

    /// The value given for a placeholder.
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.values.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// For logs and tests that look at what was said, not how: `key {name=value, …}`.
impl Display for Words {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key)?;
        for (i, (name, value)) in self.values.iter().enumerate() {
            let lead = if i == 0 { " {" } else { ", " };
            match value {
                Value::Text(s) | Value::Plain(s) => write!(f, "{lead}{name}={s}")?,
                Value::Number(n) => write!(f, "{lead}{name}={n}")?,
                Value::Words(w) => write!(f, "{lead}{name}=({w})")?,
            }
        }
        if !self.values.is_empty() {
            f.write_str("}")?;
        }
        Ok(())
    }
}

/// Anything that went wrong and can say so: what happened, and what to do about it.
pub trait Explain {
    fn words(&self) -> (Words, Words);
}

/// What may fill a placeholder.
pub trait ToValue {
    fn to_value(&self) -> Value;
}

macro_rules! number_value {
    ($($ty:ty),*) => {$(
        impl ToValue for $ty {
            fn to_value(&self) -> Value {
                Value::Number(*self as i128)
            }
        }
    )*};
}
number_value!(u8, u16, u32, u64, usize, i32, i64);

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl ToValue for &str {
    fn to_value(&self) -> Value {
        Value::Text((*self).to_owned())
    }
}

impl ToValue for Words {
    fn to_value(&self) -> Value {
        Value::Words(Box::new(self.clone()))
    }
}

/// A value written as is, never grouped as a number.
pub struct Plain<T: Display>(pub T);

impl<T: Display> ToValue for Plain<T> {
    fn to_value(&self) -> Value {
        Value::Plain(self.0.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_come_back_from_storage_as_they_went_in() {
        let reason = Words::with("job.import.refused", &[("reason", &"Kaart vol")]);
        let words = Words::with(
            "job.links.cantAsk",
            &[("count", &1234u32), ("code", &Plain(503)), ("why", &reason)],
        );
        let stored = serde_json::to_string(&words).expect("words are plain data");
        let back: Words = serde_json::from_str(&stored).expect("and read back");
        assert_eq!(back, words);
        assert_eq!(back.value("count"), Some(&Value::Number(1234)));
        let bare: Words = serde_json::from_str(r#"{"key":"job.row.unknown"}"#).expect("no values");
        assert_eq!(bare, Words::new("job.row.unknown"));
    }
}
