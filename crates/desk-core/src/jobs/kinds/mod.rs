//! The kinds of bulk work, and the one table the engine looks a stored job's kind up in.
//! Adding a kind: its file here and one line in `every_kind!` (and, for the screens, a method in
//! `jobs/create.rs` if `JobManager::create_job` alone is not enough).

pub mod directory_payment;
pub mod email;
pub mod loyalty_import;
pub mod redeem_many;
pub mod single_use;

use crate::jobs::kind::KindFacts;

pub use directory_payment::{PaymentInput, PaymentJobSpec, PaymentRow, PaymentStatusKind};
pub use email::{EmailInput, EmailJobSpec, EmailKind, EmailSpec};
pub use loyalty_import::{ImportMembersKind, ImportSpec};
pub use redeem_many::{RedeemInput, RedeemManyKind, RedeemManySpec};
pub use single_use::{
    AutomatedCodesSpec, ChunkInput, CreateLinksKind, CreateLinksSpec, RemoveInput, RemoveLinksKind,
    CHUNK,
};

/// Every kind, once: the table of their facts below and the runner's table of how to drive
/// each are both made from this list (`every_kind!(a_macro)` calls `a_macro!(Kind, …)`).
macro_rules! every_kind {
    ($make:ident) => {
        $make! {
            $crate::jobs::kinds::EmailKind,
            $crate::jobs::kinds::CreateLinksKind,
            $crate::jobs::kinds::RemoveLinksKind,
            $crate::jobs::kinds::ImportMembersKind,
            $crate::jobs::kinds::PaymentStatusKind,
            $crate::jobs::kinds::RedeemManyKind
        }
    };
}
pub(crate) use every_kind;

macro_rules! facts_table {
    ($($kind:ty),*) => {
        const KINDS: &[KindFacts] = &[$(KindFacts::of::<$kind>()),*];
    };
}
every_kind!(facts_table);

/// The facts of a stored job's kind, by its `kind` word.
pub(crate) fn find(name: &str) -> Option<&'static KindFacts> {
    KINDS.iter().find(|k| k.name == name)
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
