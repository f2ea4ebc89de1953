//! Stage 6, store: the sled database. The only module that touches sled.
//!
//! One tree, four kinds of key, so that one poll's writes go in as one atomic batch:
//!
//! | key                                   | value                              |
//! |---------------------------------------|------------------------------------|
//! | `i:{story}`                           | a [`Stored`] item (JSON)           |
//! | `k:{identity key}`                    | the story it belongs to            |
//! | `t:{topic}\0{sort time}{story}`       | empty: the topic index, oldest first |
//! | `s:{source}`                          | a [`SourceState`] (JSON)           |
//! | `x:{story}`                           | a [`Tombstone`] (JSON): a story retention let go; its `k:` keys stay |
//! | `q:{topic}\0{sequence}`               | a story key: the topic's history not yet on a full archive page |
//! | `a:{topic}\0{page}`                   | an [`ArchivePage`] (JSON): a full page of history |
//! | `b:{topic}\0{page}{p,g,b}`            | that page's bytes: plain, gzip, brotli |
//!
//! The `q:` log is append-only: a story is logged when it joins a topic and again when it is
//! updated, under a sequence number that only grows (sled's `generate_id`), so pages of history
//! cut from its front never change. The topic index (`t:`) orders by date instead, and a story
//! with an old date can arrive late.
//!
//! Every write ends with a flush, so an item reported as stored survives a crash. sled allows one
//! process per directory: opening a directory in use says so.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::config::ALL_TOPIC;
use crate::dedup::{Identity, Known, Match};
use crate::model::{ArchivePage, PageBytes, SourceState, Stored, Tombstone};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store at {path} is in use by another process (is the tidings daemon running?)")]
    Locked { path: PathBuf },
    #[error("cannot open the store at {path}: {message}")]
    Open { path: PathBuf, message: String },
    #[error("store error: {0}")]
    Db(#[from] sled::Error),
    #[error("a stored record under {key:?} is unreadable: {message}")]
    Corrupt { key: String, message: String },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// What one poll writes, applied as one batch.
#[derive(Debug, Default)]
pub struct Write {
    /// Stories to write, in their new form.
    pub stories: Vec<Stored>,
    /// Identity keys that now lead to a story: `(identity key, story key)`.
    pub aliases: Vec<(String, String)>,
    /// The source's new state.
    pub source: Option<(String, SourceState)>,
    /// Stories retention lets go: each leaves a tombstone under its identity keys.
    pub pruned: Vec<(Stored, Tombstone)>,
}

/// The embedded database.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    tree: sled::Tree,
}

impl Store {
    pub fn open(path: &Path) -> Result<Store> {
        let db = sled::Config::new().path(path).open().map_err(|e| match e {
            sled::Error::Io(io) if io.to_string().contains("lock") => Self::locked(path),
            other => StoreError::Open { path: path.to_path_buf(), message: other.to_string() },
        })?;
        let tree = db.open_tree("tidings")?;
        if tree.get("m:created")?.is_none() {
            tree.insert("m:created", Utc::now().to_rfc3339().as_bytes())?;
            db.flush()?;
        }
        let store = Store { db, tree };
        store.start_log()?;
        Ok(store)
    }

    /// A store written before topics kept a log gets one: every story of each topic's index,
    /// oldest first.
    fn start_log(&self) -> Result<()> {
        if self.tree.get("m:logged")?.is_some() {
            return Ok(());
        }
        let mut batch = sled::Batch::default();
        for entry in self.tree.scan_prefix("t:") {
            let (key, _) = entry?;
            let Some(split) = key.iter().position(|b| *b == 0) else { continue };
            let topic = String::from_utf8_lossy(&key[2..split]).into_owned();
            let story = &key[split + 9..];
            batch.insert(log_key(&topic, self.db.generate_id()?), story);
        }
        batch.insert("m:logged", "1");
        self.tree.apply_batch(batch)?;
        self.db.flush()?;
        Ok(())
    }

    fn locked(path: &Path) -> StoreError {
        StoreError::Locked { path: path.to_path_buf() }
    }

    /// When the store was made: the `updated` of a feed that has no entries yet.
    pub fn created(&self) -> Result<DateTime<Utc>> {
        let raw = self.tree.get("m:created")?.unwrap_or_default();
        Ok(std::str::from_utf8(&raw)
            .ok()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map_or(DateTime::UNIX_EPOCH, |d| d.with_timezone(&Utc)))
    }

    /// The story one of `identity`'s keys leads to, and the keys that do not lead there yet.
    pub fn find(&self, identity: &Identity) -> Result<Option<(Known, Vec<String>)>> {
        let mut found = None;
        let mut missing = Vec::new();
        for (key, by) in
            identity.own.iter().map(|k| (k, Match::Own)).chain(identity.links.iter().map(|k| (k, Match::Link)))
        {
            match self.tree.get(format!("k:{key}"))? {
                Some(story) if found.is_none() => {
                    let story = String::from_utf8_lossy(&story).into_owned();
                    if let Some(stored) = self.story(&story)? {
                        found = Some(Known { stored, by });
                    }
                }
                Some(_) => {}
                None => missing.push(key.clone()),
            }
        }
        Ok(found.map(|known| (known, missing)))
    }

    /// The tombstone one of `identity`'s keys leads to: the item was stored once and pruned.
    pub fn tombstone(&self, identity: &Identity) -> Result<Option<Tombstone>> {
        self.tombstone_by(identity.keys())
    }

    /// The tombstone one of these identity keys leads to.
    pub fn tombstone_by<'k>(&self, keys: impl IntoIterator<Item = &'k String>) -> Result<Option<Tombstone>> {
        for key in keys {
            if let Some(story) = self.tree.get(format!("k:{key}"))? {
                let story = String::from_utf8_lossy(&story).into_owned();
                if let Some(tombstone) = self.get_json(&format!("x:{story}"))? {
                    return Ok(Some(tombstone));
                }
            }
        }
        Ok(None)
    }

    /// Stories sorted within `window` microseconds either side of `time` (microseconds since
    /// the epoch): the candidates a near-duplicate is looked for among.
    pub fn around(&self, time: i64, window: i64) -> Result<Vec<Stored>> {
        let prefix = format!("t:{ALL_TOPIC}\0");
        let bound = |t: i64| {
            let mut key = prefix.clone().into_bytes();
            key.extend_from_slice(&sort_bytes(t));
            key
        };
        let (from, to) = (bound(time.saturating_sub(window)), bound(time.saturating_add(window).saturating_add(1)));
        let mut out = Vec::new();
        for entry in self.tree.range(from..to) {
            let (key, _) = entry?;
            let story = String::from_utf8_lossy(&key[prefix.len() + 8..]).into_owned();
            if let Some(stored) = self.story(&story)? {
                out.push(stored);
            }
        }
        Ok(out)
    }

    /// A topic's index, newest first: each story's sort time and key. Reads keys only.
    pub fn index(&self, topic: &str) -> Result<Vec<(i64, String)>> {
        let prefix = format!("t:{topic}\0");
        let mut out = Vec::new();
        for entry in self.tree.scan_prefix(prefix.as_bytes()).rev() {
            let (key, _) = entry?;
            let time: [u8; 8] = key[prefix.len()..prefix.len() + 8].try_into().expect("8 bytes of sort time");
            let time = (u64::from_be_bytes(time) ^ (1 << 63)) as i64;
            out.push((time, String::from_utf8_lossy(&key[prefix.len() + 8..]).into_owned()));
        }
        Ok(out)
    }

    /// The story `id` names: a story key, an identity key (`u:…`, `g:…`), or an entry id.
    pub fn lookup(&self, id: &str) -> Result<Option<Stored>> {
        if let Some(stored) = self.story(id)? {
            return Ok(Some(stored));
        }
        if let Some(story) = self.tree.get(format!("k:{id}"))? {
            return self.story(&String::from_utf8_lossy(&story));
        }
        for stored in self.all_stories() {
            let stored = stored?;
            if stored.entry_id == id {
                return Ok(Some(stored));
            }
        }
        Ok(None)
    }

    /// The identity keys that lead to `story`.
    pub fn keys_of(&self, story: &str) -> Result<Vec<String>> {
        let mut keys = Vec::new();
        for entry in self.tree.scan_prefix("k:") {
            let (key, value) = entry?;
            if value == story.as_bytes() {
                keys.push(String::from_utf8_lossy(&key[2..]).into_owned());
            }
        }
        Ok(keys)
    }

    pub fn story(&self, key: &str) -> Result<Option<Stored>> {
        self.get_json(&format!("i:{key}"))
    }

    pub fn source_state(&self, source: &str) -> Result<SourceState> {
        Ok(self.get_json(&format!("s:{source}"))?.unwrap_or_default())
    }

    /// The newest `limit` items of `topic` (`all` for everything), newest first.
    pub fn newest(&self, topic: &str, limit: usize) -> Result<Vec<Stored>> {
        let prefix = format!("t:{topic}\0");
        let mut items = Vec::with_capacity(limit.min(1024));
        for entry in self.tree.scan_prefix(prefix.as_bytes()).rev() {
            if items.len() == limit {
                break;
            }
            let (key, _) = entry?;
            let story = String::from_utf8_lossy(&key[prefix.len() + 8..]).into_owned();
            if let Some(stored) = self.story(&story)? {
                items.push(stored);
            }
        }
        Ok(items)
    }

    /// Every stored item, for re-routing when the topic rules change.
    pub fn all_stories(&self) -> impl Iterator<Item = Result<Stored>> + '_ {
        self.tree.scan_prefix("i:").map(|entry| {
            let (key, value) = entry?;
            decode(&key, &value)
        })
    }

    /// How many stories the store holds.
    pub fn count(&self) -> usize {
        self.tree.scan_prefix("i:").count()
    }

    /// Applies one poll's writes atomically, then flushes them to disk.
    pub async fn apply(&self, write: Write) -> Result<()> {
        let mut batch = sled::Batch::default();
        let mut logged: Vec<(i64, &str, &str)> = Vec::new();
        for stored in &write.stories {
            let previous = self.story(&stored.key)?;
            if let Some(previous) = &previous {
                for topic in index_topics(previous) {
                    batch.remove(index_key(topic, previous));
                }
            }
            for topic in index_topics(stored) {
                batch.insert(index_key(topic, stored), &[]);
                let joined = previous.as_ref().is_none_or(|p| p.updated != stored.updated || !p.in_topic(topic));
                if joined {
                    logged.push((stored.sort_time, topic, &stored.key));
                }
            }
            batch.insert(format!("i:{}", stored.key).as_bytes(), encode(stored));
        }
        // Oldest first, so a page of history reads in order.
        logged.sort_by_key(|(time, _, _)| *time);
        for (_, topic, story) in logged {
            batch.insert(log_key(topic, self.db.generate_id()?), story.as_bytes());
        }
        for (identity_key, story) in &write.aliases {
            batch.insert(format!("k:{identity_key}").as_bytes(), story.as_bytes());
        }
        if let Some((source, state)) = &write.source {
            batch.insert(format!("s:{source}").as_bytes(), encode(state));
        }
        for (stored, tombstone) in &write.pruned {
            if let Some(previous) = self.story(&stored.key)? {
                for topic in index_topics(&previous) {
                    batch.remove(index_key(topic, &previous));
                }
            }
            batch.remove(format!("i:{}", stored.key).as_bytes());
            batch.insert(format!("x:{}", stored.key).as_bytes(), encode(tombstone));
        }
        self.tree.apply_batch(batch)?;
        self.flush().await
    }

    /// A topic's log: the stories not yet on a full archive page, oldest first, with their
    /// sequence numbers. A story updated since it was logged is there twice.
    pub fn log(&self, topic: &str) -> Result<Vec<(u64, String)>> {
        let prefix = format!("q:{topic}\0");
        let mut out = Vec::new();
        for entry in self.tree.scan_prefix(prefix.as_bytes()) {
            let (key, value) = entry?;
            let seq: [u8; 8] = key[prefix.len()..].try_into().map_err(|_| corrupt(&key, "not a log key"))?;
            out.push((u64::from_be_bytes(seq), String::from_utf8_lossy(&value).into_owned()));
        }
        Ok(out)
    }

    /// A topic's archive pages, oldest first (without their bytes).
    pub fn pages(&self, topic: &str) -> impl DoubleEndedIterator<Item = Result<ArchivePage>> + '_ {
        self.tree.scan_prefix(format!("a:{topic}\0").as_bytes()).map(|entry| {
            let (key, value) = entry?;
            decode(&key, &value)
        })
    }

    /// A topic's newest archive page (without its bytes).
    pub fn newest_page(&self, topic: &str) -> Result<Option<ArchivePage>> {
        self.pages(topic).next_back().transpose()
    }

    /// An archive page and its bytes.
    pub fn page(&self, topic: &str, number: u32) -> Result<Option<(ArchivePage, PageBytes)>> {
        let key = page_key("a", topic, number);
        let Some(value) = self.tree.get(&key)? else { return Ok(None) };
        let page: ArchivePage = decode(&key, &value)?;
        let bytes = |form: u8| -> Result<Vec<u8>> {
            Ok(self.tree.get(bytes_key(topic, number, form))?.map(|v| v.to_vec()).unwrap_or_default())
        };
        let bytes = PageBytes { plain: bytes(b'p')?, gzip: bytes(b'g')?, brotli: bytes(b'b')? };
        Ok(Some((page, bytes)))
    }

    /// Takes entries off a topic's log (`logged`, by sequence number) and keeps the full page of
    /// history they make, if any (none when every story on them is gone), in one batch.
    pub async fn cut_log(&self, topic: &str, logged: &[u64], page: Option<(&ArchivePage, &PageBytes)>) -> Result<()> {
        let mut batch = sled::Batch::default();
        if let Some((page, bytes)) = page {
            batch.insert(page_key("a", topic, page.number), encode(page));
            for (form, value) in [(b'p', &bytes.plain), (b'g', &bytes.gzip), (b'b', &bytes.brotli)] {
                batch.insert(bytes_key(topic, page.number, form), value.as_slice());
            }
        }
        for seq in logged {
            batch.remove(log_key(topic, *seq));
        }
        self.tree.apply_batch(batch)?;
        self.flush().await
    }

    /// Lets archive pages go: retention has let go of every story on them.
    pub async fn drop_pages(&self, topic: &str, numbers: &[u32]) -> Result<()> {
        let mut batch = sled::Batch::default();
        for number in numbers {
            batch.remove(page_key("a", topic, *number));
            for form in [b'p', b'g', b'b'] {
                batch.remove(bytes_key(topic, *number, form));
            }
        }
        self.tree.apply_batch(batch)?;
        self.flush().await
    }

    pub async fn flush(&self) -> Result<()> {
        self.db.flush_async().await?;
        Ok(())
    }

    fn get_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        match self.tree.get(key)? {
            Some(value) => decode(key.as_bytes(), &value).map(Some),
            None => Ok(None),
        }
    }
}

/// `q:{topic}\0` + the sequence number, big-endian so the log reads in order.
fn log_key(topic: &str, seq: u64) -> Vec<u8> {
    let mut key = format!("q:{topic}\0").into_bytes();
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

/// `{kind}:{topic}\0` + the page number, big-endian so pages read in order.
fn page_key(kind: &str, topic: &str, number: u32) -> Vec<u8> {
    let mut key = format!("{kind}:{topic}\0").into_bytes();
    key.extend_from_slice(&number.to_be_bytes());
    key
}

/// `b:{topic}\0{page}{form}`: one form (`p`lain, `g`zip, `b`rotli) of an archive page's bytes.
fn bytes_key(topic: &str, number: u32, form: u8) -> Vec<u8> {
    let mut key = page_key("b", topic, number);
    key.push(form);
    key
}

fn corrupt(key: &[u8], message: &str) -> StoreError {
    StoreError::Corrupt { key: String::from_utf8_lossy(key).into_owned(), message: message.to_string() }
}

fn index_topics(stored: &Stored) -> impl Iterator<Item = &str> {
    std::iter::once(ALL_TOPIC).chain(stored.topics.iter().map(String::as_str))
}

/// `t:{topic}\0` + the sort time as 8 bytes that sort like the signed number + the story key.
fn index_key(topic: &str, stored: &Stored) -> Vec<u8> {
    let mut key = format!("t:{topic}\0").into_bytes();
    key.extend_from_slice(&sort_bytes(stored.sort_time));
    key.extend_from_slice(stored.key.as_bytes());
    key
}

/// A sort time as 8 bytes that sort like the signed number.
fn sort_bytes(time: i64) -> [u8; 8] {
    ((time as u64) ^ (1 << 63)).to_be_bytes()
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("model types always serialise")
}

fn decode<T: DeserializeOwned>(key: &[u8], value: &[u8]) -> Result<T> {
    serde_json::from_slice(value)
        .map_err(|e| StoreError::Corrupt { key: String::from_utf8_lossy(key).into_owned(), message: e.to_string() })
}

#[cfg(test)]
mod tests;
