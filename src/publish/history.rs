//! Paged history (RFC 5005 archived feeds): a topic's whole past, walkable from its feed.
//!
//! Every story that joins a topic, or changes, goes on the topic's log in arrival order (see
//! `store`). Whenever the log holds a full page (the topic's `max_entries`), the oldest page of it
//! is rendered once as an Atom archive document (`fh:archive`, `current`, `prev-archive`,
//! `next-archive`), compressed, and kept in the store under a number that is never reused:
//! `feeds/{topic}/archive/{n}.atom`, 1 the oldest. A page never changes once made, so it is
//! served with a year's `immutable` cache lifetime; a story updated later goes on the log again
//! and reaches readers through the current document (RFC 5005: the newest copy wins).
//!
//! Page `n` links `next-archive` to page `n + 1` from the start: until that page is full, its
//! URL redirects to the current document, which holds those stories. Retention lets a page go
//! once none of its stories is left in the topic (its URL then answers 410 Gone); the newest page
//! always stays, so numbers are never reused.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::Utc;

use super::{compress, etag_of, feed_info, source_infos, topic_feeds, Document, Format, Page, IMMUTABLE};
use crate::app::App;
use crate::model::{ArchivePage, PageBytes, Stored};
use crate::render;
use crate::store;

/// The path of archive page `number` of `topic` under the base URL.
pub fn page_path(topic: &str, number: u32) -> String {
    format!("feeds/{topic}/archive/{number}.atom")
}

/// What is at an archive page's URL.
pub enum Lookup {
    /// The page.
    Page(Arc<Document>),
    /// The page after the newest full one: not full yet, its stories are in the current document.
    Next,
    /// A page retention let go.
    Gone,
    /// No such page.
    Missing,
}

/// Cuts every full page off the front of each topic's log, renders it once and keeps it.
/// Returns the paths of the new pages. Nothing happens before the base URL is known.
pub async fn freeze(app: &App) -> anyhow::Result<Vec<String>> {
    let Some(base) = app.published.base() else { return Ok(Vec::new()) };
    let sources = source_infos(app)?;
    let created = app.store.created()?;
    let mut made = Vec::new();
    for (topic, title, size) in topic_feeds(&app.config) {
        let mut log = app.store.log(&topic)?;
        let mut number = app.store.newest_page(&topic)?.map_or(0, |p| p.number);
        while log.len() >= size {
            let chunk: Vec<(u64, String)> = log.drain(..size).collect();
            let logged: Vec<u64> = chunk.iter().map(|(seq, _)| *seq).collect();
            let stories = present(app, &topic, chunk.iter().map(|(_, key)| key))?;
            if stories.is_empty() {
                app.store.cut_log(&topic, &logged, None).await?;
                continue;
            }
            number += 1;
            let info = feed_info(app, &base, (&topic, &title), created, Page::Archive(number))?;
            let plain = render::atom(&info, &stories, &sources).into_bytes();
            let (gzip, brotli) = compress(&plain);
            let page = ArchivePage {
                number,
                stories: stories.iter().map(|s| s.key.clone()).collect(),
                etag: etag_of(&plain),
                frozen: Utc::now(),
            };
            app.store.cut_log(&topic, &logged, Some((&page, &PageBytes { plain, gzip, brotli }))).await?;
            made.push(page_path(&topic, number));
        }
    }
    if !made.is_empty() {
        tracing::info!(pages = made.len(), "archived full pages of topic history");
    }
    Ok(made)
}

/// The stories `keys` name that are still stored and still in `topic`, each once, newest first.
fn present<'k>(app: &App, topic: &str, keys: impl Iterator<Item = &'k String>) -> store::Result<Vec<Stored>> {
    let mut seen = HashSet::new();
    let mut stories = Vec::new();
    for key in keys {
        if seen.insert(key) {
            if let Some(stored) = app.store.story(key)?.filter(|s| s.in_topic(topic)) {
                stories.push(stored);
            }
        }
    }
    stories.sort_by(|a, b| b.sort_time.cmp(&a.sort_time).then_with(|| a.key.cmp(&b.key)));
    Ok(stories)
}

/// Whether any of the stories `keys` name is still stored and in `topic`.
fn any_left(app: &App, topic: &str, keys: &[String]) -> store::Result<bool> {
    for key in keys {
        if app.store.story(key)?.is_some_and(|s| s.in_topic(topic)) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Lets go of the oldest pages none of whose stories is left in their topic (retention let them
/// all go), but never a topic's newest page. Returns how many pages went.
pub async fn prune(app: &App) -> store::Result<usize> {
    let mut dropped = 0;
    for (topic, _, _) in topic_feeds(&app.config) {
        let newest = app.store.newest_page(&topic)?.map_or(0, |p| p.number);
        let mut gone = Vec::new();
        for page in app.store.pages(&topic) {
            let page = page?;
            if page.number == newest || any_left(app, &topic, &page.stories)? {
                break;
            }
            gone.push(page.number);
        }
        if !gone.is_empty() {
            app.store.drop_pages(&topic, &gone).await?;
            let mut cached = app.published.pages.write().expect("not poisoned");
            for number in &gone {
                cached.remove(&page_path(&topic, *number));
            }
            dropped += gone.len();
        }
    }
    if dropped > 0 {
        tracing::info!(pages = dropped, "retention let archive pages go");
    }
    Ok(dropped)
}

/// What is at archive page `number` of `topic`: read from the store once, then from memory.
pub fn lookup(app: &App, topic: &str, number: u32) -> store::Result<Lookup> {
    let path = page_path(topic, number);
    if let Some(doc) = app.published.pages.read().expect("not poisoned").get(&path) {
        return Ok(Lookup::Page(doc.clone()));
    }
    if let Some((page, bytes)) = app.store.page(topic, number)? {
        let doc = Arc::new(Document::from_parts(
            Format::Atom.content_type(),
            bytes.plain,
            bytes.gzip,
            bytes.brotli,
            page.etag,
            page.frozen,
            IMMUTABLE.to_string(),
        ));
        let mut cached = app.published.pages.write().expect("not poisoned");
        if cached.len() >= super::PAGES_KEPT {
            if let Some(any) = cached.keys().next().cloned() {
                cached.remove(&any);
            }
        }
        cached.insert(path, doc.clone());
        return Ok(Lookup::Page(doc));
    }
    let newest = app.store.newest_page(topic)?.map_or(0, |p| p.number);
    Ok(match number {
        0 => Lookup::Missing,
        n if n == newest + 1 => Lookup::Next,
        n if n <= newest => Lookup::Gone,
        _ => Lookup::Missing,
    })
}
