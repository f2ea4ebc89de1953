//! Pace: when a source may be polled next, and what one attempt does to its health record.
//!
//! Pure functions of the clock value they are given, so every rule is unit-tested with fixed
//! times: exponential backoff with jitter on failures (capped, never giving up; a success
//! resets it), `Retry-After` honoured on 429 and 503 (a 429 is the site asking for patience, not a
//! failure), the feed's `<ttl>`, `Cache-Control: max-age` and `Expires` as a floor under the next
//! poll (unless the source ignores them), a permanent redirect reported once it is seen on several
//! polls in a row, and 410 Gone stopping the source. The scheduler asks [`due`]; `poll` calls
//! [`record`] after each attempt.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::model::{Outcome, SourceState};

/// The first wait after a failure; each further failure doubles it, up to the cap.
const BACKOFF_BASE: Duration = Duration::from_secs(60);
/// Polls in a row that must end on the same permanent redirect before it is reported.
pub const MOVED_REPORT_AFTER: u32 = 3;

/// What one attempt came to, as far as pacing cares.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub outcome: Outcome,
    /// The final HTTP status (none for files and network errors).
    pub http_status: Option<u16>,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// `Retry-After`, already turned into a wait.
    pub retry_after: Option<Duration>,
    /// How long the server or the feed says the document stays fresh (max-age, Expires, ttl).
    pub fresh_for: Option<Duration>,
    /// Where a chain of permanent redirects (301/308) ended, if the request followed one.
    pub moved_to: Option<String>,
    /// The URL polled, so a source marked gone comes back when its URL changes.
    pub url: String,
}

/// The limits pacing works within, from `[fetch]` and the source.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub max_backoff: Duration,
    pub ignore_ttl: bool,
}

/// Whether a scheduled poll of a source in `state`, configured with `url`, should go ahead now.
pub fn due(state: &SourceState, url: &str, now: DateTime<Utc>) -> Result<(), String> {
    if state.gone.as_deref() == Some(url) {
        return Err("the source answered 410 Gone; change its URL to poll it again".into());
    }
    match state.next_poll {
        Some(next) if next > now => Err(format!("not due before {}", next.format("%Y-%m-%d %H:%M:%S UTC"))),
        _ => Ok(()),
    }
}

/// Updates the health record after an attempt made at `now`. `source` seeds the jitter, so
/// sources that fail together do not retry together.
pub fn record(state: &mut SourceState, attempt: &Attempt, now: DateTime<Utc>, policy: Policy, source: &str) {
    state.last_attempt = Some(now);
    state.last_status = attempt.http_status;
    state.last_outcome = Some(attempt.outcome.clone());
    state.polls += 1;
    let wait = match &attempt.outcome {
        Outcome::Ok { .. } | Outcome::NotModified => {
            state.last_success = Some(now);
            state.last_error = None;
            state.consecutive_failures = 0;
            state.consecutive_throttled = 0;
            if attempt.outcome == Outcome::NotModified {
                state.not_modified += 1;
            }
            if policy.ignore_ttl {
                None
            } else {
                attempt.fresh_for.map(|f| f.min(policy.max_backoff))
            }
        }
        Outcome::Throttled => {
            state.consecutive_throttled += 1;
            state.last_error = attempt.error.clone();
            Some(
                attempt.retry_after.unwrap_or_else(|| backoff(state.consecutive_throttled, policy.max_backoff, source)),
            )
        }
        Outcome::Failed => {
            state.consecutive_failures += 1;
            state.last_error = attempt.error.clone();
            let backoff = backoff(state.consecutive_failures, policy.max_backoff, source);
            Some(attempt.retry_after.map_or(backoff, |r| r.max(backoff)))
        }
        Outcome::Gone => {
            state.last_error = attempt.error.clone();
            state.gone = Some(attempt.url.clone());
            None
        }
    };
    if attempt.outcome != Outcome::Gone && state.gone.as_deref() == Some(attempt.url.as_str()) {
        state.gone = None;
    }
    state.next_poll = wait.and_then(|w| chrono::Duration::from_std(w).ok()).map(|w| now + w);
    record_move(state, attempt);
}

/// Counts polls in a row that ended on the same permanent redirect.
fn record_move(state: &mut SourceState, attempt: &Attempt) {
    match (&attempt.moved_to, &attempt.outcome) {
        (Some(to), _) if state.moved_to.as_ref() == Some(to) => state.moved_streak += 1,
        (Some(to), _) => {
            state.moved_to = Some(to.clone());
            state.moved_streak = 1;
        }
        // A failed poll says nothing about the redirect.
        (None, Outcome::Failed | Outcome::Throttled) => {}
        (None, _) => {
            state.moved_to = None;
            state.moved_streak = 0;
        }
    }
}

/// The suggested new URL, once the permanent redirect has held for enough polls.
pub fn moved(state: &SourceState) -> Option<&str> {
    state.moved_to.as_deref().filter(|_| state.moved_streak >= MOVED_REPORT_AFTER)
}

/// The wait after the `n`th failure in a row: 1 min, 2, 4, … capped, times a jitter in [0.75, 1].
pub fn backoff(n: u32, cap: Duration, seed: &str) -> Duration {
    let doublings = n.saturating_sub(1).min(30);
    let full = BACKOFF_BASE.saturating_mul(1 << doublings).min(cap);
    full.mul_f64(0.75 + 0.25 * unit(&format!("{seed}/{n}")))
}

/// Where in each period a source's scheduled polls start, so sources sharing a schedule are spread
/// over it instead of all firing in the same second. Stable for a source id.
pub fn offset(source: &str, period: Duration) -> Duration {
    period.mul_f64(unit(source) * 0.9)
}

/// A number in [0, 1) derived from `seed`.
fn unit(seed: &str) -> f64 {
    let hash = Sha256::digest(seed.as_bytes());
    let n = u64::from_be_bytes(hash[..8].try_into().expect("8 bytes"));
    (n >> 11) as f64 / (1u64 << 53) as f64
}

/// `Retry-After`: a number of seconds, or an HTTP date.
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(value)?;
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// How long a response stays fresh: `Cache-Control: max-age` (which wins), else `Expires`.
/// `no-cache`/`no-store` mean it says nothing.
pub fn fresh_for(cache_control: Option<&str>, expires: Option<&str>, now: DateTime<Utc>) -> Option<Duration> {
    if let Some(cc) = cache_control {
        let directives: Vec<String> = cc.split(',').map(|d| d.trim().to_ascii_lowercase()).collect();
        if directives.iter().any(|d| d == "no-cache" || d == "no-store") {
            return None;
        }
        if let Some(secs) =
            directives.iter().find_map(|d| d.strip_prefix("max-age=")?.trim_matches('"').parse::<u64>().ok())
        {
            return Some(Duration::from_secs(secs));
        }
    }
    let at = parse_http_date(expires?)?;
    (at - now).to_std().ok()
}

/// An HTTP date (IMF-fixdate, and the RFC 850 and asctime forms servers still send).
pub fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if let Ok(d) = DateTime::parse_from_rfc2822(value) {
        return Some(d.with_timezone(&Utc));
    }
    let naive = chrono::NaiveDateTime::parse_from_str(value, "%A, %d-%b-%y %H:%M:%S GMT")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(value, "%a %b %e %H:%M:%S %Y"))
        .ok()?;
    Some(naive.and_utc())
}

#[cfg(test)]
mod tests;
