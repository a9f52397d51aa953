//! The demo shop's customers, for practice mode: a few a minute open a coupon of an active
//! campaign, some claim one they opened, some use one they claimed — so Today has something to
//! show. Off unless `SandboxConfig::customers_per_minute` asks for it: tests see only what they
//! make themselves.

use std::collections::VecDeque;
use std::time::Duration;

use rand::Rng;

use super::control::SandboxControl;

/// Runs until the task is aborted (the sandbox stops). The customers only ever touch coupons
/// they opened themselves, so a person practising never sees their own coupon used by someone.
pub(crate) async fn simulate(control: SandboxControl, per_minute: u32) {
    let every = Duration::from_secs_f64(60.0 / f64::from(per_minute.max(1)));
    let campaigns = control.active_campaigns();
    if campaigns.is_empty() {
        return;
    }
    let mut opened: VecDeque<String> = VecDeque::new();
    let mut claimed: VecDeque<String> = VecDeque::new();
    loop {
        // Customers do not come on the second: between half and one and a half of the gap.
        let wait = every.mul_f64(rand::rng().random_range(0.5..1.5));
        tokio::time::sleep(wait).await;
        let (campaign, roll) = {
            let mut rng = rand::rng();
            (
                campaigns[rng.random_range(0..campaigns.len())].clone(),
                rng.random_range(0..10),
            )
        };
        // Half the visits open a new coupon, three in ten claim one, two in ten use one.
        let done = match roll {
            5..=7 => opened.pop_front().is_some_and(|code| {
                let ok = control.customer_claims(&code);
                if ok {
                    claimed.push_back(code);
                }
                ok
            }),
            8..=9 => claimed
                .pop_front()
                .is_some_and(|code| control.customer_uses(&code)),
            _ => false,
        };
        if !done {
            if let Some(code) = control.customer_opens(&campaign) {
                opened.push_back(code);
            }
        }
        // A long practice session keeps only a day's worth of customers in mind.
        opened.truncate(1_000);
        claimed.truncate(1_000);
    }
}
