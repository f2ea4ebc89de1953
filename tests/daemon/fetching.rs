//! Fetching against a fault-injecting upstream: for each fault, the daemon keeps serving, the other
//! sources keep updating, and the stored health is right. Waits are checked as the stored
//! `next_poll` against the attempt's own clock reading, never by sleeping.

use std::io::Write as _;
use std::time::Duration;

use tidings::model::{Outcome, SourceState};

use crate::helpers::{spawn_app, Reply, TestApp};

/// A good source beside the source under test.
fn config(extra_fetch: &str, source: &str) -> String {
    format!(
        "[fetch]\nschedule = \"0 0 0 1 1 *\"\n{extra_fetch}\n\n\
         [[source]]\nid = \"good\"\nurl = \"{{upstream}}/good.rss\"\n\n\
         [[source]]\nid = \"bad\"\n{source}\n"
    )
}

async fn app(extra_fetch: &str, source: &str) -> TestApp {
    let t = spawn_app(&config(extra_fetch, source)).await;
    t.upstream.set("good.rss", Reply::fixture("wco.rss"));
    t
}

async fn app_with(reply: Reply) -> TestApp {
    let t = app("", "url = \"{upstream}/bad\"").await;
    t.upstream.set("bad", reply);
    t
}

/// The other source still updates and the feeds are still served.
async fn others_unharmed(t: &TestApp) {
    let report = t.poll("good").await;
    assert!(matches!(report.outcome, Outcome::Ok { .. } | Outcome::NotModified), "{report:?}");
    assert_eq!(t.feed("all").await.len(), 3);
    assert_eq!(t.get("/").await.status(), 200);
}

fn state(t: &TestApp) -> SourceState {
    t.app.store.source_state("bad").unwrap()
}

/// How long the source must wait, as stored.
fn stored_wait(t: &TestApp) -> Duration {
    let s = state(t);
    (s.next_poll.expect("a next poll is set") - s.last_attempt.unwrap()).to_std().unwrap()
}

#[tokio::test]
async fn a_429_with_retry_after_in_seconds_is_patience_not_failure() {
    let t = app_with(Reply::status(429).header("retry-after", "120")).await;
    let report = t.poll("bad").await;
    assert_eq!(report.outcome, Outcome::Throttled);
    assert_eq!(stored_wait(&t), Duration::from_secs(120));
    let s = state(&t);
    assert_eq!((s.consecutive_failures, s.consecutive_throttled, s.last_status), (0, 1, Some(429)));
    assert!(tidings::poll::poll_if_due(&t.app, "bad").await.unwrap().is_none(), "the schedule waits");
    assert_eq!(t.upstream.received("bad").len(), 1);
    others_unharmed(&t).await;
}

#[tokio::test]
async fn a_429_with_retry_after_as_a_date() {
    let at = chrono::Utc::now() + chrono::Duration::seconds(3600);
    let t =
        app_with(Reply::status(429).header("retry-after", &at.format("%a, %d %b %Y %H:%M:%S GMT").to_string())).await;
    t.poll("bad").await;
    let wait = stored_wait(&t);
    assert!(wait > Duration::from_secs(3590) && wait <= Duration::from_secs(3600), "{wait:?}");
    others_unharmed(&t).await;
}

#[tokio::test]
async fn a_429_without_retry_after_backs_off() {
    let t = app_with(Reply::status(429)).await;
    t.poll("bad").await;
    let first = stored_wait(&t);
    assert!(first >= Duration::from_secs(45) && first <= Duration::from_secs(60), "{first:?}");
    t.poll("bad").await;
    assert!(stored_wait(&t) > first);
    assert_eq!(state(&t).consecutive_failures, 0);
    others_unharmed(&t).await;
}

#[tokio::test]
async fn a_503_is_a_failure_that_waits_for_retry_after() {
    let t = app_with(Reply::status(503).header("retry-after", "900")).await;
    let report = t.poll("bad").await;
    assert_eq!(report.outcome, Outcome::Failed);
    assert_eq!(stored_wait(&t), Duration::from_secs(900));
    assert_eq!(state(&t).consecutive_failures, 1);
    others_unharmed(&t).await;
}

#[tokio::test]
async fn a_streak_of_500s_backs_off_then_recovers() {
    let t = app_with(Reply::status(500)).await;
    let mut waits = Vec::new();
    for _ in 0..4 {
        assert_eq!(t.poll("bad").await.outcome, Outcome::Failed);
        waits.push(stored_wait(&t));
    }
    assert!(waits.windows(2).all(|w| w[1] > w[0]), "{waits:?}");
    assert_eq!(state(&t).consecutive_failures, 4);
    others_unharmed(&t).await;
    t.upstream.set("bad", Reply::fixture("fcs.rss"));
    let report = t.poll("bad").await;
    assert_eq!(report.new.len(), 2);
    let s = state(&t);
    assert_eq!((s.consecutive_failures, s.next_poll, s.last_error), (0, None, None));
    assert_eq!(t.feed("all").await.len(), 5);
}

#[tokio::test]
async fn a_slow_drip_is_cut_off_by_the_total_deadline() {
    let t = app("timeout_secs = 1", "url = \"{upstream}/bad\"").await;
    t.upstream.set("bad", Reply { drip: Some(Duration::from_millis(250)), ..Reply::fixture("fcs.rss") });
    let report = t.poll("bad").await;
    assert_eq!(report.outcome, Outcome::Failed);
    assert!(report.error.unwrap().contains("timed out"));
    others_unharmed(&t).await;
}

#[tokio::test]
async fn a_body_over_the_cap_and_a_gzip_bomb_stop_at_the_cap() {
    let t = app("max_body_bytes = 100000", "url = \"{upstream}/bad\"").await;
    t.upstream.set("bad", Reply { body: vec![b' '; 300_000], ..Reply::status(200) });
    let report = t.poll("bad").await;
    assert!(report.error.unwrap().contains("larger than the cap of 100000 bytes"));

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![b' '; 50 * 1024 * 1024]).unwrap();
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 100_000, "the compressed bomb fits under the cap: {}", bomb.len());
    t.upstream.set("bad", Reply { body: bomb, ..Reply::status(200) }.header("content-encoding", "gzip"));
    let report = t.poll("bad").await;
    assert!(report.error.as_deref().unwrap_or("").contains("larger than the cap"), "{report:?}");
    others_unharmed(&t).await;
}

#[tokio::test]
async fn a_redirect_loop_is_an_error() {
    let t = app_with(Reply::redirect(302, "/bad-2")).await;
    t.upstream.set("bad-2", Reply::redirect(302, "/bad"));
    let report = t.poll("bad").await;
    assert!(report.error.unwrap().contains("redirect loop"));
    others_unharmed(&t).await;
}

#[tokio::test]
async fn too_many_redirects_are_an_error() {
    let t = app_with(Reply::redirect(302, "/hop-1")).await;
    for i in 1..=6 {
        t.upstream.set(&format!("hop-{i}"), Reply::redirect(302, &format!("/hop-{}", i + 1)));
    }
    let report = t.poll("bad").await;
    assert!(report.error.unwrap().contains("more than 5 redirects"));
    assert_eq!(t.upstream.received("").iter().filter(|r| r.path.starts_with("hop-")).count(), 5);
}

#[tokio::test]
async fn a_permanent_redirect_chain_is_reported_after_several_polls() {
    let t = app_with(Reply::redirect(301, "/moved-1")).await;
    t.upstream.set("moved-1", Reply::redirect(308, "/new/feed.rss"));
    t.upstream.set("new/feed.rss", Reply::fixture("fcs.rss"));
    let new_url = format!("{}/new/feed.rss", t.upstream.url);
    assert_eq!(t.poll("bad").await.moved_to, None);
    assert_eq!(t.poll("bad").await.moved_to, None);
    let third = t.poll("bad").await;
    assert_eq!(third.moved_to.as_deref(), Some(new_url.as_str()));
    assert_eq!(t.feed("all").await.len(), 2, "the items behind the redirect are stored");
    let status: serde_json::Value = serde_json::from_str(&t.get("/status.json").await.text().await.unwrap()).unwrap();
    let bad = status["sources"].as_array().unwrap().iter().find(|s| s["id"] == "bad").unwrap().clone();
    assert_eq!(bad["moved_to"], new_url);
    assert!(t.get("/").await.text().await.unwrap().contains("moved permanently to"));

    // A temporary redirect changes nothing.
    let t = app_with(Reply::redirect(302, "/new/feed.rss")).await;
    t.upstream.set("new/feed.rss", Reply::fixture("fcs.rss"));
    for _ in 0..3 {
        assert_eq!(t.poll("bad").await.moved_to, None);
    }
}

#[tokio::test]
async fn a_connection_reset_is_a_failure() {
    let url = crate::helpers::Upstream::resetting().await;
    let t = app("", &format!("url = \"{url}\"")).await;
    let report = t.poll("bad").await;
    assert_eq!(report.outcome, Outcome::Failed);
    assert_eq!(state(&t).consecutive_failures, 1);
    others_unharmed(&t).await;
}

#[tokio::test]
async fn a_lying_content_type_is_sniffed_from_the_body() {
    let t = app_with(Reply::fixture("fcs.rss").header("content-type", "text/html; charset=utf-8")).await;
    assert_eq!(t.poll("bad").await.new.len(), 2, "a feed served as HTML is read as a feed");
    let t = app_with(
        Reply { body: b"<!doctype html><html><p>Sorry</p></html>".to_vec(), ..Reply::status(200) }
            .header("content-type", "application/rss+xml"),
    )
    .await;
    let report = t.poll("bad").await;
    let error = report.error.unwrap();
    assert!(error.contains("not a feed") && error.contains("Content-Type: application/rss+xml"), "{error}");
    others_unharmed(&t).await;
}

#[tokio::test]
async fn a_410_stops_scheduled_polls_and_is_reported() {
    let t = app_with(Reply::status(410)).await;
    assert_eq!(t.poll("bad").await.outcome, Outcome::Gone);
    assert!(tidings::poll::poll_if_due(&t.app, "bad").await.unwrap().is_none());
    assert_eq!(t.upstream.received("bad").len(), 1, "no request after 410");
    let status: serde_json::Value = serde_json::from_str(&t.get("/status.json").await.text().await.unwrap()).unwrap();
    let bad = &status["sources"][1];
    assert_eq!(
        (bad["status"].as_str(), bad["gone"].as_bool(), bad["next_poll"].is_null()),
        (Some("gone"), Some(true), true)
    );
    others_unharmed(&t).await;
}

#[tokio::test]
async fn per_source_request_settings_are_sent() {
    let source = "url = \"{upstream}/bad\"\nuser_agent = \"tidings-test/1\"\ncookie = \"session=abc\"\n\
                  username = \"reader\"\npassword = \"s3cret\"\nheaders = { X-Api-Key = \"k-123\" }";
    let t = app("", source).await;
    t.upstream.set("bad", Reply::fixture("fcs.rss"));
    t.poll("bad").await;
    t.poll("good").await;
    let sent = &t.upstream.received("bad")[0].headers;
    assert_eq!(sent["user-agent"], "tidings-test/1");
    assert_eq!(sent["cookie"], "session=abc");
    assert_eq!(sent["authorization"], "Basic cmVhZGVyOnMzY3JldA==");
    assert_eq!(sent["x-api-key"], "k-123");
    let default = &t.upstream.received("good.rss")[0].headers;
    assert!(default["user-agent"].to_str().unwrap().starts_with("tidings/"), "other sources keep the default");
    assert!(default.get("cookie").is_none());
}

#[tokio::test]
async fn the_feed_ttl_and_max_age_set_the_next_poll_unless_ignored() {
    let t = app_with(Reply::fixture("fcs.rss").header("cache-control", "max-age=1800")).await;
    t.poll("bad").await;
    assert_eq!(stored_wait(&t), Duration::from_secs(1800));
    let t = app("", "url = \"{upstream}/bad\"\nignore_ttl = true").await;
    t.upstream.set("bad", Reply::fixture("fcs.rss").header("cache-control", "max-age=1800"));
    t.poll("bad").await;
    assert_eq!(state(&t).next_poll, None);
}

#[tokio::test]
async fn many_sources_on_one_host_respect_the_per_host_limit_and_spacing() {
    let mut text = "[fetch]\nschedule = \"0 0 0 1 1 *\"\nexempt_loopback = false\nhost_interval_ms = 150\n".to_string();
    for i in 0..6 {
        text.push_str(&format!("\n[[source]]\nid = \"s{i}\"\nurl = \"{{upstream}}/s{i}.rss\"\n"));
    }
    let t = spawn_app(&text).await;
    for i in 0..6 {
        t.upstream.set(&format!("s{i}.rss"), Reply { delay: Duration::from_millis(50), ..Reply::fixture("wco.rss") });
    }
    let polls = (0..6).map(|i| format!("s{i}")).collect::<Vec<_>>();
    futures_util::future::join_all(polls.iter().map(|id| t.poll(id))).await;
    let received = t.upstream.received("");
    assert_eq!(received.len(), 6);
    assert!(received.iter().all(|r| r.in_flight == 1), "one request at a time to one host");
    for pair in received.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(gap >= Duration::from_millis(150), "requests to one host start at least 150 ms apart: {gap:?}");
    }
}

#[tokio::test]
async fn a_source_can_go_through_its_own_proxy() {
    // The fake upstream plays the proxy: it gets the request for a host that does not resolve.
    let t = app("", "url = \"http://feeds.invalid/proxied.rss\"\nproxy = \"{upstream}\"").await;
    t.upstream.set("proxied.rss", Reply::fixture("fcs.rss"));
    let report = t.poll("bad").await;
    assert_eq!(report.new.len(), 2, "{report:?}");
    let sent = &t.upstream.received("proxied.rss")[0];
    assert_eq!(sent.headers["host"], "feeds.invalid");
}
