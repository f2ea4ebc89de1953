use chrono::TimeZone;

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

const DAY: Duration = Duration::from_secs(86_400);
const URL: &str = "https://wco.example/feed";

fn policy() -> Policy {
    Policy { max_backoff: DAY, ignore_ttl: false }
}

fn attempt(outcome: Outcome) -> Attempt {
    Attempt {
        outcome,
        http_status: Some(200),
        error: None,
        retry_after: None,
        fresh_for: None,
        moved_to: None,
        url: URL.into(),
    }
}

fn failed(status: u16, retry_after: Option<Duration>) -> Attempt {
    Attempt {
        http_status: Some(status),
        error: Some(format!("HTTP status {status}")),
        retry_after,
        ..attempt(Outcome::Failed)
    }
}

fn ok() -> Attempt {
    attempt(Outcome::Ok { new: 1, updated: 0, unchanged: 0 })
}

fn wait(state: &SourceState) -> Option<Duration> {
    state.next_poll.map(|n| (n - now()).to_std().unwrap())
}

#[test]
fn backoff_doubles_with_jitter_up_to_the_cap() {
    for n in 1..=8 {
        let full = Duration::from_secs(60 << (n - 1));
        let b = backoff(n, DAY, "wco");
        assert!(b <= full && b >= full.mul_f64(0.75), "failure {n}: {b:?}");
    }
    assert!(
        backoff(40, DAY, "wco") <= DAY && backoff(40, DAY, "wco") >= DAY.mul_f64(0.75),
        "capped, never overflowing"
    );
    assert_eq!(backoff(3, DAY, "wco"), backoff(3, DAY, "wco"), "deterministic");
    assert_ne!(backoff(3, DAY, "wco"), backoff(3, DAY, "fcs"), "sources that fail together retry apart");
}

#[test]
fn a_streak_of_failures_backs_off_and_a_success_resets_it() {
    let mut state = SourceState::default();
    let mut waits = Vec::new();
    for _ in 0..5 {
        record(&mut state, &failed(500, None), now(), policy(), "wco");
        waits.push(wait(&state).unwrap());
    }
    assert_eq!(state.consecutive_failures, 5);
    assert!(waits.windows(2).all(|w| w[1] > w[0]), "{waits:?}");
    assert!(due(&state, URL, now()).is_err());
    assert!(due(&state, URL, now() + chrono::Duration::from_std(waits[4]).unwrap()).is_ok());
    record(&mut state, &ok(), now(), policy(), "wco");
    assert_eq!(state.consecutive_failures, 0);
    assert_eq!(state.next_poll, None);
    assert_eq!(state.last_error, None);
    assert!(due(&state, URL, now()).is_ok());
}

#[test]
fn retry_after_is_honoured_on_429_without_counting_a_failure() {
    let mut state = SourceState::default();
    let throttled =
        Attempt { retry_after: Some(Duration::from_secs(120)), http_status: Some(429), ..attempt(Outcome::Throttled) };
    record(&mut state, &throttled, now(), policy(), "wco");
    assert_eq!(wait(&state), Some(Duration::from_secs(120)));
    assert_eq!(state.consecutive_failures, 0, "a 429 is no failure");
    assert_eq!(state.consecutive_throttled, 1);
    let mut state = SourceState::default();
    record(&mut state, &Attempt { http_status: Some(429), ..attempt(Outcome::Throttled) }, now(), policy(), "wco");
    let first = wait(&state).unwrap();
    record(&mut state, &Attempt { http_status: Some(429), ..attempt(Outcome::Throttled) }, now(), policy(), "wco");
    assert!(wait(&state).unwrap() > first, "without Retry-After, it backs off");
}

#[test]
fn a_503_waits_at_least_as_long_as_retry_after_says() {
    let mut state = SourceState::default();
    record(&mut state, &failed(503, Some(Duration::from_secs(3600))), now(), policy(), "wco");
    assert_eq!(wait(&state), Some(Duration::from_secs(3600)));
    assert_eq!(state.consecutive_failures, 1);
}

#[test]
fn what_the_source_asks_sets_a_floor_unless_ignored() {
    let mut state = SourceState::default();
    let fresh = Attempt { fresh_for: Some(Duration::from_secs(1800)), ..ok() };
    record(&mut state, &fresh, now(), policy(), "wco");
    assert_eq!(wait(&state), Some(Duration::from_secs(1800)));
    record(&mut state, &fresh, now(), Policy { ignore_ttl: true, ..policy() }, "wco");
    assert_eq!(state.next_poll, None);
    let year = Attempt { fresh_for: Some(DAY * 365), ..ok() };
    record(&mut state, &year, now(), policy(), "wco");
    assert_eq!(wait(&state), Some(DAY), "a source cannot ask to be left alone longer than the backoff cap");
}

#[test]
fn gone_stops_scheduled_polls_until_the_url_changes() {
    let mut state = SourceState::default();
    record(&mut state, &Attempt { http_status: Some(410), ..attempt(Outcome::Gone) }, now(), policy(), "wco");
    assert!(due(&state, URL, now() + chrono::Duration::days(365)).unwrap_err().contains("410 Gone"));
    assert!(due(&state, "https://wco.example/new-feed", now()).is_ok());
    record(&mut state, &ok(), now(), policy(), "wco");
    assert_eq!(state.gone, None, "a success at the same URL clears it");
}

#[test]
fn a_permanent_redirect_is_reported_after_several_polls_in_a_row() {
    let mut state = SourceState::default();
    let moved = Attempt { moved_to: Some("https://new.example/feed".into()), ..ok() };
    for _ in 1..MOVED_REPORT_AFTER {
        record(&mut state, &moved, now(), policy(), "wco");
        assert_eq!(moved_to(&state), None);
    }
    record(&mut state, &failed(500, None), now(), policy(), "wco");
    record(&mut state, &moved, now(), policy(), "wco");
    assert_eq!(moved_to(&state), Some("https://new.example/feed"), "a failure in between does not reset the count");
    record(&mut state, &ok(), now(), policy(), "wco");
    assert_eq!(moved_to(&state), None, "a poll without the redirect resets it");
}

fn moved_to(state: &SourceState) -> Option<&str> {
    moved(state)
}

#[test]
fn counters_give_the_share_of_304s() {
    let mut state = SourceState::default();
    record(&mut state, &ok(), now(), policy(), "wco");
    record(&mut state, &Attempt { http_status: Some(304), ..attempt(Outcome::NotModified) }, now(), policy(), "wco");
    record(&mut state, &Attempt { http_status: Some(304), ..attempt(Outcome::NotModified) }, now(), policy(), "wco");
    record(&mut state, &failed(500, None), now(), policy(), "wco");
    assert_eq!((state.polls, state.not_modified), (4, 2));
    assert_eq!(state.not_modified_share(), 0.5);
    assert_eq!(state.last_status, Some(500));
}

#[test]
fn retry_after_reads_seconds_and_dates() {
    assert_eq!(retry_after("120", now()), Some(Duration::from_secs(120)));
    assert_eq!(retry_after("Mon, 23 Nov 2026 12:10:00 GMT", now()), Some(Duration::from_secs(600)));
    assert_eq!(retry_after("Monday, 23-Nov-26 12:01:00 GMT", now()), Some(Duration::from_secs(60)));
    assert_eq!(retry_after("Mon, 23 Nov 2026 11:00:00 GMT", now()), Some(Duration::ZERO), "a date in the past: now");
    assert_eq!(retry_after("soon", now()), None);
}

#[test]
fn freshness_comes_from_max_age_then_expires() {
    let expires = Some("Mon, 23 Nov 2026 13:00:00 GMT");
    assert_eq!(fresh_for(Some("public, max-age=600"), expires, now()), Some(Duration::from_secs(600)));
    assert_eq!(fresh_for(None, expires, now()), Some(Duration::from_secs(3600)));
    assert_eq!(fresh_for(Some("no-cache"), expires, now()), None);
    assert_eq!(fresh_for(Some("private"), None, now()), None);
    assert_eq!(fresh_for(None, Some("0"), now()), None);
}

#[test]
fn offsets_spread_sources_over_the_period() {
    let period = Duration::from_secs(900);
    let offsets: Vec<Duration> = (0..500).map(|i| offset(&format!("source-{i}"), period)).collect();
    assert!(offsets.iter().all(|o| *o < period));
    assert_eq!(offset("source-1", period), offsets[1], "stable for a source");
    let mut seconds: Vec<u64> = offsets.iter().map(Duration::as_secs).collect();
    seconds.sort();
    seconds.dedup();
    assert!(seconds.len() > 300, "500 sources land on {} distinct seconds", seconds.len());
}
