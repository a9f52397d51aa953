//! End-to-end, in the real window (practice mode): the Campaigns list filtered by tags,
//! category and folder — each filter answered by Coupontools' own `coupon/list`, the choices
//! filled from what the listed campaigns carry.

#[path = "support/desk.rs"]
#[allow(dead_code)]
mod desk;
#[path = "support/steps.rs"]
mod steps;

use coupon_desk::api::CampaignFilter;
use desk::Desk;
use steps::{choose, practice_client, practice_on};

/// The campaign IDs the campaign picker offers, once it has settled on `expected` of them.
async fn listed(desk: &Desk, expected: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + desk::TIMEOUT;
    loop {
        let ids: Vec<String> = serde_json::from_value(
            desk.client
                .execute(
                    "return [...document.querySelectorAll('#campaigns-campaign option')].map(o => o.value).filter(v => v.startsWith('cam_'));",
                    vec![],
                )
                .await
                .unwrap(),
        )
        .unwrap();
        if ids.len() == expected {
            return ids;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "expected {expected} campaigns, the list has {ids:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
}

fn ids(list: Vec<coupon_desk::api::Campaign>) -> Vec<String> {
    let mut ids: Vec<String> = list.into_iter().map(|c| c.id).collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "end-to-end: needs tauri-driver and a display; run scripts/test.sh"]
async fn the_campaign_list_is_filtered_by_tags_category_and_folder() {
    let desk = Desk::launch("campaign-filters").await;
    practice_on(&desk, "campaigns").await;
    let practice = practice_client(&desk);
    let all_active = practice
        .campaigns()
        .list(&CampaignFilter {
            only_active: true,
            ..CampaignFilter::default()
        })
        .await
        .unwrap();
    listed(&desk, all_active.len()).await;

    // Category: the choices are the categories the campaigns carry, by name.
    let category = all_active
        .iter()
        .find(|c| c.id == "cam_104250")
        .expect("the Lunch deal")
        .category
        .clone();
    let options = desk.text("#campaigns-category").await;
    assert!(options.contains("Discounts"), "{options}");
    choose(&desk, "#campaigns-category", &category).await;
    let by_category = ids(practice
        .campaigns()
        .list(&CampaignFilter {
            only_active: true,
            category: Some(category.clone()),
            ..CampaignFilter::default()
        })
        .await
        .unwrap());
    assert!(by_category.len() < all_active.len());
    let mut shown = listed(&desk, by_category.len()).await;
    shown.sort();
    assert_eq!(shown, by_category);
    desk.wait_text("#campaigns-filter-note", "how many match", |t| {
        t.starts_with(&format!("{} of {}", by_category.len(), all_active.len()))
    })
    .await;

    // And a folder on top: both filters apply.
    choose(&desk, "#campaigns-folder", "1201").await;
    let both = ids(practice
        .campaigns()
        .list(&CampaignFilter {
            only_active: true,
            category: Some(category.clone()),
            folder: Some("1201".into()),
            ..CampaignFilter::default()
        })
        .await
        .unwrap());
    let mut shown = listed(&desk, both.len()).await;
    shown.sort();
    assert_eq!(shown, both);

    // Tags, typed: Enter applies them.
    desk.click("#campaigns-clear-filters").await;
    listed(&desk, all_active.len()).await;
    let tags = desk.find("#campaigns-tags").await;
    tags.send_keys("birthday, lunch\u{E007}").await.unwrap();
    let tagged = ids(practice
        .campaigns()
        .list(&CampaignFilter {
            only_active: true,
            tags: Some("birthday,lunch".into()),
            ..CampaignFilter::default()
        })
        .await
        .unwrap());
    let mut shown = listed(&desk, tagged.len()).await;
    shown.sort();
    assert_eq!(shown, tagged);
    assert!(shown.contains(&"cam_104250".to_owned()), "{shown:?}");
    desk.screenshot_at("#campaigns", "campaign-filters").await;

    // A tag with characters a tag cannot hold is refused at the field, in words.
    desk.fill("#campaigns-tags", "lunch<script>\u{E007}").await;
    desk.wait_visible("#campaigns-tags[aria-invalid='true']")
        .await;
    desk.close().await;
}
