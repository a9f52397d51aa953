//! What a test or benchmark may ask of and do to the loyalty cards and their members.

use crate::control::SandboxControl;
use crate::loyalty_members::*;
use std::sync::atomic::Ordering;

impl SandboxControl {
    /// On: every /v4 request is answered 401 (as for keys v4 does not accept) while v3 keeps
    /// working, so the app's v3 fallback can be tried.
    pub fn set_v4_refused(&self, refused: bool) {
        self.shared()
            .loyalty
            .v4_refused
            .store(refused, Ordering::Relaxed);
    }

    /// One member of a loyalty card (v4 IDs; the digits of `loy_…` / `lus_…`), voided or not.
    pub fn loyalty_member(&self, card_id: u64, member_id: u64) -> Option<MemberSnapshot> {
        let store = self.shared().loyalty.store();
        let member = store.member(card_id, member_id).ok()?;
        Some(MemberSnapshot {
            stamps: member.stamps,
            voided: member.voided,
            rewards_used: member
                .rewards
                .iter()
                .filter(|r| r.used)
                .map(|r| r.id)
                .collect(),
            rewards_total: member.rewards.len(),
        })
    }

    /// On: phone numbers are stored as digits (see `Loyalty::phones_as_digits`).
    pub fn set_phones_as_digits(&self, on: bool) {
        self.shared()
            .loyalty
            .phones_as_digits
            .store(on, Ordering::Relaxed);
    }

    /// Members of a card with this e-mail address (any case), voided ones included.
    pub fn loyalty_members_with_email(&self, card_id: u64, email: &str) -> usize {
        let store = self.shared().loyalty.store();
        store.card(card_id).map_or(0, |card| {
            card.visible(true)
                .filter(|m| m.email.eq_ignore_ascii_case(email.trim()))
                .count()
        })
    }

    /// Another till adds stamps to a member, as its own v4 call would (a second writer for
    /// the tests). False when the member is unknown or voided.
    pub fn add_loyalty_stamps(&self, card_id: u64, member_id: u64, amount: u32) -> bool {
        self.shared()
            .loyalty
            .store()
            .add_stamps(card_id, member_id, amount)
            .is_ok()
    }

    /// Members of a card (0 for an unknown card); voided ones only when asked.
    pub fn loyalty_member_count(&self, card_id: u64, include_voided: bool) -> usize {
        let store = self.shared().loyalty.store();
        store
            .card(card_id)
            .map_or(0, |card| card.visible(include_voided).count())
    }

    /// Every push notification "sent" through v3 or v4, oldest first.
    pub fn pushes_sent(&self) -> Vec<PushSent> {
        self.shared().loyalty.store().pushes.clone()
    }
}
