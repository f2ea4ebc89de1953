//! Stage 7, render: stored items in, one topic feed out: Atom 1.0 (RFC 4287), RSS 2.0 or JSON
//! Feed 1.1, each linking the others as alternates.
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

/// RFC 5005's namespace, for `fh:archive`.
pub const HISTORY_NAMESPACE: &str = "http://purl.org/syndication/history/1.0";

/// What a topic feed says about itself.
pub struct FeedInfo<'a> {
    pub title: &'a str,
    /// The feed's id: the URL of its current document, shared by its archive pages.
    pub id: String,
    /// The URL this document is served at: its `self` link.
    pub self_url: String,
    /// The page that lists the topics: the feed's `alternate` link.
    pub home_url: String,
    /// `updated` when the feed has no entries.
    pub fallback_updated: DateTime<Utc>,
    /// The same topic in the other formats: `(URL, media type)`.
    pub alternates: Vec<(String, &'static str)>,
    /// More links, `(rel, URL)`: RFC 5005's `current`, `prev-archive` and `next-archive`, and
    /// WebSub's `hub`.
    pub related: Vec<(&'static str, String)>,
    /// An archive page (RFC 5005 `fh:archive`): full, never to change.
    pub archive: bool,
}

impl FeedInfo<'_> {
    /// The WebSub hub, if there is one.
    fn hub(&self) -> Option<&str> {
        self.related.iter().find(|(rel, _)| *rel == "hub").map(|(_, url)| url.as_str())
    }
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
    let mut feed = Feed {
        title: Text::plain(info.title),
        id: info.id.clone(),
        updated: fixed(updated),
        links: [
            link(&info.self_url, "self", Some("application/atom+xml")),
            link(&info.home_url, "alternate", Some("text/html")),
        ]
        .into_iter()
        .chain(info.alternates.iter().map(|(url, mime)| link(url, "alternate", Some(mime))))
        .chain(info.related.iter().map(|(rel, url)| link(url, rel, None)))
        .collect(),
        generator: Some(Generator {
            value: "tidings".into(),
            uri: None,
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
        entries: items.iter().map(|s| entry(s, sources)).collect(),
        lang: common_language(items),
        ..Default::default()
    };
    if !info.archive {
        return feed.to_string();
    }
    // `fh:archive` goes before the entries (RFC 4287's schema allows extension elements among the
    // feed's metadata only); atom_syndication writes extensions after them, so it is put in here.
    feed.namespaces.insert("fh".into(), HISTORY_NAMESPACE.into());
    let mut xml = feed.to_string();
    let at = xml.find("<entry>").or_else(|| xml.rfind("</feed>")).unwrap_or(xml.len());
    xml.insert_str(at, "<fh:archive/>");
    xml
}

/// An item's language as `xml:lang` takes it: a well-formed tag, or nothing.
fn language(stored: &Stored) -> Option<String> {
    stored.item.language.as_deref().and_then(crate::text::language_tag)
}

/// The language every item is in, if they share one: the feed's `xml:lang`.
fn common_language(items: &[Stored]) -> Option<String> {
    let first = language(items.first()?)?;
    items.iter().all(|s| language(s).as_deref() == Some(first.as_str())).then_some(first)
}

fn entry(stored: &Stored, sources: &HashMap<String, SourceInfo>) -> Entry {
    let item = &stored.item;
    let title_of = |id: &str| title_of(sources, id);
    let origin = sources.get(&item.source);
    let author = item.author.clone().unwrap_or_else(|| title_of(&item.source));
    let mut links: Vec<Link> = item.link.iter().map(|l| link(l, "alternate", Some("text/html"))).collect();
    for repost in &stored.also_in {
        if let Some(href) = &repost.link {
            links.push(Link { title: Some(title_of(&repost.source)), ..link(href, "via", Some("text/html")) });
        }
    }
    let (summary, content) = bodies(stored, &title_of);
    let lang = language(stored);
    let text = |value: String, html: bool| Text {
        lang: lang.clone(),
        ..if html { Text::html(value) } else { Text::plain(value) }
    };
    Entry {
        title: text(item.title.clone(), false),
        id: stored.entry_id.clone(),
        updated: fixed(stored.updated),
        published: item.published.map(fixed),
        authors: vec![Person { name: author, ..Default::default() }],
        links,
        categories: item.categories.iter().map(|c| Category { term: c.clone(), scheme: None, label: None }).collect(),
        summary: summary.map(|s| text(s, true)),
        content: content.map(|value| Content {
            value: Some(value),
            content_type: Some("html".into()),
            lang: lang.clone(),
            ..Default::default()
        }),
        source: origin.map(|o| source(&item.source, o, stored)),
        ..Default::default()
    }
}

/// Summary and content, the other sources named in the text too, where every reader shows them.
fn bodies(stored: &Stored, title_of: &dyn Fn(&str) -> String) -> (Option<String>, Option<String>) {
    let item = &stored.item;
    match (&item.summary, &item.content, also_reported(stored, title_of)) {
        (summary, Some(content), Some(also)) => (summary.clone(), Some(format!("{content}\n{also}"))),
        (Some(summary), None, Some(also)) => (Some(format!("{summary}\n{also}")), None),
        (None, None, Some(also)) => (None, Some(also)),
        (summary, content, None) => (summary.clone(), content.clone()),
    }
}

/// Renders `items` (newest first) as RSS 2.0, with `atom:link rel="self"` and the alternates.
pub fn rss(info: &FeedInfo, items: &[Stored], sources: &HashMap<String, SourceInfo>) -> String {
    use rss::extension::atom::{AtomExtension, NAMESPACE};
    let updated = items.iter().map(|s| s.updated).max().unwrap_or(info.fallback_updated);
    let title_of = |id: &str| title_of(sources, id);
    let mut links = vec![link(&info.self_url, "self", Some("application/rss+xml"))];
    links.extend(info.alternates.iter().map(|(url, mime)| link(url, "alternate", Some(mime))));
    links.extend(info.hub().map(|hub| link(hub, "hub", None)));
    let entries = items.iter().map(|stored| {
        let item = &stored.item;
        let (summary, content) = bodies(stored, &title_of);
        let permalink = item.link.as_deref() == Some(stored.entry_id.as_str());
        let creator = item.author.clone().unwrap_or_else(|| title_of(&item.source));
        rss::Item {
            title: Some(item.title.clone()),
            link: item.link.clone(),
            description: content.or(summary),
            guid: Some(rss::Guid { value: stored.entry_id.clone(), permalink }),
            pub_date: Some(item.published.unwrap_or(stored.updated).to_rfc2822()),
            categories: item.categories.iter().map(|c| rss::Category { name: c.clone(), domain: None }).collect(),
            source: sources
                .get(&item.source)
                .filter(|s| s.url.starts_with("http"))
                .map(|s| rss::Source { url: s.url.clone(), title: Some(s.title.clone()) }),
            dublin_core_ext: Some(rss::extension::dublincore::DublinCoreExtension {
                creators: vec![creator],
                ..Default::default()
            }),
            ..Default::default()
        }
    });
    let channel = rss::Channel {
        title: info.title.to_string(),
        link: info.home_url.clone(),
        description: format!("{}: merged by tidings", info.title),
        last_build_date: Some(updated.to_rfc2822()),
        generator: Some(format!("tidings {}", env!("CARGO_PKG_VERSION"))),
        docs: Some("https://www.rssboard.org/rss-specification".into()),
        language: common_language(items),
        items: entries.collect(),
        atom_ext: Some(AtomExtension { links }),
        namespaces: [
            ("atom".to_string(), NAMESPACE.to_string()),
            ("dc".to_string(), rss::extension::dublincore::NAMESPACE.to_string()),
        ]
        .into_iter()
        .collect(),
        ..Default::default()
    };
    channel.to_string()
}

/// Renders `items` (newest first) as JSON Feed 1.1.
pub fn json_feed(info: &FeedInfo, items: &[Stored], sources: &HashMap<String, SourceInfo>) -> String {
    let title_of = |id: &str| title_of(sources, id);
    let entries: Vec<serde_json::Value> = items
        .iter()
        .map(|stored| {
            let item = &stored.item;
            let (summary, content) = bodies(stored, &title_of);
            let mut entry = serde_json::json!({
                "id": stored.entry_id,
                "title": item.title,
                "date_modified": stored.updated.to_rfc3339(),
                "authors": [{ "name": item.author.clone().unwrap_or_else(|| title_of(&item.source)) }],
                "content_html": content.or(summary.clone()).unwrap_or_default(),
            });
            let fields = entry.as_object_mut().expect("an object");
            if let Some(link) = &item.link {
                fields.insert("url".into(), link.clone().into());
            }
            if let Some(published) = item.published {
                fields.insert("date_published".into(), published.to_rfc3339().into());
            }
            if let (Some(summary), Some(_)) = (&summary, &item.content) {
                fields.insert("summary".into(), crate::text::html_to_text(summary).into());
            }
            if !item.categories.is_empty() {
                fields.insert("tags".into(), item.categories.clone().into());
            }
            if let Some(language) = &item.language {
                fields.insert("language".into(), language.clone().into());
            }
            if let Some(via) = stored.also_in.iter().find_map(|r| r.link.clone()) {
                fields.insert("external_url".into(), via.into());
            }
            entry
        })
        .collect();
    let mut feed = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": info.title,
        "home_page_url": info.home_url,
        "feed_url": info.self_url,
        "items": entries,
    });
    let fields = feed.as_object_mut().expect("an object");
    if let Some(hub) = info.hub() {
        fields.insert("hubs".into(), serde_json::json!([{ "type": "WebSub", "url": hub }]));
    }
    if let Some(language) = common_language(items) {
        fields.insert("language".into(), language.into());
    }
    serde_json::to_string_pretty(&feed).expect("JSON values always serialise")
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
    // The story's own time, not the source's last poll: a feed that did not change renders the
    // same bytes, so its ETag holds.
    let updated = stored.updated;
    Source { title: Text::plain(info.title.clone()), id: feed_id, updated: fixed(updated), links, ..Default::default() }
}

/// A source's title, or its id when it is no longer configured.
fn title_of(sources: &HashMap<String, SourceInfo>, id: &str) -> String {
    sources.get(id).map_or(id.to_string(), |s| s.title.clone())
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
