//! What a test may ask of the subaccounts.

use crate::control::SandboxControl;

impl SandboxControl {
    /// Subaccounts the sandbox holds now.
    pub fn subaccount_count(&self) -> usize {
        self.shared().subaccounts.store().len()
    }

    /// The API key of a subaccount (`sub_…`), to check that "Add as an account" stored it.
    pub fn subaccount_api_key(&self, subaccount: &str) -> Option<String> {
        self.shared()
            .subaccounts
            .store()
            .iter()
            .find(|s| s.v3_id() == subaccount)
            .map(|s| s.api_key.clone())
    }
}
