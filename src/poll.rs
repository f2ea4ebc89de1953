//! The orchestrator: one poll of one source, stage by stage.
//!
//! fetch -> parse -> normalise -> dedup -> route -> store, the way miniflux's `RefreshFeed` reads:
//! a conditional GET, a short cut on "not modified", then the document's items decided one by one
//! and written in one batch with the source's new state. No stage calls the next; this does.
//! A failing source records its error and changes nothing else: its items stay served.

use std::collections::HashMap;
use std::time::Instant;

use chrono::Utc;
use tracing::{info, warn};

use crate::app::App;
use crate::dedup::{self, Decision, Identity, Known, Match, Minter};
use crate::fetch::{Fetched, Validators};
use crate::model::{FeedMeta, Item, Outcome, ParsedFeed, SourceState, Stored};
use crate::store::{self, Write};
use crate::{normalise, parse, route};

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
    pub elapsed_ms: u64,
    /// True when the source was already being polled and this poll did nothing.
    pub skipped: bool,
}

/// Polls `source` once: fetches, stores what is new, records the outcome. Never panics on what
/// a site sends; a store failure is the only error.
pub async fn poll_source(app: &App, source: &str) -> anyhow::Result<Report> {
    let Some(lock) = app.running(source) else {
        anyhow::bail!(
            "no source named {source:?} in {}",
            app.config.path.display()
        );
    };
    let started = Instant::now();
    let Ok(_running) = lock.try_lock() else {
        info!(
            source,
            status = "skipped",
            "poll skipped: the previous poll of this source is still running"
        );
        return Ok(Report::skipped(source));
    };
    let mut state = app.store.source_state(source)?;
    let now = Utc::now();
    state.last_attempt = Some(now);
    let result = fetch_and_decide(app, source, &state).await;
    let report = match result {
        Ok(Step::NotModified) => {
            state.last_success = Some(now);
            state.last_outcome = Some(Outcome::NotModified);
            state.last_error = None;
            state.consecutive_failures = 0;
            app.store
                .apply(Write {
                    source: Some((source.to_string(), state)),
                    ..Write::default()
                })
                .await?;
            Report::new(source, Outcome::NotModified, None)
        }
        Ok(Step::Document { feed, validators }) => {
            let _writing = app.writing.lock().await;
            let (write, mut report) = decide(app, source, feed.entries_items, now)?;
            state.feed = Some(feed.meta);
            state.etag = validators.etag;
            state.last_modified = validators.last_modified;
            state.last_success = Some(now);
            state.last_error = None;
            state.consecutive_failures = 0;
            state.items_seen += report.new.len() as u64;
            state.last_outcome = Some(report.outcome.clone());
            app.store
                .apply(Write {
                    source: Some((source.to_string(), state)),
                    ..write
                })
                .await?;
            report.elapsed_ms = elapsed(started);
            report
        }
        Err(error) => {
            state.last_outcome = Some(Outcome::Failed);
            state.last_error = Some(error.clone());
            state.consecutive_failures += 1;
            app.store
                .apply(Write {
                    source: Some((source.to_string(), state)),
                    ..Write::default()
                })
                .await?;
            Report::new(source, Outcome::Failed, Some(error))
        }
    };
    let report = Report {
        elapsed_ms: elapsed(started),
        ..report
    };
    log(&report);
    Ok(report)
}

enum Step {
    NotModified,
    Document {
        feed: Normalised,
        validators: Validators,
    },
}

/// A document's items in tidings' model, and the feed's own metadata.
struct Normalised {
    meta: FeedMeta,
    entries_items: Vec<Item>,
}

/// The network and parsing half of a poll; errors come back as the text the status page shows.
async fn fetch_and_decide(app: &App, source: &str, state: &SourceState) -> Result<Step, String> {
    let config = app.config.source(source).expect("checked by the caller");
    let validators = Validators {
        etag: state.etag.clone(),
        last_modified: state.last_modified.clone(),
    };
    let document = match app.fetcher.fetch(&config.location, &validators).await {
        Ok(Fetched::NotModified) => return Ok(Step::NotModified),
        Ok(Fetched::Document(document)) => document,
        Err(e) => return Err(e.to_string()),
    };
    let url = document.url.clone();
    let body = document.body.clone();
    let parsed = tokio::task::spawn_blocking(move || parse::parse(&body, &url))
        .await
        .map_err(|e| format!("the parser stopped: {e}"))?;
    let feed = parsed.map_err(|e| match &document.content_type {
        Some(ct) => format!("{e} (Content-Type: {ct})"),
        None => e.to_string(),
    })?;
    Ok(Step::Document {
        feed: normalise_feed(feed, source, &document.url),
        validators: document.validators,
    })
}

fn normalise_feed(feed: ParsedFeed, source: &str, url: &url::Url) -> Normalised {
    let meta = FeedMeta {
        id: feed.id,
        title: feed.title,
        link: feed
            .link
            .as_deref()
            .and_then(|l| normalise::absolute_http(url, l)),
        updated: feed.updated,
    };
    let entries_items = feed
        .entries
        .into_iter()
        .map(|e| normalise::normalise(e, source, url))
        .collect();
    Normalised {
        meta,
        entries_items,
    }
}

/// Decides every item of one document against the store and what this poll decided already.
fn decide(
    app: &App,
    source: &str,
    items: Vec<Item>,
    now: chrono::DateTime<Utc>,
) -> store::Result<(Write, Report)> {
    let minter = Minter {
        authority: &app.authority,
        now,
    };
    let mut pending = Pending::default();
    let mut report = Report::new(
        source,
        Outcome::Ok {
            new: 0,
            updated: 0,
            unchanged: 0,
        },
        None,
    );
    let mut unchanged = 0;
    for item in items {
        let identity = Identity::of(&item);
        let (in_store, missing) = match app.store.find(&identity)? {
            Some((known, missing)) => (Some(known), missing),
            None => (None, identity.keys().cloned().collect()),
        };
        let known = pending.prefer(pending.find(&identity), in_store);
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
            Decision::AlsoIn(stored) => stored,
            Decision::Unchanged(stored) => {
                unchanged += 1;
                pending.alias(&stored.key, missing);
                continue;
            }
        };
        story.topics = topics_of(app, &story);
        pending.alias(&story.key, missing);
        pending.put(story);
    }
    report.outcome = Outcome::Ok {
        new: report.new.len(),
        updated: report.updated.len(),
        unchanged,
    };
    Ok((pending.into_write(), report))
}

/// The topics of a story: rules applied to the origin's version, with the topics of every source
/// that carried it.
pub fn topics_of(app: &App, stored: &Stored) -> Vec<String> {
    let mut source_topics: Vec<String> = Vec::new();
    for source in std::iter::once(&stored.item.source).chain(&stored.also_in) {
        if let Some(s) = app.config.source(source) {
            source_topics.extend(s.topics.iter().cloned());
        }
    }
    route::route(&stored.item, &source_topics, &app.config.topics)
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
        let link = identity.link.iter().map(|k| (k, Match::Link));
        own.chain(link).find_map(|(key, by)| {
            let story = self.keys.get(key)?;
            Some(Known {
                stored: self.stories.get(story)?.clone(),
                by,
            })
        })
    }

    /// A match on the source's own key beats a link match; and what this poll already decided
    /// about a story is newer than the store's copy.
    fn prefer(&self, pending: Option<Known>, stored: Option<Known>) -> Option<Known> {
        let best = match (pending, stored) {
            (Some(p), Some(s)) if p.by == Match::Link && s.by == Match::Own => s,
            (Some(p), _) => p,
            (None, s) => s?,
        };
        let stored = self
            .stories
            .get(&best.stored.key)
            .cloned()
            .unwrap_or(best.stored);
        Some(Known {
            stored,
            by: best.by,
        })
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
        let stories = self
            .order
            .iter()
            .filter_map(|k| self.stories.remove(k))
            .collect();
        Write {
            stories,
            aliases: self.aliases,
            source: None,
        }
    }
}

/// Re-routes every stored story under the rules in force, so a changed configuration shows in
/// every topic feed. Returns how many stories moved.
pub async fn reroute_all(app: &App) -> anyhow::Result<usize> {
    let _writing = app.writing.lock().await;
    let mut moved = Vec::new();
    for stored in app.store.all_stories() {
        let mut stored = stored?;
        let topics = topics_of(app, &stored);
        if topics != stored.topics {
            stored.topics = topics;
            moved.push(stored);
        }
    }
    let count = moved.len();
    if count > 0 {
        app.store
            .apply(Write {
                stories: moved,
                ..Write::default()
            })
            .await?;
        info!(
            stories = count,
            "re-routed stored stories under the current topic rules"
        );
    }
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
            elapsed_ms: 0,
            skipped: false,
        }
    }

    fn skipped(source: &str) -> Report {
        Report {
            skipped: true,
            ..Report::new(source, Outcome::NotModified, None)
        }
    }
}

/// A report as `tidings poll` prints it: a line, then the titles of what was new or changed.
pub fn describe(report: &Report) -> String {
    let mut out = match (&report.error, &report.outcome) {
        _ if report.skipped => format!(
            "{}: skipped, a poll of it is already running",
            report.source
        ),
        (Some(error), _) => format!("{}: failed: {error}", report.source),
        (None, Outcome::NotModified) => format!("{}: not modified", report.source),
        (
            None,
            Outcome::Ok {
                new,
                updated,
                unchanged,
            },
        ) => {
            format!(
                "{}: {new} new, {updated} updated, {unchanged} unchanged",
                report.source
            )
        }
        (None, Outcome::Failed) => format!("{}: failed", report.source),
    };
    out.push_str(&format!(" ({} ms)", report.elapsed_ms));
    for title in &report.new {
        out.push_str(&format!("\n  new: {title}"));
    }
    for title in &report.updated {
        out.push_str(&format!("\n  updated: {title}"));
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
    match &report.error {
        None => {
            info!(source = %report.source, status, new, updated, elapsed_ms = report.elapsed_ms, "poll")
        }
        Some(error) => {
            warn!(source = %report.source, status, new, updated, elapsed_ms = report.elapsed_ms, error = %error, "poll")
        }
    }
}
