//! The published feeds: every topic in every format, rendered, compressed (gzip and brotli) and
//! given its validators once, when the topic changes. Serving one is a lookup and a write: no
//! store scan, no XML building, no compression per request. Render cost is bounded by the page
//! size (each topic's newest `max_entries`), not by how many stories are stored.
//!
//! A strong ETag is a hash of the bytes, so a re-render that changed nothing keeps it (and keeps
//! the compressed forms already built).

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderValue;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use url::Url;

use crate::app::App;
use crate::config::{Config, ALL_TOPIC};
use crate::model::Stored;
use crate::render::{self, FeedInfo, SourceInfo};
use crate::schedule;

pub mod history;

/// A feed format tidings serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Atom,
    Rss,
    Json,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Atom, Format::Rss, Format::Json];

    pub fn extension(self) -> &'static str {
        match self {
            Format::Atom => "atom",
            Format::Rss => "rss",
            Format::Json => "json",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Format::Atom => "application/atom+xml",
            Format::Rss => "application/rss+xml",
            Format::Json => "application/feed+json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        }
    }

    pub fn from_extension(ext: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.extension() == ext)
    }
}

/// One document, as served: its bytes plain, gzipped and brotli-compressed, its validators, and
/// its response headers, built once so a request formats nothing.
#[derive(Debug)]
pub struct Document {
    pub content_type: &'static str,
    pub plain: Bytes,
    pub gzip: Bytes,
    pub brotli: Bytes,
    pub last_modified: DateTime<Utc>,
    /// The header values: the strong ETag of each form (plain, gzip, brotli: a hash of the plain
    /// bytes, quoted, with `-gz`/`-br` inside the quotes for the compressed forms, as a strong
    /// ETag names one representation), Last-Modified, and Cache-Control (`public, max-age=N`,
    /// with `immutable` for a full archive page).
    pub headers: Headers,
    /// The three forms again, one after another (plain, gzip, brotli), in a sealed memory file:
    /// what `sendfile(2)` sends from. `None` where such a file could not be made.
    pub file: Option<std::fs::File>,
}

/// A document's header values, ready to send.
#[derive(Debug)]
pub struct Headers {
    pub etag: [HeaderValue; 3],
    pub last_modified: HeaderValue,
    pub cache_control: HeaderValue,
}

/// How long a reader may keep a full archive page: a year, and it never changes.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

impl Document {
    /// Compresses `plain` both ways; `etag` is [`etag_of`] it.
    fn new(
        content_type: &'static str,
        plain: Vec<u8>,
        etag: String,
        last_modified: DateTime<Utc>,
        cache_control: String,
    ) -> Document {
        let (gzip, brotli) = compress(&plain);
        Document::from_parts(content_type, plain, gzip, brotli, etag, last_modified, cache_control)
    }

    /// A document whose compressed forms are already built.
    fn from_parts(
        content_type: &'static str,
        plain: Vec<u8>,
        gzip: Vec<u8>,
        brotli: Vec<u8>,
        etag: String,
        last_modified: DateTime<Utc>,
        cache_control: String,
    ) -> Document {
        let value = |s: &str| HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static(""));
        let headers = Headers {
            etag: [None, Some("gzip"), Some("br")].map(|e| value(&tagged(&etag, e))),
            last_modified: value(&http_date(last_modified)),
            cache_control: value(&cache_control),
        };
        let file = match memory_file(&[&plain, &gzip, &brotli]) {
            Ok(file) => Some(file),
            Err(e) => {
                tracing::debug!(error = %e, "no memory file for a document; it is served from the heap");
                None
            }
        };
        Document {
            content_type,
            plain: plain.into(),
            gzip: gzip.into(),
            brotli: brotli.into(),
            last_modified,
            headers,
            file,
        }
    }

    /// The form sent with `encoding` (`None`, `gzip` or `br`): its bytes, and where they start in
    /// the memory file.
    pub fn form(&self, encoding: Option<&str>) -> (&Bytes, usize) {
        match encoding {
            Some("br") => (&self.brotli, self.plain.len() + self.gzip.len()),
            Some("gzip") => (&self.gzip, self.plain.len()),
            _ => (&self.plain, 0),
        }
    }

    /// The ETag of the form sent with `encoding` (`None`, `gzip` or `br`).
    pub fn etag_for(&self, encoding: Option<&str>) -> &HeaderValue {
        match encoding {
            Some("gzip") => &self.headers.etag[1],
            Some("br") => &self.headers.etag[2],
            _ => &self.headers.etag[0],
        }
    }

    /// Whether `tag` (from If-None-Match) names any form of this document.
    pub fn matches(&self, tag: &str) -> bool {
        let tag = tag.trim().trim_start_matches("W/");
        tag == "*" || self.headers.etag.iter().any(|e| e.as_bytes() == tag.as_bytes())
    }
}

/// A sealed anonymous memory file (`memfd_create(2)`) holding `parts` one after another: its
/// pages can be sent with `sendfile(2)`, and nothing can change them after.
fn memory_file(parts: &[&[u8]]) -> std::io::Result<std::fs::File> {
    use std::os::fd::FromRawFd;
    // SAFETY: the name is a NUL-terminated literal; a descriptor it returns is ours alone.
    let fd = unsafe { libc::memfd_create(c"tidings-document".as_ptr(), libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` was just opened and is owned by nothing else.
    let mut file = unsafe { std::fs::File::from_raw_fd(fd) };
    for part in parts {
        file.write_all(part)?;
    }
    let seals = libc::F_SEAL_SEAL | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE;
    // SAFETY: `fd` is open (held by `file`); F_ADD_SEALS takes an int.
    if unsafe { libc::fcntl(fd, libc::F_ADD_SEALS, seals) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(file)
}

/// The ETag of one form of a document: `"h"`, `"h-gz"`, `"h-br"`.
fn tagged(etag: &str, encoding: Option<&str>) -> String {
    match encoding {
        Some("gzip") => format!("{}-gz\"", etag.trim_end_matches('"')),
        Some("br") => format!("{}-br\"", etag.trim_end_matches('"')),
        _ => etag.to_string(),
    }
}

/// `bytes` gzipped and brotli-compressed, both at their best ratio: done once per document.
fn compress(bytes: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).expect("writing to memory");
    let gzip = gz.finish().expect("writing to memory");
    let mut brotli = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut brotli, 4096, 9, 22);
        writer.write_all(bytes).expect("writing to memory");
    }
    (gzip, brotli)
}

/// An HTTP date (RFC 9110 IMF-fixdate).
pub fn http_date(time: DateTime<Utc>) -> String {
    time.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Every published document, by path under the base URL (`feeds/all.atom`, `topics.opml`), and
/// the archive pages read lately.
#[derive(Default)]
pub struct Published {
    base: RwLock<Option<Url>>,
    documents: RwLock<HashMap<String, Arc<Document>>>,
    /// Archive pages served lately, by path; the rest stay in the store until asked for.
    pages: RwLock<HashMap<String, Arc<Document>>>,
}

/// How many archive pages stay in memory once served.
const PAGES_KEPT: usize = 64;

impl Published {
    /// The public URL, ending in `/`; nothing is published before it is known.
    pub fn set_base(&self, base: Url) {
        *self.base.write().expect("not poisoned") = Some(base);
    }

    pub fn base(&self) -> Option<Url> {
        self.base.read().expect("not poisoned").clone()
    }

    /// The document at `path`, if published.
    pub fn get(&self, path: &str) -> Option<Arc<Document>> {
        self.documents.read().expect("not poisoned").get(path).cloned()
    }
}

/// The feeds tidings publishes: `all`, then each topic, as `(id, title, entries per page)`.
pub fn topic_feeds(config: &Config) -> Vec<(String, String, usize)> {
    let mut topics = vec![(ALL_TOPIC.to_string(), "All news".to_string(), config.server.max_entries)];
    topics.extend(config.topics.iter().map(|t| (t.id.clone(), t.title.clone(), t.max_entries)));
    topics
}

/// The path of a topic feed under the base URL: `feeds/{topic}.{ext}`.
pub fn feed_path(topic: &str, format: Format) -> String {
    format!("feeds/{topic}.{}", format.extension())
}

/// Which document of a topic a [`FeedInfo`] describes.
#[derive(Clone, Copy)]
enum Page {
    /// The feed, in `format`; `archived` is its newest archive page, if it has one.
    Current { format: Format, archived: Option<u32> },
    /// Archive page `n`.
    Archive(u32),
}

/// What a document of `topic` says about itself: its self URL, its alternates (the feed's other
/// formats), its links (RFC 5005 `current`, `prev-archive`, `next-archive`; WebSub `hub`), and its
/// id, which every document of the topic shares (the Atom feed's URL).
fn feed_info<'a>(
    app: &App,
    base: &Url,
    (id, title): (&str, &'a str),
    created: DateTime<Utc>,
    page: Page,
) -> anyhow::Result<FeedInfo<'a>> {
    let url = |path: &str| base.join(path).map(|u| u.to_string());
    let mut related = Vec::new();
    let (self_path, alternates) = match page {
        Page::Current { format, archived } => {
            if let (Format::Atom, Some(n)) = (format, archived) {
                related.push(("prev-archive", url(&history::page_path(id, n))?));
            }
            if let Some(hub) = &app.config.websub_hub {
                related.push(("hub", hub.to_string()));
            }
            let alternates = Format::ALL
                .into_iter()
                .filter(|f| *f != format)
                .map(|f| Ok((url(&feed_path(id, f))?, f.media_type())))
                .collect::<Result<_, url::ParseError>>()?;
            (feed_path(id, format), alternates)
        }
        Page::Archive(n) => {
            related.push(("current", url(&feed_path(id, Format::Atom))?));
            if n > 1 {
                related.push(("prev-archive", url(&history::page_path(id, n - 1))?));
            }
            related.push(("next-archive", url(&history::page_path(id, n + 1))?));
            (history::page_path(id, n), Vec::new())
        }
    };
    Ok(FeedInfo {
        title,
        id: url(&feed_path(id, Format::Atom))?,
        self_url: url(&self_path)?,
        home_url: base.to_string(),
        fallback_updated: created,
        alternates,
        related,
        archive: matches!(page, Page::Archive(_)),
    })
}

/// Renders every topic in every format, and the OPML lists; a document whose bytes did not
/// change keeps its ETag and compressed forms. Returns the paths that changed (a document
/// published for the first time is not a change: nobody has seen it yet).
///
/// A topic's current document holds its newest page of stories by date, and the stories logged
/// since its newest full archive page (RFC 5005: the current document and the archive pages
/// together hold the whole history); its `prev-archive` link leads to that page.
pub fn rebuild(app: &App) -> anyhow::Result<Vec<String>> {
    let Some(base) = app.published.base() else { return Ok(Vec::new()) };
    let config = &app.config;
    let sources = source_infos(app)?;
    let created = app.store.created()?;
    let mut fresh: Vec<Fresh> = Vec::new();
    let topics = topic_feeds(config);
    for (id, title, limit) in &topics {
        let items = current_stories(app, id, *limit)?;
        let last_modified = items.iter().map(|s| s.updated).max().unwrap_or(created);
        let max_age = max_age(config, id, &items.iter().map(|s| s.item.source.as_str()).collect::<Vec<_>>());
        let archived = app.store.newest_page(id)?.map(|p| p.number);
        for format in Format::ALL {
            let path = feed_path(id, format);
            let info = feed_info(app, &base, (id, title), created, Page::Current { format, archived })?;
            let body = match format {
                Format::Atom => render::atom(&info, &items, &sources),
                Format::Rss => render::rss(&info, &items, &sources),
                Format::Json => render::json_feed(&info, &items, &sources),
            };
            let cache_control = format!("public, max-age={max_age}");
            fresh.push((path, format.content_type(), body.into_bytes(), last_modified, cache_control));
        }
    }
    let hour = || "public, max-age=3600".to_string();
    fresh.push(("topics.opml".into(), OPML, topics_opml(&base, &topics)?.into_bytes(), created, hour()));
    fresh.push(("sources.opml".into(), OPML, sources_opml(config).into_bytes(), created, hour()));

    let mut changed = Vec::new();
    let mut documents = HashMap::new();
    let old = app.published.documents.read().expect("not poisoned").clone();
    for (path, content_type, bytes, last_modified, cache_control) in fresh {
        let etag = etag_of(&bytes);
        let document = match old.get(&path) {
            Some(doc)
                if doc.headers.etag[0] == etag.as_str() && doc.headers.cache_control == cache_control.as_str() =>
            {
                doc.clone()
            }
            previous => {
                if previous.is_some() {
                    changed.push(path.clone());
                }
                Arc::new(Document::new(content_type, bytes, etag, last_modified, cache_control))
            }
        };
        documents.insert(path, document);
    }
    *app.published.documents.write().expect("not poisoned") = documents;
    Ok(changed)
}

/// A topic's current document, newest first: its newest `limit` stories by date, and the
/// stories on its log (those not yet on a full archive page), each once.
fn current_stories(app: &App, topic: &str, limit: usize) -> anyhow::Result<Vec<Stored>> {
    let mut items = app.store.newest(topic, limit)?;
    let mut seen: std::collections::HashSet<String> = items.iter().map(|s| s.key.clone()).collect();
    for (_, key) in app.store.log(topic)? {
        if seen.insert(key.clone()) {
            if let Some(stored) = app.store.story(&key)?.filter(|s| s.in_topic(topic)) {
                items.push(stored);
            }
        }
    }
    items.sort_by(|a, b| b.sort_time.cmp(&a.sort_time).then_with(|| a.key.cmp(&b.key)));
    Ok(items)
}

/// A document just rendered: path, content type, bytes, Last-Modified, Cache-Control.
type Fresh = (String, &'static str, Vec<u8>, DateTime<Utc>, String);

const OPML: &str = "text/x-opml; charset=utf-8";

/// `Cache-Control: max-age` for a topic: the shortest schedule of the sources that feed it (those
/// that list it and those whose items it shows; every source for `all` or when none is known),
/// between one minute and one hour.
fn max_age(config: &Config, topic: &str, shown: &[&str]) -> u64 {
    let feeding: Vec<&crate::config::Source> = config
        .sources
        .iter()
        .filter(|s| topic == ALL_TOPIC || s.topics.iter().any(|t| t == topic) || shown.contains(&s.id.as_str()))
        .collect();
    let feeding = if feeding.is_empty() { config.sources.iter().collect() } else { feeding };
    let now = Utc::now();
    let shortest =
        feeding.iter().filter_map(|s| schedule::period(&s.schedule, now)).min().unwrap_or(Duration::from_secs(900));
    shortest.as_secs().clamp(60, 3600)
}

fn topics_opml(base: &Url, topics: &[(String, String, usize)]) -> anyhow::Result<String> {
    let mut out = opml_head("tidings topics");
    for (id, title, _) in topics {
        let xml = base.join(&feed_path(id, Format::Atom))?;
        out.push_str(&format!(
            "    <outline type=\"rss\" text=\"{t}\" title=\"{t}\" xmlUrl=\"{x}\" htmlUrl=\"{h}\"/>\n",
            t = attr(title),
            x = attr(xml.as_str()),
            h = attr(base.as_str())
        ));
    }
    out.push_str("  </body>\n</opml>\n");
    Ok(out)
}

fn sources_opml(config: &Config) -> String {
    let mut out = opml_head("tidings sources");
    for s in &config.sources {
        let url = s.location.url();
        if !matches!(url.scheme(), "http" | "https") {
            continue;
        }
        let kind = match s.kind {
            crate::config::Kind::Feed => "rss",
            crate::config::Kind::Html(_) => "link",
        };
        let key = if kind == "rss" { "xmlUrl" } else { "url" };
        out.push_str(&format!(
            "    <outline type=\"{kind}\" text=\"{t}\" title=\"{t}\" {key}=\"{u}\"/>\n",
            t = attr(&s.title),
            u = attr(url.as_str())
        ));
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

fn opml_head(title: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<opml version=\"2.0\">\n  <head>\n    <title>{title}</title>\n  </head>\n  <body>\n")
}

fn attr(s: &str) -> String {
    html_escape::encode_double_quoted_attribute(s).replace('\n', "&#10;")
}

/// Each configured source's title, URL and stored state.
pub fn source_infos(app: &App) -> anyhow::Result<HashMap<String, SourceInfo>> {
    let mut infos = HashMap::new();
    for source in &app.config.sources {
        let state = app.store.source_state(&source.id)?;
        let info = SourceInfo { title: source.title.clone(), url: source.location.url().to_string(), state };
        infos.insert(source.id.clone(), info);
    }
    Ok(infos)
}

/// A strong ETag: the start of the bytes' SHA-256, quoted.
fn etag_of(bytes: &[u8]) -> String {
    format!("\"{}\"", &hex(&Sha256::digest(bytes))[..24])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
