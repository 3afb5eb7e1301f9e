//! Rules for a new password, wherever one is set (user creation, reset by an
//! admin, self-service change, the command line): the length bounds, then
//! a strength estimate (zxcvbn, which ships its own dictionaries of common
//! passwords, names and words) that must reach `MIN_SCORE`.
//!
//! A refusal names a stable `reason` (for the UI's message in the user's
//! language) besides the English text.

use serde::Serialize;
use utoipa::ToSchema;
use zxcvbn::Score;
use zxcvbn::feedback::Warning;

use crate::validation::{self, Invalid};

/// zxcvbn's scale: 0 too guessable … 4 very unguessable. 3 is "safely
/// unguessable: moderate protection from offline slow-hash scenario".
const MIN_SCORE: Score = Score::Three;

/// Why a password was judged too easy to guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum WeakReason {
    /// One of the most common passwords, or close to one.
    CommonPassword,
    /// Rows or short patterns of neighbouring keys (`qwertz`, `asdf`).
    KeyboardPattern,
    /// Repeated characters or groups (`aaa`, `abcabc`).
    Repetition,
    /// Runs such as `abc` or `6789`.
    Sequence,
    /// Years and dates.
    Date,
    /// A single dictionary word.
    SingleWord,
    /// Names and surnames.
    Name,
    /// Nothing in particular, just too short or too plain.
    TooGuessable,
}

impl WeakReason {
    pub fn as_str(self) -> &'static str {
        match self {
            WeakReason::CommonPassword => "common-password",
            WeakReason::KeyboardPattern => "keyboard-pattern",
            WeakReason::Repetition => "repetition",
            WeakReason::Sequence => "sequence",
            WeakReason::Date => "date",
            WeakReason::SingleWord => "single-word",
            WeakReason::Name => "name",
            WeakReason::TooGuessable => "too-guessable",
        }
    }

    fn message(self) -> &'static str {
        match self {
            WeakReason::CommonPassword => "is a commonly used password",
            WeakReason::KeyboardPattern => "is a keyboard pattern, easy to guess",
            WeakReason::Repetition => "repeats characters or groups, easy to guess",
            WeakReason::Sequence => "is a sequence such as abc or 6789, easy to guess",
            WeakReason::Date => "is built on a year or date, easy to guess",
            WeakReason::SingleWord => "is a single word, easy to guess",
            WeakReason::Name => "is built on a name, easy to guess",
            WeakReason::TooGuessable => {
                "is too easy to guess; add more words or uncommon characters"
            }
        }
    }

    fn from_warning(warning: Option<Warning>) -> WeakReason {
        match warning {
            Some(
                Warning::ThisIsATop10Password
                | Warning::ThisIsATop100Password
                | Warning::ThisIsACommonPassword
                | Warning::ThisIsSimilarToACommonlyUsedPassword,
            ) => WeakReason::CommonPassword,
            Some(
                Warning::StraightRowsOfKeysAreEasyToGuess
                | Warning::ShortKeyboardPatternsAreEasyToGuess,
            ) => WeakReason::KeyboardPattern,
            Some(
                Warning::RepeatsLikeAaaAreEasyToGuess
                | Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess,
            ) => WeakReason::Repetition,
            Some(Warning::SequencesLikeAbcAreEasyToGuess) => WeakReason::Sequence,
            Some(Warning::RecentYearsAreEasyToGuess | Warning::DatesAreOftenEasyToGuess) => {
                WeakReason::Date
            }
            Some(Warning::AWordByItselfIsEasyToGuess) => WeakReason::SingleWord,
            Some(
                Warning::NamesAndSurnamesByThemselvesAreEasyToGuess
                | Warning::CommonNamesAndSurnamesAreEasyToGuess,
            ) => WeakReason::Name,
            _ => WeakReason::TooGuessable,
        }
    }
}

/// A password the strength estimate refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {}", reason.message())]
pub struct WeakPassword {
    pub field: &'static str,
    pub reason: WeakReason,
}

/// Why a new password is not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRejected {
    /// Too short or too long.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Weak(#[from] WeakPassword),
}

/// Checks a new password. `user_inputs` are the user's own e-mail address
/// and name, which make a password easy to guess for them.
pub fn check_new(
    field: &'static str,
    password: &str,
    user_inputs: &[&str],
) -> Result<(), PasswordRejected> {
    validation::password(field, password)?;
    // The e-mail's local part and domain words count on their own too.
    let mut inputs: Vec<&str> = Vec::new();
    for input in user_inputs {
        inputs.push(input);
        inputs.extend(
            input
                .split(|c: char| !c.is_alphanumeric())
                .filter(|part| part.chars().count() >= 3),
        );
    }
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if estimate.score() >= MIN_SCORE {
        return Ok(());
    }
    let warning = estimate.feedback().and_then(|f| f.warning());
    Err(WeakPassword {
        field,
        reason: WeakReason::from_warning(warning),
    }
    .into())
}

impl crate::problem::Problem for PasswordRejected {
    fn problem(&self) -> crate::problem::Answer {
        match self {
            PasswordRejected::Invalid(invalid) => invalid.problem(),
            PasswordRejected::Weak(weak) => {
                crate::problem::Answer::unprocessable("weak-password", weak)
                    .field(weak.field)
                    .reason(weak.reason.as_str())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(password: &str) -> Option<WeakReason> {
        match check_new(
            "password",
            password,
            &["anna.schmidt@acme.example", "Anna Schmidt"],
        ) {
            Ok(()) => None,
            Err(PasswordRejected::Weak(w)) => Some(w.reason),
            Err(PasswordRejected::Invalid(i)) => panic!("{password}: {i}"),
        }
    }

    #[test]
    fn common_and_patterned_passwords_are_refused_with_a_reason() {
        assert_eq!(reason("password12"), Some(WeakReason::CommonPassword));
        assert!(reason("1234567890").is_some());
        assert!(reason("qwertzuiop").is_some());
        assert!(reason("aaaaaaaaaaaa").is_some());
        assert!(reason("annaschmidt1").is_some(), "the user's own name");
    }

    #[test]
    fn strong_passwords_pass() {
        assert_eq!(reason("correct horse battery staple"), None);
        assert_eq!(reason("Tx9#mQ2!vL7w"), None);
        assert_eq!(reason(crate::demo::DEMO_PASSWORD), None);
    }

    #[test]
    fn length_rules_come_first() {
        assert!(matches!(
            check_new("password", "short", &[]),
            Err(PasswordRejected::Invalid(_))
        ));
    }
}
