//! Stage 3, normalise: a [`ParsedEntry`] becomes tidings' own [`Item`].
//!
//! Links are made absolute against the entry's base (its `xml:base`, else the document's URL), HTML
//! is sanitised with ammonia (no script, no event handlers, no `javascript:` URLs, relative URLs
//! rewritten to absolute), plain text is escaped into HTML, and an entry without a title gets one
//! from its text. Pure: no IO, no store.

use ammonia::UrlRelative;
use url::Url;

use crate::model::{Body, Item, ParsedEntry};
use crate::text;

/// Titles made from an entry's text are cut to about this many characters.
const MADE_UP_TITLE_CHARS: usize = 100;

/// Turns one parsed entry of `source` (read from `document_url`) into an item.
pub fn normalise(entry: ParsedEntry, source: &str, document_url: &Url) -> Item {
    let declared = entry.base.as_deref().and_then(|b| document_url.join(b).ok());
    let link = entry
        .link
        .as_deref()
        .and_then(|l| absolute_http(declared.as_ref().unwrap_or(document_url), l))
        .map(|l| crate::canon::untracked(&l));
    // The item's base: its xml:base, else the document's URL; a document read from disk lends no
    // usable base, so the item's own link stands in.
    let base = declared
        .filter(is_http)
        .or_else(|| Some(document_url.clone()).filter(is_http))
        .or_else(|| link.as_deref().and_then(|l| Url::parse(l).ok()))
        .unwrap_or_else(|| document_url.clone());
    let summary = entry.summary.as_ref().map(|b| to_safe_html(b, &base)).filter(|s| !s.trim().is_empty());
    let content = entry.content.as_ref().map(|b| to_safe_html(b, &base)).filter(|s| !s.trim().is_empty());
    // A summary that only repeats the content says nothing more.
    let summary = summary.filter(|s| Some(s) != content.as_ref());
    let title = entry
        .title
        .filter(|t| !t.trim().is_empty())
        .or_else(|| summary.as_deref().or(content.as_deref()).map(title_from_html))
        .filter(|t| !t.is_empty())
        .or_else(|| link.clone())
        .unwrap_or_else(|| "(untitled)".to_string());
    let author = if entry.authors.is_empty() { None } else { Some(entry.authors.join(", ")) };
    Item {
        source: source.to_string(),
        guid: entry.id,
        link,
        title,
        published: entry.published,
        updated: entry.updated,
        author,
        summary,
        content,
        categories: entry.categories,
        language: None,
    }
}

fn is_http(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
}

/// Resolves `link` against `base`, keeping it only if it leads to an http(s) page.
pub fn absolute_http(base: &Url, link: &str) -> Option<String> {
    let url = base.join(link.trim()).ok()?;
    is_http(&url).then(|| url.to_string())
}

/// Sanitises HTML (or escapes plain text) so it is safe to republish.
pub fn to_safe_html(body: &Body, base: &Url) -> String {
    if !body.html {
        return text::collapse_whitespace(&html_escape::encode_text(&body.text));
    }
    let mut builder = ammonia::Builder::default();
    if is_http(base) {
        builder.url_relative(UrlRelative::RewriteWithBase(base.clone()));
    } else {
        builder.url_relative(UrlRelative::Deny);
    }
    builder.clean(&body.text).to_string().trim().to_string()
}

/// A title for an entry that has none: the start of its text, cut at a word.
fn title_from_html(html: &str) -> String {
    let text = text::html_to_text(html);
    if text.chars().count() <= MADE_UP_TITLE_CHARS {
        return text;
    }
    let cut: String = text.chars().take(MADE_UP_TITLE_CHARS).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.']))
}

#[cfg(test)]
mod tests;
