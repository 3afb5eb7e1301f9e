//! Articles beside a case: the published articles of the case's project,
//! ranked by the knowledge search (`kb_search`, `zezaro_rank`) against the
//! rarest significant words of the case's subject and first message; and the
//! record of an article used in a case (`kb_article_uses`, for reports).

use crate::ids::{CaseId, ClientId};
use rusqlite::Connection;

use super::error::KnowledgeError;
use super::model::{NewUse, Suggestion, Use, Visibility};
use super::store::{self, ReadScope, SearchFilter};
use crate::auth::Principal;
use crate::auth::policy::{self, Denied};
use crate::cases::CaseError;
use crate::search::stats::PhraseCounts;
use crate::validation::Invalid;

/// Suggestions per case.
pub const LIMIT: usize = 5;
/// Words of a case looked at, at most (the subject's first).
const MAX_CANDIDATES: usize = 24;
/// Of those, the rarest in the knowledge base go into the query, at most:
/// they say most about the matter (a word in every article says nothing),
/// and each more word is one more phrase to weigh in every match.
const MAX_WORDS: usize = 10;
/// The newest matches ranked for suggestions: the five best of these.
const WINDOW: u32 = 500;
/// Characters of the first message read for words.
const MAX_TEXT: usize = 4_000;

/// Words that say nothing about the matter (German and English).
const STOP_WORDS: &[&str] = &[
    "aber",
    "alle",
    "allem",
    "allen",
    "aller",
    "alles",
    "also",
    "andere",
    "anderen",
    "auch",
    "bitte",
    "bereits",
    "beim",
    "bin",
    "bis",
    "bist",
    "dann",
    "dass",
    "dafür",
    "damit",
    "danke",
    "dein",
    "deine",
    "dem",
    "den",
    "denn",
    "der",
    "des",
    "dich",
    "die",
    "dies",
    "diese",
    "diesem",
    "diesen",
    "dieser",
    "dieses",
    "doch",
    "dort",
    "durch",
    "eine",
    "einem",
    "einen",
    "einer",
    "eines",
    "etwas",
    "euch",
    "euer",
    "für",
    "gibt",
    "grüße",
    "guten",
    "habe",
    "haben",
    "hallo",
    "hat",
    "hatte",
    "heute",
    "hier",
    "ihm",
    "ihn",
    "ihnen",
    "ihr",
    "ihre",
    "ihrem",
    "ihren",
    "ihrer",
    "immer",
    "jetzt",
    "kann",
    "keine",
    "können",
    "könnte",
    "mein",
    "meine",
    "meinem",
    "meinen",
    "meiner",
    "mich",
    "mir",
    "mit",
    "muss",
    "nach",
    "nicht",
    "noch",
    "nun",
    "nur",
    "oder",
    "ohne",
    "schon",
    "sehr",
    "sein",
    "seine",
    "sich",
    "sie",
    "sind",
    "sollte",
    "tag",
    "über",
    "uns",
    "unser",
    "unsere",
    "und",
    "vielen",
    "viele",
    "vom",
    "von",
    "vor",
    "wann",
    "war",
    "waren",
    "warum",
    "was",
    "weil",
    "wenn",
    "wer",
    "werde",
    "werden",
    "wie",
    "wieder",
    "wir",
    "wird",
    "wo",
    "wurde",
    "wurden",
    "zum",
    "zur",
    "damen",
    "herren",
    "freundlichen",
    "gruß",
    "grüßen",
    "liebe",
    "lieber",
    "sehr",
    "geehrte",
    "geehrter",
    "about",
    "after",
    "again",
    "also",
    "and",
    "any",
    "are",
    "because",
    "been",
    "but",
    "can",
    "could",
    "dear",
    "does",
    "for",
    "from",
    "have",
    "hello",
    "her",
    "his",
    "how",
    "into",
    "just",
    "kind",
    "more",
    "not",
    "please",
    "regards",
    "she",
    "should",
    "some",
    "than",
    "thank",
    "thanks",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "this",
    "was",
    "were",
    "what",
    "when",
    "which",
    "while",
    "will",
    "with",
    "would",
    "you",
    "your",
];

/// The significant words of a text, in order of appearance, each once:
/// letters (and digits within a word), at least 3 characters, no stop
/// words, no pure numbers (customer or meter numbers match nothing).
pub fn significant_words(text: &str, max: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if out.len() >= max {
            break;
        }
        let word = word.to_lowercase();
        if word.chars().count() < 3
            || word.chars().all(|c| c.is_numeric())
            || STOP_WORDS.contains(&word.as_str())
            || out.contains(&word)
        {
            continue;
        }
        out.push(word);
    }
    out
}

/// A word as an FTS5 phrase (quoted, so nothing in it is syntax).
pub fn phrase(word: &str) -> String {
    format!("\"{}\"", word.replace('"', ""))
}

/// An FTS5 expression matching any of the phrases.
pub fn any_of(phrases: &[String]) -> Option<String> {
    if phrases.is_empty() {
        return None;
    }
    Some(phrases.join(" OR "))
}

/// The `max` rarest phrases (fewest matching rows, `counts` in the order of
/// `phrases`), those matching nothing left out; equally rare ones in their
/// order. Returns the phrases with their counts.
pub fn rarest(phrases: Vec<String>, counts: &[i64], max: usize) -> (Vec<String>, Vec<i64>) {
    let mut ranked: Vec<(String, i64)> = phrases
        .into_iter()
        .zip(counts.iter().copied())
        .filter(|(_, count)| *count > 0)
        .collect();
    ranked.sort_by_key(|(_, count)| *count);
    ranked.truncate(max);
    ranked.into_iter().unzip()
}

fn case_not_found(err: CaseError) -> KnowledgeError {
    match err {
        CaseError::Store(store) => KnowledgeError::Store(store),
        CaseError::Denied(Denied::Forbidden) => KnowledgeError::Denied(Denied::Forbidden),
        // Anything else of a case lookup: the case is not there for `who`.
        _ => KnowledgeError::CaseNotFound,
    }
}

/// The case if `who` sees it, and its project's (id, client id, key).
fn case_context(
    conn: &Connection,
    who: &Principal,
    case_id: CaseId,
) -> Result<(crate::cases::Case, ClientId, String), KnowledgeError> {
    let case = crate::cases::service::visible_case(conn, who, case_id).map_err(case_not_found)?;
    let project =
        crate::projects::store::get(conn, case.project_id)?.ok_or(KnowledgeError::CaseNotFound)?;
    // Whoever sees the case reads its client's knowledge; asked anyway.
    policy::knowledge_reader(who, project.client_id).map_err(|_| KnowledgeError::CaseNotFound)?;
    Ok((case, project.client_id, project.key))
}

/// Up to five published articles for the case, best first: those of the
/// case's client readable in the case's project (never drafts, never
/// articles limited to other projects, whoever asks).
pub fn suggestions(
    conn: &Connection,
    who: &Principal,
    case_id: CaseId,
    stats: &PhraseCounts,
) -> Result<Vec<Suggestion>, KnowledgeError> {
    let (case, client_id, key) = case_context(conn, who, case_id)?;
    let mut text = case.subject.clone();
    if let Some(first) = store::first_message_text(conn, case_id)? {
        text.push(' ');
        text.extend(first.chars().take(MAX_TEXT));
    }
    let candidates: Vec<String> = significant_words(&text, MAX_CANDIDATES)
        .iter()
        .map(|w| phrase(w))
        .collect();
    let counts = stats.counts(conn, "kb_search", &candidates)?;
    let (phrases, counts) = rarest(candidates, &counts, MAX_WORDS);
    let Some(fts) = any_of(&phrases) else {
        return Ok(Vec::new());
    };
    let scope = ReadScope::published_in(vec![case.project_id]);
    let hits = store::search(
        conn,
        &fts,
        &SearchFilter {
            client_id,
            scope: &scope,
            category_id: None,
            tags: &[],
            language: None,
            public_only: false,
            window: WINDOW,
            phrase_counts: Some(&counts),
        },
        (LIMIT * 2) as u32,
    )?;
    // Public links only where the project's help center can be reached:
    // switched on and the project active (the article itself is public).
    let help_center = store::help_center_enabled(conn, case.project_id)?
        && crate::projects::store::get(conn, case.project_id)?.is_some_and(|p| p.active);
    let mut out: Vec<Suggestion> = Vec::with_capacity(LIMIT);
    for hit in hits {
        // One entry per article: its best language.
        if out.len() == LIMIT || out.iter().any(|s| s.article_id == hit.article_id) {
            continue;
        }
        let public = help_center
            && store::article(conn, hit.article_id)?
                .is_some_and(|a| a.visibility == Visibility::Public);
        out.push(Suggestion {
            public_url: public.then(|| {
                format!(
                    "/help/{key}/articles/{}?lang={}",
                    hit.article_id,
                    hit.language.as_str()
                )
            }),
            article_id: hit.article_id,
            version_id: hit.version_id,
            language: hit.language,
            title: hit.title,
            tags: hit.tags,
            snippet: hit.snippet,
        });
    }
    Ok(out)
}

/// Records that the published version of an article (in a language) was
/// used in the case, as a link or as text.
pub fn record_use(
    conn: &Connection,
    who: &Principal,
    case_id: CaseId,
    input: &NewUse,
) -> Result<Use, KnowledgeError> {
    let (case, client_id, _) = case_context(conn, who, case_id)?;
    let no_article = || Invalid::new("article_id", "no such published article for this case");
    let article = store::article(conn, input.article_id)?
        .filter(|a| a.client_id == client_id)
        .ok_or_else(no_article)?;
    let limits = store::projects(conn, article.id)?;
    if !ReadScope::published_in(vec![case.project_id]).admits(article.limited, &limits) {
        return Err(no_article().into());
    }
    let version = store::published(conn, article.id, input.language)?.ok_or_else(no_article)?;
    Ok(store::insert_use(
        conn,
        article.id,
        Some(version.id),
        case_id,
        who.user_id,
        input.how,
    )?)
}

/// The articles used in the case, oldest first.
pub fn uses(
    conn: &Connection,
    who: &Principal,
    case_id: CaseId,
) -> Result<Vec<Use>, KnowledgeError> {
    case_context(conn, who, case_id)?;
    Ok(store::uses_of_case(conn, case_id)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_the_significant_ones_once() {
        let words = significant_words(
            "Hallo, mein Zählerstand vom 12.03. stimmt nicht! Zählerstand 123456 bitte prüfen",
            10,
        );
        assert_eq!(words, vec!["zählerstand", "stimmt", "prüfen"]);
        assert_eq!(significant_words("a b cd 12345", 10), Vec::<String>::new());
        assert_eq!(significant_words("eins zwei drei vier", 2).len(), 2);
    }

    #[test]
    fn the_query_quotes_every_word() {
        assert_eq!(
            any_of(&[phrase("umzug"), phrase("ab\"c")]).as_deref(),
            Some("\"umzug\" OR \"abc\"")
        );
        assert_eq!(any_of(&[]), None);
    }

    #[test]
    fn the_rarest_words_go_into_the_query() {
        let phrases: Vec<String> = ["strom", "zählerstand", "foto", "xyz", "umzug"]
            .iter()
            .map(|w| phrase(w))
            .collect();
        let (chosen, counts) = rarest(phrases, &[9_000, 120, 40, 0, 120], 3);
        assert_eq!(chosen, vec!["\"foto\"", "\"zählerstand\"", "\"umzug\""]);
        assert_eq!(counts, vec![40, 120, 120]);
    }
}
