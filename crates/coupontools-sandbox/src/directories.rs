//! Directories and their members with state: payment statuses change through
//! `directoryusers/update`, and a test or benchmark can add a directory of any size.
//!
//! Sandbox decisions where the API reference (§5.7, §10) is silent:
//! - `directory/list|info` show `{ID, name, url, status, amount_of_users}`; the URL is
//!   `https://digicpn.com/d/<code>`; every seeded directory is `active`.
//! - `directory/campaigns` lists the shop's campaigns the directory shows.
//! - Directories the store holds at most: [`MAX_DIRECTORIES`]; members per directory at most
//!   [`MAX_MEMBERS`] (keeps memory bounded).
//! - `category/main/list` answers `{}` while `set_third_level_categories(false)` (or
//!   `third_level_categories: false` in `/_sandbox/settings`) is in force, as for an account
//!   that does not use 3rd-level categories.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::lock::lock;
use super::seed::{DirectoryUser, Shop};

pub(crate) const MAX_DIRECTORIES: usize = 100;
pub(crate) const MAX_MEMBERS: u32 = 200_000;
/// First `dir_` number handed to a directory a test adds.
pub(crate) const FIRST_ADDED_DIRECTORY: u32 = 7_101;
/// First `reg_` number of the members of an added directory (each gets its own million).
pub(crate) const FIRST_ADDED_MEMBER: u32 = 1_000_001;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member {
    /// The digits of `reg_…`.
    pub(crate) id: u32,
    pub(crate) last_seen: String,
    pub(crate) amount_of_logins: u32,
    pub(crate) email: String,
    pub(crate) phone: String,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    pub(crate) gender: String,
    pub(crate) birthday: String,
    pub(crate) age_range: String,
    pub(crate) payment_status: String,
    pub(crate) payment_confirmation_id: String,
    pub(crate) payment_confirmation_account: String,
}

impl From<&DirectoryUser> for Member {
    fn from(u: &DirectoryUser) -> Member {
        Member {
            id: u.id,
            last_seen: u.last_seen.clone(),
            amount_of_logins: u.amount_of_logins,
            email: u.email.clone(),
            phone: u.phone.clone(),
            first_name: u.first_name.to_owned(),
            last_name: u.last_name.to_owned(),
            gender: u.gender.to_owned(),
            birthday: u.birthday.clone(),
            age_range: u.age_range.to_owned(),
            payment_status: u.payment_status.to_owned(),
            payment_confirmation_id: u.payment_confirmation_id.clone(),
            payment_confirmation_account: u.payment_confirmation_account.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dir {
    /// `dir_` + digits.
    pub(crate) id: String,
    pub(crate) code: String,
    pub(crate) name: String,
    /// Campaign IDs of the shop shown in the directory.
    pub(crate) campaigns: Vec<String>,
    /// Oldest registration first.
    pub(crate) members: Vec<Member>,
}

impl Dir {
    pub(crate) fn url(&self) -> String {
        format!("https://digicpn.com/d/{}", self.code)
    }
}

pub(crate) struct Directories {
    dirs: Mutex<Vec<Dir>>,
    pub(crate) count_per_page: AtomicBool,
}

/// Which campaigns each seeded directory shows.
fn seeded_campaigns(id: &str) -> &'static [&'static str] {
    match id {
        "dir_7001" => &["cam_104211", "cam_104212", "cam_104214"],
        "dir_7002" => &["cam_104213"],
        "dir_7003" => &["cam_104211", "cam_104215"],
        _ => &[],
    }
}

impl Directories {
    pub(crate) fn new(shop: &Shop) -> Directories {
        let dirs = shop
            .directories
            .iter()
            .map(|d| Dir {
                id: d.id.to_owned(),
                code: d.code.to_owned(),
                name: d.name.to_owned(),
                campaigns: seeded_campaigns(d.id)
                    .iter()
                    .map(|c| (*c).to_owned())
                    .collect(),
                members: d.users.iter().map(Member::from).collect(),
            })
            .collect();
        Directories {
            dirs: Mutex::new(dirs),
            count_per_page: AtomicBool::new(false),
        }
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Vec<Dir>> {
        lock(&self.dirs)
    }

    pub(crate) fn count_per_page(&self) -> bool {
        self.count_per_page.load(Ordering::Relaxed)
    }
}

/// A member's payment fields as the sandbox holds them now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentSnapshot {
    pub status: String,
    pub confirmation_id: String,
    pub confirmation_account: String,
}
