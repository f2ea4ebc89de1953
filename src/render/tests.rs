use chrono::TimeZone;

use super::*;
use crate::model::{FeedMeta, Item};

fn info() -> FeedInfo<'static> {
    FeedInfo {
        title: "Enforcement & compliance",
        id: "https://news.example.org/feeds/enforcement.atom".into(),
        self_url: "https://news.example.org/feeds/enforcement.atom".into(),
        home_url: "https://news.example.org/".into(),
        fallback_updated: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        alternates: vec![("https://news.example.org/feeds/enforcement.rss".into(), "application/rss+xml")],
        related: vec![],
        archive: false,
    }
}

fn story(author: Option<&str>) -> Stored {
    let at = Utc.with_ymd_and_hms(2022, 6, 30, 8, 0, 0).unwrap();
    Stored {
        key: "k1".into(),
        entry_id: "https://www.wcoomd.org/news/1".into(),
        item: Item {
            guid: Some("https://www.wcoomd.org/news/1".into()),
            link: Some("https://www.wcoomd.org/news/1".into()),
            published: Some(at),
            author: author.map(Into::into),
            summary: Some("<p>Summary</p>".into()),
            content: Some("<p>Body</p>".into()),
            categories: vec!["Enforcement".into()],
            ..Item::new("wco", "Drug seizure <in> port")
        },
        first_seen: at,
        updated: at,
        content_hash: "h".into(),
        also_in: vec![],
        topics: vec!["enforcement".into()],
        dropped: vec![],
        sort_time: at.timestamp_micros(),
    }
}

fn sources() -> HashMap<String, SourceInfo> {
    let state = SourceState {
        feed: Some(FeedMeta {
            id: Some("not an iri".into()),
            title: Some("WCO".into()),
            link: Some("https://www.wcoomd.org/".into()),
            updated: Some(Utc.with_ymd_and_hms(2022, 6, 30, 9, 0, 0).unwrap()),
        }),
        ..Default::default()
    };
    let info = SourceInfo { title: "WCO newsroom".into(), url: "https://www.wcoomd.org/feed.xml".into(), state };
    HashMap::from([("wco".to_string(), info)])
}

#[test]
fn a_rendered_feed_reads_back() {
    let xml = atom(&info(), &[story(None)], &sources());
    let feed = feed_rs::parser::parse(xml.as_bytes()).unwrap();
    assert_eq!(feed.id, "https://news.example.org/feeds/enforcement.atom");
    assert_eq!(feed.title.unwrap().content, "Enforcement & compliance");
    assert_eq!(feed.updated.unwrap().to_rfc3339(), "2022-06-30T08:00:00+00:00");
    let rels: Vec<_> = feed.links.iter().map(|l| l.rel.clone().unwrap_or_default()).collect();
    assert_eq!(rels, ["self", "alternate", "alternate"], "the home page and the same topic in RSS");
    let entry = &feed.entries[0];
    assert_eq!(entry.id, "https://www.wcoomd.org/news/1");
    assert_eq!(entry.title.as_ref().unwrap().content, "Drug seizure <in> port");
    assert_eq!(entry.authors[0].name.as_deref(), Some("WCO newsroom"), "the source's title stands in for the author");
    assert_eq!(entry.content.as_ref().unwrap().body.as_deref(), Some("<p>Body</p>"));
    assert_eq!(entry.categories[0].term, "Enforcement");
    assert!(xml.contains("<source><title>WCO newsroom</title><id>https://www.wcoomd.org/feed.xml</id>"), "{xml}");
    assert!(
        xml.contains("<updated>2022-06-30T08:00:00+00:00</updated><link href=\"https://www.wcoomd.org/feed.xml\""),
        "atom:source is dated by the story, not by the last poll: {xml}"
    );
}

#[test]
fn the_item_author_wins_and_an_empty_feed_still_has_updated() {
    let xml = atom(&info(), &[story(Some("Press office"))], &sources());
    assert!(xml.contains("<author><name>Press office</name></author>"));
    let empty = atom(&info(), &[], &sources());
    assert!(empty.contains("<updated>2026-01-01T00:00:00+00:00</updated>"), "{empty}");
}

#[test]
fn reposts_are_named_with_via_links_and_a_line_of_text() {
    let mut stored = story(None);
    stored.also_in = vec![
        crate::model::Repost {
            source: "rocb".into(),
            link: Some("https://rocb.example/r?a=1&b=2".into()),
            signal: "same link".into(),
        },
        crate::model::Repost { source: "fcs".into(), link: None, signal: "similar text (91%)".into() },
    ];
    let mut sources = sources();
    let rocb = SourceInfo {
        title: "ROCB Europe".into(),
        url: "https://rocb.example/feed".into(),
        state: SourceState::default(),
    };
    sources.insert("rocb".into(), rocb);
    let xml = atom(&info(), &[stored], &sources);
    let feed = feed_rs::parser::parse(xml.as_bytes()).unwrap();
    let entry = &feed.entries[0];
    let via: Vec<_> = entry.links.iter().filter(|l| l.rel.as_deref() == Some("via")).collect();
    assert_eq!(via.len(), 1);
    assert_eq!(via[0].href, "https://rocb.example/r?a=1&b=2");
    assert_eq!(via[0].title.as_deref(), Some("ROCB Europe"));
    let body = entry.content.as_ref().unwrap().body.as_deref().unwrap();
    assert!(
        body.ends_with(
            "<p>Also reported by <a href=\"https://rocb.example/r?a=1&amp;b=2\">ROCB Europe</a> and fcs.</p>"
        ),
        "{body}"
    );
}

#[test]
fn rss_and_json_feed_carry_the_same_entries_and_link_themselves() {
    let items = vec![story(None)];
    let rss_info = FeedInfo { self_url: "https://news.example.org/feeds/enforcement.rss".into(), ..info() };
    let rss = rss(&rss_info, &items, &HashMap::new());
    assert!(rss.contains("<atom:link href=\"https://news.example.org/feeds/enforcement.rss\" rel=\"self\" type=\"application/rss+xml\"/>"), "{rss}");
    assert!(rss.contains("xmlns:atom=\"http://www.w3.org/2005/Atom\""), "{rss}");
    let read = feed_rs::parser::parse(rss.as_bytes()).unwrap();
    assert_eq!(read.entries.len(), 1);
    assert_eq!(read.entries[0].id, items[0].entry_id, "the guid is the Atom entry id");
    let json = json_feed(&info(), &items, &HashMap::new());
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(value["items"][0]["id"], items[0].entry_id.as_str());
    assert_eq!(value["feed_url"], "https://news.example.org/feeds/enforcement.atom");
}

#[test]
fn languages_archive_pages_and_the_hub_are_marked() {
    let mut russian = story(None);
    russian.item.language = Some("ru".into());
    let page = FeedInfo {
        self_url: "https://news.example.org/feeds/enforcement/archive/2.atom".into(),
        related: vec![
            ("current", "https://news.example.org/feeds/enforcement.atom".into()),
            ("prev-archive", "https://news.example.org/feeds/enforcement/archive/1.atom".into()),
            ("hub", "https://hub.example.org/".into()),
        ],
        archive: true,
        ..info()
    };
    let xml = atom(&page, std::slice::from_ref(&russian), &sources());
    assert!(xml.contains("xml:lang=\"ru\""), "{xml}");
    assert!(xml.contains("<fh:archive"), "{xml}");
    assert!(xml.contains("xmlns:fh=\"http://purl.org/syndication/history/1.0\""), "{xml}");
    let read = feed_rs::parser::parse(xml.as_bytes()).unwrap();
    assert_eq!(read.id, "https://news.example.org/feeds/enforcement.atom", "an archive page keeps the feed's id");
    let rel = |r: &str| read.links.iter().find(|l| l.rel.as_deref() == Some(r)).map(|l| l.href.clone());
    assert_eq!(rel("self").unwrap(), "https://news.example.org/feeds/enforcement/archive/2.atom");
    assert_eq!(rel("prev-archive").unwrap(), "https://news.example.org/feeds/enforcement/archive/1.atom");
    assert_eq!(rel("hub").unwrap(), "https://hub.example.org/");

    // Two languages: each entry says its own, the feed says none.
    let mut english = story(None);
    english.key = "k2".into();
    english.item.language = Some("en_GB".into());
    let mixed = atom(&info(), &[russian, english.clone()], &sources());
    assert!(!mixed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang"), "{mixed}");
    assert!(mixed.contains("xml:lang=\"en-gb\"") && mixed.contains("xml:lang=\"ru\""), "{mixed}");
    let one = atom(&info(), std::slice::from_ref(&english), &sources());
    assert!(one.contains("xml:lang=\"en-gb\">"), "{one}");
    let rss = rss(&info(), &[english], &sources());
    assert!(rss.contains("<language>en-gb</language>"), "{rss}");
}
