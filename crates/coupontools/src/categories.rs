//! Categories, `client.categories()`: `POST category/list` (§5.7, reply per §10) and the
//! third-level ("main") categories of `POST category/main/list` (§0.3, seed 003).

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::client::Client;
use super::endpoints::Endpoint;
use super::error::ApiError;
use super::lenient;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Category {
    #[serde(alias = "ID", deserialize_with = "lenient::string")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
}

#[derive(Deserialize)]
struct CategoriesReply {
    #[serde(default, deserialize_with = "categories")]
    categories: Vec<Category>,
}

#[derive(Deserialize)]
struct MainCategoriesReply {
    #[serde(default, deserialize_with = "categories")]
    main_categories: Vec<Category>,
}

/// The seed sends an OBJECT id → name, in the server's order. An account without categories may
/// get `[]` (its backend encodes an empty map that way), so a list of categories is read too.
fn categories<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Category>, D::Error> {
    d.deserialize_any(CategoriesVisitor)
}

struct CategoriesVisitor;

impl<'de> Visitor<'de> for CategoriesVisitor {
    type Value = Vec<Category>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of category id → name")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<Category>, A::Error> {
        let mut out = Vec::new();
        while let Some(id) = map.next_key::<String>()? {
            let name = map.next_value::<Name>()?.0;
            out.push(Category { id, name });
        }
        Ok(out)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Category>, A::Error> {
        let mut out = Vec::new();
        while let Some(category) = seq.next_element::<Category>()? {
            out.push(category);
        }
        Ok(out)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Vec<Category>, E> {
        Ok(Vec::new())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<Category>, E> {
        if v.trim().is_empty() {
            Ok(Vec::new())
        } else {
            Err(E::invalid_type(de::Unexpected::Str(v), &self))
        }
    }
}

struct Name(String);

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient::string(d).map(Name)
    }
}

/// The category domain of the API, `client.categories()`. Cheap: a borrowed client.
#[derive(Clone, Copy, Debug)]
pub struct CategoriesApi<'a> {
    client: &'a Client,
}

impl Client {
    /// The account's categories and third-level categories.
    pub fn categories(&self) -> CategoriesApi<'_> {
        CategoriesApi { client: self }
    }
}

impl<'a> CategoriesApi<'a> {
    /// `POST category/list`: every category (`cat_…` IDs, the `category` filter of
    /// `coupon/list`), in Coupontools' order. Read as an object id → name (§10) or a list.
    pub async fn list(&self) -> Result<Vec<Category>, ApiError> {
        let reply: CategoriesReply = self
            .client
            .transport()
            .v3(Endpoint::CategoryList, &serde_json::json!({}))
            .await?;
        Ok(reply.categories)
    }

    /// `POST category/main/list`: the third-level categories, in Coupontools' order. Empty for
    /// accounts that do not use them.
    pub async fn main(&self) -> Result<Vec<Category>, ApiError> {
        let reply: MainCategoriesReply = self
            .client
            .transport()
            .v3(Endpoint::CategoryMainList, &serde_json::json!({}))
            .await?;
        Ok(reply.main_categories)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::decode_v3;

    /// Seed 003's example response, verbatim.
    const SEED_003: &str = r#"{ "status": { "status": "OK" }, "main_categories": { "123": "EU", "124": "USA", "125": "Other" } }"#;

    fn cat(id: &str, name: &str) -> Category {
        Category {
            id: id.into(),
            name: name.into(),
        }
    }

    #[test]
    fn seed_003_decodes_in_order() {
        let reply: MainCategoriesReply = decode_v3(200, SEED_003.as_bytes()).unwrap();
        assert_eq!(
            reply.main_categories,
            vec![cat("123", "EU"), cat("124", "USA"), cat("125", "Other")]
        );
        let reordered = SEED_003
            .replace(r#""123": "EU", "#, "")
            .replace(r#""Other" }"#, r#""Other", "100": "Asia" }"#);
        let reply: MainCategoriesReply = decode_v3(200, reordered.as_bytes()).unwrap();
        assert_eq!(
            reply.main_categories.last(),
            Some(&cat("100", "Asia")),
            "document order, not sorted"
        );
    }

    #[test]
    fn no_categories_in_any_form() {
        for tail in [
            r#""main_categories": []"#,
            r#""main_categories": {}"#,
            r#""main_categories": null"#,
            r#""x": 1"#,
        ] {
            let body = format!(r#"{{"status":{{"status":"OK"}}, {tail}}}"#);
            let reply: MainCategoriesReply = decode_v3(200, body.as_bytes()).unwrap();
            assert!(reply.main_categories.is_empty(), "{tail}");
        }
    }

    #[test]
    fn category_list_is_an_object_or_a_list() {
        let reply: CategoriesReply = decode_v3(
            200,
            br#"{"status":{"status":"OK"},"categories":{"cat_31":"Coffee","cat_32":"Deals"}}"#,
        )
        .unwrap();
        assert_eq!(
            reply.categories,
            vec![cat("cat_31", "Coffee"), cat("cat_32", "Deals")]
        );
        let reply: CategoriesReply = decode_v3(
            200,
            br#"{"status":{"status":"OK"},"categories":[{"ID":"cat_1","name":"A"}]}"#,
        )
        .unwrap();
        assert_eq!(reply.categories, vec![cat("cat_1", "A")]);
    }

    #[test]
    fn numeric_names_are_text() {
        let body = r#"{"status":{"status":"OK"},"main_categories":{"7":2024}}"#;
        let reply: MainCategoriesReply = decode_v3(200, body.as_bytes()).unwrap();
        assert_eq!(reply.main_categories, vec![cat("7", "2024")]);
    }
}
