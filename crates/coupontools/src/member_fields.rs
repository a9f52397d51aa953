//! What a loyalty member is made of, as the app sends it (create, bulk create, update).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The fields of a member to create or change. None = leave out (create: empty; update:
/// unchanged). The command layer checks them with [`crate::validate::member_fields`] first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MemberFields {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub address: Option<String>,
    pub zip: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// `custom_1` … `custom_8`.
    pub custom: [Option<String>; 8],
}

impl MemberFields {
    /// The body with the API's names; absent fields are left out.
    pub fn to_body(&self) -> Value {
        let mut body = Map::new();
        for (key, value) in [
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
            ("address", &self.address),
            ("zip", &self.zip),
            ("city", &self.city),
            ("phone", &self.phone),
            ("email", &self.email),
        ] {
            if let Some(value) = value {
                body.insert(key.into(), Value::String(value.clone()));
            }
        }
        for (n, value) in self.custom.iter().enumerate() {
            if let Some(value) = value {
                body.insert(format!("custom_{}", n + 1), Value::String(value.clone()));
            }
        }
        Value::Object(body)
    }
}
