//! The code of one coupon session, the key of every single-use link.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use super::lenient;

/// The 21-character code of one coupon session (a single-use coupon), e.g.
/// `0ist0ywa4t9z7rj0g8mf7`; it is the last segment of the single-use URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct SingleUseCode(String);

impl SingleUseCode {
    pub fn new(code: impl Into<String>) -> Self {
        SingleUseCode(code.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first six characters: what a cashier types into the validation widget (§3).
    pub fn short_code(&self) -> &str {
        match self.0.char_indices().nth(6) {
            Some((end, _)) => &self.0[..end],
            None => &self.0,
        }
    }
}

impl fmt::Display for SingleUseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SingleUseCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient::string(d).map(|code| SingleUseCode(code.trim().to_owned()))
    }
}
