//! tidings' own model: what flows between the stages.
//!
//! Wire types (feed-rs, reqwest, sled) never pass this boundary: `parse` turns a document into a
//! [`ParsedFeed`], `normalise` turns its entries into [`Item`]s, and `store` keeps [`Stored`]
//! items and [`SourceState`]s. Everything here is plain data, serialisable for the store.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A feed document as parsed, before any policy: text cleaned, nothing resolved or sanitised.
#[derive(Debug, Clone, Default)]
pub struct ParsedFeed {
    /// The feed's own id (atom:id, or a generated one: never trusted as identity).
    pub id: Option<String>,
    pub title: Option<String>,
    /// The site the feed describes (its `alternate` link).
    pub link: Option<String>,
    pub updated: Option<DateTime<Utc>>,
    /// RSS `<ttl>` in minutes: how often the publisher asks to be polled at most.
    pub ttl: Option<u32>,
    /// The document's declared language (RSS `<language>`, `xml:lang`, `<html lang>`).
    pub language: Option<String>,
    pub entries: Vec<ParsedEntry>,
}

/// One entry of a parsed feed.
#[derive(Debug, Clone, Default)]
pub struct ParsedEntry {
    /// The publisher's guid/id, if it gave one (generated ids are dropped by `parse`).
    pub id: Option<String>,
    pub title: Option<String>,
    /// The entry's main link, as written (maybe relative).
    pub link: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    pub authors: Vec<String>,
    pub summary: Option<Body>,
    pub content: Option<Body>,
    pub categories: Vec<String>,
    /// `xml:base` in force for the entry, if any.
    pub base: Option<String>,
}

/// A piece of text that is either HTML or plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub text: String,
    pub html: bool,
}

/// A normalised item: the unit that is deduplicated, routed, stored and rendered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// The source (config id) this version came from.
    pub source: String,
    /// The publisher's guid/id, cleaned; identity when present.
    pub guid: Option<String>,
    /// Absolute http(s) link to the story.
    pub link: Option<String>,
    pub title: String,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    pub author: Option<String>,
    /// Sanitised HTML.
    pub summary: Option<String>,
    /// Sanitised HTML.
    pub content: Option<String>,
    pub categories: Vec<String>,
    /// The language, lower case (`en`, `ru`, `pt-br`): the source's configured `language`, else
    /// the one its document declares.
    #[serde(default)]
    pub language: Option<String>,
}

impl Item {
    /// An item with a source and a title and nothing else: what tests and the labelled pairs
    /// build on (`Item { link: …, ..Item::new(source, title) }`).
    pub fn new(source: &str, title: &str) -> Item {
        Item {
            source: source.to_string(),
            guid: None,
            link: None,
            title: title.to_string(),
            published: None,
            updated: None,
            author: None,
            summary: None,
            content: None,
            categories: Vec::new(),
            language: None,
        }
    }
}

/// An item as kept in the store, with what tidings learnt about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stored {
    /// The store's key for this story.
    pub key: String,
    /// The Atom entry id: the publisher's when it is an absolute IRI, else a `tag:` URI minted
    /// once. Never recomputed, so a republished entry keeps its id (RFC 4287, 4.2.6).
    pub entry_id: String,
    /// The origin source's current version.
    pub item: Item,
    pub first_seen: DateTime<Utc>,
    /// When tidings last saw the story change (or the publisher's date, when later).
    pub updated: DateTime<Utc>,
    /// Hash of the fields whose change counts as an update (title, summary, content, link).
    pub content_hash: String,
    /// Other sources' copies of the story, in the order they were seen.
    #[serde(default, deserialize_with = "reposts")]
    pub also_in: Vec<Repost>,
    /// The topics the item is routed to (not counting `all`).
    pub topics: Vec<String>,
    /// Topics whose retention let the story go: it is not routed to them again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<String>,
    /// Orders feeds newest first: published date, else first seen, in microseconds.
    pub sort_time: i64,
}

impl Stored {
    /// Whether the story is in `topic` (`all` holds every story).
    pub fn in_topic(&self, topic: &str) -> bool {
        topic == crate::config::ALL_TOPIC || self.topics.iter().any(|t| t == topic)
    }
}

/// Another source's copy of a story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Repost {
    pub source: String,
    /// Where that source published it.
    pub link: Option<String>,
    /// Why it is the same story: `same link`, or `similar text (NN%)`.
    pub signal: String,
}

/// `also_in` as stored now (reposts), or as older versions stored it (source ids).
fn reposts<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Repost>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Source(String),
        Repost(Repost),
    }
    let list = Vec::<Either>::deserialize(d)?;
    Ok(list
        .into_iter()
        .map(|e| match e {
            Either::Source(source) => Repost { source, link: None, signal: "same link".into() },
            Either::Repost(r) => r,
        })
        .collect())
}

/// What tidings knows about one source between polls: its validators and its health.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceState {
    /// Validators for the next conditional GET.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The feed's own metadata, for `atom:source`.
    pub feed: Option<FeedMeta>,
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_outcome: Option<Outcome>,
    pub last_error: Option<String>,
    pub consecutive_failures: u32,
    /// 429s in a row: the site asking for patience, kept apart from failures.
    pub consecutive_throttled: u32,
    /// Items this source has brought, in all.
    pub items_seen: u64,
    /// The last HTTP status (none for files and network errors).
    pub last_status: Option<u16>,
    /// No scheduled poll before this: backoff, Retry-After, or what the source asked.
    pub next_poll: Option<DateTime<Utc>>,
    /// Attempts in all, and how many of them were answered "not modified".
    pub polls: u64,
    pub not_modified: u64,
    /// Where the last polls' permanent redirects ended, and how many polls in a row did.
    pub moved_to: Option<String>,
    pub moved_streak: u32,
    /// The URL that answered 410 Gone: scheduled polls stop until the source's URL changes.
    pub gone: Option<String>,
    /// Set when the source's guids cannot be trusted: its items are known by their links.
    pub guids: Option<GuidTrouble>,
}

/// Why a source's guids are not used as identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuidTrouble {
    pub reason: String,
    pub since: DateTime<Utc>,
}

/// What is left of a story that retention let go: enough to know it when a source still lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tombstone {
    pub title: String,
    pub source: String,
    pub pruned: DateTime<Utc>,
}

impl SourceState {
    /// The share of attempts answered "not modified", from 0 to 1.
    pub fn not_modified_share(&self) -> f64 {
        if self.polls == 0 {
            0.0
        } else {
            self.not_modified as f64 / self.polls as f64
        }
    }
}

/// The origin feed as it describes itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedMeta {
    pub id: Option<String>,
    pub title: Option<String>,
    pub link: Option<String>,
    pub updated: Option<DateTime<Utc>>,
}

/// The result of one poll of one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// The document was read; counts of what changed.
    Ok {
        new: usize,
        updated: usize,
        unchanged: usize,
    },
    /// The upstream said 304 (or the file did not change): nothing to do.
    NotModified,
    /// 429: the site asked for patience.
    Throttled,
    Failed,
    /// 410: the feed is gone for good.
    Gone,
}

impl Outcome {
    /// The stable word logs and the status page use.
    pub fn status(&self) -> &'static str {
        match self {
            Outcome::Ok { .. } => "ok",
            Outcome::NotModified => "not_modified",
            Outcome::Throttled => "throttled",
            Outcome::Failed => "failed",
            Outcome::Gone => "gone",
        }
    }
}

/// A full page of a topic's history (RFC 5005 archive document), rendered once and kept as it
/// was: its entries never change, so readers may cache it for good.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArchivePage {
    /// 1 for the oldest page.
    pub number: u32,
    /// The stories on the page, by key: retention lets a page go once none is left in the topic.
    pub stories: Vec<String>,
    /// The strong ETag of the plain bytes, quoted.
    pub etag: String,
    /// When the page was filled and rendered: its Last-Modified.
    pub frozen: DateTime<Utc>,
}

/// An archive page's bytes: plain, gzipped and brotli-compressed once, when it was rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageBytes {
    pub plain: Vec<u8>,
    pub gzip: Vec<u8>,
    pub brotli: Vec<u8>,
}
