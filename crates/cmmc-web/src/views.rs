//! What every page's frame shows, and small helpers the templates share.

use cmmc_domain::access::{Action, any_allows};

use crate::session::SignedIn;

/// The frame around a page: who is signed in, the navigation they may use,
/// and the form token the sign-out form carries.
#[derive(Debug, Clone, Default)]
pub(crate) struct Chrome {
    pub(crate) username: Option<String>,
    pub(crate) form_token: String,
    /// May list users (organisation and system administrators).
    pub(crate) sees_users: bool,
    /// The navigation entry of this page.
    pub(crate) section: &'static str,
}

impl Chrome {
    /// The frame of a page shown to anyone (sign-in, errors).
    pub(crate) fn anonymous() -> Self {
        Self::default()
    }

    /// The frame of a signed-in page in `section`.
    pub(crate) fn of(user: &SignedIn, section: &'static str) -> Self {
        Self {
            username: Some(user.actor.username.clone()),
            form_token: user.form.0.clone(),
            sees_users: any_allows(&user.actor.roles, Action::UserRead),
            section,
        }
    }

    /// `aria-current` for the navigation entry `name`.
    pub(crate) fn current(&self, name: &str) -> &'static str {
        if self.section == name { "page" } else { "false" }
    }
}

/// A stored code as words: `not_met` -> `Not met`.
pub(crate) fn label(code: &str) -> String {
    cmmc_domain::report::label(code)
}

/// Whether the signed-in user's roles allow `action`.
pub(crate) fn may(user: &SignedIn, action: Action) -> bool {
    any_allows(&user.actor.roles, action)
}

/// Whether an objective's stored result is the radio button `value`.
pub(crate) fn is_choice(
    status: impl std::borrow::Borrow<Option<cmmc_domain::ObjectiveStatus>>,
    value: impl AsRef<str>,
) -> bool {
    status.borrow().is_some_and(|s| s.as_str() == value.as_ref())
}
