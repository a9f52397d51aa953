//! What a test or benchmark may ask of and do to the directories.

use crate::control::SandboxControl;
use crate::directories::*;
use crate::seed::generated_members;
use std::sync::atomic::Ordering;

impl SandboxControl {
    /// Members of a directory (None for an unknown one).
    pub fn directory_member_count(&self, directory: &str) -> Option<usize> {
        let dirs = self.shared().directories.store();
        dirs.iter()
            .find(|d| d.id == directory)
            .map(|d| d.members.len())
    }

    /// A member's payment fields (`reg_…` or its digits).
    pub fn directory_member_payment(
        &self,
        directory: &str,
        member: &str,
    ) -> Option<PaymentSnapshot> {
        let digits = member.strip_prefix("reg_").unwrap_or(member);
        let dirs = self.shared().directories.store();
        let m = dirs
            .iter()
            .find(|d| d.id == directory)?
            .members
            .iter()
            .find(|m| m.id.to_string() == digits)?;
        Some(PaymentSnapshot {
            status: m.payment_status.clone(),
            confirmation_id: m.payment_confirmation_id.clone(),
            confirmation_account: m.payment_confirmation_account.clone(),
        })
    }

    /// Adds a directory of `members` generated members (for paging tests and benchmarks) and
    /// returns its `dir_…` ID; None when the store is full.
    pub fn add_directory(&self, name: &str, members: u32) -> Option<String> {
        let mut dirs = self.shared().directories.store();
        if dirs.len() >= MAX_DIRECTORIES {
            return None;
        }
        let n = FIRST_ADDED_DIRECTORY + dirs.len() as u32;
        let first = FIRST_ADDED_MEMBER + (dirs.len() as u32) * 1_000_000;
        let id = format!("dir_{n}");
        dirs.push(Dir {
            id: id.clone(),
            code: format!("add{n:03}"),
            name: name.to_owned(),
            campaigns: Vec::new(),
            members: generated_members(first, members.min(MAX_MEMBERS))
                .iter()
                .map(Member::from)
                .collect(),
        });
        Some(id)
    }

    /// On: `directoryusers/list`'s `amount_of_users` counts the users of the page only (the
    /// seed's one-user example cannot tell which the real API does).
    pub fn set_directory_count_per_page(&self, on: bool) {
        self.shared()
            .directories
            .count_per_page
            .store(on, Ordering::Relaxed);
    }

    /// Off: `category/main/list` answers `{}`, as for an account without 3rd-level categories.
    pub fn set_third_level_categories(&self, on: bool) {
        self.shared()
            .update_settings(|s| s.third_level_categories = on);
    }
}
