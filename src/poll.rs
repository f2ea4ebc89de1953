//! The orchestrator: one poll of one source, stage by stage.
//!
//! fetch -> parse -> normalise -> dedup -> route -> store, the way miniflux's `RefreshFeed` reads:
//! a conditional GET, a short cut on "not modified", then the document's items decided one by one
//! and written in one batch with the source's new state. No stage calls the next; this does.
//! A failing source records its error and changes nothing else: its items stay served.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tracing::{info, warn};

use crate::app::App;
use crate::config::ALL_TOPIC;
use crate::config::{Config, Kind, Location, Source};
use crate::dedup::{self, Decision, Identity, Known, Match, Minter};
use crate::fetch::{FetchError, Fetched, Meta, Validators};
use crate::model::{Body, FeedMeta, GuidTrouble, Item, Outcome, ParsedFeed, SourceState, Stored, Tombstone};
use crate::pace::{self, Attempt, Policy};
use crate::store::{self, Write};
use crate::{normalise, parse, publish, retain, route, scrape, similar};
use url::Url;

/// What one poll did, for logs and for `tidings poll`.
#[derive(Debug, Clone)]
pub struct Report {
    pub source: String,
    pub outcome: Outcome,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// Titles of the new stories.
    pub new: Vec<String>,
    /// Titles of the stories that changed.
    pub updated: Vec<String>,
    /// Items found to be stories other sources told first: title and the signal.
    pub merged: Vec<String>,
    /// Items the source still lists that retention let go (not brought back).
    pub pruned: usize,
    pub elapsed_ms: u64,
    /// True when the source was already being polled and this poll did nothing.
    pub skipped: bool,
    pub http_status: Option<u16>,
    /// No scheduled poll before this.
    pub next_poll: Option<DateTime<Utc>>,
    /// A permanent redirect that has held for several polls: the URL to use instead.
    pub moved_to: Option<String>,
}

/// What the scheduler calls: polls `source` unless it is not due (backoff, Retry-After, what the
/// source asked) or gone. `None` when it was not polled.
pub async fn poll_if_due(app: &App, source: &str) -> anyhow::Result<Option<Report>> {
    let Some(config) = app.config.source(source) else {
        anyhow::bail!("no source named {source:?} in {}", app.config.path.display());
    };
    let state = app.store.source_state(source)?;
    if let Err(reason) = pace::due(&state, config.location.url().as_str(), Utc::now()) {
        info!(source, status = "deferred", reason = %reason, "poll deferred");
        return Ok(None);
    }
    poll_source(app, source).await.map(Some)
}

/// Polls `source` once, due or not: fetches, stores what is new, records the outcome and the
/// source's health. Never panics on what a site sends; a store failure is the only error.
pub async fn poll_source(app: &App, source: &str) -> anyhow::Result<Report> {
    let Some(lock) = app.running(source) else {
        anyhow::bail!("no source named {source:?} in {}", app.config.path.display());
    };
    let config = app.config.source(source).expect("every source has a lock");
    let started = Instant::now();
    let Ok(_running) = lock.try_lock() else {
        info!(source, status = "skipped", "poll skipped: the previous poll of this source is still running");
        return Ok(Report::skipped(source));
    };
    let mut state = app.store.source_state(source)?;
    let now = Utc::now();
    let step = fetch_and_parse(app, config, &state).await;
    // Deciding and writing happen under the write lock, so two sources carrying one story never
    // write it from stale copies.
    let _writing = match step {
        Step::Document { .. } => Some(app.writing.lock().await),
        _ => None,
    };
    let url = config.location.url().to_string();
    let (attempt, write, mut report) = match step {
        Step::NotModified(meta) => {
            let attempt = Attempt::new(Outcome::NotModified, &meta, url);
            (attempt, Write::default(), Report::new(source, Outcome::NotModified, None))
        }
        Step::Document { feed, validators, meta } => {
            let (write, report) = decide(app, source, feed.items, now, &mut state, None)?;
            state.feed = Some(feed.meta);
            state.etag = validators.etag;
            state.last_modified = validators.last_modified;
            state.items_seen += report.new.len() as u64;
            let mut attempt = Attempt::new(report.outcome.clone(), &meta, url);
            attempt.fresh_for = attempt.fresh_for.max(feed.ttl);
            (attempt, write, report)
        }
        Step::Failed { outcome, error, status, retry_after } => {
            let attempt = Attempt {
                http_status: status,
                error: Some(error.clone()),
                retry_after,
                ..Attempt::new(outcome.clone(), &Meta::default(), url)
            };
            (attempt, Write::default(), Report::new(source, outcome, Some(error)))
        }
    };
    let policy = Policy { max_backoff: app.config.fetch.max_backoff, ignore_ttl: config.ignore_ttl };
    pace::record(&mut state, &attempt, now, policy, source);
    report.http_status = state.last_status;
    report.next_poll = state.next_poll;
    report.moved_to = pace::moved(&state).map(str::to_string);
    let wrote_stories = !write.stories.is_empty();
    app.store.apply(Write { source: Some((source.to_string(), state)), ..write }).await?;
    if wrote_stories {
        prune(app, now).await?;
        republish(app).await;
    }
    report.elapsed_ms = elapsed(started);
    log(&report);
    Ok(report)
}

impl Attempt {
    fn new(outcome: Outcome, meta: &Meta, url: String) -> Attempt {
        Attempt {
            outcome,
            http_status: meta.status,
            error: None,
            retry_after: None,
            fresh_for: meta.fresh_for,
            moved_to: meta.moved_to.as_ref().map(|u| u.to_string()),
            url,
        }
    }
}

enum Step {
    NotModified(Meta),
    Document { feed: Normalised, validators: Validators, meta: Meta },
    Failed { outcome: Outcome, error: String, status: Option<u16>, retry_after: Option<Duration> },
}

/// A document's items in tidings' model, and the feed's own metadata.
pub struct Normalised {
    pub meta: FeedMeta,
    pub items: Vec<Item>,
    /// The feed's `<ttl>`.
    pub ttl: Option<Duration>,
}

/// The network and parsing half of a poll.
async fn fetch_and_parse(app: &App, config: &Source, state: &SourceState) -> Step {
    let validators = Validators { etag: state.etag.clone(), last_modified: state.last_modified.clone() };
    let document = match app.fetcher.fetch(config, &validators).await {
        Ok(Fetched::NotModified(meta)) => return Step::NotModified(meta),
        Ok(Fetched::Document(document)) => document,
        Err(e) => {
            let outcome = match e {
                FetchError::Throttled { .. } => Outcome::Throttled,
                FetchError::Gone => Outcome::Gone,
                _ => Outcome::Failed,
            };
            return Step::Failed { outcome, error: e.to_string(), status: e.status(), retry_after: e.retry_after() };
        }
    };
    let (kind, url, body, ct) =
        (config.kind.clone(), document.url.clone(), document.body.clone(), document.content_type.clone());
    let parsed = tokio::task::spawn_blocking(move || read_document(&kind, &body, ct.as_deref(), &url)).await;
    let failed = |error: String| Step::Failed {
        outcome: Outcome::Failed,
        error,
        status: document.meta.status,
        retry_after: None,
    };
    let feed = match parsed {
        Err(e) => return failed(format!("the parser stopped: {e}")),
        Ok(Err(e)) => {
            return failed(match (&config.kind, &document.content_type) {
                (Kind::Feed, Some(ct)) => format!("{e} (Content-Type: {ct})"),
                _ => e,
            })
        }
        Ok(Ok(feed)) => feed,
    };
    let mut feed = normalise_feed(feed, config, &document.url);
    if let Kind::Html(rules) = &config.kind {
        if let (true, Some(css)) = (rules.follow, &rules.content) {
            follow(app, config, css, &mut feed.items).await;
        }
    }
    Step::Document { feed, validators: document.validators, meta: document.meta }
}

/// The document as a feed: parsed, or read with the source's selectors. An HTML page whose item
/// selector finds nothing is an error (so the status says which selector to fix); lesser misses
/// are logged.
pub fn read_document(kind: &Kind, body: &[u8], content_type: Option<&str>, url: &Url) -> Result<ParsedFeed, String> {
    match kind {
        Kind::Feed => parse::parse(body, url).map_err(|e| e.to_string()),
        Kind::Html(rules) => {
            let extracted = scrape::extract(&scrape::decode(body, content_type), url, rules);
            if extracted.feed.entries.is_empty() {
                return Err(extracted.problems.join("; "));
            }
            for problem in &extracted.problems {
                warn!(url = %url, problem = %problem, "html source");
            }
            Ok(extracted.feed)
        }
    }
}

/// Fetches the own page of each item not stored yet, once, and keeps what `css` selects there as
/// its content. Known items are never fetched again (they keep the content stored with them); a
/// page that fails leaves its item without it.
async fn follow(app: &App, source: &Source, css: &str, items: &mut [Item]) {
    for item in items.iter_mut() {
        let Some(link) = item.link.as_deref().and_then(|l| Url::parse(l).ok()) else { continue };
        match app.store.find(&Identity::of(item)) {
            Ok(None) => {}
            // A known item keeps the text fetched for it once, so it does not read as changed.
            Ok(Some((known, _))) => {
                if item.content.is_none() {
                    item.content = known.stored.item.content;
                }
                continue;
            }
            Err(_) => continue,
        }
        match app.fetcher.fetch_at(source, &Location::Http(link.clone()), &Validators::default()).await {
            Ok(Fetched::Document(page)) => {
                let html = scrape::decode(&page.body, page.content_type.as_deref());
                match scrape::content(&html, css) {
                    Some(content) => {
                        let body = Body { text: content, html: true };
                        item.content = Some(normalise::to_safe_html(&body, &page.url));
                    }
                    None => {
                        warn!(source = %source.id, url = %link, selector = css, "follow: the content selector matched nothing")
                    }
                }
            }
            Ok(Fetched::NotModified(_)) => {}
            Err(e) => {
                warn!(source = %source.id, url = %link, error = %e, "follow: the item's page could not be fetched")
            }
        }
    }
}

pub fn normalise_feed(feed: ParsedFeed, source: &Source, url: &url::Url) -> Normalised {
    let meta = FeedMeta {
        id: feed.id,
        title: feed.title,
        link: feed.link.as_deref().and_then(|l| normalise::absolute_http(url, l)),
        updated: feed.updated,
    };
    let ttl = feed.ttl.map(|minutes| Duration::from_secs(u64::from(minutes) * 60));
    let language = source.language.clone().or_else(|| feed.language.as_deref().and_then(crate::text::language_tag));
    let items = feed
        .entries
        .into_iter()
        .map(|e| Item { language: language.clone(), ..normalise::normalise(e, &source.id, url) })
        .collect();
    Normalised { meta, items, ttl }
}

/// What became of one item of a document, for `tidings explain`.
#[derive(Debug, Clone)]
pub struct Judged {
    pub item: Item,
    /// The keys it is known by.
    pub keys: Vec<String>,
    /// What was decided, in words.
    pub decision: String,
    /// The story it is (or joined), as the poll leaves it; `None` when retention had let it go.
    pub story: Option<Stored>,
    /// When it was looked for among other sources' stories and none was close enough: the
    /// closest, and why it was not the same story.
    pub closest: Option<String>,
}

/// Decides every item of one document against the store and what this poll decided already,
/// recording each item's fate in `judged` when asked (`tidings explain`).
fn decide(
    app: &App,
    source: &str,
    items: Vec<Item>,
    now: DateTime<Utc>,
    state: &mut SourceState,
    mut judged: Option<&mut Vec<Judged>>,
) -> store::Result<(Write, Report)> {
    let minter = Minter { authority: &app.authority, now };
    let mut pending = Pending::default();
    let mut report = Report::new(source, Outcome::Ok { new: 0, updated: 0, unchanged: 0 }, None);
    let mut unchanged = 0;
    let trust_guids = check_guids(app, source, &items, state, now)?;
    for item in items {
        let identity = Identity::with(&item, trust_guids);
        let keys: Vec<String> = identity.keys().cloned().collect();
        let mut copy = judged.is_some().then(|| item.clone());
        let mut judge = |decision: String, story: Option<&Stored>, closest: Option<String>| {
            if let (Some(list), Some(item)) = (judged.as_deref_mut(), copy.take()) {
                list.push(Judged { item, keys: keys.clone(), decision, story: story.cloned(), closest });
            }
        };
        let (in_store, missing) = match app.store.find(&identity)? {
            Some((known, missing)) => (Some(known), missing),
            None => (None, identity.keys().cloned().collect()),
        };
        let mut known = pending.prefer(pending.find(&identity), in_store);
        let mut closest = None;
        if known.is_none() {
            if let Some(tombstone) = app.store.tombstone(&identity)? {
                report.pruned += 1;
                let when = tombstone.pruned.format("%Y-%m-%d");
                judge(format!("left out: retention let this story go on {when}; it is not brought back"), None, None);
                continue;
            }
            let (similar, apart) = similar_story(app, &item, now)?;
            known = similar.map(|k| pending.newest(k));
            closest = apart;
        }
        let by = known.as_ref().map(|k| (k.by, k.stored.key.clone(), k.stored.item.source.clone()));
        let decision = dedup::decide(item, &identity, known, &minter);
        let mut story = match decision {
            Decision::New(stored) => {
                report.new.push(stored.item.title.clone());
                stored
            }
            Decision::Updated(stored) => {
                report.updated.push(stored.item.title.clone());
                stored
            }
            Decision::AlsoIn(stored) => {
                if let Some(repost) = stored.also_in.last() {
                    report.merged.push(format!("{} ({}: {})", stored.item.title, repost.source, repost.signal));
                }
                stored
            }
            Decision::Unchanged(stored) => {
                unchanged += 1;
                pending.alias(&stored.key, missing);
                judge(judgement("unchanged", by.as_ref(), &stored), Some(&stored), None);
                continue;
            }
        };
        story.topics = topics_of(app, &story);
        let word = match &by {
            None => "new story",
            Some((_, _, origin)) if origin != source => "merged",
            Some(_) => "updated",
        };
        judge(judgement(word, by.as_ref(), &story), Some(&story), closest);
        pending.alias(&story.key, missing);
        pending.put(story);
    }
    report.outcome = Outcome::Ok { new: report.new.len(), updated: report.updated.len(), unchanged };
    Ok((pending.into_write(), report))
}

/// What a poll of `source` would do, item by item, storing nothing: the dry run behind
/// `tidings explain --source`. The fetch is unconditional (no ETag), so every item is seen.
pub async fn dry_run(app: &App, source: &str) -> anyhow::Result<Vec<Judged>> {
    let Some(config) = app.config.source(source) else {
        anyhow::bail!("{}: no source named {source:?}", app.config.path.display());
    };
    let mut state = SourceState { etag: None, last_modified: None, ..app.store.source_state(source)? };
    match fetch_and_parse(app, config, &state).await {
        Step::Document { feed, .. } => {
            let mut judged = Vec::new();
            decide(app, source, feed.items, Utc::now(), &mut state, Some(&mut judged))?;
            Ok(judged)
        }
        Step::NotModified(_) => anyhow::bail!("{source}: the server answered 304 to an unconditional request"),
        Step::Failed { error, .. } => anyhow::bail!("{source}: {error}"),
    }
}

/// After stories changed: archives the full pages of topic history, lets go of the pages
/// retention emptied, renders the topic feeds anew and tells the WebSub hub which changed. A
/// failure is logged, and the feeds published before stay served.
pub async fn republish(app: &App) {
    if let Err(e) = publish::history::freeze(app).await {
        warn!(error = %format!("{e:#}"), "full pages of topic history could not be archived; they stay in the current feeds");
    }
    if let Err(e) = publish::history::prune(app).await {
        warn!(error = %e, "archive pages retention let go could not be dropped; they stay served");
    }
    match publish::rebuild(app) {
        Ok(changed) if !changed.is_empty() => {
            info!(documents = changed.len(), "republished the changed feeds");
            if let (Some(hub), Some(base)) = (&app.websub, app.published.base()) {
                let feeds = changed.iter().filter(|p| p.starts_with("feeds/")).filter_map(|p| base.join(p).ok());
                hub.publish(feeds.map(String::from).collect());
            }
        }
        Ok(_) => {}
        Err(e) => warn!(error = %format!("{e:#}"), "the feeds could not be rendered; the previous ones stay served"),
    }
}

/// An item's fate in words: what happened, and which story it matched by which signal.
fn judgement(word: &str, by: Option<&(Match, String, String)>, story: &Stored) -> String {
    let Some((by, key, origin)) = by else {
        return format!("{word}: no stored story has its keys or its text; stored as story {}", story.key);
    };
    let signal = match by {
        Match::Own => "its own guid (or content hash)".to_string(),
        Match::Link => "the same link".to_string(),
        Match::Similar(percent) => format!("similar text ({percent}%, threshold passed, names and numbers agree)"),
    };
    format!("{word}: story {key} (first told by {origin}), matched by {signal}")
}

/// Whether the source's guids can be identity, and the reason recorded on its state when not:
/// a guid used by two items of the document, or guids that change from poll to poll (items
/// whose link is known as this source's coming back under another guid). Once seen, a churn
/// is remembered; a repeat is judged on each document.
fn check_guids(
    app: &App,
    source: &str,
    items: &[Item],
    state: &mut SourceState,
    now: DateTime<Utc>,
) -> store::Result<bool> {
    let trouble = |reason: String, since: Option<DateTime<Utc>>| GuidTrouble { reason, since: since.unwrap_or(now) };
    let since = state.guids.as_ref().map(|g| g.since);
    if let Some(reason) = dedup::repeated_guid(items) {
        state.guids = Some(trouble(reason, since));
        return Ok(false);
    }
    if state.guids.as_ref().is_some_and(|g| g.reason.starts_with(CHURN)) {
        return Ok(false);
    }
    let mut links: HashMap<&str, usize> = HashMap::new();
    for link in items.iter().filter_map(|i| i.link.as_deref()) {
        *links.entry(link).or_default() += 1;
    }
    let (mut changed, mut kept) = (0, 0);
    for item in items.iter().filter(|i| i.guid.is_some() && i.link.as_deref().is_some_and(|l| links[l] == 1)) {
        let by_guid = Identity::with(item, true);
        match app.store.find(&by_guid)? {
            Some((known, _)) if known.by == Match::Own => kept += 1,
            Some((known, _)) if known.stored.item.source == source && known.stored.item.guid != item.guid => {
                changed += 1
            }
            _ => {}
        }
    }
    if dedup::guids_churn(changed, kept) {
        let reason = format!("{CHURN}: {changed} known items came back under new guids");
        warn!(source, reason = %reason, "the source's guids are not stable: its items are known by their links");
        state.guids = Some(trouble(reason, since));
        return Ok(false);
    }
    state.guids = None;
    Ok(true)
}

const CHURN: &str = "guids change between polls";

/// The story another source told that `item` is a near-duplicate of: the most similar within
/// the window, if any passes [`similar::compare`]; else the closest candidate and why it is
/// another story.
fn similar_story(app: &App, item: &Item, now: DateTime<Utc>) -> store::Result<(Option<Known>, Option<String>)> {
    let dedup = &app.config.dedup;
    if !dedup.near_duplicates {
        return Ok((None, None));
    }
    let time = item.published.unwrap_or(now).min(now).timestamp_micros();
    let window = dedup.window.num_microseconds().unwrap_or(i64::MAX);
    let mut best: Option<(f64, Stored)> = None;
    let mut closest: Option<(f64, String)> = None;
    for candidate in app.store.around(time, window)? {
        let told = candidate.item.source == item.source || candidate.also_in.iter().any(|r| r.source == item.source);
        if told {
            continue;
        }
        match similar::compare(&candidate.item, item, dedup.threshold) {
            similar::Verdict::Same(score) => {
                if best.as_ref().is_none_or(|(s, _)| score > *s) {
                    best = Some((score, candidate));
                }
            }
            similar::Verdict::Apart { score, why } => {
                if closest.as_ref().is_none_or(|(s, _)| score > *s) {
                    closest = Some((
                        score,
                        format!("{:?} of {} ({}): {why}", candidate.item.title, candidate.item.source, candidate.key),
                    ));
                }
            }
        }
    }
    let known = best.map(|(score, stored)| Known { stored, by: Match::Similar((score * 100.0).round() as u8) });
    Ok((known, closest.map(|(_, why)| why)))
}

/// Lets go of what retention says to: stories beyond a topic's limits leave that topic; stories
/// beyond `all`'s leave the store and leave tombstones. The caller holds the write lock.
async fn prune(app: &App, now: DateTime<Utc>) -> store::Result<()> {
    let config = &app.config;
    let gone: std::collections::HashSet<String> =
        retain::expired(&app.store.index(ALL_TOPIC)?, config.retention, now).into_iter().collect();
    let mut changed: HashMap<String, Stored> = HashMap::new();
    for topic in &config.topics {
        for key in retain::expired(&app.store.index(&topic.id)?, topic.retention, now) {
            if gone.contains(&key) {
                continue;
            }
            let story = match changed.remove(&key) {
                Some(story) => Some(story),
                None => app.store.story(&key)?,
            };
            if let Some(mut story) = story {
                story.topics.retain(|t| *t != topic.id);
                story.dropped.push(topic.id.clone());
                changed.insert(key, story);
            }
        }
    }
    let mut pruned = Vec::new();
    for key in &gone {
        if let Some(story) = app.store.story(key)? {
            let tombstone =
                Tombstone { title: story.item.title.clone(), source: story.item.source.clone(), pruned: now };
            pruned.push((story, tombstone));
        }
    }
    if changed.is_empty() && pruned.is_empty() {
        return Ok(());
    }
    let (moved, deleted) = (changed.len(), pruned.len());
    app.store.apply(Write { stories: changed.into_values().collect(), pruned, ..Write::default() }).await?;
    info!(left_topics = moved, left_store = deleted, "retention let stories go");
    Ok(())
}

/// The topics of a story: rules applied to the origin's version, with the topics of every source
/// that carried it, but for those whose retention let it go.
pub fn topics_of(app: &App, stored: &Stored) -> Vec<String> {
    let mut topics = route::route(&stored.item, &source_topics(&app.config, stored), &app.config.topics);
    topics.retain(|t| !stored.dropped.contains(t));
    topics
}

/// `(source, topic)` for each topic listed by a source that carried the story.
pub fn source_topics(config: &Config, stored: &Stored) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for source in std::iter::once(&stored.item.source).chain(stored.also_in.iter().map(|r| &r.source)) {
        if let Some(s) = config.source(source) {
            out.extend(s.topics.iter().map(|t| (s.id.clone(), t.clone())));
        }
    }
    out
}

/// What this poll has decided so far: later items of the same document see earlier ones.
#[derive(Default)]
struct Pending {
    stories: HashMap<String, Stored>,
    order: Vec<String>,
    keys: HashMap<String, String>,
    aliases: Vec<(String, String)>,
}

impl Pending {
    fn find(&self, identity: &Identity) -> Option<Known> {
        let own = identity.own.iter().map(|k| (k, Match::Own));
        let link = identity.links.iter().map(|k| (k, Match::Link));
        own.chain(link).find_map(|(key, by)| {
            let story = self.keys.get(key)?;
            Some(Known { stored: self.stories.get(story)?.clone(), by })
        })
    }

    /// The story as this poll last left it, if it touched it.
    fn newest(&self, known: Known) -> Known {
        match self.stories.get(&known.stored.key) {
            Some(stored) => Known { stored: stored.clone(), by: known.by },
            None => known,
        }
    }

    /// A match on the source's own key beats a link match; and what this poll already decided
    /// about a story is newer than the store's copy.
    fn prefer(&self, pending: Option<Known>, stored: Option<Known>) -> Option<Known> {
        let best = match (pending, stored) {
            (Some(p), Some(s)) if p.by == Match::Link && s.by == Match::Own => s,
            (Some(p), _) => p,
            (None, s) => s?,
        };
        let stored = self.stories.get(&best.stored.key).cloned().unwrap_or(best.stored);
        Some(Known { stored, by: best.by })
    }

    fn alias(&mut self, story: &str, keys: Vec<String>) {
        for key in keys {
            if !self.keys.contains_key(&key) {
                self.keys.insert(key.clone(), story.to_string());
                self.aliases.push((key, story.to_string()));
            }
        }
    }

    fn put(&mut self, story: Stored) {
        if !self.stories.contains_key(&story.key) {
            self.order.push(story.key.clone());
        }
        self.stories.insert(story.key.clone(), story);
    }

    fn into_write(mut self) -> Write {
        let stories = self.order.iter().filter_map(|k| self.stories.remove(k)).collect();
        Write { stories, aliases: self.aliases, ..Write::default() }
    }
}

/// Brings every stored story up to the rules in force: re-routes it, so a changed configuration
/// shows in every topic feed, and gives it the identity keys it lacks (a store written under an
/// older key scheme still recognises its stories). Returns how many stories moved topics.
pub async fn reroute_all(app: &App) -> anyhow::Result<usize> {
    let _writing = app.writing.lock().await;
    let mut moved = Vec::new();
    let mut aliases = Vec::new();
    let mut trusted: HashMap<String, bool> = HashMap::new();
    for stored in app.store.all_stories() {
        let mut stored = stored?;
        let source = &stored.item.source;
        let trust = match trusted.get(source) {
            Some(trust) => *trust,
            None => {
                let trust = app.store.source_state(source)?.guids.is_none();
                trusted.insert(source.clone(), trust);
                trust
            }
        };
        let identity = Identity::with(&stored.item, trust);
        let missing = match app.store.find(&identity)? {
            Some((_, missing)) => missing,
            None => identity.keys().cloned().collect(),
        };
        aliases.extend(missing.into_iter().map(|k| (k, stored.key.clone())));
        let topics = topics_of(app, &stored);
        if topics != stored.topics {
            stored.topics = topics;
            moved.push(stored);
        }
    }
    let (count, keys) = (moved.len(), aliases.len());
    if count > 0 || keys > 0 {
        app.store.apply(Write { stories: moved, aliases, ..Write::default() }).await?;
        info!(stories = count, keys, "brought stored stories up to the current topic rules and identity keys");
    }
    prune(app, Utc::now()).await?;
    republish(app).await;
    Ok(count)
}

impl Report {
    fn new(source: &str, outcome: Outcome, error: Option<String>) -> Report {
        Report {
            source: source.to_string(),
            outcome,
            error,
            new: Vec::new(),
            updated: Vec::new(),
            merged: Vec::new(),
            pruned: 0,
            elapsed_ms: 0,
            skipped: false,
            http_status: None,
            next_poll: None,
            moved_to: None,
        }
    }

    fn skipped(source: &str) -> Report {
        Report { skipped: true, ..Report::new(source, Outcome::NotModified, None) }
    }
}

/// A report as `tidings poll` prints it: a line, then the titles of what was new or changed.
pub fn describe(report: &Report) -> String {
    let source = &report.source;
    let mut out = match (&report.error, &report.outcome) {
        _ if report.skipped => format!("{source}: skipped, a poll of it is already running"),
        (Some(error), Outcome::Throttled) => format!("{source}: throttled: {error}"),
        (Some(error), Outcome::Gone) => format!("{source}: gone: {error}"),
        (Some(error), _) => format!("{source}: failed: {error}"),
        (None, Outcome::Ok { new, updated, unchanged }) => {
            format!("{source}: {new} new, {updated} updated, {unchanged} unchanged")
        }
        (None, outcome) => format!("{source}: {}", outcome.status().replace('_', " ")),
    };
    out.push_str(&format!(" ({} ms)", report.elapsed_ms));
    if let Some(next) = report.next_poll {
        out.push_str(&format!("; next poll not before {}", next.format("%Y-%m-%d %H:%M:%S UTC")));
    }
    if let Some(to) = &report.moved_to {
        out.push_str(&format!("\n  moved permanently to {to}: update the source's url"));
    }
    for title in &report.new {
        out.push_str(&format!("\n  new: {title}"));
    }
    for title in &report.updated {
        out.push_str(&format!("\n  updated: {title}"));
    }
    for merged in &report.merged {
        out.push_str(&format!("\n  also told by another source: {merged}"));
    }
    if report.pruned > 0 {
        out.push_str(&format!("\n  {} listed item(s) were let go by retention and stay out", report.pruned));
    }
    out
}

fn elapsed(started: Instant) -> u64 {
    started.elapsed().as_millis().try_into().unwrap_or(u64::MAX)
}

/// One line per poll per source, with stable field names.
fn log(report: &Report) {
    let status = report.outcome.status();
    let (new, updated) = (report.new.len(), report.updated.len());
    let http_status = report.http_status.map_or(String::new(), |s| s.to_string());
    let next_poll = report.next_poll.map_or(String::new(), |t| t.to_rfc3339());
    let elapsed_ms = report.elapsed_ms;
    match &report.error {
        None => info!(source = %report.source, status, new, updated, http_status, next_poll, elapsed_ms, "poll"),
        Some(error) => {
            warn!(source = %report.source, status, new, updated, http_status, next_poll, elapsed_ms, error = %error, "poll")
        }
    }
    if let Some(to) = &report.moved_to {
        warn!(source = %report.source, moved_to = %to, "the source has moved permanently: update its url");
    }
}
