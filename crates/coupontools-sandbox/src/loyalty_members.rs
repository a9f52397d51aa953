//! The loyalty cards and their members, shared by the v4 REST routes and the v3 loyalty calls:
//! one store, so a member added over v4 (integer `id`) is the v3 holder `lus_<id>`, and stamps
//! added on one side show on the other.
//!
//! Sandbox decisions where the API reference (§0.5, §6, §10) is silent:
//! - Stamps accumulate and are never taken away when a reward appears. On a card with
//!   `amount_of_stamps` N > 0 (a stamp card), each time the count reaches a multiple of N one
//!   reward `{id, name: "<card's reward>", used: false}` is added. Seeded members get the rewards
//!   their seeded stamps earned. Cards with N = 0 (membership, points) never make rewards.
//! - Using rewards is all or nothing: an unknown or already used reward ID refuses the request.
//! - A voided member keeps stamps and rewards, cannot get stamps or use rewards, is left out
//!   of lists (unless asked) and of "push to all". Deleting removes a member for good.
//! - Member, reward and copied-card IDs count up from fixed starting points: deterministic.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use super::lock::lock;
use super::seed::Shop;

/// First ID handed to a member created through the API.
const FIRST_NEW_MEMBER_ID: u64 = 2_000_001;
/// First ID handed to a reward.
const FIRST_REWARD_ID: u64 = 3_000_001;
/// First ID handed to a copied card.
const FIRST_COPIED_CARD_ID: u64 = 49_001;
/// Pushes remembered for `SandboxControl::pushes_sent`; older ones are forgotten.
const MAX_REMEMBERED_PUSHES: usize = 1_000;
/// Cards the store keeps at most; copying beyond this is refused (keeps memory bounded).
pub(crate) const MAX_CARDS: usize = 200;
/// Members one card holds at most; creating beyond this is refused.
pub(crate) const MAX_MEMBERS_PER_CARD: usize = 50_000;
/// Characters a push notification may hold (v3 and v4 alike).
pub(crate) const MAX_PUSH_CHARS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reward {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) used: bool,
}

/// The editable text fields of a member, as v4 names them (`custom_1` … `custom_8`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MemberText {
    pub(crate) first_name: Option<String>,
    pub(crate) last_name: Option<String>,
    pub(crate) address: Option<String>,
    pub(crate) zip: Option<String>,
    pub(crate) city: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) custom: [Option<String>; 8],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member {
    pub(crate) id: u64,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    pub(crate) address: String,
    pub(crate) zip: String,
    pub(crate) city: String,
    pub(crate) phone: String,
    pub(crate) email: String,
    pub(crate) custom: [String; 8],
    // v3-only fields (seed 000).
    pub(crate) gender: String,
    pub(crate) age_range: String,
    pub(crate) profile_picture: String,
    pub(crate) social_type: String,
    pub(crate) subscribed_for_marketing: bool,
    pub(crate) stamps: u32,
    pub(crate) rewards: Vec<Reward>,
    pub(crate) voided: bool,
    pub(crate) created_at: OffsetDateTime,
}

impl Member {
    fn apply(&mut self, text: &MemberText) {
        let set = |field: &mut String, value: &Option<String>| {
            if let Some(value) = value {
                *field = value.clone();
            }
        };
        set(&mut self.first_name, &text.first_name);
        set(&mut self.last_name, &text.last_name);
        set(&mut self.address, &text.address);
        set(&mut self.zip, &text.zip);
        set(&mut self.city, &text.city);
        set(&mut self.phone, &text.phone);
        set(&mut self.email, &text.email);
        for (field, value) in self.custom.iter_mut().zip(&text.custom) {
            set(field, value);
        }
    }

    /// `filter[search]` and v3 search: name, e-mail, phone or ID, any case, part of the text.
    pub(crate) fn matches(&self, needle_lower: &str) -> bool {
        if needle_lower.is_empty() {
            return true;
        }
        let full = format!("{} {}", self.first_name, self.last_name).to_lowercase();
        full.contains(needle_lower)
            || self.email.to_lowercase().contains(needle_lower)
            || (!self.phone.is_empty() && self.phone.to_lowercase().contains(needle_lower))
            || self.id.to_string().contains(needle_lower)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Card {
    pub(crate) id: u64,
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) v3_type: String,
    pub(crate) v4_type: String,
    pub(crate) domain: String,
    /// Stamps per reward; 0 = the card makes no rewards.
    pub(crate) amount_of_stamps: u32,
    /// Ordered by ID: lists page through a stable order.
    pub(crate) members: BTreeMap<u64, Member>,
}

impl Card {
    pub(crate) fn v3_id(&self) -> String {
        format!("loy_{}", self.id)
    }

    pub(crate) fn url(&self) -> String {
        format!("https://loyaltycard.mobi/ac/{}", self.code)
    }

    fn reward_name(&self) -> String {
        format!("{}: full card reward", self.name)
    }

    pub(crate) fn visible(&self, include_voided: bool) -> impl Iterator<Item = &Member> {
        self.members
            .values()
            .filter(move |m| include_voided || !m.voided)
    }
}

/// A push notification the sandbox "sent".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSent {
    /// The v4 integer card ID (also the digits of `loy_…`).
    pub card_id: u64,
    /// Member IDs it went to (digits of `lus_…`), in ID order.
    pub recipients: Vec<u64>,
    pub message: String,
    /// "v4", "v3 single" or "v3 all".
    pub via: &'static str,
}

/// What a test reads back about one member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSnapshot {
    pub stamps: u32,
    pub voided: bool,
    /// IDs of the member's rewards marked used.
    pub rewards_used: Vec<u64>,
    /// All of the member's rewards, used or not.
    pub rewards_total: usize,
}

/// Why the store refused a change (the routes turn it into a 404 / 422 or a v3 code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StoreError {
    CardNotFound,
    MemberNotFound,
    Invalid(String),
}

pub(crate) struct LoyaltyStore {
    cards: Vec<Card>,
    next_member_id: u64,
    next_reward_id: u64,
    next_card_id: u64,
    pub(crate) pushes: Vec<PushSent>,
}

impl LoyaltyStore {
    pub(crate) fn from_shop(shop: &Shop) -> LoyaltyStore {
        let mut store = LoyaltyStore {
            cards: Vec::new(),
            next_member_id: FIRST_NEW_MEMBER_ID,
            next_reward_id: FIRST_REWARD_ID,
            next_card_id: FIRST_COPIED_CARD_ID,
            pushes: Vec::new(),
        };
        let base = datetime!(2025-01-06 09:00:00 UTC);
        for seeded in &shop.loyalty_cards {
            let mut card = Card {
                id: u64::from(seeded.id),
                code: seeded.code.to_owned(),
                name: seeded.name.to_owned(),
                v3_type: seeded.v3_type.to_owned(),
                v4_type: seeded.v4_type.to_owned(),
                domain: seeded.domain.to_owned(),
                amount_of_stamps: seeded.amount_of_stamps,
                members: BTreeMap::new(),
            };
            for (n, user) in seeded.users.iter().enumerate() {
                let mut member = Member {
                    id: u64::from(user.id),
                    first_name: user.first_name.to_owned(),
                    last_name: user.last_name.to_owned(),
                    address: String::new(),
                    zip: String::new(),
                    city: String::new(),
                    phone: user.phone.to_owned(),
                    email: user.email.clone(),
                    custom: Default::default(),
                    gender: user.gender.to_owned(),
                    age_range: user.age_range.to_owned(),
                    profile_picture: user.profile_picture.to_owned(),
                    social_type: user.social_type.to_owned(),
                    subscribed_for_marketing: user.subscribed_for_marketing,
                    stamps: 0,
                    rewards: Vec::new(),
                    voided: false,
                    created_at: base + Duration::minutes(n as i64),
                };
                store.set_stamps_of(&card, &mut member, user.stamps);
                card.members.insert(member.id, member);
            }
            store.cards.push(card);
        }
        store
    }

    pub(crate) fn cards(&self) -> &[Card] {
        &self.cards
    }

    pub(crate) fn card(&self, id: u64) -> Result<&Card, StoreError> {
        self.cards
            .iter()
            .find(|c| c.id == id)
            .ok_or(StoreError::CardNotFound)
    }

    fn card_mut(&mut self, id: u64) -> Result<&mut Card, StoreError> {
        self.cards
            .iter_mut()
            .find(|c| c.id == id)
            .ok_or(StoreError::CardNotFound)
    }

    pub(crate) fn member(&self, card: u64, member: u64) -> Result<&Member, StoreError> {
        self.card(card)?
            .members
            .get(&member)
            .ok_or(StoreError::MemberNotFound)
    }

    /// A new card with the same type and stamp rule, no members.
    pub(crate) fn copy_card(&mut self, id: u64, name: Option<String>) -> Result<Card, StoreError> {
        let original = self.card(id)?.clone();
        if self.cards.len() >= MAX_CARDS {
            return Err(StoreError::Invalid(
                "The sandbox holds no more loyalty cards.".into(),
            ));
        }
        let new_id = self.next_card_id;
        self.next_card_id += 1;
        let card = Card {
            id: new_id,
            code: format!("cp{:04}", new_id % 10_000),
            name: name.unwrap_or_else(|| format!("Copy of {}", original.name)),
            members: BTreeMap::new(),
            ..original
        };
        self.cards.push(card.clone());
        Ok(card)
    }

    /// `now`: the server's clock, to the second.
    pub(crate) fn create_member(
        &mut self,
        card: u64,
        text: &MemberText,
        now: OffsetDateTime,
    ) -> Result<Member, StoreError> {
        let id = self.next_member_id;
        let card = self.card_mut(card)?;
        if card.members.len() >= MAX_MEMBERS_PER_CARD {
            return Err(StoreError::Invalid(
                "This sandbox card holds no more members.".into(),
            ));
        }
        let mut member = Member {
            id,
            first_name: String::new(),
            last_name: String::new(),
            address: String::new(),
            zip: String::new(),
            city: String::new(),
            phone: String::new(),
            email: String::new(),
            custom: Default::default(),
            gender: "unknown".into(),
            age_range: String::new(),
            profile_picture: String::new(),
            social_type: String::new(),
            subscribed_for_marketing: false,
            stamps: 0,
            rewards: Vec::new(),
            voided: false,
            created_at: now,
        };
        member.apply(text);
        card.members.insert(id, member.clone());
        self.next_member_id += 1;
        Ok(member)
    }

    pub(crate) fn update_member(
        &mut self,
        card: u64,
        member: u64,
        text: &MemberText,
    ) -> Result<Member, StoreError> {
        let member = self
            .card_mut(card)?
            .members
            .get_mut(&member)
            .ok_or(StoreError::MemberNotFound)?;
        member.apply(text);
        Ok(member.clone())
    }

    /// Adds `amount` stamps (≥ 1) and the rewards they complete.
    pub(crate) fn add_stamps(
        &mut self,
        card: u64,
        member: u64,
        amount: u32,
    ) -> Result<Member, StoreError> {
        let current = self.member(card, member)?;
        if current.voided {
            return Err(StoreError::Invalid(
                "This member's card is voided: it takes no stamps.".into(),
            ));
        }
        let target = current.stamps.saturating_add(amount);
        self.set_stamps(card, member, target)
    }

    /// Sets the stamp count (v3 `loyaltyusers/update`); going up completes rewards on the way.
    pub(crate) fn set_stamps(
        &mut self,
        card: u64,
        member: u64,
        stamps: u32,
    ) -> Result<Member, StoreError> {
        let card_index = self
            .cards
            .iter()
            .position(|c| c.id == card)
            .ok_or(StoreError::CardNotFound)?;
        let mut updated = self.cards[card_index]
            .members
            .get(&member)
            .cloned()
            .ok_or(StoreError::MemberNotFound)?;
        let card_copy_for_rules = CardRule {
            per_reward: self.cards[card_index].amount_of_stamps,
            reward_name: self.cards[card_index].reward_name(),
        };
        self.apply_stamps(&card_copy_for_rules, &mut updated, stamps);
        self.cards[card_index]
            .members
            .insert(member, updated.clone());
        Ok(updated)
    }

    fn set_stamps_of(&mut self, card: &Card, member: &mut Member, stamps: u32) {
        let rule = CardRule {
            per_reward: card.amount_of_stamps,
            reward_name: card.reward_name(),
        };
        self.apply_stamps(&rule, member, stamps);
    }

    fn apply_stamps(&mut self, rule: &CardRule, member: &mut Member, stamps: u32) {
        if rule.per_reward > 0 && stamps > member.stamps {
            let earned = stamps / rule.per_reward - member.stamps / rule.per_reward;
            for _ in 0..earned {
                member.rewards.push(Reward {
                    id: self.next_reward_id,
                    name: rule.reward_name.clone(),
                    used: false,
                });
                self.next_reward_id += 1;
            }
        }
        member.stamps = stamps;
    }

    /// Marks the rewards used: all of them, or none when one is unknown or already used.
    pub(crate) fn use_rewards(
        &mut self,
        card: u64,
        member: u64,
        reward_ids: &[u64],
    ) -> Result<Member, StoreError> {
        let member = self
            .card_mut(card)?
            .members
            .get_mut(&member)
            .ok_or(StoreError::MemberNotFound)?;
        if member.voided {
            return Err(StoreError::Invalid(
                "This member's card is voided: its rewards cannot be used.".into(),
            ));
        }
        for (n, id) in reward_ids.iter().enumerate() {
            if reward_ids[..n].contains(id) {
                return Err(StoreError::Invalid(format!("Reward {id} is listed twice.")));
            }
            match member.rewards.iter().find(|r| r.id == *id) {
                None => {
                    return Err(StoreError::Invalid(format!(
                        "Reward {id} does not belong to this member."
                    )))
                }
                Some(r) if r.used => {
                    return Err(StoreError::Invalid(format!(
                        "Reward {id} was already used."
                    )))
                }
                Some(_) => {}
            }
        }
        for reward in member.rewards.iter_mut() {
            if reward_ids.contains(&reward.id) {
                reward.used = true;
            }
        }
        Ok(member.clone())
    }

    pub(crate) fn set_voided(
        &mut self,
        card: u64,
        member: u64,
        voided: bool,
    ) -> Result<Member, StoreError> {
        let member = self
            .card_mut(card)?
            .members
            .get_mut(&member)
            .ok_or(StoreError::MemberNotFound)?;
        member.voided = voided;
        Ok(member.clone())
    }

    pub(crate) fn delete_member(&mut self, card: u64, member: u64) -> Result<(), StoreError> {
        self.card_mut(card)?
            .members
            .remove(&member)
            .map(|_| ())
            .ok_or(StoreError::MemberNotFound)
    }

    /// Records a push to `recipients` (None = every member whose card is not voided) and
    /// returns who got it.
    pub(crate) fn push(
        &mut self,
        card: u64,
        message: &str,
        recipients: Option<&[u64]>,
        via: &'static str,
    ) -> Result<Vec<u64>, StoreError> {
        let card_ref = self.card(card)?;
        let to: Vec<u64> = match recipients {
            None => card_ref.visible(false).map(|m| m.id).collect(),
            Some(ids) => {
                if let Some(unknown) = ids.iter().find(|id| !card_ref.members.contains_key(id)) {
                    return Err(StoreError::Invalid(format!(
                        "Member {unknown} does not hold this card."
                    )));
                }
                let mut ids = ids.to_vec();
                ids.sort_unstable();
                ids.dedup();
                ids
            }
        };
        if self.pushes.len() >= MAX_REMEMBERED_PUSHES {
            self.pushes.remove(0);
        }
        self.pushes.push(PushSent {
            card_id: card,
            recipients: to.clone(),
            message: message.to_owned(),
            via,
        });
        Ok(to)
    }
}

struct CardRule {
    per_reward: u32,
    reward_name: String,
}

/// The store and the switch that refuses v4, as `Shared` holds them.
pub(crate) struct Loyalty {
    store: Mutex<LoyaltyStore>,
    pub(crate) v4_refused: AtomicBool,
    /// On: phone numbers are stored as their digits (with a leading `+` kept), as a server
    /// that normalises them would, so a client comparing them byte for byte misses them.
    pub(crate) phones_as_digits: AtomicBool,
}

impl Loyalty {
    pub(crate) fn new(shop: &Shop) -> Loyalty {
        Loyalty {
            store: Mutex::new(LoyaltyStore::from_shop(shop)),
            v4_refused: AtomicBool::new(false),
            phones_as_digits: AtomicBool::new(false),
        }
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, LoyaltyStore> {
        lock(&self.store)
    }

    pub(crate) fn v4_refused(&self) -> bool {
        self.v4_refused.load(Ordering::Relaxed)
    }

    /// A phone as this server stores it (see `phones_as_digits`).
    pub(crate) fn stored_phone(&self, phone: &str) -> String {
        if !self.phones_as_digits.load(Ordering::Relaxed) {
            return phone.to_owned();
        }
        let plus = phone.trim_start().starts_with('+');
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        if plus {
            format!("+{digits}")
        } else {
            digits
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> LoyaltyStore {
        LoyaltyStore::from_shop(&Shop::demo())
    }

    #[test]
    fn seeded_stamps_come_with_their_rewards() {
        let s = store();
        // Noah: 8 stamps on the 8-stamp coffee card.
        let noah = s.member(48213, 910004).unwrap();
        assert_eq!((noah.stamps, noah.rewards.len()), (8, 1));
        assert!(!noah.rewards[0].used);
        let emma = s.member(48213, 910001).unwrap();
        assert!(emma.rewards.is_empty());
        assert_eq!(s.card(48216).unwrap().members.len(), 10_000);
    }

    #[test]
    fn stamps_accumulate_and_complete_rewards_at_each_multiple() {
        let mut s = store();
        // Lucas has 7 of 8.
        let m = s.add_stamps(48213, 910002, 1).unwrap();
        assert_eq!((m.stamps, m.rewards.len()), (8, 1));
        let m = s.add_stamps(48213, 910002, 17).unwrap();
        assert_eq!((m.stamps, m.rewards.len()), (25, 3));
        // Membership cards make no rewards.
        let m = s.add_stamps(48214, 910101, 50).unwrap();
        assert_eq!((m.stamps, m.rewards.len()), (50, 0));
        // Setting a lower count keeps the rewards.
        let m = s.set_stamps(48213, 910002, 2).unwrap();
        assert_eq!((m.stamps, m.rewards.len()), (2, 3));
    }

    #[test]
    fn using_rewards_is_all_or_nothing() {
        let mut s = store();
        let reward = s.member(48213, 910004).unwrap().rewards[0].id;
        assert!(matches!(
            s.use_rewards(48213, 910004, &[reward, 1]),
            Err(StoreError::Invalid(_))
        ));
        assert!(!s.member(48213, 910004).unwrap().rewards[0].used);
        let m = s.use_rewards(48213, 910004, &[reward]).unwrap();
        assert!(m.rewards[0].used);
        assert!(matches!(
            s.use_rewards(48213, 910004, &[reward]),
            Err(StoreError::Invalid(text)) if text.contains("already used")
        ));
    }

    #[test]
    fn voided_members_are_hidden_and_take_no_stamps() {
        let mut s = store();
        s.set_voided(48213, 910001, true).unwrap();
        let card = s.card(48213).unwrap();
        assert_eq!(card.visible(false).count(), 4);
        assert_eq!(card.visible(true).count(), 5);
        assert!(matches!(
            s.add_stamps(48213, 910001, 1),
            Err(StoreError::Invalid(_))
        ));
        let to = s.push(48213, "Hello", None, "v4").unwrap();
        assert!(!to.contains(&910001));
    }

    #[test]
    fn create_copy_delete() {
        let mut s = store();
        let m = s
            .create_member(
                48214,
                &MemberText {
                    first_name: Some("Ann".into()),
                    ..MemberText::default()
                },
                OffsetDateTime::now_utc(),
            )
            .unwrap();
        assert_eq!(m.id, FIRST_NEW_MEMBER_ID);
        assert_eq!(s.member(48214, m.id).unwrap().first_name, "Ann");
        s.delete_member(48214, m.id).unwrap();
        assert_eq!(s.member(48214, m.id), Err(StoreError::MemberNotFound));
        let copy = s.copy_card(48213, None).unwrap();
        assert_eq!(copy.name, "Copy of Coffee stamp card");
        assert!(copy.members.is_empty());
        assert_eq!(s.card(copy.id).unwrap().amount_of_stamps, 8);
        assert_eq!(s.copy_card(1, None).unwrap_err(), StoreError::CardNotFound);
    }

    #[test]
    fn search_matches_name_email_phone_and_id_in_any_case() {
        let s = store();
        let card = s.card(48213).unwrap();
        let hits = |needle: &str| {
            card.members
                .values()
                .filter(|m| m.matches(&needle.to_lowercase()))
                .map(|m| m.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(hits("EMMA"), vec![910001]);
        assert_eq!(hits("emma peeters"), vec![910001]);
        assert_eq!(hits("olivia.maes@"), vec![910003]);
        assert_eq!(hits("998877"), vec![910003]);
        assert_eq!(hits("910005"), vec![910005]);
        assert!(hits("nobody").is_empty());
    }
}
