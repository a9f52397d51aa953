//! The app words what the client says: `api::Words` (a dictionary key and typed values) becomes
//! a sentence in the window's language here, at the edge, never inside the client.

#[cfg(test)]
pub(crate) mod api_error_tests;
#[cfg(test)]
mod field_problem_tests;
#[cfg(test)]
mod job_error_tests;

use crate::api::words::{Explain, Value, Words};
use crate::i18n::{self, group_digits, Arg, Lang};

/// The words in the window's language.
pub fn say(words: &Words) -> String {
    say_in(i18n::language(), words)
}

pub fn say_in(lang: Lang, words: &Words) -> String {
    let args: Vec<(&str, &dyn Arg)> = words
        .values
        .iter()
        .map(|(name, value)| (name.as_ref(), value as &dyn Arg))
        .collect();
    i18n::t_in(lang, &words.key, &args)
}

impl Arg for Value {
    fn render(&self, lang: Lang) -> String {
        match self {
            Value::Text(text) | Value::Plain(text) => text.clone(),
            Value::Number(n) => group_digits(lang, &n.to_string()),
            Value::Words(words) => say_in(lang, words),
        }
    }

    fn count(&self) -> Option<u64> {
        match self {
            Value::Number(n) => u64::try_from(*n).ok(),
            _ => None,
        }
    }
}

/// What went wrong and what to do, worded: for the client's errors, a field's problem and the
/// desk's own errors alike (anything that can `Explain` itself).
pub trait Worded {
    fn user_message(&self) -> String;
    fn hint(&self) -> String;
}

impl<T: Explain + ?Sized> Worded for T {
    fn user_message(&self) -> String {
        say(&self.words().0)
    }

    fn hint(&self) -> String {
        say(&self.words().1)
    }
}
