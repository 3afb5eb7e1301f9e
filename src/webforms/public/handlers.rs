//! The HTTP side of the public web form: the page at `/f/{public_id}` (German
//! or English, whichever the browser prefers), its assets, the bodies of
//! both sides and their problems. The rules are in `public` (`process`).

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, dev::Payload, web};
use serde::Deserialize;

use super::{
    FieldError, MAX_BODY_BYTES, MAX_MESSAGE, MAX_NAME, MAX_SUBJECT, Outcome, Problem,
    PublicSubmission, SubmissionReceipt, process,
};
use crate::cases::CaseError;
use crate::http::ApiError;
use crate::state::AppState;
use crate::webforms::PublicForm;

const STYLESHEET: &str = include_str!("../form.css");
/// The proof-of-work solver; only on pages of forms that ask for one.
const SCRIPT: &str = include_str!("../form.js");

/// The page routes, outside `/api/v1`.
pub fn configure_pages(cfg: &mut web::ServiceConfig) {
    cfg.route("/f/form.css", web::get().to(stylesheet))
        .route("/f/theme.css", web::get().to(theme))
        .route("/f/form.js", web::get().to(script))
        .route("/f/{public_id}", web::get().to(page))
        .route("/f/{public_id}", web::post().to(send_page));
}

/// The HTML form's fields; all optional, so that a broken post shows the
/// form again instead of an error.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct FormFields {
    name: String,
    email: String,
    subject: String,
    message: String,
    token: String,
    website: String,
    pow: String,
}

impl From<FormFields> for PublicSubmission {
    fn from(f: FormFields) -> Self {
        PublicSubmission {
            name: f.name,
            email: f.email,
            subject: f.subject,
            message: f.message,
            token: f.token,
            website: f.website,
            pow: f.pow,
        }
    }
}

/// The sender's address, for the rate limit and the audit log.
pub fn client_address(req: &HttpRequest) -> String {
    crate::http::client_ip::of_request(req)
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "unknown".into())
}

// ---- JSON side -------------------------------------------------------------

fn body_limit(req: &HttpRequest) -> usize {
    crate::http::body_limit(req).min(MAX_BODY_BYTES)
}

pub async fn read_json(req: &HttpRequest, payload: Payload) -> Result<PublicSubmission, ApiError> {
    let mime = crate::http::mime_type(req);
    if mime != "application/json" && !mime.ends_with("+json") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "the request body must be JSON (Content-Type: application/json)",
        ));
    }
    let body =
        crate::http::read_limited(payload, body_limit(req), crate::http::declared_len(req)).await?;
    crate::http::parse_json(&body)
}

pub fn throttled(seconds: u64) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too-many-submissions",
        "too many submissions from this address or to this form; try again later",
    )
    .retry_after(seconds)
}

pub fn pow_missing() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "proof-of-work",
        "this form asks for a proof-of-work: send as pow a number n such that SHA-256 of \"{token}:{n}\" starts with pow_bits zero bits",
    )
    .with_field("pow")
}

pub fn expired() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "form-expired",
        "the token is too old or was used already; fetch the form again",
    )
    .with_field("token")
}

fn problem_text(problem: Problem) -> String {
    match problem {
        Problem::Required => "must not be empty".into(),
        Problem::TooLong(max) => format!("must be at most {max} characters"),
        Problem::Email => "is not a valid e-mail address".into(),
        Problem::Control => "must not contain control characters".into(),
    }
}

pub fn invalid_problem(errors: &[FieldError]) -> ApiError {
    let detail = errors
        .iter()
        .map(|e| format!("{}: {}", e.field, problem_text(e.problem)))
        .collect::<Vec<_>>()
        .join("; ");
    let problem = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", detail);
    match errors.first() {
        Some(first) => problem.with_field(first.field),
        None => problem,
    }
}

// ---- HTML side -------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    De,
    En,
}

/// German or English, whichever the browser prefers; German otherwise.
pub fn language(req: &HttpRequest) -> Lang {
    let header = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut best: Option<(Lang, f32)> = None;
    for part in header.split(',') {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .find_map(|p| p.trim().strip_prefix("q=").map(str::to_string))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let lang = if tag == "de" || tag.starts_with("de-") {
            Lang::De
        } else if tag == "en" || tag.starts_with("en-") {
            Lang::En
        } else {
            continue;
        };
        if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
            best = Some((lang, q));
        }
    }
    best.map(|(l, _)| l).unwrap_or(Lang::De)
}

struct Texts {
    lang: &'static str,
    name: &'static str,
    email: &'static str,
    subject: &'static str,
    message: &'static str,
    send: &'static str,
    honeypot: &'static str,
    required_note: &'static str,
    check_input: &'static str,
    required: &'static str,
    too_long: &'static str,
    bad_email: &'static str,
    control: &'static str,
    expired: &'static str,
    pow_needed: &'static str,
    pow_working: &'static str,
    held: &'static str,
    thanks: &'static str,
    default_confirmation: &'static str,
    reference: &'static str,
    not_found_title: &'static str,
    help_center: &'static str,
    privacy: &'static str,
    not_found: &'static str,
    throttled_title: &'static str,
    throttled: &'static str,
    error_title: &'static str,
    too_large: &'static str,
    bad_request: &'static str,
    failed: &'static str,
}

const DE: Texts = Texts {
    lang: "de",
    name: "Ihr Name",
    email: "Ihre E-Mail-Adresse",
    subject: "Betreff",
    message: "Ihre Nachricht",
    send: "Absenden",
    honeypot: "Dieses Feld bitte leer lassen",
    required_note: "Alle Felder sind Pflichtfelder.",
    check_input: "Bitte prüfen Sie Ihre Angaben.",
    required: "Bitte ausfüllen.",
    too_long: "Bitte höchstens {n} Zeichen.",
    bad_email: "Bitte geben Sie eine gültige E-Mail-Adresse an.",
    control: "Enthält unzulässige Steuerzeichen.",
    expired: "Das Formular war zu lange geöffnet oder wurde schon gesendet. Bitte senden Sie es erneut.",
    pow_needed: "Dieses Formular braucht JavaScript für eine kurze Rechenaufgabe gegen Spam. Bitte schalten Sie JavaScript ein und senden Sie es erneut.",
    pow_working: "Beim Absenden löst Ihr Browser eine kurze Rechenaufgabe gegen Spam; das kann einige Sekunden dauern.",
    held: "Ihre Nachricht ist angekommen. Gerade erreichen uns sehr viele Anfragen; wir prüfen Ihre Nachricht und bearbeiten sie dann.",
    thanks: "Vielen Dank!",
    default_confirmation: "Wir haben Ihre Nachricht erhalten und melden uns so bald wie möglich.",
    reference: "Ihre Vorgangsnummer:",
    not_found_title: "Formular nicht gefunden",
    help_center: "Viele Antworten finden Sie schon in unserem Hilfe-Center.",
    privacy: "Datenschutz",
    not_found: "Dieses Formular gibt es nicht oder es ist nicht mehr aktiv.",
    throttled_title: "Zu viele Anfragen",
    throttled: "Von Ihrer Adresse kamen gerade sehr viele Anfragen. Bitte versuchen Sie es in {n} Minuten erneut.",
    error_title: "Fehler",
    too_large: "Ihre Nachricht ist zu lang.",
    bad_request: "Die Anfrage konnte nicht gelesen werden.",
    failed: "Das hat leider nicht geklappt. Bitte versuchen Sie es später erneut.",
};

const EN: Texts = Texts {
    lang: "en",
    name: "Your name",
    email: "Your e-mail address",
    subject: "Subject",
    message: "Your message",
    send: "Send",
    honeypot: "Please leave this field empty",
    required_note: "All fields are required.",
    check_input: "Please check your entries.",
    required: "Please fill in.",
    too_long: "At most {n} characters, please.",
    bad_email: "Please enter a valid e-mail address.",
    control: "Contains control characters that are not allowed.",
    expired: "The form was open for too long or was sent already. Please send it again.",
    pow_needed: "This form needs JavaScript for a short computation against spam. Please turn JavaScript on and send it again.",
    pow_working: "When you send, your browser solves a short computation against spam; this may take a few seconds.",
    held: "Your message has arrived. We are receiving very many requests right now; we will review your message and then handle it.",
    thanks: "Thank you!",
    default_confirmation: "We have received your message and will get back to you as soon as possible.",
    reference: "Your reference number:",
    not_found_title: "Form not found",
    help_center: "Many answers are already in our help center.",
    privacy: "Privacy",
    not_found: "This form does not exist or is no longer active.",
    throttled_title: "Too many requests",
    throttled: "We received very many requests from your address. Please try again in {n} minutes.",
    error_title: "Error",
    too_large: "Your message is too long.",
    bad_request: "The request could not be read.",
    failed: "Sorry, that did not work. Please try again later.",
};

fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::De => &DE,
        Lang::En => &EN,
    }
}

/// Escapes text for HTML content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Plain text as paragraphs: blank lines separate, single breaks stay.
fn paragraphs(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lines: Vec<String> = p.lines().map(escape).collect();
            format!("<p>{}</p>", lines.join("<br>"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn document(t: &Texts, title: &str, body: &str) -> String {
    document_of(t, title, body, None)
}

/// The page of a form: its colour as a stylesheet of its own (the CSP
/// allows no inline style) and its logo above the content.
fn form_document(t: &Texts, form: &PublicForm, body: &str) -> String {
    document_of(t, &form.title, body, Some(form))
}

fn document_of(t: &Texts, title: &str, body: &str, form: Option<&PublicForm>) -> String {
    let theme = form
        .and_then(|f| f.accent_color.strip_prefix('#'))
        .filter(|digits| super::super::branding::theme_css(digits).is_some())
        .map(|digits| format!("<link rel=\"stylesheet\" href=\"/f/theme.css?c={digits}\">\n"))
        .unwrap_or_default();
    let logo = form
        .filter(|f| !f.logo.is_empty())
        .map(|f| {
            format!(
                "<img class=\"wf-logo\" src=\"{}\" alt=\"{}\" data-testid=\"wf-logo\">\n",
                escape(&f.logo),
                escape(&f.title)
            )
        })
        .unwrap_or_default();
    format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex, nofollow\">\n<title>{title}</title>\n\
         <link rel=\"stylesheet\" href=\"/f/form.css\">\n{theme}</head>\n<body>\n<main class=\"wf\">\n{logo}{body}\n</main>\n</body>\n</html>\n",
        lang = t.lang,
        title = escape(title),
    )
}

fn html(status: StatusCode, page: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(page)
}

fn message_page(status: StatusCode, t: &Texts, title: &str, text: &str) -> HttpResponse {
    let body = format!(
        "<h1>{}</h1>\n<p class=\"wf-note\">{}</p>",
        escape(title),
        escape(text)
    );
    html(status, document(t, title, &body))
}

fn problem_message(t: &Texts, problem: Problem) -> String {
    match problem {
        Problem::Required => t.required.to_string(),
        Problem::TooLong(max) => t.too_long.replace("{n}", &max.to_string()),
        Problem::Email => t.bad_email.to_string(),
        Problem::Control => t.control.to_string(),
    }
}

fn form_page(
    t: &Texts,
    form: &PublicForm,
    token: &str,
    input: &PublicSubmission,
    errors: &[FieldError],
    notice: Option<&str>,
) -> String {
    let mut body = format!("<h1>{}</h1>\n", escape(&form.title));
    if !form.intro.trim().is_empty() {
        body.push_str(&format!(
            "<div class=\"wf-intro\">\n{}\n</div>\n",
            paragraphs(&form.intro)
        ));
    }
    if let Some(key) = &form.help_center {
        // The form may be framed: the help center opens beside it.
        body.push_str(&format!(
            "<p class=\"wf-help\"><a href=\"/help/{}?lang={}\" target=\"_blank\" rel=\"noopener\">{}</a></p>\n",
            escape(key),
            t.lang,
            escape(t.help_center)
        ));
    }
    if let Some(notice) = notice {
        body.push_str(&format!(
            "<p class=\"wf-alert\" role=\"alert\">{}</p>\n",
            escape(notice)
        ));
    } else if !errors.is_empty() {
        body.push_str(&format!(
            "<p class=\"wf-alert\" role=\"alert\">{}</p>\n",
            escape(t.check_input)
        ));
    }
    let pow = if form.pow_bits > 0 {
        format!(" data-pow-bits=\"{}\"", form.pow_bits)
    } else {
        String::new()
    };
    body.push_str(&format!(
        "<form class=\"wf-form\" method=\"post\" action=\"/f/{id}\" accept-charset=\"utf-8\"{pow}>\n\
         <input type=\"hidden\" name=\"token\" value=\"{token}\">\n",
        id = escape(&form.public_id),
        token = escape(token),
    ));
    if form.pow_bits > 0 {
        body.push_str(&format!(
            "<input type=\"hidden\" name=\"pow\" value=\"\">\n<noscript><p class=\"wf-alert\">{}</p></noscript>\n",
            escape(t.pow_needed)
        ));
    }
    let fields: [(&str, &str, &str, usize, &str, &str); 4] = [
        ("name", t.name, &input.name, MAX_NAME, "text", "name"),
        ("email", t.email, &input.email, 254, "email", "email"),
        (
            "subject",
            t.subject,
            &input.subject,
            MAX_SUBJECT,
            "text",
            "off",
        ),
        (
            "message",
            t.message,
            &input.message,
            MAX_MESSAGE,
            "textarea",
            "off",
        ),
    ];
    for (name, label, value, max, kind, autocomplete) in fields {
        let error = errors.iter().find(|e| e.field == name);
        let described = if error.is_some() {
            format!(" aria-invalid=\"true\" aria-describedby=\"wf-{name}-error\"")
        } else {
            String::new()
        };
        let control = if kind == "textarea" {
            format!(
                "<textarea id=\"wf-{name}\" name=\"{name}\" rows=\"8\" required maxlength=\"{max}\"{described}>{}</textarea>",
                escape(value)
            )
        } else {
            format!(
                "<input id=\"wf-{name}\" name=\"{name}\" type=\"{kind}\" required maxlength=\"{max}\" autocomplete=\"{autocomplete}\" value=\"{}\"{described}>",
                escape(value)
            )
        };
        let message = error
            .map(|e| {
                format!(
                    "\n<p class=\"wf-error\" id=\"wf-{name}-error\">{}</p>",
                    escape(&problem_message(t, e.problem))
                )
            })
            .unwrap_or_default();
        body.push_str(&format!(
            "<div class=\"wf-field\">\n<label for=\"wf-{name}\">{label}</label>\n{control}{message}\n</div>\n",
            label = escape(label),
        ));
    }
    // The honeypot: out of sight and reach for people (class in form.css),
    // tempting for bots.
    body.push_str(&format!(
        "<div class=\"wf-hp\" aria-hidden=\"true\">\n<label for=\"wf-website\">{}</label>\n\
         <input id=\"wf-website\" name=\"website\" type=\"text\" tabindex=\"-1\" autocomplete=\"off\" value=\"\">\n</div>\n",
        escape(t.honeypot)
    ));
    if form.pow_bits > 0 {
        body.push_str(&format!(
            "<p class=\"wf-note\">{}</p>\n",
            escape(t.pow_working)
        ));
    }
    if !form.privacy_notice.trim().is_empty() {
        body.push_str(&format!(
            "<div class=\"wf-privacy\" data-testid=\"wf-privacy\">\n<h2>{}</h2>\n{}\n</div>\n",
            escape(t.privacy),
            paragraphs(&form.privacy_notice)
        ));
    }
    body.push_str(&format!(
        "<p class=\"wf-note\">{}</p>\n<button type=\"submit\" class=\"wf-send\">{}</button>\n</form>",
        escape(t.required_note),
        escape(t.send)
    ));
    if form.pow_bits > 0 {
        body.push_str("\n<script src=\"/f/form.js\" defer></script>");
    }
    form_document(t, form, &body)
}

fn confirmation_page(t: &Texts, form: &PublicForm, receipt: &SubmissionReceipt) -> String {
    if receipt.held {
        let body = format!(
            "<h1>{}</h1>\n<div class=\"wf-confirmation\" role=\"status\">\n<p class=\"wf-thanks\">{}</p>\n<p>{}</p>\n</div>",
            escape(&form.title),
            escape(t.thanks),
            escape(t.held),
        );
        return form_document(t, form, &body);
    }
    let text = if receipt.confirmation.trim().is_empty() {
        paragraphs(t.default_confirmation)
    } else {
        paragraphs(&receipt.confirmation)
    };
    let body = format!(
        "<h1>{}</h1>\n<div class=\"wf-confirmation\" role=\"status\">\n<p class=\"wf-thanks\">{}</p>\n{text}\n\
         <p class=\"wf-ref\">{} <strong>{}</strong></p>\n</div>",
        escape(&form.title),
        escape(t.thanks),
        escape(t.reference),
        escape(&receipt.reference),
    );
    form_document(t, form, &body)
}

fn failure_page(t: &Texts, err: &ApiError) -> HttpResponse {
    let text = match err.status {
        StatusCode::PAYLOAD_TOO_LARGE => t.too_large,
        s if s.is_client_error() => t.bad_request,
        _ => t.failed,
    };
    message_page(err.status, t, t.error_title, text)
}

async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(SCRIPT)
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLESHEET)
}

#[derive(serde::Deserialize)]
struct ThemeQuery {
    c: String,
}

/// `GET /f/theme.css?c=rrggbb`: a form's colour (nothing stored is read;
/// anything but six hex digits is 404).
async fn theme(query: web::Query<ThemeQuery>) -> HttpResponse {
    match super::super::branding::theme_css(&query.c) {
        Some(css) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
            .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
            .body(css),
        None => HttpResponse::NotFound().finish(),
    }
}

/// `GET /f/{public_id}`: the form.
async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    public_id: web::Path<String>,
) -> HttpResponse {
    let t = texts(language(&req));
    let public_id = public_id.into_inner();
    let lookup = public_id.clone();
    let found: Result<Option<PublicForm>, CaseError> = state
        .db
        .read(move |conn| super::super::public_form(conn, &lookup))
        .await;
    match found {
        Ok(Some(form)) => {
            let token = state.webforms.token(&form.public_id);
            html(
                StatusCode::OK,
                form_page(t, &form, &token, &PublicSubmission::default(), &[], None),
            )
        }
        Ok(None) => message_page(StatusCode::NOT_FOUND, t, t.not_found_title, t.not_found),
        Err(err) => failure_page(t, &err.into()),
    }
}

async fn read_form(req: &HttpRequest, payload: Payload) -> Result<PublicSubmission, ApiError> {
    if crate::http::mime_type(req) != "application/x-www-form-urlencoded" {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "the form must be sent as application/x-www-form-urlencoded",
        ));
    }
    let body =
        crate::http::read_limited(payload, body_limit(req), crate::http::declared_len(req)).await?;
    serde_urlencoded::from_bytes::<FormFields>(&body)
        .map(PublicSubmission::from)
        .map_err(|err| ApiError::new(StatusCode::BAD_REQUEST, "malformed-body", err.to_string()))
}

/// `POST /f/{public_id}`: a plain HTML form post.
async fn send_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    public_id: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let t = texts(language(&req));
    let public_id = public_id.into_inner();
    let input = match read_form(&req, payload.into_inner()).await {
        Ok(input) => input,
        Err(err) => return failure_page(t, &err),
    };
    let outcome = match process(
        &state.db,
        &state.webforms,
        &state.cases,
        &state.outbox,
        client_address(&req),
        &public_id,
        input,
    )
    .await
    {
        Ok(outcome) => outcome,
        Err(err) => return failure_page(t, &err.into()),
    };
    match outcome {
        Outcome::Accepted { receipt, form } => {
            html(StatusCode::OK, confirmation_page(t, &form, &receipt))
        }
        Outcome::NotFound => message_page(StatusCode::NOT_FOUND, t, t.not_found_title, t.not_found),
        Outcome::Throttled(seconds) => {
            let minutes = seconds.div_ceil(60).max(1).to_string();
            let mut response = message_page(
                StatusCode::TOO_MANY_REQUESTS,
                t,
                t.throttled_title,
                &t.throttled.replace("{n}", &minutes),
            );
            if let Ok(value) = header::HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Outcome::Expired { form, input } => {
            let token = state.webforms.token(&form.public_id);
            html(
                StatusCode::UNPROCESSABLE_ENTITY,
                form_page(t, &form, &token, &input, &[], Some(t.expired)),
            )
        }
        Outcome::PowMissing { form, input } => html(
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(t, &form, &input.token, &input, &[], Some(t.pow_needed)),
        ),
        Outcome::Invalid {
            errors,
            form,
            input,
        } => {
            // The entered values come back; the token keeps its original
            // time, so a corrected form is not "too fast".
            let token = if input.token.is_empty() {
                state.webforms.token(&form.public_id)
            } else {
                input.token.clone()
            };
            html(
                StatusCode::UNPROCESSABLE_ENTITY,
                form_page(t, &form, &token, &input, &errors, None),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_keeps_paragraphs() {
        assert_eq!(
            escape("<b onclick=\"x\">&'"),
            "&lt;b onclick=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(paragraphs("a\nb<\n\n\nc"), "<p>a<br>b&lt;</p>\n<p>c</p>");
    }
}
