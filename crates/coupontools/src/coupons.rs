//! Campaigns ("coupons" in the new docs): listing them and reading one (§5.3, §10).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::lenient;
pub use super::single_use_code::SingleUseCode;

/// One campaign as `coupon/list` and `coupon/info` describe it. Missing fields are empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Campaign {
    #[serde(alias = "ID", deserialize_with = "lenient::string")]
    pub id: String,
    /// The 6-character slug of the coupon's URL.
    #[serde(default, deserialize_with = "lenient::string")]
    pub code: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub title: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub status: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub url: String,
    /// `coupon_tags`: a list, or one comma-separated text. §5.3 lists it among the fields a
    /// client probes (unverified); absent, the campaign simply shows no tags.
    #[serde(
        default,
        rename(deserialize = "coupon_tags"),
        deserialize_with = "tag_list"
    )]
    pub tags: Vec<String>,
    /// `coupon_category`: the category ID the `category` filter takes (`cat_31`). Project
    /// decision (§10 is silent); empty when the reply does not carry it.
    #[serde(
        default,
        rename(deserialize = "coupon_category"),
        deserialize_with = "lenient::string"
    )]
    pub category: String,
    /// `coupon_category_name` (§5.3, unverified).
    #[serde(default, deserialize_with = "lenient::string")]
    pub coupon_category_name: String,
    /// `folder`: the folder ID the `folder` filter takes. Project decision, as `coupon_category`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub folder: String,
    /// `folder_name`. Project decision, as `coupon_category`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub folder_name: String,
}

/// Tags as a list or as one comma-separated text; anything else (null, a number) is no tags.
fn tag_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let split = |text: &str| -> Vec<String> {
        text.split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect()
    };
    Ok(match Value::deserialize(d)? {
        Value::String(text) => split(&text),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .flat_map(split)
            .collect(),
        _ => Vec::new(),
    })
}

/// The optional filters of `coupon/list`; the default lists every campaign.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CampaignFilter {
    pub only_active: bool,
    /// Comma-separated tags.
    pub tags: Option<String>,
    /// A `cat_…` category ID.
    pub category: Option<String>,
    /// A folder ID; an unknown one is refused with code 515.
    pub folder: Option<String>,
}

impl CampaignFilter {
    pub(crate) fn to_body(&self) -> Value {
        let mut body = Map::new();
        if self.only_active {
            body.insert("only_active".into(), Value::Bool(true));
        }
        for (key, value) in [
            ("tags", &self.tags),
            ("category", &self.category),
            ("folder", &self.folder),
        ] {
            if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                body.insert(key.into(), Value::String(value.to_owned()));
            }
        }
        Value::Object(body)
    }
}

#[derive(Deserialize)]
pub(crate) struct CampaignListReply {
    #[serde(default, deserialize_with = "lenient::list")]
    pub(crate) coupon_info: Vec<Campaign>,
}

#[derive(Deserialize)]
pub(crate) struct CampaignInfoReply {
    #[serde(default, deserialize_with = "lenient::one")]
    pub(crate) coupon_info: Option<Campaign>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::decode_v3;

    #[test]
    fn list_reply_per_section_10() {
        let body = br#"{"status":{"status":"OK"},"coupon_info":[
            {"ID":"cam_123456","code":"abc123","name":"Spring sale","title":"10% off","status":"active","url":"https://digicpn.com/p/abc123"},
            {"ID":"cam_7","code":"vuhykb","name":"Second","title":"","status":"example"},
            {"id":1234567,"name":42}
        ]}"#;
        let reply: CampaignListReply = decode_v3(200, body).unwrap();
        let list = reply.coupon_info;
        assert_eq!(list.len(), 3);
        assert_eq!(
            list[0],
            Campaign {
                id: "cam_123456".into(),
                code: "abc123".into(),
                name: "Spring sale".into(),
                title: "10% off".into(),
                status: "active".into(),
                url: "https://digicpn.com/p/abc123".into(),
                ..Campaign::default()
            }
        );
        assert_eq!(list[1].url, "", "missing fields are empty");
        assert_eq!(
            (list[2].id.as_str(), list[2].name.as_str()),
            ("1234567", "42")
        );
    }

    #[test]
    fn tags_category_and_folder_are_read_when_the_reply_has_them() {
        let body = br#"{"status":{"status":"OK"},"coupon_info":[
            {"ID":"cam_1","coupon_tags":"coffee, breakfast","coupon_category":"cat_31","coupon_category_name":"Coffee","folder":1201,"folder_name":"At the counter"},
            {"ID":"cam_2","coupon_tags":["lunch","a,b"]},
            {"ID":"cam_3","coupon_tags":null}
        ]}"#;
        let list = decode_v3::<CampaignListReply>(200, body)
            .unwrap()
            .coupon_info;
        assert_eq!(list[0].tags, ["coffee", "breakfast"]);
        assert_eq!(
            (
                list[0].category.as_str(),
                list[0].coupon_category_name.as_str()
            ),
            ("cat_31", "Coffee")
        );
        assert_eq!(
            (list[0].folder.as_str(), list[0].folder_name.as_str()),
            ("1201", "At the counter")
        );
        assert_eq!(list[1].tags, ["lunch", "a", "b"]);
        assert!(list[2].tags.is_empty() && list[2].category.is_empty());
    }

    #[test]
    fn empty_list_in_any_form() {
        for body in [
            r#"{"status":{"status":"OK"},"coupon_info":[]}"#,
            r#"{"status":{"status":"OK"},"coupon_info":{}}"#,
            r#"{"status":{"status":"OK"}}"#,
        ] {
            let reply: CampaignListReply = decode_v3(200, body.as_bytes()).unwrap();
            assert!(reply.coupon_info.is_empty(), "{body}");
        }
    }

    #[test]
    fn info_reply_is_one_object() {
        let body = br#"{"status":{"status":"OK"},"coupon_info":{"ID":"cam_1","code":"abc123","name":"N","title":"T","status":"active","url":"u"}}"#;
        let reply: CampaignInfoReply = decode_v3(200, body).unwrap();
        assert_eq!(reply.coupon_info.map(|c| c.id), Some("cam_1".into()));
    }

    #[test]
    fn filter_sends_only_what_is_set() {
        assert_eq!(CampaignFilter::default().to_body(), serde_json::json!({}));
        let filter = CampaignFilter {
            only_active: true,
            tags: Some(" summer,shoes ".into()),
            category: Some("".into()),
            folder: Some("12".into()),
        };
        assert_eq!(
            filter.to_body(),
            serde_json::json!({"only_active": true, "tags": "summer,shoes", "folder": "12"})
        );
    }

    #[test]
    fn campaign_serializes_with_rust_names() {
        let c = Campaign {
            id: "cam_1".into(),
            ..Campaign::default()
        };
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["id"], "cam_1");
    }

    #[test]
    fn single_use_code_short_form() {
        let code = SingleUseCode::new("0ist0ywa4t9z7rj0g8mf7");
        assert_eq!(code.short_code(), "0ist0y");
        assert_eq!(SingleUseCode::new("abc").short_code(), "abc");
        assert_eq!(
            serde_json::to_string(&code).unwrap(),
            "\"0ist0ywa4t9z7rj0g8mf7\""
        );
    }
}
