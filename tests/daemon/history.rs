//! Paged history (RFC 5005): archive pages at stable URLs, walked from the topic feed.

use std::collections::BTreeSet;

use crate::helpers::{spawn_app, Reply, TestApp};

/// An RSS document of stories `numbers` (story N: guid `n-N`, dated N days into 2026), titled
/// with `prefix`.
fn news(numbers: impl IntoIterator<Item = u32>, prefix: &str) -> Reply {
    titled(numbers.into_iter().map(|n| (n, prefix)))
}

/// An RSS document of stories `(N, title prefix)`.
fn titled<'a>(items: impl IntoIterator<Item = (u32, &'a str)>) -> Reply {
    let mut body = String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>News</title><link>https://news.example.org/</link><description>d</description><language>en</language>");
    for (n, prefix) in items {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(i64::from(n));
        body.push_str(&format!(
            "<item><guid isPermaLink=\"false\">n-{n}</guid><link>https://news.example.org/{n}</link><title>{prefix} story {n} of the port</title><pubDate>{} 08:00:00 +0000</pubDate><description>Body {n}.</description></item>",
            date.format("%a, %d %b %Y")
        ));
    }
    body.push_str("</channel></rss>");
    Reply { body: body.into_bytes(), ..Reply::status(200) }
}

fn config(extra: &str) -> String {
    format!(
        r#"
[server]
max_entries = 3

{extra}

[fetch]
schedule = "0 0 0 1 1 *"

[[source]]
id = "news"
title = "Port news"
url = "{{upstream}}/news.rss"
"#
    )
}

/// A served Atom document, read back: its entries' titles and its links by rel.
struct Doc {
    titles: Vec<String>,
    links: Vec<(String, String)>,
    body: String,
}

impl Doc {
    fn link(&self, rel: &str) -> Option<String> {
        self.links.iter().find(|(r, _)| r == rel).map(|(_, href)| href.clone())
    }
}

async fn doc(url: &str) -> Doc {
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    let body = response.text().await.unwrap();
    let feed = feed_rs::parser::parse(body.as_bytes()).unwrap();
    Doc {
        titles: feed.entries.iter().map(|e| e.title.as_ref().unwrap().content.clone()).collect(),
        links: feed.links.iter().map(|l| (l.rel.clone().unwrap_or_default(), l.href.clone())).collect(),
        body,
    }
}

/// Every title of a topic's history, walking `prev-archive` from its feed until there is none
/// or a page is gone (410); and the pages read.
async fn walk(t: &TestApp, topic: &str) -> (BTreeSet<String>, Vec<String>) {
    let current = doc(&format!("http://{}/feeds/{topic}.atom", t.address)).await;
    let mut titles: BTreeSet<String> = current.titles.iter().cloned().collect();
    let mut pages = Vec::new();
    let mut next = current.link("prev-archive");
    while let Some(url) = next {
        if reqwest::get(&url).await.unwrap().status() == 410 {
            break;
        }
        let page = doc(&url).await;
        titles.extend(page.titles.iter().cloned());
        next = page.link("prev-archive");
        pages.push(url);
    }
    (titles, pages)
}

fn stories(numbers: impl IntoIterator<Item = u32>, prefix: &str) -> BTreeSet<String> {
    numbers.into_iter().map(|n| format!("{prefix} story {n} of the port")).collect()
}

#[tokio::test]
async fn a_topics_whole_history_is_walked_from_its_feed_through_pages_that_never_change() {
    let topic = "[[topic]]\nid = \"port\"\ntitle = \"Port\"\ninclude = [\"port\"]\nmax_entries = 5";
    let t = spawn_app(&config(topic)).await;
    let base = format!("http://{}", t.address);
    t.upstream.set("news.rss", news(1..=8, "Old"));
    t.poll("news").await;

    // Pages of 3 by arrival: [1,2,3] and [4,5,6] are full; 7 and 8 wait in the current feed.
    let current = doc(&format!("{base}/feeds/all.atom")).await;
    assert_eq!(current.titles, ["Old story 8 of the port", "Old story 7 of the port", "Old story 6 of the port"]);
    assert_eq!(current.link("prev-archive").as_deref(), Some(format!("{base}/feeds/all/archive/2.atom").as_str()));
    let (titles, pages) = walk(&t, "all").await;
    assert_eq!(titles, stories(1..=8, "Old"), "the walk finds every story");
    assert_eq!(pages, [format!("{base}/feeds/all/archive/2.atom"), format!("{base}/feeds/all/archive/1.atom")]);

    let page = doc(&format!("{base}/feeds/all/archive/2.atom")).await;
    assert_eq!(page.titles, ["Old story 6 of the port", "Old story 5 of the port", "Old story 4 of the port"]);
    assert!(page.body.contains("xmlns:fh=\"http://purl.org/syndication/history/1.0\""), "{}", page.body);
    assert!(page.body.contains("<fh:archive"), "{}", page.body);
    assert_eq!(page.link("self").unwrap(), format!("{base}/feeds/all/archive/2.atom"));
    assert_eq!(page.link("current").unwrap(), format!("{base}/feeds/all.atom"));
    assert_eq!(page.link("next-archive").unwrap(), format!("{base}/feeds/all/archive/3.atom"));
    assert!(page.body.contains(&format!("<id>{base}/feeds/all.atom</id>")), "one feed id for every page");
    let first = doc(&format!("{base}/feeds/all/archive/1.atom")).await;
    assert_eq!(first.link("prev-archive"), None, "the oldest page has nothing before it");
    let (titles, pages) = walk(&t, "port").await;
    assert_eq!(titles, stories(1..=8, "Old"), "each topic has its own history, in pages of its own size");
    assert_eq!(pages, [format!("{base}/feeds/port/archive/1.atom")]);

    let raw = reqwest::Client::builder().no_gzip().no_brotli().build().unwrap();
    let url = format!("{base}/feeds/all/archive/1.atom");
    let served = raw.get(&url).send().await.unwrap();
    assert_eq!(served.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(served.headers()["content-type"], "application/atom+xml; charset=utf-8");
    let etag = served.headers()["etag"].to_str().unwrap().to_string();
    let page_one = served.bytes().await.unwrap();
    assert_eq!(raw.get(&url).header("if-none-match", &etag).send().await.unwrap().status(), 304);
    let gz = raw.get(&url).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");

    // The page after the newest full one is the current feed, until it fills.
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let next = no_redirects.get(format!("{base}/feeds/all/archive/3.atom")).send().await.unwrap();
    assert_eq!(next.status(), 307);
    assert_eq!(next.headers()["location"], format!("{base}/feeds/all.atom").as_str());
    for missing in ["4.atom", "0.atom", "one.atom", "1.rss"] {
        assert_eq!(t.get(&format!("/feeds/all/archive/{missing}")).await.status(), 404, "{missing}");
    }
    assert_eq!(t.get("/feeds/nope/archive/1.atom").await.status(), 404);

    // Story 2 changes and story 9 arrives: both go on the log, fill page 3, and pages 1 and 2
    // stay byte for byte what they were.
    let later = (1..=9).map(|n| (n, if n == 2 { "New" } else { "Old" }));
    t.upstream.set("news.rss", titled(later));
    t.poll("news").await;
    let again = raw.get(&url).send().await.unwrap();
    assert_eq!(again.headers()["etag"], etag.as_str());
    assert_eq!(again.bytes().await.unwrap(), page_one, "a full page never changes");
    let third = doc(&format!("{base}/feeds/all/archive/3.atom")).await;
    assert_eq!(third.titles, ["Old story 8 of the port", "Old story 7 of the port", "New story 2 of the port"]);
    assert_eq!(third.link("prev-archive").unwrap(), format!("{base}/feeds/all/archive/2.atom"));
    let (titles, _) = walk(&t, "all").await;
    assert!(titles.contains("New story 2 of the port") && titles.contains("Old story 9 of the port"), "{titles:?}");
}

#[tokio::test]
async fn retention_lets_old_pages_go_but_never_the_newest() {
    let latest = "[[topic]]\nid = \"latest\"\ntitle = \"Latest\"\ninclude = [\"port\"]\nmax_items = 1";
    let t = spawn_app(&config(&format!("[retention]\nmax_items = 4\n\n{latest}"))).await;
    let base = format!("http://{}", t.address);
    t.upstream.set("news.rss", news(1..=6, "Old"));
    t.poll("news").await;
    // Stories 1 and 2 left the store at once; the pages cut from the log skip them.
    let (titles, pages) = walk(&t, "all").await;
    assert_eq!(titles, stories(3..=6, "Old"));
    assert_eq!(doc(&format!("{base}/feeds/all/archive/1.atom")).await.titles, ["Old story 3 of the port"]);
    assert_eq!(pages.len(), 2, "{pages:?}");

    // Stories 3 to 8 go: pages 1 ({3}) and 2 ({4,5,6}) have nothing left and go; page 3 keeps 9.
    t.upstream.set("news.rss", news(7..=12, "Old"));
    t.poll("news").await;
    let (titles, pages) = walk(&t, "all").await;
    assert_eq!(titles, stories(9..=12, "Old"), "retention keeps the newest 4");
    assert_eq!(pages, [format!("{base}/feeds/all/archive/4.atom"), format!("{base}/feeds/all/archive/3.atom")]);
    for gone in ["1.atom", "2.atom"] {
        assert_eq!(t.get(&format!("/feeds/all/archive/{gone}")).await.status(), 410, "a page let go is gone");
    }
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let next = no_redirects.get(format!("{base}/feeds/all/archive/5.atom")).send().await.unwrap();
    assert_eq!(next.status(), 307, "the page after the newest");

    // Numbers go on from the newest page, never reused.
    t.upstream.set("news.rss", news(20..=23, "Late"));
    t.poll("news").await;
    let (titles, pages) = walk(&t, "all").await;
    assert_eq!(titles, stories(20..=23, "Late"));
    assert_eq!(pages, [format!("{base}/feeds/all/archive/5.atom")]);
    assert_eq!(t.get("/feeds/all/archive/4.atom").await.status(), 410);

    // `latest` keeps one story: its pages were {6} and {12}. Page 1 went; page 2 is the newest,
    // so it stays though 12 has left the topic, and the next page will be 3.
    assert_eq!(t.get("/feeds/latest/archive/1.atom").await.status(), 410);
    let newest = doc(&format!("{base}/feeds/latest/archive/2.atom")).await;
    assert_eq!(newest.titles, ["Old story 12 of the port"]);
    let feed = doc(&format!("{base}/feeds/latest.atom")).await;
    assert_eq!(feed.titles, ["Late story 23 of the port"]);
    assert_eq!(feed.link("prev-archive").unwrap(), format!("{base}/feeds/latest/archive/2.atom"));
}
