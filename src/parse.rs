//! Stage 2, parse: bytes in, [`ParsedFeed`] out. RSS 0.9x/1.0/2.0, Atom and JSON Feed.
//!
//! The only module that touches feed-rs. It guards the parser (feed-rs 3.0.0 panics on some UTF-16
//! documents, so UTF-16 is transcoded first and any panic left becomes an error), drops the ids
//! feed-rs makes up for entries without one (they are random), and cleans every string of what
//! XML 1.0 forbids and of HTML entities left undecoded. It decides nothing about identity or
//! HTML safety: that is `normalise`'s job.

use std::borrow::Cow;
use std::panic::{catch_unwind, AssertUnwindSafe};

use feed_rs::model;
use url::Url;

use crate::model::{Body, ParsedEntry, ParsedFeed};
use crate::text::{self, clean, decode};

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("not a feed: {0}")]
    Invalid(String),
    #[error("the parser crashed on this document ({0})")]
    Crashed(String),
}

/// Parses a feed document. `base` resolves relative links inside XML documents.
pub fn parse(body: &[u8], base: &Url) -> Result<ParsedFeed, ParseError> {
    let body = transcode_utf16(body);
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        // An empty id marks "the publisher gave none"; feed-rs's own would be random per parse.
        .id_generator(|_, _, _| String::new())
        .build();
    let parsed = catch_unwind(AssertUnwindSafe(|| parser.parse(body.as_ref())));
    match parsed {
        Ok(Ok(feed)) => Ok(convert(feed)),
        Ok(Err(e)) => Err(ParseError::Invalid(e.to_string())),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(ParseError::Crashed(message))
        }
    }
}

/// Re-encodes a UTF-16 document (told by its BOM) as UTF-8 and says so in its XML declaration.
///
/// quick-xml panics when a UTF-16 BOM and the declared encoding disagree; UTF-8 with a matching
/// declaration is the one case every parser agrees on.
fn transcode_utf16(body: &[u8]) -> Cow<'_, [u8]> {
    let Some((encoding, _)) = encoding_rs::Encoding::for_bom(body) else {
        return Cow::Borrowed(body);
    };
    if encoding == encoding_rs::UTF_8 {
        return Cow::Borrowed(&body[3..]);
    }
    let (text, _, _) = encoding.decode(body);
    let text = text.trim_start_matches('\u{feff}');
    let text = match (text.starts_with("<?xml"), text.find("?>")) {
        (true, Some(end)) => format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{}", &text[end + 2..]),
        _ => text.to_string(),
    };
    Cow::Owned(text.into_bytes())
}

fn convert(feed: model::Feed) -> ParsedFeed {
    ParsedFeed {
        id: non_empty(clean(&feed.id)),
        title: feed.title.as_ref().map(plain_text).and_then(non_empty),
        link: alternate(&feed.links),
        updated: feed.updated,
        ttl: feed.ttl,
        language: feed.language.as_deref().map(clean).and_then(non_empty),
        entries: feed.entries.into_iter().map(convert_entry).collect(),
    }
}

fn convert_entry(entry: model::Entry) -> ParsedEntry {
    let content = entry.content.as_ref().and_then(|c| {
        let html = c.content_type.to_string().contains("html");
        c.body.as_deref().map(clean).and_then(non_empty).map(|text| Body { text, html })
    });
    let mut categories: Vec<String> = Vec::new();
    for c in &entry.categories {
        let name = clean(&decode(c.label.as_deref().unwrap_or(&c.term)));
        if !name.trim().is_empty() && !categories.contains(&name) {
            categories.push(name.trim().to_string());
        }
    }
    ParsedEntry {
        id: non_empty(clean(entry.id.trim())),
        title: entry.title.as_ref().map(plain_text).and_then(non_empty),
        link: alternate(&entry.links),
        published: entry.published,
        updated: entry.updated,
        authors: entry
            .authors
            .iter()
            .filter_map(|p| p.name.as_deref().map(|n| clean(&decode(n))))
            .filter(|n| !n.trim().is_empty())
            .collect(),
        summary: entry.summary.as_ref().and_then(|t| {
            let html = t.content_type.to_string().contains("html");
            non_empty(clean(&t.content)).map(|text| Body { text, html })
        }),
        content,
        categories,
        base: entry.base,
    }
}

/// The link a reader follows: `alternate` or unlabelled, first of them.
fn alternate(links: &[model::Link]) -> Option<String> {
    links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .map(|l| clean(l.href.trim()))
        .and_then(non_empty)
}

/// A title as plain text: markup dropped when the publisher sent HTML, entities decoded.
fn plain_text(text: &model::Text) -> String {
    let raw = if text.content_type.to_string().contains("html") {
        text::html_to_text(&text.content)
    } else {
        decode(&text.content).into_owned()
    };
    clean(&text::collapse_whitespace(&raw))
}

fn non_empty(s: String) -> Option<String> {
    if s.trim().is_empty() {
        None
    } else {
        Some(s)
    }
}

#[cfg(test)]
mod tests;
