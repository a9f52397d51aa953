//! The directory handler, `client.directories()`: directories, their campaigns, their members
//! (every page of 100, several pages at a time) and a member's payment status (§5.7, §10).
//!
//! Reads are retried after transient failures; `update_payment` never is: after a lost reply
//! the error is `OutcomeUnknown`, and the caller re-reads the member (`find_user`) first.

use std::collections::HashSet;

use futures_util::{stream, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};

use super::client::Client;
use super::coupons::Campaign;
use super::directory_members::{DirectoryUser, DirectoryUsersPage, DIRECTORY_PAGE_SIZE};
use super::endpoints::Endpoint;
use super::error::ApiError;
use super::lenient;
use super::validate::{self, FieldProblem, PaymentStatus};

/// Pages `all_users` reads at most, should a server ignore the page number and never run dry
/// (1 000 000 members).
const MAX_PAGES: u32 = 10_000;
/// Pages asked for at once when the caller does not say: as many as the account's limiter
/// lets go (it starts at 4, §10 "Rate limits", and finds the account's speed from there).
pub const DEFAULT_PAGE_CONCURRENCY: usize = crate::limiter::MAX_PAGES_AT_ONCE;

/// A directory (§10 "directory/list, directory/info").
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Directory {
    #[serde(alias = "ID", deserialize_with = "lenient::string")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub url: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub status: String,
    /// Registrations, when the reply says.
    #[serde(
        default,
        alias = "amount_of_users",
        deserialize_with = "lenient::opt_number"
    )]
    pub amount_of_users: Option<u64>,
}

/// What to set on a member: the status and, for "paid", how it was confirmed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentUpdate {
    pub status: PaymentStatus,
    #[serde(default)]
    pub confirmation_id: String,
    #[serde(default)]
    pub confirmation_account: String,
}

impl PaymentUpdate {
    /// Checked and trimmed, as it will be sent.
    pub fn checked(&self) -> Result<PaymentUpdate, FieldProblem> {
        Ok(PaymentUpdate {
            status: self.status,
            confirmation_id: validate::payment_text(Some(&self.confirmation_id), "confirmationId")?,
            confirmation_account: validate::payment_text(
                Some(&self.confirmation_account),
                "confirmationAccount",
            )?,
        })
    }

    /// Whether the member already shows this (the re-read after a lost reply).
    pub fn is_shown_by(&self, user: &DirectoryUser) -> bool {
        PaymentStatus::from_api(&user.payment_status) == Some(self.status)
            && user.payment_confirmation_id.trim() == self.confirmation_id
            && user.payment_confirmation_account.trim() == self.confirmation_account
    }
}

#[derive(Deserialize)]
struct ListReply {
    #[serde(default, deserialize_with = "lenient::list")]
    directories: Vec<Directory>,
}

#[derive(Deserialize)]
struct InfoReply {
    #[serde(default, deserialize_with = "lenient::one")]
    directory: Option<Directory>,
}

#[derive(Deserialize)]
struct CampaignsReply {
    #[serde(default, deserialize_with = "lenient::list")]
    campaigns: Vec<Campaign>,
}

#[derive(Deserialize)]
struct UpdateReply {
    #[serde(default, deserialize_with = "lenient::one")]
    user: Option<DirectoryUser>,
}

fn refused_locally(problem: FieldProblem) -> ApiError {
    ApiError::Invalid(problem)
}

/// The directory domain of the API, `client.directories()`. Cheap: a borrowed client.
#[derive(Clone, Copy, Debug)]
pub struct DirectoriesApi<'a> {
    client: &'a Client,
}

impl Client {
    /// Directories, their campaigns and members, payment statuses (§5.7, §10).
    pub fn directories(&self) -> DirectoriesApi<'_> {
        DirectoriesApi { client: self }
    }
}

impl<'a> DirectoriesApi<'a> {
    /// `POST directoryusers/list`: one page (1-based; 0 is read as 1) of a `dir_…` directory's
    /// registrations, newest first.
    /// Takes a directory ID already checked.
    async fn users_page_unchecked(
        &self,
        directory: &str,
        page: u32,
    ) -> Result<DirectoryUsersPage, ApiError> {
        let body = serde_json::json!({ "directory": directory, "page": page.max(1) });
        self.client
            .transport()
            .v3(Endpoint::DirectoryUsersList, &body)
            .await
    }

    /// `POST directory/list`: every directory of the account.
    pub async fn list(&self) -> Result<Vec<Directory>, ApiError> {
        let reply: ListReply = self
            .client
            .transport()
            .v3(Endpoint::DirectoryList, &serde_json::json!({}))
            .await?;
        Ok(reply.directories)
    }

    /// `POST directory/info`: one directory (301 bad ID, 507 unknown).
    pub async fn info(&self, directory: &str) -> Result<Directory, ApiError> {
        let directory = validate::directory_id(directory).map_err(refused_locally)?;
        let reply: InfoReply = self
            .client
            .transport()
            .v3(
                Endpoint::DirectoryInfo,
                &serde_json::json!({ "directory": directory }),
            )
            .await?;
        reply.directory.ok_or_else(|| ApiError::Decode {
            status: 200,
            path: "directory".into(),
            detail: "the reply holds no directory".into(),
        })
    }

    /// `POST directory/campaigns` (§10): the campaigns shown in the directory.
    pub async fn campaigns(&self, directory: &str) -> Result<Vec<Campaign>, ApiError> {
        let directory = validate::directory_id(directory).map_err(refused_locally)?;
        let reply: CampaignsReply = self
            .client
            .transport()
            .v3(
                Endpoint::DirectoryCampaigns,
                &serde_json::json!({ "directory": directory }),
            )
            .await?;
        Ok(reply.campaigns)
    }

    /// `POST directoryusers/list`: one page (1-based) of 100 members, newest first.
    pub async fn users_page(
        &self,
        directory: &str,
        page: u32,
    ) -> Result<DirectoryUsersPage, ApiError> {
        let directory = validate::directory_id(directory).map_err(refused_locally)?;
        self.users_page_unchecked(&directory, page).await
    }

    /// Every member, newest first. Page 1 comes first; when its `amount_of_users` promises more
    /// pages, they are asked for `concurrency` at a time, in order; past that (or when the
    /// count is missing or only counts the page) windows of `concurrency` pages follow until a
    /// page is short. A member seen twice (someone registered while paging moved the pages on)
    /// is kept once. `on_page(new members, members so far, amount_of_users)` runs per page in
    /// page order; returning false stops between pages with what has arrived.
    pub async fn all_users(
        &self,
        directory: &str,
        concurrency: usize,
        mut on_page: impl FnMut(&[DirectoryUser], usize, Option<u64>) -> bool,
    ) -> Result<Vec<DirectoryUser>, ApiError> {
        let directory = validate::directory_id(directory).map_err(refused_locally)?;
        let concurrency = concurrency.clamp(1, 16);
        let first = self.users_page_unchecked(&directory, 1).await?;
        let total = (first.amount_of_users > 0).then_some(u64::from(first.amount_of_users));
        let mut seen = HashSet::new();
        // The server's count only sizes the first allocation; it is not trusted with more.
        let mut users = Vec::with_capacity(total.map_or(0, |t| t.min(10_000) as usize));
        let mut keep = |page: Vec<DirectoryUser>, users: &mut Vec<DirectoryUser>| {
            let start = users.len();
            users.extend(page.into_iter().filter(|u| seen.insert(u.id.clone())));
            start
        };
        let mut full = first.may_have_more();
        // A count no larger than page 1 may be counting the page only: then it cannot say
        // where the end is, and a short page has to.
        let trusted = total.filter(|&t| t > first.users.len() as u64);
        let start = keep(first.users, &mut users);
        if !on_page(&users[start..], users.len(), total) {
            return Ok(users);
        }
        let planned = total.map_or(1, |t| t.div_ceil(DIRECTORY_PAGE_SIZE as u64)) as u32;
        let mut next = 2u32;
        while full && next <= MAX_PAGES {
            let last = if next <= planned {
                planned.min(MAX_PAGES)
            } else {
                // Past the count, a window no wider than the limiter lets out: each page of it
                // may be one past the end.
                let window = concurrency.min(self.client.speed_now().window).max(1);
                (next + window as u32 - 1).min(MAX_PAGES)
            };
            let dir = directory.as_str();
            let mut pages = stream::iter(next..=last)
                .map(|page| async move { self.users_page_unchecked(dir, page).await })
                .buffered(concurrency);
            while let Some(page) = pages.try_next().await? {
                full = page.may_have_more();
                let before = keep(page.users, &mut users);
                let nothing_new = users.len() == before;
                if !on_page(&users[before..], users.len(), total) {
                    return Ok(users);
                }
                // A short page is the last; a full page of members already seen means the
                // server ignores `page` and repeats itself.
                let all_counted = trusted.is_some_and(|t| users.len() as u64 >= t);
                if !full || nothing_new || all_counted {
                    full = false;
                    break;
                }
            }
            next = last + 1;
        }
        Ok(users)
    }

    /// One member, looked up page by page from the newest (the API has no single-member read
    /// in v3). None when no page holds it.
    pub async fn find_user(
        &self,
        directory: &str,
        user: &str,
    ) -> Result<Option<DirectoryUser>, ApiError> {
        let directory = validate::directory_id(directory).map_err(refused_locally)?;
        let user = validate::directory_user_id(user).map_err(refused_locally)?;
        let mut seen_before = HashSet::new();
        for page in 1..=MAX_PAGES {
            let reply = self.users_page_unchecked(&directory, page).await?;
            let more = reply.may_have_more();
            let mut new = 0;
            for member in reply.users {
                if member.id == user {
                    return Ok(Some(member));
                }
                if seen_before.insert(member.id) {
                    new += 1;
                }
            }
            if !more || new == 0 {
                break;
            }
        }
        Ok(None)
    }

    /// `POST directoryusers/update` (§10): sets the member's payment status. A WRITE, never
    /// repeated blindly. Returns the member as the reply shows it, when it does.
    pub async fn update_payment(
        &self,
        directory: &str,
        user: &str,
        update: &PaymentUpdate,
    ) -> Result<Option<DirectoryUser>, ApiError> {
        let directory = validate::directory_id(directory).map_err(refused_locally)?;
        let user = validate::directory_user_id(user).map_err(refused_locally)?;
        let update = update.checked().map_err(refused_locally)?;
        let body = serde_json::json!({
            "directory": directory,
            "user": user,
            "payment_status": update.status.as_api(),
            "payment_confirmation_id": update.confirmation_id,
            "payment_confirmation_account": update.confirmation_account,
        });
        let reply: UpdateReply = self
            .client
            .transport()
            .v3(Endpoint::DirectoryUsersUpdate, &body)
            .await?;
        Ok(reply.user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::decode_v3;

    #[test]
    fn directories_decode_leniently() {
        let reply: ListReply = decode_v3(
            200,
            br#"{"status":{"status":"OK"},"directories":[{"ID":"dir_1","name":"A","url":"u","status":"active","amount_of_users":"2500"},{"id":"dir_2","amount_of_users":""}]}"#,
        )
        .unwrap();
        assert_eq!(reply.directories.len(), 2);
        assert_eq!(reply.directories[0].amount_of_users, Some(2500));
        assert_eq!(reply.directories[1].id, "dir_2");
        assert_eq!(reply.directories[1].amount_of_users, None);
        let info: InfoReply = decode_v3(
            200,
            br#"{"status":{"status":"OK"},"directory":[{"ID":"dir_1","name":"A"}]}"#,
        )
        .unwrap();
        assert_eq!(info.directory.unwrap().name, "A");
        let none: ListReply =
            decode_v3(200, br#"{"status":{"status":"OK"},"directories":{}}"#).unwrap();
        assert!(none.directories.is_empty());
    }

    #[test]
    fn a_payment_update_is_recognised_on_the_member() {
        let update = PaymentUpdate {
            status: PaymentStatus::Paid,
            confirmation_id: " pi_1 ".into(),
            confirmation_account: "Stripe".into(),
        }
        .checked()
        .unwrap();
        let mut user = DirectoryUser {
            payment_status: "paid".into(),
            payment_confirmation_id: "pi_1".into(),
            payment_confirmation_account: "Stripe".into(),
            ..DirectoryUser::default()
        };
        assert!(update.is_shown_by(&user));
        user.payment_status = "pending".into();
        assert!(!update.is_shown_by(&user));
    }
}
