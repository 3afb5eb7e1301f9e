//! The public side of web forms, no sign-in: a small server-rendered page
//! at `/f/{public_id}` that works without JavaScript and may be framed by
//! any site, and the JSON twin under `/api/v1/public/forms/`. Both run
//! through `process`: rate limit per address, honeypot, signed single-use
//! render token, the optional proof-of-work, checks, and the case created
//! as the system (or the submission held for review when the form is over
//! its hourly limit).
//!
//! The HTTP side (pages, JSON bodies, problems) is `handlers.rs`.

pub mod handlers;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::guard::TokenCheck;
use super::{FormGuard, PublicForm, WebFormError};
use crate::cases::{CaseError, CaseHub};
use crate::db::Db;
use crate::mail::outbound::Outbox;
use crate::validation;

/// Largest accepted submission body (below the app's general limit).
pub const MAX_BODY_BYTES: usize = 128 * 1024;
pub const MAX_NAME: usize = 200;
pub const MAX_SUBJECT: usize = 300;
pub const MAX_MESSAGE: usize = 10_000;

// ---- shapes ----------------------------------------------------------------

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicFormInfo {
    pub title: String,
    pub intro: String,
    /// Send back as `token`; valid from a few seconds after issue for a
    /// day, for one submission.
    pub token: String,
    /// Proof-of-work asked for: send as `pow` a decimal number n such that
    /// SHA-256 of `{token}:{n}` starts with this many zero bits; 0 = none.
    pub pow_bits: u8,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicSubmission {
    pub name: String,
    pub email: String,
    pub subject: String,
    pub message: String,
    /// From `GET /api/v1/public/forms/{public_id}`.
    pub token: String,
    /// The honeypot: must stay empty.
    #[serde(default)]
    pub website: String,
    /// The proof-of-work answer, when the form asks for one (`pow_bits`).
    #[serde(default)]
    pub pow: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubmissionReceipt {
    /// The case's reference, e.g. `ACME-1042`; empty while `held`.
    #[serde(rename = "ref")]
    pub reference: String,
    /// The form's confirmation text (may be empty).
    pub confirmation: String,
    /// The form had many submissions just now: this one waits for a
    /// person to file it (answered 202, no reference yet).
    pub held: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Required,
    TooLong(usize),
    Email,
    Control,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub problem: Problem,
}

pub enum Outcome {
    /// Created, or caught as spam and answered alike.
    Accepted {
        receipt: SubmissionReceipt,
        form: PublicForm,
    },
    NotFound,
    Throttled(u64),
    /// The page was open too long, or its token was used already: show
    /// it again with a fresh token.
    Expired {
        form: PublicForm,
        input: PublicSubmission,
    },
    /// The proof-of-work is missing or wrong (no JavaScript?).
    PowMissing {
        form: PublicForm,
        input: PublicSubmission,
    },
    Invalid {
        errors: Vec<FieldError>,
        form: PublicForm,
        input: PublicSubmission,
    },
}

// ---- the rules -------------------------------------------------------------

fn text(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    value: &str,
    max: usize,
    multiline: bool,
) -> String {
    let value = value.trim();
    let problem = if value.is_empty() {
        Some(Problem::Required)
    } else if value.chars().count() > max {
        Some(Problem::TooLong(max))
    } else if value
        .chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
    {
        Some(Problem::Control)
    } else {
        None
    };
    if let Some(problem) = problem {
        errors.push(FieldError { field, problem });
    }
    value.to_string()
}

/// Checks what the sender filled in.
pub fn check(input: &PublicSubmission) -> Result<super::Submission, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = text(&mut errors, "name", &input.name, MAX_NAME, false);
    let email = match validation::email("email", &input.email) {
        Ok(email) => email,
        Err(_) => {
            let problem = if input.email.trim().is_empty() {
                Problem::Required
            } else {
                Problem::Email
            };
            errors.push(FieldError {
                field: "email",
                problem,
            });
            String::new()
        }
    };
    let subject = text(&mut errors, "subject", &input.subject, MAX_SUBJECT, false);
    let message = text(&mut errors, "message", &input.message, MAX_MESSAGE, true);
    if errors.is_empty() {
        Ok(super::Submission {
            name,
            email,
            subject,
            message,
        })
    } else {
        Err(errors)
    }
}

/// One submission, from either side.
pub async fn process(
    db: &Db,
    guard: &FormGuard,
    hub: &CaseHub,
    outbox: &Outbox,
    address: String,
    public_id: &str,
    input: PublicSubmission,
) -> Result<Outcome, WebFormError> {
    if let Err(seconds) = guard.check_address(&address) {
        return Ok(Outcome::Throttled(seconds));
    }
    let lookup = public_id.to_string();
    let Some(form) = db
        .read(move |conn| super::public_form(conn, &lookup))
        .await?
    else {
        return Ok(Outcome::NotFound);
    };
    let token = guard.check_token(public_id, &input.token);
    // A token that does not verify may be a form rendered before a restart
    // (new key): such a sender gets the form back with their text, never a
    // silent drop. Only the honeypot and inhuman speed count as spam.
    let spam = !input.website.trim().is_empty() || token == TokenCheck::TooFast;
    if spam {
        guard.record(&address, public_id, false);
        guard.count_spam(public_id);
        tracing::info!(form = public_id, address = %address, ?token, "web form submission caught as spam");
        let decoy = form.clone();
        let reference = db
            .read(move |conn| super::decoy_reference(conn, &decoy))
            .await?;
        return Ok(Outcome::Accepted {
            receipt: SubmissionReceipt {
                reference,
                confirmation: form.confirmation.clone(),
                held: false,
            },
            form,
        });
    }
    if matches!(token, TokenCheck::Expired | TokenCheck::Invalid) {
        return Ok(Outcome::Expired { form, input });
    }
    if !super::guard::pow_ok(&input.token, &input.pow, form.pow_bits) {
        return Ok(Outcome::PowMissing { form, input });
    }
    let submission = match check(&input) {
        Ok(s) => s,
        Err(errors) => {
            return Ok(Outcome::Invalid {
                errors,
                form,
                input,
            });
        }
    };
    let who = super::system_principal(Some(address.clone()));
    let id = public_id.to_string();
    let token = input.token.clone();
    // Over the form's hourly limit: held for a person, never refused.
    let hold = guard.form_full(public_id);
    let filed = hub
        .write(db, move |tx, announce| {
            let filed = super::submit(tx, &who, &id, submission, &token, hold)?;
            if let super::Filed::Case(case, client_id, _) = &filed {
                announce.case("created", case, *client_id, &who);
            }
            Ok::<_, CaseError>(filed)
        })
        .await?;
    let (case, form) = match filed {
        super::Filed::Case(case, _, form) => (*case, form),
        super::Filed::Gone => return Ok(Outcome::NotFound),
        super::Filed::TokenUsed(form) => return Ok(Outcome::Expired { form, input }),
        super::Filed::Held(form) => {
            guard.record(&address, public_id, false);
            tracing::info!(form = public_id, address = %address, "web form submission held for review (form over its limit)");
            return Ok(Outcome::Accepted {
                receipt: SubmissionReceipt {
                    reference: String::new(),
                    confirmation: form.confirmation.clone(),
                    held: true,
                },
                form,
            });
        }
    };
    guard.record(&address, public_id, true);
    // The confirmation mail was queued with the case.
    outbox.wake();
    Ok(Outcome::Accepted {
        receipt: SubmissionReceipt {
            reference: case.reference,
            confirmation: form.confirmation.clone(),
            held: false,
        },
        form,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_fields() {
        let mut input = PublicSubmission {
            name: " Eva ".into(),
            email: "Eva@Example.com".into(),
            subject: "Hallo".into(),
            message: "Zeile 1\nZeile 2".into(),
            ..Default::default()
        };
        let ok = check(&input).unwrap();
        assert_eq!(
            (ok.name.as_str(), ok.email.as_str()),
            ("Eva", "eva@example.com")
        );
        input.email = "nope".into();
        input.subject = String::new();
        let errors = check(&input).unwrap_err();
        assert_eq!(
            errors,
            vec![
                FieldError {
                    field: "email",
                    problem: Problem::Email
                },
                FieldError {
                    field: "subject",
                    problem: Problem::Required
                },
            ]
        );
    }
}
