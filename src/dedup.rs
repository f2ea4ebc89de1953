//! Stage 4, dedup: is this item new, a changed version of a known one, or a story already told?
//!
//! Pure decisions over plain data; the orchestrator looks items up (in the store, and in what the
//! current poll already decided) and hands them in.
//!
//! Identity, in order: the publisher's guid (scoped to its source, so two sources that happen to
//! reuse a guid do not collide); else the link; else a hash of title, date and summary (also
//! scoped). The canonical link (see `canon`), and a guid that is a URL, are also keys across
//! sources: two sources carrying the same page are one story, and the first source to bring it stays its origin. feed-rs's generated ids are never
//! used (they are random for items without a link).

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use url::Url;

use crate::canon;
use crate::model::{Item, Repost, Stored};

/// The keys under which an item is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Source-scoped: from the guid, or (with no guid and no link) from the content.
    pub own: Option<String>,
    /// Global: the canonical link, and the guid when it is a URL too; shared by every source
    /// carrying the story.
    pub links: Vec<String>,
}

impl Identity {
    pub fn of(item: &Item) -> Identity {
        Identity::with(item, true)
    }

    /// The identity of an item whose source's guids are trusted (`trust_guid`), or not: then the
    /// link is its identity, and without a link its content.
    pub fn with(item: &Item, trust_guid: bool) -> Identity {
        let mut links: Vec<String> = Vec::new();
        let guid = item.guid.as_deref().filter(|_| trust_guid);
        for url in [item.link.as_deref(), guid].into_iter().flatten() {
            if let Some(key) = canon::canonical(url).map(|c| format!("u:{c}")) {
                if !links.contains(&key) {
                    links.push(key);
                }
            }
        }
        let own = match (guid, links.is_empty()) {
            (Some(guid), _) => Some(format!("g:{}:{}", item.source, guid)),
            (None, false) => None,
            (None, true) => {
                let date = item.published.or(item.updated).map(|d| d.to_rfc3339()).unwrap_or_default();
                let summary = item.summary.as_deref().or(item.content.as_deref()).unwrap_or("");
                Some(format!("h:{}:{}", item.source, hash(&[&item.title, &date, summary])))
            }
        };
        Identity { own, links }
    }

    /// Whether the item is known by its publisher's guid.
    pub fn by_guid(&self) -> bool {
        self.own.as_deref().is_some_and(|k| k.starts_with("g:"))
    }

    /// Every key, the source's own first: that is the order to look them up in.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.own.iter().chain(self.links.iter())
    }

    /// The store key of a new story: derived from its first key, so it is stable.
    fn story_key(&self) -> String {
        let first = self.keys().next().expect("an identity always has a key");
        hash(&[first])[..24].to_string()
    }
}

/// A known story and the key that found it.
#[derive(Debug, Clone)]
pub struct Known {
    pub stored: Stored,
    pub by: Match,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// By the source's own key (its guid, or its content hash).
    Own,
    /// By the link alone.
    Link,
    /// By similar text (a near-duplicate), with the similarity in percent.
    Similar(u8),
}

/// What to do with an incoming item.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// A story not seen before.
    New(Stored),
    /// The origin source changed the story: store this version, `updated` moved.
    Updated(Stored),
    /// Another source carries a known story: record it on the story, change nothing else.
    AlsoIn(Stored),
    /// Nothing to do.
    Unchanged(Stored),
}

impl Decision {
    pub fn stored(&self) -> &Stored {
        match self {
            Decision::New(s) | Decision::Updated(s) | Decision::AlsoIn(s) | Decision::Unchanged(s) => s,
        }
    }
}

/// What a new story's minted id is made of.
pub struct Minter<'a> {
    /// The `tag:` authority: the host tidings is served under.
    pub authority: &'a str,
    pub now: DateTime<Utc>,
}

/// Decides what `incoming` is, given the story its keys found (if any).
pub fn decide(incoming: Item, identity: &Identity, known: Option<Known>, mint: &Minter) -> Decision {
    let Some(Known { stored, by }) = known else {
        return Decision::New(new_story(incoming, identity, mint));
    };
    let same_source = stored.item.source == incoming.source;
    if by == Match::Link && same_source && identity.by_guid() && differ(&stored.item.guid, &incoming.guid) {
        // One source, two guids, one link (a feed linking every entry to its home page): two stories.
        return Decision::New(new_story(incoming, identity, mint));
    }
    if !same_source {
        return match stored.also_in.iter().any(|r| r.source == incoming.source) {
            true => Decision::Unchanged(stored),
            false => Decision::AlsoIn(merge(stored, incoming, by, mint.now)),
        };
    }
    let content_hash = content_hash(&incoming);
    if content_hash == stored.content_hash {
        return Decision::Unchanged(stored);
    }
    let mut stored = stored;
    // The publisher's date when it moved forward, else the moment the change was seen.
    stored.updated = incoming.updated.filter(|u| *u > stored.updated && *u <= mint.now).unwrap_or(mint.now);
    stored.item = incoming;
    stored.content_hash = content_hash;
    Decision::Updated(stored)
}

/// Why a document's guids cannot be identity: one guid on items that differ (in link, or in
/// title when there are no links). `None` when every guid names one item.
pub fn repeated_guid(items: &[Item]) -> Option<String> {
    let mut seen: std::collections::HashMap<&str, &Item> = std::collections::HashMap::new();
    for item in items {
        let Some(guid) = item.guid.as_deref() else { continue };
        match seen.get(guid) {
            Some(other) if other.link != item.link || (item.link.is_none() && other.title != item.title) => {
                return Some(format!("the guid {guid:?} is used by two different items in one document"));
            }
            Some(_) => {}
            None => {
                seen.insert(guid, item);
            }
        }
    }
    None
}

/// Whether a source changes its guids from poll to poll: of the items of one document whose
/// link is known as this source's, `changed` came back under another guid and `kept` under the
/// same one.
pub fn guids_churn(changed: usize, kept: usize) -> bool {
    changed >= 2 && changed > kept
}

/// Another source's copy joins the story. The copy published first is the origin: when the
/// newcomer is earlier, it takes the origin's place (the entry keeps its id) and the old origin
/// becomes a repost.
fn merge(mut stored: Stored, incoming: Item, by: Match, now: DateTime<Utc>) -> Stored {
    let signal = match by {
        Match::Similar(percent) => format!("similar text ({percent}%)"),
        _ => "same link".to_string(),
    };
    let earlier = matches!((incoming.published, stored.item.published), (Some(new), Some(old)) if new < old);
    let repost = match earlier {
        true => {
            let old = std::mem::replace(&mut stored.item, incoming);
            stored.content_hash = content_hash(&stored.item);
            stored.updated = now;
            if let Some(published) = stored.item.published {
                stored.sort_time = published.min(now).timestamp_micros();
            }
            Repost { source: old.source, link: old.link, signal }
        }
        false => Repost { source: incoming.source, link: incoming.link, signal },
    };
    stored.also_in.push(repost);
    stored
}

fn differ(a: &Option<String>, b: &Option<String>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a != b)
}

fn new_story(item: Item, identity: &Identity, mint: &Minter) -> Stored {
    let key = identity.story_key();
    let now = mint.now;
    // A date in the future would pin the item at the top of every feed.
    let published = item.published.map(|p| p.min(now));
    let updated = item.updated.or(item.published).map_or(now, |u| u.min(now));
    let entry_id = match &item.guid {
        Some(guid) if identity.by_guid() && is_absolute_iri(guid) => guid.clone(),
        _ => format!("tag:{},{}:{}/{}", mint.authority, now.format("%Y-%m-%d"), item.source, key),
    };
    Stored {
        key,
        entry_id,
        content_hash: content_hash(&item),
        first_seen: now,
        updated,
        also_in: Vec::new(),
        topics: Vec::new(),
        dropped: Vec::new(),
        sort_time: published.unwrap_or(now).timestamp_micros(),
        item,
    }
}

/// An IRI with a scheme (`https://…`, `urn:uuid:…`, `tag:…`): fit to be an `atom:id` as is.
pub fn is_absolute_iri(id: &str) -> bool {
    match Url::parse(id) {
        Ok(url) => {
            !id.chars().any(char::is_whitespace) && (url.has_host() || url.cannot_be_a_base() && url.scheme().len() > 1)
        }
        Err(_) => false,
    }
}

/// The fields whose change makes an update; dates alone do not.
pub fn content_hash(item: &Item) -> String {
    let parts = [
        item.title.as_str(),
        item.link.as_deref().unwrap_or(""),
        item.summary.as_deref().unwrap_or(""),
        item.content.as_deref().unwrap_or(""),
    ];
    hash(&parts)[..32].to_string()
}

fn hash(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
