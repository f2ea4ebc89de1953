//! Serving: the index page, health, unknown topics.

use crate::helpers::{spawn_app, Reply};

const CONFIG: &str = r#"
[fetch]
schedule = "0 0 0 1 1 *"

[[topic]]
id = "enforcement"
title = "Enforcement & compliance"
include = ["drug"]

[[source]]
id = "wco"
title = "WCO Newsroom"
url = "{upstream}/wco.rss"
"#;

#[tokio::test]
async fn the_index_lists_topics_with_autodiscovery_and_sources_with_their_last_poll() {
    let t = spawn_app(CONFIG).await;
    let before = t.get("/").await.text().await.unwrap();
    assert!(before.contains("not polled yet"));
    t.upstream.set("wco.rss", Reply::fixture("wco.rss"));
    t.poll("wco").await;
    let page = t.get("/").await.text().await.unwrap();
    let base = format!("http://{}", t.address);
    let discovery = format!(
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Enforcement &amp; compliance\" href=\"{base}/feeds/enforcement.atom\">"
    );
    assert!(page.contains(&discovery), "{page}");
    assert!(page.contains(&format!("{base}/feeds/all.atom")));
    assert!(page.contains("WCO Newsroom") && page.contains("ok (HTTP 200): 3 new, 0 updated"), "{page}");
}

#[tokio::test]
async fn health_and_unknown_topics() {
    let t = spawn_app(CONFIG).await;
    let health = t.get("/healthz").await;
    assert_eq!(health.status(), 200);
    let missing = t.get("/feeds/smuggling.atom").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()["content-type"], "text/plain; charset=utf-8");
    assert!(missing.text().await.unwrap().contains("no topic named \"smuggling\""));
    assert_eq!(t.get("/feeds/enforcement.rss2").await.status(), 404);
    let empty = t.feed("enforcement").await;
    assert!(empty.is_empty(), "a topic with nothing yet is an empty, valid feed");
}

#[tokio::test]
async fn feed_ids_and_self_links_use_the_bound_address_or_the_public_url() {
    let t = spawn_app(CONFIG).await;
    let body = t.get("/feeds/enforcement.atom").await.text().await.unwrap();
    let feed = feed_rs::parser::parse(body.as_bytes()).unwrap();
    let self_url = format!("http://{}/feeds/enforcement.atom", t.address);
    assert_eq!(feed.id, self_url);
    assert!(feed.links.iter().any(|l| l.rel.as_deref() == Some("self") && l.href == self_url));

    let public = format!("[server]\nbase_url = \"https://news.example.org/tidings\"\n{CONFIG}");
    let t = spawn_app(&public).await;
    t.upstream.set("wco.rss", Reply::fixture("wco.rss"));
    t.poll("wco").await;
    let body = t.get("/feeds/enforcement.atom").await.text().await.unwrap();
    let feed = feed_rs::parser::parse(body.as_bytes()).unwrap();
    assert_eq!(feed.id, "https://news.example.org/tidings/feeds/enforcement.atom");
    assert!(feed.entries[0].id.starts_with("tag:news.example.org,"), "{}", feed.entries[0].id);
}
