//! Cross-source deduplication, untrusted guids and retention, end to end.

use crate::helpers::{demo_config, spawn_app, Reply, TestApp};

/// An RSS 2.0 document of `(guid, link, title, date, summary)` items.
fn rss(items: &[(&str, &str, &str, &str, &str)]) -> Reply {
    let mut body = String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title><link>https://example.org/</link><description>d</description>");
    for (guid, link, title, date, summary) in items {
        body.push_str("<item>");
        if !guid.is_empty() {
            body.push_str(&format!("<guid isPermaLink=\"false\">{guid}</guid>"));
        }
        body.push_str(&format!(
            "<link>{link}</link><title>{title}</title><pubDate>{date}</pubDate><description>{summary}</description></item>"
        ));
    }
    body.push_str("</channel></rss>");
    Reply { body: body.into_bytes(), ..Reply::status(200) }
}

async fn body(t: &TestApp, path: &str) -> String {
    t.get(path).await.text().await.unwrap()
}

#[tokio::test]
async fn the_demo_all_feed_carries_every_story_once_whatever_the_polling_order() {
    for order in [
        ["wco-newsroom", "rocb-europe", "customs-academy", "fcs", "fcs-html"],
        ["fcs-html", "fcs", "customs-academy", "rocb-europe", "wco-newsroom"],
    ] {
        let t = spawn_app(&demo_config(None)).await;
        for source in order {
            t.poll(source).await;
        }
        let titles = t.titles("all").await;
        let mut unique = titles.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), titles.len(), "no story twice: {titles:?}");
        assert_eq!(titles.len(), 23, "every distinct story kept: {titles:?}");
        for merged in [
            "National Workshop on Rules of Origin held in Burundi",
            "National Workshop on Combatting Counterfeiting and Piracy in Cambodia",
            "Green Customs Global Conference",
        ] {
            assert!(titles.iter().any(|t| t == merged), "the earliest copy (the WCO's) is the origin: {merged}");
        }
        assert!(titles.iter().any(|t| t == "National Workshop on Rules of Origin held in Ghana"), "a look-alike stays");
        assert!(!titles.iter().any(|t| t == "Rules of Origin workshop for the Burundi Revenue Authority"));
        let atom = body(&t, "/feeds/all.atom").await;
        assert!(atom.contains("Also reported by"), "{atom}");
        assert!(
            atom.contains("href=\"https://www.rocb-europe.org/en/news/rules-of-origin-burundi\""),
            "via the repost's canonical link"
        );
        assert_eq!(atom.matches("rel=\"via\"").count(), 5, "one via link per extra source");
        t.shutdown().await.unwrap();
    }
}

const TWO_SOURCES: &str = r#"
[fetch]
schedule = "0 0 0 1 1 *"

[dedup]
window_days = 7

[[topic]]
id = "origin"
include = ["rules of origin"]
max_items = 2

[[source]]
id = "a"
url = "{upstream}/a.rss"

[[source]]
id = "b"
url = "{upstream}/b.rss"
"#;

const BULLETIN: &str =
    "News of the week from the Customs administrations of the Europe Region: trainings, meetings and new publications.";

#[tokio::test]
async fn look_alikes_stay_apart_and_retold_stories_merge() {
    let t = spawn_app(TWO_SOURCES).await;
    t.upstream.set(
        "a.rss",
        rss(&[
            ("a1", "https://a.example/bulletin-1", "Weekly bulletin", "Fri, 03 Jun 2022 10:00:00 +0000", BULLETIN),
            ("a2", "https://a.example/bulletin-2", "Weekly bulletin", "Fri, 10 Jun 2022 10:00:00 +0000", BULLETIN),
            ("a3", "https://a.example/green", "Green Customs Global Conference", "Thu, 30 Jun 2022 10:00:00 +0000",
             "The WCO organized the Green Customs Global Conference on 27 and 28 June 2022 to raise the awareness of Customs role in protecting environment and hear the expectations for Customs from a range of stakeholders."),
        ]),
    );
    t.upstream.set(
        "b.rss",
        rss(&[
            // The same words three weeks on: outside the window, another week's bulletin.
            ("b1", "https://b.example/bulletin", "Weekly bulletin", "Fri, 24 Jun 2022 10:00:00 +0000", BULLETIN),
            ("b2", "https://b.example/green?utm_source=x", "green customs global conference held by the WCO", "Sat, 02 Jul 2022 08:00:00 +0000",
             "The WCO organized the Green Customs Global Conference on 27 and 28 June 2022 to raise awareness of the role of Customs in protecting the environment."),
        ]),
    );
    t.poll("a").await;
    let report = t.poll("b").await;
    assert_eq!(report.new.len(), 1, "{report:?}");
    assert_eq!(report.merged.len(), 1, "{report:?}");
    let titles = t.titles("all").await;
    assert_eq!(titles.iter().filter(|t| *t == "Weekly bulletin").count(), 3, "{titles:?}");
    assert_eq!(titles.len(), 4);
    // Polled again: nothing new, nothing merged twice.
    let again = t.poll("b").await;
    assert!(again.new.is_empty() && again.merged.is_empty(), "{again:?}");
}

#[tokio::test]
async fn a_changed_text_is_an_update_in_place_and_a_new_date_alone_is_not() {
    let t = spawn_app(TWO_SOURCES).await;
    let item = |date: &str, summary: &str| rss(&[("g1", "https://a.example/x", "Seizure of ivory", date, summary)]);
    t.upstream.set("a.rss", item("Fri, 03 Jun 2022 10:00:00 +0000", "Ivory seized."));
    t.poll("a").await;
    let first = t.feed("all").await;
    t.upstream.set("a.rss", item("Sat, 04 Jun 2022 10:00:00 +0000", "Ivory seized."));
    let report = t.poll("a").await;
    assert!(report.new.is_empty() && report.updated.is_empty(), "{report:?}");
    t.upstream.set("a.rss", item("Sat, 04 Jun 2022 10:00:00 +0000", "Ivory seized in the port."));
    let report = t.poll("a").await;
    assert_eq!(report.updated.len(), 1);
    let second = t.feed("all").await;
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].id, first[0].id, "the entry keeps its id");
    assert!(second[0].updated > first[0].updated, "updated moves");
}

#[tokio::test]
async fn repeated_guids_fall_back_to_links_and_the_status_says_so() {
    let t = spawn_app(TWO_SOURCES).await;
    t.upstream.set(
        "a.rss",
        rss(&[
            ("same", "https://a.example/1", "First story", "Fri, 03 Jun 2022 10:00:00 +0000", "One."),
            ("same", "https://a.example/2", "Second story", "Sat, 04 Jun 2022 10:00:00 +0000", "Two."),
        ]),
    );
    let report = t.poll("a").await;
    assert_eq!(report.new.len(), 2, "two stories, not one: {report:?}");
    let all = t.feed("all").await;
    assert_ne!(all[0].id, all[1].id, "two entry ids");
    let status: serde_json::Value = serde_json::from_str(&body(&t, "/status.json").await).unwrap();
    let a = status["sources"].as_array().unwrap().iter().find(|s| s["id"] == "a").unwrap().clone();
    assert_eq!(a["identity"], "link", "{a}");
    assert!(a["identity_note"].as_str().unwrap().contains("\"same\" is used by two different items"), "{a}");
    assert!(body(&t, "/").await.contains("items known by their links"));
}

#[tokio::test]
async fn guids_that_change_on_every_poll_are_detected_and_nothing_is_duplicated() {
    let t = spawn_app(TWO_SOURCES).await;
    let doc = |n: u32| {
        rss(&[
            (&format!("r{n}-1"), "https://a.example/1", "First story", "Fri, 03 Jun 2022 10:00:00 +0000", "One."),
            (&format!("r{n}-2"), "https://a.example/2", "Second story", "Sat, 04 Jun 2022 10:00:00 +0000", "Two."),
            (&format!("r{n}-3"), "https://a.example/3", "Third story", "Sun, 05 Jun 2022 10:00:00 +0000", "Three."),
        ])
    };
    t.upstream.set("a.rss", doc(1));
    assert_eq!(t.poll("a").await.new.len(), 3);
    for n in 2..5 {
        t.upstream.set("a.rss", doc(n));
        let report = t.poll("a").await;
        assert!(report.new.is_empty() && report.updated.is_empty(), "poll {n}: {report:?}");
    }
    assert_eq!(t.feed("all").await.len(), 3);
    let status: serde_json::Value = serde_json::from_str(&body(&t, "/status.json").await).unwrap();
    let a = status["sources"].as_array().unwrap().iter().find(|s| s["id"] == "a").unwrap().clone();
    assert_eq!(a["identity"], "link");
    assert!(a["identity_note"].as_str().unwrap().starts_with("guids change between polls"), "{a}");
}

#[tokio::test]
async fn retention_keeps_the_newest_and_pruned_items_stay_pruned() {
    let config = format!("[retention]\nmax_items = 3\n{TWO_SOURCES}");
    let t = spawn_app(&config).await;
    let items: Vec<(String, String, String, String)> = (1..=5)
        .map(|d| {
            (
                format!("g{d}"),
                format!("https://a.example/{d}"),
                format!("Rules of origin news {d}"),
                format!("0{d} Jun 2022 10:00:00 +0000"),
            )
        })
        .collect();
    let refs: Vec<(&str, &str, &str, String, &str)> = items
        .iter()
        .map(|(g, l, t, d)| (g.as_str(), l.as_str(), t.as_str(), format!("Fri, {d}"), "Rules of origin."))
        .collect();
    let refs: Vec<(&str, &str, &str, &str, &str)> =
        refs.iter().map(|(g, l, t, d, s)| (*g, *l, *t, d.as_str(), *s)).collect();
    t.upstream.set("a.rss", rss(&refs));
    assert_eq!(t.poll("a").await.new.len(), 5);
    assert_eq!(t.titles("all").await, ["Rules of origin news 5", "Rules of origin news 4", "Rules of origin news 3"]);
    assert_eq!(t.titles("origin").await, ["Rules of origin news 5", "Rules of origin news 4"], "the topic's own limit");
    assert_eq!(t.app.store.count(), 3, "the store let the oldest two go");
    let again = t.poll("a").await;
    assert!(again.new.is_empty(), "the source still lists them, they stay out: {again:?}");
    assert_eq!(again.pruned, 2);
    assert_eq!(t.feed("all").await.len(), 3);
    // A restart re-routes: the topic does not take back what its retention let go.
    tidings::poll::reroute_all(&t.app).await.unwrap();
    assert_eq!(t.titles("origin").await.len(), 2);
}
