//! The file as written: serde structs that mirror the TOML, and their validation.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use super::{
    config_dir, Checker, Config, Dedup, Fetch, Field, HtmlRules, Kind, Location, Request, Retention, Server, Source,
    Topic, ALL_TOPIC,
};
use crate::schedule::Schedule;

const DEFAULT_SCHEDULE: &str = "0 */15 * * * *";
const DEFAULT_MAX_ENTRIES: usize = 50;
const DEFAULT_RETENTION: Retention = Retention { max_items: 10_000, max_age_days: None };

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    #[serde(default)]
    server: RawServer,
    #[serde(default)]
    store: RawStore,
    #[serde(default)]
    fetch: RawFetch,
    #[serde(default)]
    dedup: RawDedup,
    #[serde(default)]
    retention: RawRetention,
    #[serde(default)]
    websub: RawWebSub,
    #[serde(default)]
    topic: Vec<RawTopic>,
    #[serde(default)]
    source: Vec<RawSource>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawServer {
    listen: Option<Spanned<String>>,
    base_url: Option<Spanned<String>>,
    max_entries: Option<Spanned<i64>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStore {
    path: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFetch {
    schedule: Option<Spanned<String>>,
    timeout_secs: Option<Spanned<i64>>,
    connect_timeout_secs: Option<Spanned<i64>>,
    read_timeout_secs: Option<Spanned<i64>>,
    max_body_bytes: Option<Spanned<i64>>,
    user_agent: Option<String>,
    max_backoff_secs: Option<Spanned<i64>>,
    per_host_requests: Option<Spanned<i64>>,
    host_interval_ms: Option<Spanned<i64>>,
    max_in_flight: Option<Spanned<i64>>,
    exempt_loopback: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDedup {
    near_duplicates: Option<bool>,
    threshold: Option<Spanned<f64>>,
    window_days: Option<Spanned<i64>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawWebSub {
    hub: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRetention {
    max_items: Option<Spanned<i64>>,
    max_age_days: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopic {
    id: Spanned<String>,
    title: Option<String>,
    #[serde(default)]
    include: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    include_regex: Option<Spanned<OneOrMany>>,
    exclude_regex: Option<Spanned<OneOrMany>>,
    fields: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    sources: Vec<Spanned<String>>,
    #[serde(default)]
    languages: Vec<Spanned<String>>,
    max_entries: Option<Spanned<i64>>,
    max_items: Option<Spanned<i64>>,
    max_age_days: Option<Spanned<i64>>,
}

/// A string, or a list of them.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    id: Spanned<String>,
    title: Option<String>,
    url: Spanned<String>,
    #[serde(default)]
    topics: Vec<Spanned<String>>,
    schedule: Option<Spanned<String>>,
    user_agent: Option<String>,
    cookie: Option<String>,
    username: Option<String>,
    password: Option<Spanned<String>>,
    #[serde(default)]
    headers: std::collections::BTreeMap<String, Spanned<String>>,
    proxy: Option<Spanned<String>>,
    #[serde(default)]
    ignore_ttl: bool,
    kind: Option<Spanned<String>>,
    html: Option<Spanned<RawHtml>>,
    language: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHtml {
    item: Spanned<String>,
    title: Option<Spanned<String>>,
    link: Option<Spanned<String>>,
    link_attr: Option<String>,
    date: Option<Spanned<String>>,
    date_format: Option<String>,
    date_lang: Option<Spanned<String>>,
    date_tz: Option<Spanned<String>>,
    summary: Option<Spanned<String>>,
    author: Option<Spanned<String>>,
    category: Option<Spanned<String>>,
    #[serde(default)]
    follow: bool,
    content: Option<Spanned<String>>,
}

impl RawConfig {
    /// Checks everything, recording each problem; `None` when something could not be built.
    pub(super) fn validate(self, path: &Path, check: &mut Checker) -> Option<Config> {
        let dir = config_dir(path);
        let server = self.server.validate(check);
        let fetch = self.fetch.validate(check);
        let retention = self.retention.validate("retention", DEFAULT_RETENTION, check);
        let dedup = self.dedup.validate(check);
        let websub_hub = self.websub.hub.as_ref().and_then(|hub| match Url::parse(hub.get_ref()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Some(u),
            _ => {
                let msg = format!("{:?} is not an absolute http(s):// URL of a WebSub hub", hub.get_ref());
                check.fail(Some(hub.span().start), "websub.hub", msg);
                None
            }
        });
        let source_ids: HashSet<&str> = self.source.iter().map(|s| s.id.get_ref().as_str()).collect();
        let topics = validate_topics(self.topic, server.as_ref(), retention, &source_ids, check);
        let known: HashSet<&str> = topics.iter().map(|t| t.id.as_str()).collect();
        let default_schedule = fetch.as_ref().map(|f| f.schedule.clone());
        let mut sources = Vec::new();
        let mut seen = HashSet::new();
        for (i, raw) in self.source.into_iter().enumerate() {
            let key = format!("source[{i}]");
            check_id(&raw.id, &format!("{key}.id"), false, &mut seen, check);
            if let Some(source) = raw.validate(&key, &dir, &known, default_schedule.as_ref(), check) {
                sources.push(source);
            }
        }
        let store_path = lexical(&dir.join(self.store.path.as_deref().unwrap_or("data")));
        Some(Config {
            path: path.to_path_buf(),
            server: server?,
            store_path,
            fetch: fetch?,
            dedup: dedup?,
            websub_hub,
            retention,
            topics,
            sources,
        })
    }
}

impl RawServer {
    fn validate(self, check: &mut Checker) -> Option<Server> {
        let listen = match &self.listen {
            None => Some(SocketAddr::from(([127, 0, 0, 1], 8080))),
            Some(l) => l.get_ref().parse::<SocketAddr>().ok().or_else(|| {
                let msg = format!("{:?} is not an address and port such as \"127.0.0.1:8080\"", l.get_ref());
                check.fail(Some(l.span().start), "server.listen", msg);
                None
            }),
        };
        let base_url = match &self.base_url {
            None => None,
            Some(b) => match Url::parse(b.get_ref()) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Some(u),
                _ => {
                    let msg = format!("{:?} is not an absolute http(s):// URL", b.get_ref());
                    check.fail(Some(b.span().start), "server.base_url", msg);
                    None
                }
            },
        };
        let max_entries = positive(self.max_entries.as_ref(), "server.max_entries", check)
            .unwrap_or(DEFAULT_MAX_ENTRIES as u64) as usize;
        Some(Server { listen: listen?, base_url, max_entries })
    }
}

impl RawFetch {
    fn validate(self, check: &mut Checker) -> Option<Fetch> {
        let schedule = match &self.schedule {
            None => Some(Schedule::parse(DEFAULT_SCHEDULE).expect("the default schedule parses")),
            Some(s) => schedule(s, "fetch.schedule", check),
        };
        let timeout = positive(self.timeout_secs.as_ref(), "fetch.timeout_secs", check).unwrap_or(20);
        let connect = positive(self.connect_timeout_secs.as_ref(), "fetch.connect_timeout_secs", check).unwrap_or(10);
        let read = positive(self.read_timeout_secs.as_ref(), "fetch.read_timeout_secs", check).unwrap_or(15);
        let max_body_bytes =
            positive(self.max_body_bytes.as_ref(), "fetch.max_body_bytes", check).unwrap_or(10 * 1024 * 1024);
        let max_backoff = positive(self.max_backoff_secs.as_ref(), "fetch.max_backoff_secs", check).unwrap_or(86_400);
        let per_host = positive(self.per_host_requests.as_ref(), "fetch.per_host_requests", check).unwrap_or(1);
        let max_in_flight = positive(self.max_in_flight.as_ref(), "fetch.max_in_flight", check).unwrap_or(16);
        let host_interval = match &self.host_interval_ms {
            Some(ms) if *ms.get_ref() >= 0 => *ms.get_ref() as u64,
            Some(ms) => {
                check.fail(Some(ms.span().start), "fetch.host_interval_ms", "must be 0 or more");
                0
            }
            None => 1000,
        };
        Some(Fetch {
            schedule: schedule?,
            timeout: Duration::from_secs(timeout),
            connect_timeout: Duration::from_secs(connect.min(timeout)),
            read_timeout: Duration::from_secs(read.min(timeout)),
            max_body_bytes,
            user_agent: self.user_agent.unwrap_or_else(|| format!("tidings/{}", env!("CARGO_PKG_VERSION"))),
            max_backoff: Duration::from_secs(max_backoff),
            per_host: per_host as usize,
            host_interval: Duration::from_millis(host_interval),
            max_in_flight: max_in_flight as usize,
            exempt_loopback: self.exempt_loopback.unwrap_or(true),
        })
    }
}

impl RawDedup {
    fn validate(self, check: &mut Checker) -> Option<Dedup> {
        let threshold = match &self.threshold {
            None => crate::similar::DEFAULT_THRESHOLD,
            Some(t) if (0.0..=1.0).contains(t.get_ref()) && *t.get_ref() > 0.0 => *t.get_ref(),
            Some(t) => {
                let msg = format!("must be above 0 and at most 1 (a share of matching features), not {}", t.get_ref());
                check.fail(Some(t.span().start), "dedup.threshold", msg);
                return None;
            }
        };
        let window_days = positive(self.window_days.as_ref(), "dedup.window_days", check).unwrap_or(7).min(3650);
        Some(Dedup {
            near_duplicates: self.near_duplicates.unwrap_or(true),
            threshold,
            window: chrono::Duration::days(window_days as i64),
        })
    }
}

impl RawRetention {
    fn validate(&self, key: &str, defaults: Retention, check: &mut Checker) -> Retention {
        let max_items = positive(self.max_items.as_ref(), &format!("{key}.max_items"), check);
        let max_age_days = positive(self.max_age_days.as_ref(), &format!("{key}.max_age_days"), check);
        Retention {
            max_items: max_items.map_or(defaults.max_items, |n| n as usize),
            max_age_days: max_age_days.map(|n| n.min(36_500) as u32).or(defaults.max_age_days),
        }
    }
}

/// Compiles a topic's regular expressions, case-insensitive; each one that does not compile is a problem.
fn regexes(raw: Option<Spanned<OneOrMany>>, key: &str, check: &mut Checker) -> Vec<regex::Regex> {
    let Some(raw) = raw else { return Vec::new() };
    let at = raw.span().start;
    let list = match raw.into_inner() {
        OneOrMany::One(one) => vec![one],
        OneOrMany::Many(many) => many,
    };
    let mut out = Vec::new();
    for (j, pattern) in list.iter().enumerate() {
        match regex::RegexBuilder::new(pattern).case_insensitive(true).size_limit(1 << 20).build() {
            Ok(re) => out.push(re),
            Err(e) => {
                let first =
                    e.to_string().lines().last().unwrap_or_default().trim().trim_start_matches("error: ").to_string();
                check.fail(
                    Some(at),
                    format!("{key}[{j}]"),
                    format!("{pattern:?} is not a valid regular expression: {first}"),
                );
            }
        }
    }
    out
}

fn validate_topics(
    raw: Vec<RawTopic>,
    server: Option<&Server>,
    retention: Retention,
    source_ids: &HashSet<&str>,
    check: &mut Checker,
) -> Vec<Topic> {
    let default_max = server.map_or(DEFAULT_MAX_ENTRIES, |s| s.max_entries);
    let mut seen = HashSet::new();
    let mut topics = Vec::new();
    for (i, t) in raw.into_iter().enumerate() {
        let key = format!("topic[{i}]");
        check_id(&t.id, &format!("{key}.id"), true, &mut seen, check);
        let words = |list: Vec<Spanned<String>>, name: &str, check: &mut Checker| -> Vec<String> {
            let mut out = Vec::new();
            for (j, w) in list.into_iter().enumerate() {
                if crate::text::words(w.get_ref()).is_empty() {
                    let msg = "is empty: a keyword needs at least one letter or digit";
                    check.fail(Some(w.span().start), format!("{key}.{name}[{j}]"), msg);
                } else {
                    out.push(w.into_inner());
                }
            }
            out
        };
        let include = words(t.include, "include", check);
        let exclude = words(t.exclude, "exclude", check);
        let include_regex = regexes(t.include_regex, &format!("{key}.include_regex"), check);
        let exclude_regex = regexes(t.exclude_regex, &format!("{key}.exclude_regex"), check);
        let fields = match t.fields {
            None => Field::DEFAULT.to_vec(),
            Some(list) => {
                let mut fields = Vec::new();
                for (j, f) in list.iter().enumerate() {
                    match Field::ALL.iter().find(|x| x.name() == f.get_ref()) {
                        Some(field) if !fields.contains(field) => fields.push(*field),
                        Some(_) => {}
                        None => {
                            let names: Vec<&str> = Field::ALL.iter().map(|x| x.name()).collect();
                            let msg = format!("{:?} is not a field: use {}", f.get_ref(), names.join(", "));
                            check.fail(Some(f.span().start), format!("{key}.fields[{j}]"), msg);
                        }
                    }
                }
                if list.is_empty() {
                    check.fail(
                        None,
                        format!("{key}.fields"),
                        "is empty: leave it out to look at title, summary and categories",
                    );
                }
                fields
            }
        };
        let mut sources = Vec::new();
        for (j, s) in t.sources.into_iter().enumerate() {
            if !source_ids.contains(s.get_ref().as_str()) {
                let msg = format!("names source {:?}, which no [[source]] defines", s.get_ref());
                check.fail(Some(s.span().start), format!("{key}.sources[{j}]"), msg);
            }
            sources.push(s.into_inner());
        }
        let languages = t
            .languages
            .iter()
            .enumerate()
            .filter_map(|(j, l)| language(l, &format!("{key}.languages[{j}]"), check))
            .collect();
        let max_entries =
            positive(t.max_entries.as_ref(), &format!("{key}.max_entries"), check).map_or(default_max, |n| n as usize);
        let retention =
            RawRetention { max_items: t.max_items, max_age_days: t.max_age_days }.validate(&key, retention, check);
        let id = t.id.into_inner();
        let title = t.title.unwrap_or_else(|| id.clone());
        topics.push(Topic {
            id,
            title,
            include,
            exclude,
            include_regex,
            exclude_regex,
            fields,
            sources,
            languages,
            max_entries,
            retention,
        });
    }
    topics
}

impl RawSource {
    fn validate(
        self,
        key: &str,
        dir: &Path,
        topics: &HashSet<&str>,
        default_schedule: Option<&Schedule>,
        check: &mut Checker,
    ) -> Option<Source> {
        let location = location(self.url.get_ref(), dir).map_err(|msg| {
            check.fail(Some(self.url.span().start), format!("{key}.url"), msg);
        });
        let mut source_topics = Vec::new();
        for (j, t) in self.topics.iter().enumerate() {
            let name = t.get_ref();
            if name == ALL_TOPIC {
                let msg = "\"all\" is the built-in feed of everything; every item is already in it";
                check.fail(Some(t.span().start), format!("{key}.topics[{j}]"), msg);
            } else if !topics.contains(name.as_str()) {
                let msg = format!("names topic {name:?}, which no [[topic]] defines");
                check.fail(Some(t.span().start), format!("{key}.topics[{j}]"), msg);
            } else if !source_topics.contains(name) {
                source_topics.push(name.clone());
            }
        }
        let schedule = match &self.schedule {
            Some(s) => schedule(s, &format!("{key}.schedule"), check),
            None => default_schedule.cloned(),
        };
        let request = self.request(key, check);
        let kind = self.kind(key, check);
        let language = self.language.as_ref().and_then(|l| language(l, &format!("{key}.language"), check));
        let id = self.id.into_inner();
        Some(Source {
            title: self.title.unwrap_or_else(|| id.clone()),
            id,
            location: location.ok()?,
            topics: source_topics,
            schedule: schedule?,
            request,
            ignore_ttl: self.ignore_ttl,
            kind: kind?,
            language,
        })
    }

    /// `kind = "feed"` (the default) or `kind = "html"` with its `[source.html]` selectors.
    fn kind(&self, key: &str, check: &mut Checker) -> Option<Kind> {
        let kind = self.kind.as_ref().map_or("feed", |k| k.get_ref().as_str());
        let at = self.kind.as_ref().map(|k| k.span().start);
        match (kind, &self.html) {
            ("feed", None) => Some(Kind::Feed),
            ("feed", Some(html)) => {
                check.fail(Some(html.span().start), format!("{key}.html"), "selectors need kind = \"html\"");
                None
            }
            ("html", Some(html)) => {
                html.get_ref().validate(&format!("{key}.html"), check).map(|r| Kind::Html(Box::new(r)))
            }
            ("html", None) => {
                check.fail(
                    at,
                    format!("{key}.kind"),
                    "an html source needs a [source.html] table with at least `item`",
                );
                None
            }
            (other, _) => {
                check.fail(
                    at,
                    format!("{key}.kind"),
                    format!("{other:?} is not a kind of source: use \"feed\" or \"html\""),
                );
                None
            }
        }
    }

    /// The per-source request settings, checked for what HTTP cannot carry.
    fn request(&self, key: &str, check: &mut Checker) -> Request {
        let basic_auth = match (&self.username, &self.password) {
            (Some(user), password) => {
                Some((user.clone(), password.as_ref().map(|p| p.get_ref().clone()).unwrap_or_default()))
            }
            (None, Some(p)) => {
                check.fail(Some(p.span().start), format!("{key}.password"), "a password needs a username");
                None
            }
            (None, None) => None,
        };
        let mut headers = Vec::new();
        for (name, value) in &self.headers {
            let token = |c: u8| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c);
            if name.is_empty() || !name.bytes().all(token) {
                check.fail(
                    Some(value.span().start),
                    format!("{key}.headers"),
                    format!("{name:?} is not a valid header name"),
                );
            } else if value.get_ref().chars().any(|c| c.is_control() && c != '\t') {
                check.fail(
                    Some(value.span().start),
                    format!("{key}.headers.{name}"),
                    "a header value cannot hold control characters",
                );
            } else {
                headers.push((name.clone(), value.get_ref().clone()));
            }
        }
        let proxy = self.proxy.as_ref().and_then(|p| match Url::parse(p.get_ref()) {
            Ok(url) if matches!(url.scheme(), "http" | "https" | "socks5" | "socks5h") && url.has_host() => Some(url),
            _ => {
                let msg = format!("{:?} is not a proxy URL such as \"http://proxy.example:3128\"", p.get_ref());
                check.fail(Some(p.span().start), format!("{key}.proxy"), msg);
                None
            }
        });
        Request { user_agent: self.user_agent.clone(), cookie: self.cookie.clone(), basic_auth, headers, proxy }
    }
}

impl RawHtml {
    fn validate(&self, key: &str, check: &mut Checker) -> Option<HtmlRules> {
        let mut ok = true;
        let mut selector = |value: Option<&Spanned<String>>, name: &str, check: &mut Checker| -> Option<String> {
            let value = value?;
            if let Err(e) = crate::scrape::check_selector(value.get_ref()) {
                check.fail(Some(value.span().start), format!("{key}.{name}"), e);
                ok = false;
            }
            Some(value.get_ref().clone())
        };
        let item = selector(Some(&self.item), "item", check)?;
        let title = selector(self.title.as_ref(), "title", check);
        let link = selector(self.link.as_ref(), "link", check);
        let date = selector(self.date.as_ref(), "date", check);
        let summary = selector(self.summary.as_ref(), "summary", check);
        let author = selector(self.author.as_ref(), "author", check);
        let category = selector(self.category.as_ref(), "category", check);
        let content = selector(self.content.as_ref(), "content", check);
        let mut dates = crate::dates::DateSpec { format: self.date_format.clone(), ..Default::default() };
        if let Some(lang) = &self.date_lang {
            match lang.get_ref().parse() {
                Ok(l) => dates.lang = Some(l),
                Err(e) => {
                    check.fail(Some(lang.span().start), format!("{key}.date_lang"), e);
                    ok = false;
                }
            }
        }
        if let Some(tz) = &self.date_tz {
            match tz.get_ref().parse() {
                Ok(z) => dates.zone = z,
                Err(e) => {
                    check.fail(Some(tz.span().start), format!("{key}.date_tz"), e);
                    ok = false;
                }
            }
        }
        if self.follow && content.is_none() {
            check.fail(
                Some(self.item.span().start),
                format!("{key}.content"),
                "follow = true needs a `content` selector",
            );
            ok = false;
        }
        let link_attr = self.link_attr.clone().unwrap_or_else(|| "href".into());
        let rules = HtmlRules {
            item,
            title,
            link,
            link_attr,
            date,
            dates,
            summary,
            author,
            category,
            follow: self.follow,
            content,
        };
        ok.then_some(rules)
    }
}

/// Ids appear in URLs, store keys and tag URIs: `[a-z0-9-]+`, unique within their kind.
fn check_id(id: &Spanned<String>, key: &str, topic: bool, seen: &mut HashSet<String>, check: &mut Checker) {
    let at = Some(id.span().start);
    let value = id.get_ref();
    if value.is_empty()
        || value.len() > 64
        || !value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        check.fail(at, key, format!("{value:?} is not a valid id: use 1 to 64 of a-z, 0-9 and -"));
    } else if topic && value == ALL_TOPIC {
        check.fail(at, key, "\"all\" is reserved for the built-in feed of everything");
    } else if !seen.insert(value.clone()) {
        check.fail(at, key, format!("duplicate id {value:?}: ids must be unique"));
    }
}

/// A language tag, kept as [`crate::text::language_tag`] spells it.
fn language(raw: &Spanned<String>, key: &str, check: &mut Checker) -> Option<String> {
    let tag = crate::text::language_tag(raw.get_ref());
    if tag.is_none() {
        let msg = format!("{:?} is not a language tag such as \"en\", \"ru\" or \"pt-BR\"", raw.get_ref());
        check.fail(Some(raw.span().start), key, msg);
    }
    tag
}

fn schedule(raw: &Spanned<String>, key: &str, check: &mut Checker) -> Option<Schedule> {
    Schedule::parse(raw.get_ref()).map_err(|e| check.fail(Some(raw.span().start), key, e)).ok()
}

fn positive(raw: Option<&Spanned<i64>>, key: &str, check: &mut Checker) -> Option<u64> {
    let raw = raw?;
    match u64::try_from(*raw.get_ref()) {
        Ok(n) if n > 0 => Some(n),
        _ => {
            check.fail(Some(raw.span().start), key, format!("must be a positive whole number, not {}", raw.get_ref()));
            None
        }
    }
}

/// `http(s)://` and `file://` URLs as they are; anything without a scheme is a path.
fn location(raw: &str, dir: &Path) -> Result<Location, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("is empty: give an http(s):// URL, a file:// URL or a path".into());
    }
    if !raw.contains("://") {
        let path = PathBuf::from(raw);
        return Ok(Location::File(if path.is_absolute() { path } else { dir.join(path) }));
    }
    let url = Url::parse(raw).map_err(|e| format!("{raw:?} is not a valid URL: {e}"))?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(Location::Http(url)),
        "http" | "https" => Err(format!("{raw:?} has no host")),
        "file" => url.to_file_path().map(Location::File).map_err(|_| format!("{raw:?} is not a local file URL")),
        other => Err(format!("{raw:?}: the scheme {other:?} is not supported; use http://, https:// or file://")),
    }
}

/// `a/b/../c` as `a/c`, without asking the file system (the path may not exist yet).
fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}
