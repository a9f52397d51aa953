//! The kinds of bulk work, and the one table the engine looks a stored job's kind up in.
//! Adding a kind: its file here and one line in [`KINDS`].

pub mod directory_payment;
pub mod email;
pub mod loyalty_import;
pub mod redeem_many;
pub mod single_use;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::api::Client;
use crate::jobs::kind::JobKind;
use crate::jobs::runner::{self, JobManager, LiveRun};

pub use directory_payment::{PaymentInput, PaymentJobSpec, PaymentRow, PaymentStatusKind};
pub use email::{EmailInput, EmailJobSpec, EmailKind, EmailSpec};
pub use loyalty_import::{ImportMembersKind, ImportSpec};
pub use redeem_many::{RedeemInput, RedeemManyKind, RedeemManySpec};
pub use single_use::{
    AutomatedCodesSpec, ChunkInput, CreateLinksKind, CreateLinksSpec, RemoveInput, RemoveLinksKind,
    CHUNK,
};

type Drive = fn(JobManager, Arc<LiveRun>, Client) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// What the engine needs of a kind when it only has the journal's `kind` word.
pub(crate) struct KindEntry {
    pub name: &'static str,
    pub history_action: &'static str,
    pub export_columns: &'static [(&'static str, &'static str)],
    /// Set for kinds whose rows make many items; the table and export then list the items.
    pub item_key: Option<&'static str>,
    /// The export's status word for a row that is done, in the window's language.
    pub done_word: fn() -> String,
    pub unknown_message: fn() -> String,
    pub drive: Drive,
}

const fn entry<K: JobKind>() -> KindEntry {
    KindEntry {
        name: K::NAME,
        history_action: K::HISTORY_ACTION,
        export_columns: K::EXPORT_COLUMNS,
        item_key: K::ITEM_KEY,
        done_word: K::done_word,
        unknown_message: K::unknown_message,
        drive: drive_boxed::<K>,
    }
}

fn drive_boxed<K: JobKind>(
    manager: JobManager,
    run: Arc<LiveRun>,
    client: Client,
) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(runner::drive::<K>(manager, run, client))
}

const KINDS: &[KindEntry] = &[
    entry::<EmailKind>(),
    entry::<CreateLinksKind>(),
    entry::<RemoveLinksKind>(),
    entry::<ImportMembersKind>(),
    entry::<PaymentStatusKind>(),
    entry::<RedeemManyKind>(),
];

pub(crate) fn find(name: &str) -> Option<&'static KindEntry> {
    KINDS.iter().find(|k| k.name == name)
}

/// The history's action word for a row of a job of this kind.
pub(crate) fn history_action(name: &str) -> &'static str {
    find(name).map_or("bulk_job", |k| k.history_action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_unique() {
        for (i, a) in KINDS.iter().enumerate() {
            assert!(
                KINDS[i + 1..].iter().all(|b| b.name != a.name),
                "{}",
                a.name
            );
        }
        assert!(find("email").is_some());
        assert!(find("no_such_kind").is_none());
    }
}
