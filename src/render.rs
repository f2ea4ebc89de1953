//! Stage 7, render: stored items in, one Atom 1.0 document (RFC 4287) out.
//!
//! Pure: the caller reads the items and the sources' metadata from the store. Every entry carries
//! an id that never changes, an author (the source's title when the item names none: RFC 4287
//! requires one), and `atom:source` naming the feed it came from, so a merged feed still says
//! where each story was first published.

use std::collections::HashMap;

use atom_syndication::{Category, Content, Entry, Feed, Generator, Link, Person, Source, Text};
use chrono::{DateTime, FixedOffset, Utc};

use crate::dedup::is_absolute_iri;
use crate::model::{SourceState, Stored};

/// What a topic feed says about itself.
pub struct FeedInfo<'a> {
    pub title: &'a str,
    /// The URL the feed is served at: its id and its `self` link.
    pub self_url: String,
    /// The page that lists the topics: the feed's `alternate` link.
    pub home_url: String,
    /// `updated` when the feed has no entries.
    pub fallback_updated: DateTime<Utc>,
}

/// A source as `atom:source` and the author fallback need it.
pub struct SourceInfo {
    pub title: String,
    /// Where tidings fetches it (omitted from links when it is a local file).
    pub url: String,
    pub state: SourceState,
}

/// Renders `items` (newest first) as an Atom document.
pub fn atom(info: &FeedInfo, items: &[Stored], sources: &HashMap<String, SourceInfo>) -> String {
    let updated = items.iter().map(|s| s.updated).max().unwrap_or(info.fallback_updated);
    let feed = Feed {
        title: Text::plain(info.title),
        id: info.self_url.clone(),
        updated: fixed(updated),
        links: vec![
            link(&info.self_url, "self", Some("application/atom+xml")),
            link(&info.home_url, "alternate", Some("text/html")),
        ],
        generator: Some(Generator {
            value: "tidings".into(),
            uri: None,
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
        entries: items.iter().map(|s| entry(s, sources)).collect(),
        lang: None,
        ..Default::default()
    };
    feed.to_string()
}

fn entry(stored: &Stored, sources: &HashMap<String, SourceInfo>) -> Entry {
    let item = &stored.item;
    let title_of = |id: &str| sources.get(id).map_or(id.to_string(), |s| s.title.clone());
    let origin = sources.get(&item.source);
    let author = item.author.clone().unwrap_or_else(|| title_of(&item.source));
    let mut links: Vec<Link> = item.link.iter().map(|l| link(l, "alternate", Some("text/html"))).collect();
    for repost in &stored.also_in {
        if let Some(href) = &repost.link {
            links.push(Link { title: Some(title_of(&repost.source)), ..link(href, "via", Some("text/html")) });
        }
    }
    // The other sources are named in the text too, where every reader shows them.
    let also = also_reported(stored, &title_of);
    let (summary, content) = match (&item.summary, &item.content, also) {
        (summary, Some(content), Some(also)) => (summary.clone(), Some(format!("{content}\n{also}"))),
        (Some(summary), None, Some(also)) => (Some(format!("{summary}\n{also}")), None),
        (None, None, Some(also)) => (None, Some(also)),
        (summary, content, None) => (summary.clone(), content.clone()),
    };
    Entry {
        title: Text::plain(item.title.clone()),
        id: stored.entry_id.clone(),
        updated: fixed(stored.updated),
        published: item.published.map(fixed),
        authors: vec![Person { name: author, ..Default::default() }],
        links,
        categories: item.categories.iter().map(|c| Category { term: c.clone(), scheme: None, label: None }).collect(),
        summary: summary.map(Text::html),
        content: content.map(|value| Content {
            value: Some(value),
            content_type: Some("html".into()),
            ..Default::default()
        }),
        source: origin.map(|o| source(&item.source, o, stored)),
        ..Default::default()
    }
}

/// "Also reported by ROCB Europe and FCS", each linked to its copy, as an HTML paragraph.
fn also_reported(stored: &Stored, title_of: &dyn Fn(&str) -> String) -> Option<String> {
    let names: Vec<String> = stored
        .also_in
        .iter()
        .map(|r| {
            let name = html_escape::encode_text(&title_of(&r.source)).into_owned();
            match &r.link {
                Some(href) => format!("<a href=\"{}\">{name}</a>", html_escape::encode_double_quoted_attribute(href)),
                None => name,
            }
        })
        .collect();
    let list = match names.as_slice() {
        [] => return None,
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    Some(format!("<p>Also reported by {list}.</p>"))
}

/// `atom:source`: the origin feed's id, title, links and updated.
fn source(id: &str, info: &SourceInfo, stored: &Stored) -> Source {
    let meta = info.state.feed.as_ref();
    let feed_id = meta.and_then(|m| m.id.clone()).filter(|id| is_absolute_iri(id)).unwrap_or_else(|| {
        if info.url.starts_with("http") {
            info.url.clone()
        } else {
            format!("urn:tidings:source:{id}")
        }
    });
    let mut links = Vec::new();
    if info.url.starts_with("http") {
        links.push(link(&info.url, "self", None));
    }
    if let Some(site) = meta.and_then(|m| m.link.as_deref()).filter(|l| l.starts_with("http")) {
        links.push(link(site, "alternate", Some("text/html")));
    }
    let updated = meta.and_then(|m| m.updated).or(info.state.last_success).unwrap_or(stored.updated);
    Source { title: Text::plain(info.title.clone()), id: feed_id, updated: fixed(updated), links, ..Default::default() }
}

fn link(href: &str, rel: &str, mime_type: Option<&str>) -> Link {
    Link {
        href: href.to_string(),
        rel: rel.to_string(),
        mime_type: mime_type.map(str::to_string),
        ..Default::default()
    }
}

fn fixed(time: DateTime<Utc>) -> DateTime<FixedOffset> {
    time.fixed_offset()
}

#[cfg(test)]
mod tests;
