//! The public help center of a project (`/help/{project-key}`): the
//! client's published **public** articles that are not limited to other
//! projects, server-rendered HTML without any script, German or English
//! (the browser's preference, or the switch link's `?lang=`), searchable
//! with the knowledge search. Nothing else of the client is reachable: an
//! internal article, a draft, an article limited to another project or of
//! another client is "not found", and so is a project without a public
//! article or whose help center is switched off (it has no help center).

pub mod handlers;

use crate::ids::{ClientId, ProjectId};
use rusqlite::Connection;

use super::error::KnowledgeError;
use super::model::Language;
use super::render::ATTACHMENT_PATH;
use super::store::{self, PublicVersion, ReadScope, SearchFilter};
use crate::search::{fold, query};

/// The stylesheet at `/help/help.css` (the CSP allows no inline style).
pub const STYLESHEET: &str = include_str!("help.css");
/// Search hits shown, at most.
const MAX_HITS: u32 = 20;
/// Characters of a search taken.
const MAX_QUERY: usize = 200;

/// A project that has a help center.
#[derive(Debug, Clone)]
pub struct HelpCenter {
    pub project_id: ProjectId,
    pub client_id: ClientId,
    pub key: String,
    pub name: String,
}

/// The project's help center, if the project is active, its help center
/// is switched on (`kb_help_centers`) and it has at least one public
/// published article.
pub fn center(conn: &Connection, key: &str) -> Result<Option<HelpCenter>, KnowledgeError> {
    let Some((project_id, client_id, name)) = store::active_project_by_key(conn, key)? else {
        return Ok(None);
    };
    // Switched off: exactly like an unknown key.
    if !store::help_center_enabled(conn, project_id)?
        || store::public_article_count(conn, client_id, project_id)? == 0
    {
        return Ok(None);
    }
    Ok(Some(HelpCenter {
        project_id,
        client_id,
        key: key.to_string(),
        name,
    }))
}

/// Whether the project (by id) has a help center, for a link from its web
/// form; its key if so.
pub fn key_of_project(
    conn: &Connection,
    project_id: ProjectId,
) -> Result<Option<String>, KnowledgeError> {
    let Some(project) = crate::projects::store::get(conn, project_id)?.filter(|p| p.active) else {
        return Ok(None);
    };
    Ok(center(conn, &project.key)?.map(|c| c.key))
}

/// `?lang=` if it names a language, else the browser's preference
/// (`Accept-Language`), else German.
pub fn language(explicit: Option<&str>, accept_language: &str) -> Language {
    if let Some(language) = explicit.and_then(Language::parse) {
        return language;
    }
    let mut best: Option<(Language, f32)> = None;
    for part in accept_language.split(',') {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let language = match tag.split('-').next() {
            Some("de") => Language::De,
            Some("en") => Language::En,
            _ => continue,
        };
        if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
            best = Some((language, q));
        }
    }
    best.map(|(l, _)| l).unwrap_or(Language::De)
}

struct Texts {
    lang: &'static str,
    help_center: &'static str,
    search: &'static str,
    search_label: &'static str,
    no_hits: &'static str,
    hits_for: &'static str,
    no_articles: &'static str,
    back: &'static str,
    general: &'static str,
    other_language: &'static str,
    switch_to: &'static str,
    only_in: &'static str,
    updated: &'static str,
    not_found_title: &'static str,
    not_found: &'static str,
    failure_title: &'static str,
    failure: &'static str,
}

const DE: Texts = Texts {
    lang: "de",
    help_center: "Hilfe-Center",
    search: "Suchen",
    search_label: "Suchbegriff",
    no_hits: "Keine Artikel gefunden.",
    hits_for: "Suchergebnisse für",
    no_articles: "Noch keine Artikel.",
    back: "Zur Übersicht",
    general: "Allgemein",
    other_language: "en",
    switch_to: "English",
    only_in: "Dieser Artikel ist nur auf Englisch verfügbar.",
    updated: "Aktualisiert",
    not_found_title: "Nicht gefunden",
    not_found: "Diese Seite gibt es nicht.",
    failure_title: "Vorübergehend nicht verfügbar",
    failure: "Bitte versuchen Sie es in einigen Minuten erneut.",
};

const EN: Texts = Texts {
    lang: "en",
    help_center: "Help center",
    search: "Search",
    search_label: "Search term",
    no_hits: "No articles found.",
    hits_for: "Search results for",
    no_articles: "No articles yet.",
    back: "Back to the overview",
    general: "General",
    other_language: "de",
    switch_to: "Deutsch",
    only_in: "This article is only available in German.",
    updated: "Updated",
    not_found_title: "Not found",
    not_found: "There is no such page.",
    failure_title: "Temporarily unavailable",
    failure: "Please try again in a few minutes.",
};

fn texts(language: Language) -> &'static Texts {
    match language {
        Language::De => &DE,
        Language::En => &EN,
    }
}

/// Text safe in HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
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

/// A query-string value (RFC 3986 unreserved kept, the rest %-encoded).
fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A rendered page: the status and the document.
pub struct Page {
    pub found: bool,
    pub html: String,
}

fn document(
    t: &Texts,
    center: Option<&HelpCenter>,
    title: &str,
    switch: &str,
    body: &str,
) -> String {
    let brand = match center {
        Some(c) => format!(
            "<a class=\"hc-brand\" href=\"/help/{key}?lang={lang}\">{name} · {hc}</a>",
            key = escape(&url_encode(&c.key)),
            lang = t.lang,
            name = escape(&c.name),
            hc = t.help_center,
        ),
        None => format!("<span class=\"hc-brand\">{}</span>", t.help_center),
    };
    format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<link rel=\"stylesheet\" href=\"/help/help.css\">\n</head>\n<body>\n\
         <header class=\"hc-top\"><div class=\"hc-wrap\">{brand}{switch}</div></header>\n\
         <main class=\"hc-wrap\">\n{body}\n</main>\n</body>\n</html>\n",
        lang = t.lang,
        title = escape(title),
    )
}

/// The link to the same page in the other language.
fn switch_link(t: &Texts, path: &str, extra: &str) -> String {
    format!(
        "<a class=\"hc-lang\" href=\"{path}?lang={other}{extra}\" hreflang=\"{other}\" lang=\"{other}\">{label}</a>",
        other = t.other_language,
        label = t.switch_to,
    )
}

fn search_form(t: &Texts, c: &HelpCenter, q: &str) -> String {
    format!(
        "<form class=\"hc-search\" method=\"get\" action=\"/help/{key}/search\" role=\"search\">\
         <input type=\"hidden\" name=\"lang\" value=\"{lang}\">\
         <input type=\"search\" name=\"q\" value=\"{q}\" maxlength=\"{MAX_QUERY}\" aria-label=\"{label}\" placeholder=\"{label}\">\
         <button type=\"submit\">{search}</button></form>",
        key = escape(&url_encode(&c.key)),
        lang = t.lang,
        q = escape(q),
        label = t.search_label,
        search = t.search,
    )
}

fn article_href(c: &HelpCenter, article_id: i64, language: Language) -> String {
    format!(
        "/help/{}/articles/{article_id}?lang={}",
        escape(&url_encode(&c.key)),
        language.as_str()
    )
}

/// For each article, the version in `language`, else the other one.
fn one_per_article(versions: Vec<PublicVersion>, language: Language) -> Vec<PublicVersion> {
    let mut out: Vec<PublicVersion> = Vec::new();
    for v in versions {
        match out.iter_mut().find(|o| o.article_id == v.article_id) {
            Some(existing) => {
                if existing.language != language && v.language == language {
                    *existing = v;
                }
            }
            None => out.push(v),
        }
    }
    out
}

pub fn not_found_page(language: Language) -> String {
    let t = texts(language);
    document(
        t,
        None,
        t.not_found_title,
        "",
        &format!(
            "<h1>{}</h1>\n<p class=\"hc-note\">{}</p>",
            t.not_found_title, t.not_found
        ),
    )
}

pub fn failure_page(language: Language) -> String {
    let t = texts(language);
    document(
        t,
        None,
        t.failure_title,
        "",
        &format!(
            "<h1>{}</h1>\n<p class=\"hc-note\">{}</p>",
            t.failure_title, t.failure
        ),
    )
}

fn missing(language: Language) -> Page {
    Page {
        found: false,
        html: not_found_page(language),
    }
}

/// `/help/{key}`: the articles by category, and the search.
pub fn index(conn: &Connection, key: &str, language: Language) -> Result<Page, KnowledgeError> {
    let Some(c) = center(conn, key)? else {
        return Ok(missing(language));
    };
    let t = texts(language);
    let articles = one_per_article(
        store::public_versions(conn, c.client_id, c.project_id)?,
        language,
    );
    let mut body = format!("<h1>{}</h1>\n{}\n", t.help_center, search_form(t, &c, ""));
    if articles.is_empty() {
        body.push_str(&format!("<p class=\"hc-note\">{}</p>\n", t.no_articles));
    }
    // Categories in the store's order; articles keep theirs within.
    let mut groups: Vec<(Option<String>, Vec<&PublicVersion>)> = Vec::new();
    for a in &articles {
        match groups.iter_mut().find(|(name, _)| *name == a.category) {
            Some((_, list)) => list.push(a),
            None => groups.push((a.category.clone(), vec![a])),
        }
    }
    for (name, list) in groups {
        body.push_str(&format!(
            "<section class=\"hc-category\">\n<h2>{}</h2>\n<ul class=\"hc-list\">\n",
            escape(name.as_deref().unwrap_or(t.general))
        ));
        for a in list {
            body.push_str(&format!(
                "<li><a href=\"{href}\" lang=\"{lang}\">{title}</a></li>\n",
                href = article_href(&c, a.article_id, a.language),
                lang = a.language.as_str(),
                title = escape(&a.title),
            ));
        }
        body.push_str("</ul>\n</section>\n");
    }
    let path = format!("/help/{}", escape(&url_encode(&c.key)));
    let title = format!("{} – {}", c.name, t.help_center);
    Ok(Page {
        found: true,
        html: document(t, Some(&c), &title, &switch_link(t, &path, ""), &body),
    })
}

/// The article's HTML with its images and files served by the help center.
fn public_body(c: &HelpCenter, body_html: &str) -> String {
    let own = format!("/help/{}/attachments/", url_encode(&c.key));
    body_html
        .replace(&format!("src=\"{ATTACHMENT_PATH}"), &format!("src=\"{own}"))
        .replace(
            &format!("href=\"{ATTACHMENT_PATH}"),
            &format!("href=\"{own}"),
        )
}

/// `/help/{key}/articles/{id}`: one article, in `language` if it has it.
pub fn article(
    conn: &Connection,
    key: &str,
    article_id: i64,
    language: Language,
) -> Result<Page, KnowledgeError> {
    let Some(c) = center(conn, key)? else {
        return Ok(missing(language));
    };
    let versions = store::public_article(conn, c.client_id, c.project_id, article_id)?;
    let Some(shown) = one_per_article(versions, language).into_iter().next() else {
        return Ok(missing(language));
    };
    let t = texts(language);
    let note = if shown.language == language {
        String::new()
    } else {
        format!("<p class=\"hc-note\">{}</p>\n", t.only_in)
    };
    let updated = shown
        .published_at
        .as_deref()
        .and_then(|at| at.get(..10))
        .map(|day| {
            format!(
                "<p class=\"hc-meta\">{} <time datetime=\"{day}\">{}</time></p>\n",
                t.updated,
                escape(&local_date(day, language))
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<p><a href=\"/help/{key}?lang={lang}\">← {back}</a></p>\n{note}\
         <article class=\"hc-article\" lang=\"{alang}\">\n<h1>{title}</h1>\n{updated}{html}\n</article>\n",
        key = escape(&url_encode(&c.key)),
        lang = t.lang,
        back = t.back,
        alang = shown.language.as_str(),
        title = escape(&shown.title),
        html = public_body(&c, &shown.body_html),
    );
    let path = format!(
        "/help/{}/articles/{article_id}",
        escape(&url_encode(&c.key))
    );
    Ok(Page {
        found: true,
        html: document(t, Some(&c), &shown.title, &switch_link(t, &path, ""), &body),
    })
}

/// `2026-03-01` as 1.3.2026 or 2026-03-01 (the help center has no locale
/// library; the two formats its readers expect).
fn local_date(day: &str, language: Language) -> String {
    let parts: Vec<&str> = day.split('-').collect();
    match (language, parts.as_slice()) {
        (Language::De, [y, m, d]) => format!(
            "{}.{}.{y}",
            d.trim_start_matches('0'),
            m.trim_start_matches('0')
        ),
        _ => day.to_string(),
    }
}

/// `/help/{key}/search?q=`: the help center's articles matching the query
/// (the knowledge search's language), best first.
pub fn search(
    conn: &Connection,
    key: &str,
    q: &str,
    language: Language,
) -> Result<Page, KnowledgeError> {
    let Some(c) = center(conn, key)? else {
        return Ok(missing(language));
    };
    let t = texts(language);
    let q: String = q.chars().take(MAX_QUERY).collect();
    let parsed = query::parse(&q);
    // German spellings folded as in every search (search::fold).
    let hits = match fold::expression(conn, store::SEARCH_TABLE, &parsed.terms)? {
        Some((fts, _)) => store::search(
            conn,
            &fts,
            &SearchFilter {
                client_id: c.client_id,
                scope: &ReadScope::published_in(vec![c.project_id]),
                category_id: None,
                tags: &[],
                language: None,
                public_only: true,
                window: store::SEARCH_WINDOW,
                phrase_counts: None,
            },
            MAX_HITS * 2,
        )?,
        None => Vec::new(),
    };
    // One hit per article, in the reader's language where it matched.
    let mut shown: Vec<&super::model::SearchHit> = Vec::new();
    for hit in &hits {
        match shown.iter().position(|s| s.article_id == hit.article_id) {
            Some(at) if shown[at].language != language && hit.language == language => {
                shown[at] = hit;
            }
            Some(_) => {}
            None if shown.len() < MAX_HITS as usize => shown.push(hit),
            None => {}
        }
    }
    let mut body = format!(
        "<p><a href=\"/help/{key}?lang={lang}\">← {back}</a></p>\n{form}\n<h1>{hits_for} „{q}“</h1>\n",
        key = escape(&url_encode(&c.key)),
        lang = t.lang,
        back = t.back,
        form = search_form(t, &c, &q),
        hits_for = t.hits_for,
        q = escape(&q),
    );
    if shown.is_empty() {
        body.push_str(&format!("<p class=\"hc-note\">{}</p>\n", t.no_hits));
    } else {
        body.push_str("<ul class=\"hc-list\">\n");
        for hit in shown {
            let snippet = escape(&hit.snippet)
                .replace('«', "<mark>")
                .replace('»', "</mark>");
            body.push_str(&format!(
                "<li lang=\"{alang}\"><a href=\"{href}\">{title}</a><p class=\"hc-snippet\">{snippet}</p></li>\n",
                alang = hit.language.as_str(),
                href = article_href(&c, hit.article_id, hit.language),
                title = escape(&hit.title),
            ));
        }
        body.push_str("</ul>\n");
    }
    let path = format!("/help/{}/search", escape(&url_encode(&c.key)));
    let extra = format!("&amp;q={}", escape(&url_encode(&q)));
    Ok(Page {
        found: true,
        html: document(
            t,
            Some(&c),
            &format!("{} – {}", t.search, c.name),
            &switch_link(t, &path, &extra),
            &body,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_follows_the_switch_then_the_browser() {
        assert_eq!(language(Some("en"), "de-DE"), Language::En);
        assert_eq!(language(None, "fr, en-GB;q=0.8, de;q=0.5"), Language::En);
        assert_eq!(language(None, "de-AT,en;q=0.9"), Language::De);
        assert_eq!(language(Some("xx"), ""), Language::De);
    }

    #[test]
    fn text_is_escaped_and_dates_are_local() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(url_encode("a b/ä"), "a%20b%2F%C3%A4");
        assert_eq!(local_date("2026-03-01", Language::De), "1.3.2026");
        assert_eq!(local_date("2026-03-01", Language::En), "2026-03-01");
    }
}
