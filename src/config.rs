//! Configuration: the one TOML file a user writes.
//!
//! Read in two stages. [`raw`] mirrors the file with serde (`deny_unknown_fields`, spans kept on
//! the values we validate); [`Config::load`] turns it into the validated [`Config`] the rest of the
//! program sees: ids checked, URLs and paths resolved against the file's folder, cron expressions
//! parsed, topic references resolved, defaults filled. Every problem names the file, the line (when
//! the value is in the file) and the key; all problems are reported at once, not the first only.

mod raw;

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use crate::schedule::Schedule;

/// The feed that holds every item; no `[[topic]]` may take its id.
pub const ALL_TOPIC: &str = "all";

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file this was read from; messages and relative paths refer to it.
    pub path: PathBuf,
    pub server: Server,
    /// The sled directory, absolute.
    pub store_path: PathBuf,
    pub fetch: Fetch,
    pub dedup: Dedup,
    /// `[websub] hub`: the WebSub hub every feed names, told whenever a topic feed changes.
    pub websub_hub: Option<Url>,
    /// What `all` keeps, and each topic unless it says otherwise.
    pub retention: Retention,
    pub topics: Vec<Topic>,
    pub sources: Vec<Source>,
}

/// `[server]`: where feeds are served and how they name themselves.
#[derive(Debug, Clone)]
pub struct Server {
    pub listen: SocketAddr,
    /// The public URL used in feed ids and self links; `None` means "http://" + the bound address.
    pub base_url: Option<Url>,
    /// Entries per feed unless a topic says otherwise; also the size of the `all` feed.
    pub max_entries: usize,
}

/// `[fetch]`: defaults for every source.
#[derive(Debug, Clone)]
pub struct Fetch {
    pub schedule: Schedule,
    /// The whole deadline of one request, body included.
    pub timeout: Duration,
    /// The deadline for opening the connection alone.
    pub connect_timeout: Duration,
    /// The longest wait for the next piece of the body; a trickling server is cut off by `timeout`.
    pub read_timeout: Duration,
    /// Cap on the decoded body, so a gzip bomb stops at the cap.
    pub max_body_bytes: u64,
    pub user_agent: String,
    /// The longest a failing source waits between tries: backoff grows to this and stays.
    pub max_backoff: Duration,
    /// Requests in flight at once to one host.
    pub per_host: usize,
    /// The least time between the starts of two requests to one host.
    pub host_interval: Duration,
    /// Requests in flight at once, over all hosts.
    pub max_in_flight: usize,
    /// Sources on loopback addresses (self-hosted bridges) skip the per-host limits.
    pub exempt_loopback: bool,
}

/// `[dedup]`: when copies of one story from several sources become one entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Dedup {
    /// Merge near-duplicates (same story, other URL, rewritten words), not only same links.
    pub near_duplicates: bool,
    /// The similarity (0 to 1) above which two items are one story.
    pub threshold: f64,
    /// How far apart in time two copies of one story may be.
    pub window: chrono::Duration,
}

/// How much of a topic's history is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// The newest this many stories are kept.
    pub max_items: usize,
    /// Stories published longer ago than this are let go; `None`: age alone lets nothing go.
    pub max_age_days: Option<u32>,
}

/// A `[[topic]]`: one merged feed, and the rule that fills it.
#[derive(Debug, Clone)]
pub struct Topic {
    pub id: String,
    pub title: String,
    /// Words or phrases that pull an item into the topic.
    pub include: Vec<String>,
    /// Words or phrases that keep an item out, whatever else says it belongs.
    pub exclude: Vec<String>,
    /// Regular expressions that pull an item in (case-insensitive).
    pub include_regex: Vec<regex::Regex>,
    /// Regular expressions that keep an item out (case-insensitive).
    pub exclude_regex: Vec<regex::Regex>,
    /// The parts of an item the words and expressions look at.
    pub fields: Vec<Field>,
    /// When not empty, `include` and `include_regex` pull in items of these sources only.
    pub sources: Vec<String>,
    /// When not empty, `include` and `include_regex` pull in items in these languages only
    /// (`en` matches `en-gb`).
    pub languages: Vec<String>,
    pub max_entries: usize,
    pub retention: Retention,
}

/// A part of an item that topic rules can look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Title,
    Summary,
    Categories,
    Link,
    Author,
}

impl Field {
    pub const ALL: [Field; 5] = [Field::Title, Field::Summary, Field::Categories, Field::Link, Field::Author];
    /// What rules look at unless a topic lists `fields`.
    pub const DEFAULT: [Field; 3] = [Field::Title, Field::Summary, Field::Categories];

    pub fn name(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Summary => "summary",
            Field::Categories => "categories",
            Field::Link => "link",
            Field::Author => "author",
        }
    }
}

/// A `[[source]]`: one feed that is polled.
#[derive(Debug, Clone)]
pub struct Source {
    pub id: String,
    pub title: String,
    pub location: Location,
    /// Topics every item of this source joins (checked to exist).
    pub topics: Vec<String>,
    pub schedule: Schedule,
    /// What this source's requests carry beyond the defaults.
    pub request: Request,
    /// Poll on schedule even when the feed's `<ttl>` or the server's caching headers ask for less.
    pub ignore_ttl: bool,
    /// A feed, or an HTML page read with CSS selectors.
    pub kind: Kind,
    /// The language of its items, when the document does not say or says it wrong.
    pub language: Option<String>,
}

/// What a source's document is.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// RSS, Atom or JSON Feed.
    Feed,
    /// An HTML list of news, read with CSS selectors.
    Html(Box<HtmlRules>),
}

/// How to read items out of an HTML page: CSS selectors, the first inside the others.
#[derive(Debug, Clone, PartialEq)]
pub struct HtmlRules {
    /// Each match is one item.
    pub item: String,
    /// Inside an item; without it the title is made from the summary, or is the link's text.
    pub title: Option<String>,
    /// Inside an item; without it, the first `a[href]` of the item.
    pub link: Option<String>,
    /// The attribute holding the link (`href`).
    pub link_attr: String,
    pub date: Option<String>,
    pub dates: crate::dates::DateSpec,
    pub summary: Option<String>,
    pub author: Option<String>,
    pub category: Option<String>,
    /// Fetch each new item's own page once and keep the text `content` selects there.
    pub follow: bool,
    pub content: Option<String>,
}

/// Per-source request settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    pub user_agent: Option<String>,
    pub cookie: Option<String>,
    /// HTTP basic authentication: user and password.
    pub basic_auth: Option<(String, String)>,
    pub headers: Vec<(String, String)>,
    /// A proxy for this source alone (the usual proxy environment variables apply to all).
    pub proxy: Option<Url>,
}

/// Where a source's document comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Http(Url),
    /// A file on disk, read through the same fetch stage (`file://` or a relative path).
    File(PathBuf),
}

impl Location {
    /// The location as a URL, for links, ids and logs.
    pub fn url(&self) -> Url {
        match self {
            Location::Http(url) => url.clone(),
            Location::File(path) => {
                Url::from_file_path(path).unwrap_or_else(|_| Url::parse("file:///").expect("static"))
            }
        }
    }
}

impl Config {
    /// Reads and validates the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::single(path, None, "", format!("cannot read the file: {e}")))?;
        Self::parse(path, &text)
    }

    /// Validates `text` as if read from `path` (relative paths resolve against its folder).
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let raw: raw::RawConfig = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            let key = e
                .span()
                .and_then(|s| text.get(s))
                .filter(|k| !k.contains('\n') && k.len() < 80)
                .unwrap_or("")
                .trim()
                .to_string();
            ConfigError::single(path, line, &key, e.message().trim().to_string())
        })?;
        let mut check = Checker { text, problems: Vec::new() };
        let config = raw.validate(path, &mut check);
        match (config, check.problems.is_empty()) {
            (Some(config), true) => Ok(config),
            _ => Err(ConfigError { file: path.to_path_buf(), problems: check.problems }),
        }
    }

    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }

    pub fn topic(&self, id: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.id == id)
    }

    /// The folder relative paths in the file resolve against.
    pub fn dir(&self) -> PathBuf {
        config_dir(&self.path)
    }
}

/// What `tidings check` prints: the configuration as tidings understood it.
pub fn summary(config: &Config) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let now = chrono::Utc::now();
    let _ = writeln!(out, "{}: OK", config.path.display());
    let base = config.server.base_url.as_ref().map_or("http://<listen address>/".to_string(), Url::to_string);
    let _ = writeln!(out, "listen:  {} (public URL {base})", config.server.listen);
    let _ = writeln!(out, "store:   {}", config.store_path.display());
    let _ = writeln!(
        out,
        "fetch:   timeout {}s, body cap {} bytes, user agent {:?}",
        config.fetch.timeout.as_secs(),
        config.fetch.max_body_bytes,
        config.fetch.user_agent
    );
    let dedup = &config.dedup;
    let near = match dedup.near_duplicates {
        true => format!("near-duplicates above {:.2} similarity", dedup.threshold),
        false => "same links only".to_string(),
    };
    let _ = writeln!(out, "dedup:   {near}, within {} days", dedup.window.num_days());
    if let Some(hub) = &config.websub_hub {
        let _ = writeln!(out, "websub:  every feed names the hub {hub}, told when a topic changes");
    }
    let keep = |r: &Retention| match r.max_age_days {
        Some(days) => format!("keeps {} stories, {days} days", r.max_items),
        None => format!("keeps {} stories of any age", r.max_items),
    };
    let _ =
        writeln!(out, "topics ({} and the built-in \"all\", which {}):", config.topics.len(), keep(&config.retention));
    for t in &config.topics {
        let _ = writeln!(out, "  {:<20} {:?}, newest {} entries, {}", t.id, t.title, t.max_entries, keep(&t.retention));
        let regexes = |list: &[regex::Regex]| list.iter().map(|r| format!("/{}/", r.as_str())).collect::<Vec<_>>();
        let lists = [
            ("include", t.include.clone()),
            ("include_regex", regexes(&t.include_regex)),
            ("exclude", t.exclude.clone()),
            ("exclude_regex", regexes(&t.exclude_regex)),
            ("sources", t.sources.clone()),
            ("languages", t.languages.clone()),
        ];
        for (name, list) in lists.iter().filter(|(_, l)| !l.is_empty()) {
            let _ = writeln!(out, "  {:<20} {name}: {}", "", list.join(", "));
        }
        if t.fields != Field::DEFAULT {
            let fields: Vec<&str> = t.fields.iter().map(|f| f.name()).collect();
            let _ = writeln!(out, "  {:<20} fields: {}", "", fields.join(", "));
        }
    }
    let _ = writeln!(out, "sources ({}):", config.sources.len());
    for s in &config.sources {
        let next = s.schedule.next_after(now).map_or("never".into(), |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string());
        let _ = writeln!(out, "  {:<20} {}", s.id, s.location.url());
        let _ = writeln!(out, "  {:<20} schedule {:?} (UTC; next {next})", "", s.schedule.expr());
        if let Kind::Html(rules) = &s.kind {
            let dates = &rules.dates;
            let _ = writeln!(
                out,
                "  {:<20} html: items {:?}, dates by {dates}{}",
                "",
                rules.item,
                if rules.follow { ", following item pages" } else { "" }
            );
        }
        if !s.topics.is_empty() {
            let _ = writeln!(out, "  {:<20} topics: {}", "", s.topics.join(", "));
        }
    }
    out
}

fn config_dir(path: &Path) -> PathBuf {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
    std::path::absolute(&dir).unwrap_or(dir)
}

/// Collects problems while validating, turning byte offsets into line numbers.
pub(crate) struct Checker<'a> {
    text: &'a str,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    pub(crate) fn fail(&mut self, at: Option<usize>, key: impl Into<String>, message: impl Into<String>) {
        let line = at.map(|offset| line_of(self.text, offset));
        self.problems.push(Problem { line, key: key.into(), message: message.into() });
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
}

/// One thing wrong with the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    /// The key, as a path into the file (`source[2].url`).
    pub key: String,
    pub message: String,
}

/// Everything wrong with one configuration file.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub file: PathBuf,
    pub problems: Vec<Problem>,
}

impl ConfigError {
    fn single(file: &Path, line: Option<usize>, key: &str, message: String) -> Self {
        let problem = Problem { line, key: key.to_string(), message };
        ConfigError { file: file.to_path_buf(), problems: vec![problem] }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", self.file.display())?;
            if let Some(line) = p.line {
                write!(f, ":{line}")?;
            }
            if p.key.is_empty() {
                write!(f, ": {}", p.message)?;
            } else {
                write!(f, ": {}: {}", p.key, p.message)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests;
