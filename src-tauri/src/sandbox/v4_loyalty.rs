//! v4 `GET /loyalty/loyalty-cards` (API reference §6.1): a bare array, integer IDs.

use serde_json::{json, Value};

use super::seed::Shop;

pub(crate) fn cards(shop: &Shop) -> Value {
    shop.loyalty_cards
        .iter()
        .map(|card| {
            json!({
                "id": card.id,
                "code": card.code,
                "name": card.name,
                "domain": card.domain,
                "type": card.v4_type,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_are_bare_objects_with_integer_ids() {
        let list = cards(&Shop::demo());
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0]["id"], json!(48213));
        assert_eq!(list[0]["type"], "stamp");
        assert_eq!(list[1]["domain"], "save2wallet.link");
    }
}
