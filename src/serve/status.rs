//! Each source's health, as `/status.json` serves it and the index page shows it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::app::App;
use crate::model::Outcome;
use crate::{pace, schedule};

/// One source's health, with stable field names.
#[derive(Debug, Serialize)]
pub struct SourceStatus {
    pub id: String,
    pub title: String,
    pub url: String,
    pub schedule: String,
    /// `ok`, `not_modified`, `throttled`, `failed`, `gone`, or `never` before the first poll.
    pub status: &'static str,
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_http_status: Option<u16>,
    pub last_error: Option<String>,
    pub new: usize,
    pub updated: usize,
    pub consecutive_failures: u32,
    pub consecutive_throttled: u32,
    /// When the next scheduled poll will run (none while the source is gone).
    pub next_poll: Option<DateTime<Utc>>,
    pub items_seen: u64,
    pub polls: u64,
    /// The share of polls answered 304 (or an unchanged file), from 0 to 1.
    pub not_modified_share: f64,
    /// The URL a permanent redirect has led to on several polls in a row.
    pub moved_to: Option<String>,
    /// True once the source answered 410 Gone at its configured URL.
    pub gone: bool,
    /// `guid`, or `link` when the source's guids cannot be trusted (see `identity_note`).
    pub identity: &'static str,
    /// Why its items are known by their links, and since when.
    pub identity_note: Option<String>,
}

/// The health of every configured source, in configuration order.
pub fn sources(app: &App, now: DateTime<Utc>) -> anyhow::Result<Vec<SourceStatus>> {
    let mut out = Vec::new();
    for source in &app.config.sources {
        let state = app.store.source_state(&source.id)?;
        let url = source.location.url().to_string();
        let (new, updated) = match &state.last_outcome {
            Some(Outcome::Ok { new, updated, .. }) => (*new, *updated),
            _ => (0, 0),
        };
        let gone = state.gone.as_deref() == Some(url.as_str());
        out.push(SourceStatus {
            id: source.id.clone(),
            title: source.title.clone(),
            schedule: source.schedule.expr().to_string(),
            status: state.last_outcome.as_ref().map_or("never", Outcome::status),
            last_attempt: state.last_attempt,
            last_success: state.last_success,
            last_http_status: state.last_status,
            last_error: state.last_error.clone(),
            new,
            updated,
            consecutive_failures: state.consecutive_failures,
            consecutive_throttled: state.consecutive_throttled,
            next_poll: if gone { None } else { schedule::next_run(source, state.next_poll, now) },
            items_seen: state.items_seen,
            polls: state.polls,
            not_modified_share: state.not_modified_share(),
            moved_to: pace::moved(&state).map(str::to_string),
            gone,
            identity: if state.guids.is_some() { "link" } else { "guid" },
            identity_note: state
                .guids
                .as_ref()
                .map(|g| format!("{} (since {})", g.reason, g.since.format("%Y-%m-%d %H:%M UTC"))),
            url,
        });
    }
    Ok(out)
}
