//! Polling: what is stored, what is not stored twice, and what a broken source leaves alone.

use std::time::Duration;

use tidings::model::Outcome;

use crate::helpers::{spawn_app, Reply};

const TWO_SOURCES: &str = r#"
[fetch]
schedule = "0 0 0 1 1 *"

[[source]]
id = "wco"
title = "WCO Newsroom"
url = "{upstream}/wco.rss"

[[source]]
id = "rocb"
title = "ROCB Europe"
url = "{upstream}/rocb.atom"
"#;

fn counts(outcome: &Outcome) -> (usize, usize, usize) {
    match outcome {
        Outcome::Ok { new, updated, unchanged } => (*new, *updated, *unchanged),
        other => panic!("expected a successful poll, got {other:?}"),
    }
}

#[tokio::test]
async fn the_first_poll_stores_and_serves_and_a_second_adds_nothing() {
    let t = spawn_app(TWO_SOURCES).await;
    t.upstream.set("wco.rss", Reply::fixture("wco.rss"));
    let first = t.poll("wco").await;
    assert_eq!(counts(&first.outcome), (3, 0, 0));
    let feed = t.feed("all").await;
    assert_eq!(feed.len(), 3);
    assert_eq!(feed[0].title, "Shipping companies and Customs step up the fight against drug trafficking");
    assert_eq!(feed[0].author.as_deref(), Some("WCO Newsroom"), "the source stands in for a missing author");
    assert!(feed[0].id.starts_with("tag:localhost,"), "a guid that is no IRI gets a minted tag: {}", feed[0].id);

    let second = t.poll("wco").await;
    assert_eq!(counts(&second.outcome), (0, 0, 3));
    let again = t.feed("all").await;
    assert_eq!(again.len(), 3);
    let ids = |f: &[crate::helpers::Seen]| f.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&feed), ids(&again), "entry ids are stable across polls");
}

#[tokio::test]
async fn items_with_neither_guid_nor_link_are_stored_once() {
    let t = spawn_app(&TWO_SOURCES.replace("wco.rss", "noguid.rss")).await;
    t.upstream.set("noguid.rss", Reply::fixture("noguid.rss"));
    assert_eq!(counts(&t.poll("wco").await.outcome), (2, 0, 0));
    assert_eq!(counts(&t.poll("wco").await.outcome), (0, 0, 2));
    assert_eq!(t.feed("all").await.len(), 2);
}

#[tokio::test]
async fn an_upstream_304_costs_nothing() {
    let t = spawn_app(TWO_SOURCES).await;
    t.upstream.set("wco.rss", Reply { etag: Some("\"v1\"".into()), ..Reply::fixture("wco.rss") });
    assert_eq!(counts(&t.poll("wco").await.outcome), (3, 0, 0));
    let second = t.poll("wco").await;
    assert_eq!(second.outcome, Outcome::NotModified);
    assert_eq!(t.upstream.if_none_match("wco.rss"), [None, Some("\"v1\"".to_string())]);
    let state = t.app.store.source_state("wco").unwrap();
    assert_eq!(state.last_outcome, Some(Outcome::NotModified));
    assert_eq!(state.etag.as_deref(), Some("\"v1\""));
    assert_eq!(t.feed("all").await.len(), 3);
}

#[tokio::test]
async fn the_same_story_from_two_sources_appears_once() {
    let t = spawn_app(TWO_SOURCES).await;
    t.upstream.set("wco.rss", Reply::fixture("wco.rss"));
    t.upstream.set("rocb.atom", Reply::fixture("rocb.atom"));
    assert_eq!(counts(&t.poll("wco").await.outcome).0, 3);
    let rocb = t.poll("rocb").await;
    assert_eq!(rocb.new, ["Europe Region Heads of Customs Meeting held online"], "the repost is not new");
    let feed = t.feed("all").await;
    assert_eq!(feed.len(), 4);
    let burundi: Vec<_> = feed.iter().filter(|s| s.title.contains("Burundi")).collect();
    assert_eq!(burundi.len(), 1, "{feed:#?}");
    assert_eq!(
        burundi[0].title, "National Workshop on Rules of Origin held in Burundi",
        "the first source stays the origin"
    );
    assert_eq!(counts(&t.poll("rocb").await.outcome), (0, 0, 2), "a repost polled again adds nothing");
    let xml = t.get("/feeds/all.atom").await.text().await.unwrap();
    assert!(xml.contains("rel=\"via\""), "the repost's link is named: {xml}");
    let parsed = feed_rs::parser::parse(xml.as_bytes()).unwrap();
    let entry = parsed.entries.iter().find(|e| e.title.as_ref().unwrap().content.contains("Burundi")).unwrap();
    let summary = &entry.summary.as_ref().unwrap().content;
    let line = "<p>Also reported by <a href=\"https://www.wcoomd.org/en/media/newsroom/2022/june/rules-of-origin-workshop-burundi.aspx\">ROCB Europe</a>.</p>";
    assert!(summary.ends_with(line), "{summary}");
    let heads = feed.iter().find(|s| s.title.starts_with("Europe Region")).unwrap();
    assert_eq!(heads.author.as_deref(), Some("ROCB Europe press office"));
    assert_eq!(heads.id, "https://www.rocb-europe.org/en/news/heads-of-customs-2021", "an IRI id is kept");
}

#[tokio::test]
async fn a_changed_item_is_updated_not_duplicated() {
    let t = spawn_app(TWO_SOURCES).await;
    t.upstream.set("wco.rss", Reply::fixture("wco.rss"));
    t.poll("wco").await;
    let before = t.feed("all").await;
    t.upstream.set("wco.rss", Reply::fixture("wco-changed.rss"));
    let report = t.poll("wco").await;
    assert_eq!(counts(&report.outcome), (0, 1, 2), "a new date alone is no update");
    assert_eq!(report.updated, ["Shipping companies and Customs step up the fight against drug trafficking at sea"]);
    let after = t.feed("all").await;
    assert_eq!(after.len(), 3);
    assert_eq!(after[0].title, "Shipping companies and Customs step up the fight against drug trafficking at sea");
    assert_eq!(after[0].id, before[0].id, "the entry keeps its id");
    assert!(after[0].updated > before[0].updated, "updated moves");
}

#[tokio::test]
async fn broken_sources_do_not_stop_the_others_or_empty_a_topic() {
    let config = format!(
        "{TWO_SOURCES}\n[[source]]\nid = \"gone\"\nurl = \"{{upstream}}/gone.rss\"\n\n\
         [[source]]\nid = \"garbage\"\nurl = \"{{upstream}}/garbage\"\n\n\
         [[source]]\nid = \"slow\"\nurl = \"{{upstream}}/slow.rss\"\n\n\
         [[source]]\nid = \"utf16\"\nurl = \"{{upstream}}/utf16.xml\"\n"
    )
    .replace("schedule = \"0 0 0 1 1 *\"", "schedule = \"0 0 0 1 1 *\"\ntimeout_secs = 1");
    let t = spawn_app(&config).await;
    t.upstream.set("wco.rss", Reply::fixture("wco.rss"));
    t.upstream.set("gone.rss", Reply::status(404));
    t.upstream.set(
        "garbage",
        Reply { body: b"<html><body>Maintenance</body></html>\x00\xff".to_vec(), ..Reply::status(200) },
    );
    t.upstream.set("slow.rss", Reply { delay: Duration::from_secs(5), ..Reply::fixture("wco.rss") });
    let mut utf16 = vec![0xff, 0xfe];
    let doc = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>T</title><item><title>Из UTF-16</title><guid>u1</guid></item></channel></rss>";
    utf16.extend(doc.encode_utf16().flat_map(|u| u.to_le_bytes()));
    t.upstream.set("utf16.xml", Reply { body: utf16, ..Reply::status(200) });

    let (wco, gone, garbage, slow, odd) =
        tokio::join!(t.poll("wco"), t.poll("gone"), t.poll("garbage"), t.poll("slow"), t.poll("utf16"));
    assert_eq!(counts(&wco.outcome).0, 3);
    assert_eq!(counts(&odd.outcome).0, 1, "a UTF-16 document whose declaration lies is still read");
    for (report, expect) in [(&gone, "HTTP status 404"), (&garbage, "not a feed"), (&slow, "timed out")] {
        assert_eq!(report.outcome, Outcome::Failed, "{}", report.source);
        assert!(report.error.as_deref().unwrap().contains(expect), "{}: {:?}", report.source, report.error);
        let state = t.app.store.source_state(&report.source).unwrap();
        assert_eq!(state.consecutive_failures, 1);
        assert!(state.last_error.unwrap().contains(expect));
    }

    // A source that fails after it worked keeps its items in every feed.
    t.upstream.set("wco.rss", Reply::status(500));
    assert_eq!(t.poll("wco").await.outcome, Outcome::Failed);
    assert_eq!(t.feed("all").await.len(), 4);
    let index = t.get("/").await.text().await.unwrap();
    assert!(index.contains("HTTP status 500"), "the index page shows the failure");
    assert!(index.contains("timed out"), "{index}");
}

#[tokio::test]
async fn a_source_is_never_polled_twice_at_once() {
    let t = spawn_app(TWO_SOURCES).await;
    t.upstream.set("wco.rss", Reply { delay: Duration::from_millis(300), ..Reply::fixture("wco.rss") });
    let (a, b) = tokio::join!(t.poll("wco"), t.poll("wco"));
    assert!(a.skipped != b.skipped, "one of two overlapping polls is skipped");
    assert_eq!(t.upstream.if_none_match("wco.rss").len(), 1, "only one request went out");
}

#[tokio::test]
async fn stored_items_survive_a_shutdown() {
    let t = spawn_app(TWO_SOURCES).await;
    t.upstream.set("wco.rss", Reply::fixture("wco.rss"));
    assert_eq!(t.poll("wco").await.new.len(), 3);
    let store_path = t.store_path();
    let dir = t.shutdown().await.expect("a clean stop");
    let store = tidings::store::Store::open(&store_path).expect("the daemon released the store");
    assert_eq!(store.newest("all", 10).unwrap().len(), 3);
    assert!(store.source_state("wco").unwrap().last_success.is_some());
    drop(dir);
}

#[tokio::test]
async fn stories_stored_under_older_keys_are_recognised_after_start_up() {
    let t = spawn_app(&TWO_SOURCES.replace("wco.rss", "noguid.rss")).await;
    // A story as an older tidings stored it: its link key in the old spelling only.
    let at = chrono::Utc::now();
    let item = tidings::model::Item {
        link: Some("https://www.wcoomd.org/en/media/newsroom/2022/june/operation-stop-ii-results.aspx".into()),
        ..tidings::model::Item::new("wco", "Final results of Operation STOP II announced")
    };
    let stored = tidings::model::Stored {
        key: "old-story".into(),
        entry_id: "tag:localhost,2022-06-09:wco/old-story".into(),
        content_hash: tidings::dedup::content_hash(&item),
        item,
        first_seen: at,
        updated: at,
        also_in: vec![],
        topics: vec![],
        dropped: vec![],
        sort_time: at.timestamp_micros(),
    };
    let old_key = "l:https://www.wcoomd.org/en/media/newsroom/2022/june/operation-stop-ii-results.aspx".to_string();
    let write = tidings::store::Write {
        stories: vec![stored],
        aliases: vec![(old_key, "old-story".into())],
        ..Default::default()
    };
    t.app.store.apply(write).await.unwrap();
    tidings::poll::reroute_all(&t.app).await.unwrap();

    let page = "<rss version=\"2.0\"><channel><title>WCO</title><item><title>Final results of Operation STOP II announced</title>\
                <link>http://wcoomd.org/en/media/newsroom/2022/june/operation-stop-ii-results.aspx?utm_source=rss</link></item></channel></rss>";
    t.upstream.set("noguid.rss", Reply { body: page.as_bytes().to_vec(), ..Reply::status(200) });
    let report = t.poll("wco").await;
    assert!(report.new.is_empty(), "the stored story is recognised by its canonical link: {report:?}");
    assert_eq!(t.feed("all").await.len(), 1);
}
