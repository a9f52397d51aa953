//! v3 `coupon/list` and `coupon/info` (API reference §5.3, reply shape from §10).

use serde_json::{json, Map, Value};

use super::body::Params;
use super::envelope::{V3Error, V3Result};
use super::seed::{Campaign, Shop};

/// `POST /v3/coupon/list`: `only_active`, `tags` (comma-separated, any of them matches),
/// `category` (`cat_31` or `31`), `folder` (515 when unknown).
pub(crate) fn list(shop: &Shop, params: &Params) -> V3Result {
    let only_active = params
        .flag("only_active")
        .map_err(|_| V3Error::not_a_boolean("only_active"))?;
    let folder = params.text("folder");
    if let Some(folder) = &folder {
        if !shop.folders.iter().any(|(id, _)| *id == folder.trim()) {
            return Err(V3Error::new(515, "Folder not found."));
        }
    }
    let tags: Vec<String> = params
        .text("tags")
        .map(|t| {
            t.split(',')
                .map(|s| s.trim().to_lowercase())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let category = params.text("category").map(|c| {
        let c = c.trim();
        c.strip_prefix("cat_").unwrap_or(c).to_owned()
    });

    let campaigns: Vec<Value> = shop
        .campaigns
        .iter()
        .filter(|c| !only_active.unwrap_or(false) || c.active)
        .filter(|c| folder.as_deref().is_none_or(|f| c.folder == f.trim()))
        .filter(|c| category.as_deref().is_none_or(|cat| c.category == cat))
        .filter(|c| tags.is_empty() || c.tags.iter().any(|t| tags.iter().any(|want| want == t)))
        .map(|c| campaign_json(shop, c))
        .collect();
    let mut payload = Map::new();
    payload.insert("coupon_info".into(), Value::Array(campaigns));
    Ok(payload)
}

/// `POST /v3/coupon/info`: `campaign` Req (200 missing, 301 not `cam_` + digits, 502 unknown).
pub(crate) fn info(shop: &Shop, params: &Params) -> V3Result {
    let id = params
        .text("campaign")
        .ok_or_else(|| V3Error::missing("campaign"))?;
    if !is_prefixed_id(&id, "cam_") {
        return Err(V3Error::invalid_character("campaign"));
    }
    let campaign = shop
        .campaign(&id)
        .ok_or_else(|| V3Error::new(502, "Campaign ID not found."))?;
    if params.flag("show_usage_stats").is_err() {
        return Err(V3Error::not_a_boolean("show_usage_stats"));
    }
    let mut payload = Map::new();
    payload.insert("coupon_info".into(), campaign_json(shop, campaign));
    Ok(payload)
}

/// `coupon/info` with `show_usage_stats`: the §5.3 doc says it adds "the total number of
/// custom validation codes and the number of claimed custom codes".
///
/// SANDBOX DECISION (the field list is not captured): with `show_usage_stats` true,
/// `coupon_info` gains `usage_stats`, an object of numeric strings over the campaign's live
/// sessions: `amount_of_sessions`, `amount_of_opens`, `amount_of_claims`,
/// `amount_of_validations`, `amount_of_custom_codes` (sessions with a custom validation code)
/// and `amount_of_claimed_custom_codes`.
pub(crate) fn info_with_usage(shared: &super::state::Shared, params: &Params) -> V3Result {
    let mut payload = info(&shared.shop, params)?;
    if params.flag("show_usage_stats") == Ok(Some(true)) {
        let id = params.text("campaign").unwrap_or_default();
        let sessions = shared.sessions();
        let (mut all, mut opens, mut claims, mut validations, mut custom, mut custom_claimed) =
            (0usize, 0usize, 0usize, 0usize, 0usize, 0usize);
        for s in sessions.in_campaign(&id) {
            all += 1;
            opens += usize::from(s.opened.is_some());
            claims += usize::from(s.claimed.is_some());
            validations += usize::from(s.validated.is_some());
            if !s.custom_validation_code.is_empty() {
                custom += 1;
                custom_claimed += usize::from(s.claimed.is_some());
            }
        }
        if let Some(Value::Object(info)) = payload.get_mut("coupon_info") {
            info.insert(
                "usage_stats".into(),
                json!({
                    "amount_of_sessions": all.to_string(),
                    "amount_of_opens": opens.to_string(),
                    "amount_of_claims": claims.to_string(),
                    "amount_of_validations": validations.to_string(),
                    "amount_of_custom_codes": custom.to_string(),
                    "amount_of_claimed_custom_codes": custom_claimed.to_string(),
                }),
            );
        }
    }
    Ok(payload)
}

/// SANDBOX DECISION (inferred; §5.3 names only `coupon_tags` and `coupon_category_name`, as
/// fields a client probes): besides `{ID, code, name, title, status, url}` every campaign
/// carries what the list's filters take, so a filter can be offered from the list itself:
/// `coupon_tags` (comma-separated text), `coupon_category` (`cat_` + ID, as the `category`
/// filter takes it), `coupon_category_name`, `folder` (the folder ID) and `folder_name`.
fn campaign_json(shop: &Shop, c: &Campaign) -> Value {
    let name_of = |list: &[(&str, &str)], id: &str| {
        list.iter()
            .find(|(key, _)| *key == id)
            .map_or(String::new(), |(_, name)| (*name).to_owned())
    };
    json!({
        "ID": c.id,
        "code": c.code,
        "name": c.name,
        "title": c.title,
        "status": c.status(),
        "url": c.url(),
        "coupon_tags": c.tags.join(","),
        "coupon_category": format!("cat_{}", c.category),
        "coupon_category_name": name_of(&shop.main_categories, c.category),
        "folder": c.folder,
        "folder_name": name_of(&shop.folders, c.folder),
    })
}

/// `prefix` followed by at least one ASCII digit and nothing else (§3: `cam_12345`).
pub(crate) fn is_prefixed_id(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix)
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(result: V3Result) -> Vec<String> {
        let payload = result.unwrap();
        payload["coupon_info"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["ID"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn list_filters_combine() {
        let shop = Shop::demo();
        assert_eq!(ids(list(&shop, &Params::default())).len(), 6);
        assert_eq!(
            ids(list(&shop, &Params::from_pairs(&[("only_active", "true")]))).len(),
            5
        );
        assert_eq!(
            ids(list(&shop, &Params::from_pairs(&[("only_active", "0")]))).len(),
            6
        );
        assert_eq!(
            ids(list(
                &shop,
                &Params::from_pairs(&[("tags", "Discount, nothing")])
            )),
            ["cam_104212", "cam_104215"]
        );
        assert_eq!(
            ids(list(&shop, &Params::from_pairs(&[("category", "cat_33")]))),
            ["cam_104213", "cam_104214"]
        );
        assert_eq!(
            ids(list(
                &shop,
                &Params::from_pairs(&[("folder", "1203"), ("only_active", "1")])
            ))
            .len(),
            0
        );
        assert_eq!(
            ids(list(&shop, &Params::from_pairs(&[("category", "cat_999")]))).len(),
            0
        );
    }

    #[test]
    fn unknown_folder_is_515() {
        let err = list(&Shop::demo(), &Params::from_pairs(&[("folder", "42")])).unwrap_err();
        assert_eq!(err, V3Error::new(515, "Folder not found."));
    }

    #[test]
    fn info_errors_follow_the_docs() {
        let shop = Shop::demo();
        assert_eq!(info(&shop, &Params::default()).unwrap_err().code, 200);
        for bad in ["104211", "cam_", "cam_12a", "dir_7001", "cam_1 "] {
            let err = info(&shop, &Params::from_pairs(&[("campaign", bad)])).unwrap_err();
            assert_eq!(err.code, 301, "{bad}");
        }
        let err = info(&shop, &Params::from_pairs(&[("campaign", "cam_1")])).unwrap_err();
        assert_eq!(err, V3Error::new(502, "Campaign ID not found."));
        let ok = info(&shop, &Params::from_pairs(&[("campaign", "cam_104215")])).unwrap();
        assert_eq!(ok["coupon_info"]["status"], "inactive");
        assert_eq!(ok["coupon_info"]["url"], "https://digicpn.com/p/ss25zy");
    }
}
