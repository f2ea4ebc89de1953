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
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use url::Url;

use crate::app::App;
use crate::config::{Config, ALL_TOPIC};
use crate::render::{self, FeedInfo, SourceInfo};
use crate::schedule;

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

/// One document, as served: its bytes plain, gzipped and brotli-compressed, and its ETag.
#[derive(Debug)]
pub struct Document {
    pub content_type: &'static str,
    pub plain: Bytes,
    pub gzip: Bytes,
    pub brotli: Bytes,
    /// The strong ETag of the plain bytes, quoted; the compressed forms add `-gz`/`-br` inside
    /// the quotes (a strong ETag names one representation).
    pub etag: String,
    pub last_modified: DateTime<Utc>,
    /// `Cache-Control: max-age`, in seconds.
    pub max_age: u64,
}

impl Document {
    /// Compresses `plain` both ways; `etag` is [`etag_of`] it.
    fn new(
        content_type: &'static str,
        plain: Vec<u8>,
        etag: String,
        last_modified: DateTime<Utc>,
        max_age: u64,
    ) -> Document {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&plain).expect("writing to memory");
        let gzip = gz.finish().expect("writing to memory");
        let mut brotli = Vec::new();
        {
            let mut writer = brotli::CompressorWriter::new(&mut brotli, 4096, 9, 22);
            writer.write_all(&plain).expect("writing to memory");
        }
        Document {
            content_type,
            plain: plain.into(),
            gzip: gzip.into(),
            brotli: brotli.into(),
            etag,
            last_modified,
            max_age,
        }
    }

    /// The ETag of the form sent with `encoding` (`None`, `gzip` or `br`).
    pub fn etag_for(&self, encoding: Option<&str>) -> String {
        match encoding {
            Some("gzip") => format!("{}-gz\"", self.etag.trim_end_matches('"')),
            Some("br") => format!("{}-br\"", self.etag.trim_end_matches('"')),
            _ => self.etag.clone(),
        }
    }

    /// Whether `tag` (from If-None-Match) names any form of this document.
    pub fn matches(&self, tag: &str) -> bool {
        let tag = tag.trim().trim_start_matches("W/");
        tag == "*" || [None, Some("gzip"), Some("br")].into_iter().any(|e| self.etag_for(e) == tag)
    }
}

/// Every published document, by path under the base URL (`feeds/all.atom`, `topics.opml`).
#[derive(Default)]
pub struct Published {
    base: RwLock<Option<Url>>,
    documents: RwLock<HashMap<String, Arc<Document>>>,
}

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

/// Renders every topic in every format, and the OPML lists; a document whose bytes did not
/// change keeps its ETag and compressed forms. Returns the paths that changed.
pub fn rebuild(app: &App) -> anyhow::Result<Vec<String>> {
    let Some(base) = app.published.base() else { return Ok(Vec::new()) };
    let config = &app.config;
    let sources = source_infos(app)?;
    let created = app.store.created()?;
    let mut fresh: Vec<Fresh> = Vec::new();
    let mut topics = vec![(ALL_TOPIC.to_string(), "All news".to_string(), config.server.max_entries)];
    topics.extend(config.topics.iter().map(|t| (t.id.clone(), t.title.clone(), t.max_entries)));
    for (id, title, limit) in &topics {
        let items = app.store.newest(id, *limit)?;
        let last_modified = items.iter().map(|s| s.updated).max().unwrap_or(created);
        let max_age = max_age(config, id, &items.iter().map(|s| s.item.source.as_str()).collect::<Vec<_>>());
        for format in Format::ALL {
            let url = |f: Format| base.join(&format!("feeds/{id}.{}", f.extension())).map(|u| u.to_string());
            let info = FeedInfo {
                title,
                self_url: url(format)?,
                home_url: base.to_string(),
                fallback_updated: created,
                alternates: Format::ALL
                    .into_iter()
                    .filter(|f| *f != format)
                    .map(|f| Ok((url(f)?, f.media_type())))
                    .collect::<Result<_, url::ParseError>>()?,
            };
            let body = match format {
                Format::Atom => render::atom(&info, &items, &sources),
                Format::Rss => render::rss(&info, &items, &sources),
                Format::Json => render::json_feed(&info, &items, &sources),
            };
            fresh.push((
                format!("feeds/{id}.{}", format.extension()),
                format.content_type(),
                body.into_bytes(),
                last_modified,
                max_age,
            ));
        }
    }
    let hour = 3600;
    fresh.push(("topics.opml".into(), OPML, topics_opml(&base, &topics)?.into_bytes(), created, hour));
    fresh.push(("sources.opml".into(), OPML, sources_opml(config).into_bytes(), created, hour));

    let mut changed = Vec::new();
    let mut documents = HashMap::new();
    let old = app.published.documents.read().expect("not poisoned").clone();
    for (path, content_type, bytes, last_modified, max_age) in fresh {
        let etag = etag_of(&bytes);
        let document = match old.get(&path) {
            Some(doc) if doc.etag == etag && doc.max_age == max_age => doc.clone(),
            _ => {
                changed.push(path.clone());
                Arc::new(Document::new(content_type, bytes, etag, last_modified, max_age))
            }
        };
        documents.insert(path, document);
    }
    *app.published.documents.write().expect("not poisoned") = documents;
    Ok(changed)
}

/// A document just rendered: path, content type, bytes, Last-Modified, max-age.
type Fresh = (String, &'static str, Vec<u8>, DateTime<Utc>, u64);

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
        let xml = base.join(&format!("feeds/{id}.atom"))?;
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
