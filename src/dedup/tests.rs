use chrono::TimeZone;

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

fn minter() -> Minter<'static> {
    Minter { authority: "news.example.org", now: now() }
}

fn item(source: &str, guid: Option<&str>, link: Option<&str>, title: &str) -> Item {
    Item {
        guid: guid.map(Into::into),
        link: link.map(Into::into),
        published: Some(Utc.with_ymd_and_hms(2022, 6, 30, 8, 0, 0).unwrap()),
        summary: Some("<p>Summary</p>".into()),
        ..Item::new(source, title)
    }
}

fn new_story(item: Item) -> Stored {
    let identity = Identity::of(&item);
    match decide(item, &identity, None, &minter()) {
        Decision::New(stored) => stored,
        other => panic!("expected a new story, got {other:?}"),
    }
}

fn again(item: Item, stored: &Stored, by: Match) -> Decision {
    let identity = Identity::of(&item);
    decide(item, &identity, Some(Known { stored: stored.clone(), by }), &minter())
}

#[test]
fn identity_prefers_the_guid_then_the_link_then_the_content() {
    let with_guid = Identity::of(&item("wco", Some("g1"), Some("https://www.x.example/1?utm_source=rss#top"), "T"));
    assert_eq!(with_guid.own.as_deref(), Some("g:wco:g1"));
    assert_eq!(with_guid.links, ["u://x.example/1"], "the canonical link");
    let link_only = Identity::of(&item("wco", None, Some("http://X.example:80/1"), "T"));
    assert_eq!(link_only.own, None);
    assert_eq!(link_only.links, ["u://x.example/1"]);
    let guid_url = Identity::of(&item("rocb", Some("https://x.example/1"), Some("https://rocb.example/r/1"), "T"));
    assert_eq!(
        guid_url.links,
        ["u://rocb.example/r/1", "u://x.example/1"],
        "a guid that is a URL is a key across sources"
    );
    let neither = Identity::of(&item("wco", None, None, "T"));
    assert!(neither.own.as_deref().unwrap().starts_with("h:wco:"));
    assert_eq!(neither, Identity::of(&item("wco", None, None, "T")), "the content hash is stable");
    assert_ne!(neither, Identity::of(&item("wco", None, None, "Other")));
}

#[test]
fn two_sources_reusing_a_guid_do_not_collide() {
    let a = Identity::of(&item("a", Some("1"), None, "T"));
    let b = Identity::of(&item("b", Some("1"), None, "T"));
    assert_ne!(a.own, b.own);
}

#[test]
fn a_new_story_keeps_an_absolute_guid_as_its_entry_id() {
    let stored = new_story(item("wco", Some("https://x.example/1"), None, "T"));
    assert_eq!(stored.entry_id, "https://x.example/1");
    let stored = new_story(item("wco", Some("urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"), None, "T"));
    assert_eq!(stored.entry_id, "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66");
    let stored = new_story(item("wco", Some("1234"), None, "T"));
    assert_eq!(stored.entry_id, format!("tag:news.example.org,2026-11-23:wco/{}", stored.key));
}

#[test]
fn the_same_item_again_is_unchanged() {
    let stored = new_story(item("wco", Some("g1"), Some("https://x.example/1"), "T"));
    assert!(matches!(
        again(item("wco", Some("g1"), Some("https://x.example/1"), "T"), &stored, Match::Own),
        Decision::Unchanged(_)
    ));
}

#[test]
fn a_changed_title_updates_in_place() {
    let stored = new_story(item("wco", Some("g1"), None, "Old title"));
    let Decision::Updated(updated) = again(item("wco", Some("g1"), None, "New title"), &stored, Match::Own) else {
        panic!("expected an update");
    };
    assert_eq!(updated.key, stored.key);
    assert_eq!(updated.entry_id, stored.entry_id);
    assert_eq!(updated.item.title, "New title");
    assert_eq!(updated.updated, now(), "updated moves to when the change was seen");
    assert_eq!(updated.first_seen, stored.first_seen);
}

#[test]
fn a_date_alone_changing_is_not_an_update() {
    let stored = new_story(item("wco", Some("g1"), None, "T"));
    let mut redated = item("wco", Some("g1"), None, "T");
    redated.published = Some(now());
    redated.updated = Some(now());
    assert!(matches!(again(redated, &stored, Match::Own), Decision::Unchanged(_)));
}

#[test]
fn another_source_with_the_same_link_is_the_same_story() {
    let stored = new_story(item("wco", Some("g1"), Some("https://x.example/1"), "Title"));
    let repost = item("rocb", Some("r9"), Some("https://x.example/1"), "Title, reworded");
    let Decision::AlsoIn(merged) = again(repost.clone(), &stored, Match::Link) else { panic!("expected AlsoIn") };
    assert_eq!(merged.item.source, "wco", "the first source stays the origin");
    assert_eq!(merged.item.title, "Title", "another source never rewrites the story");
    let rocb = Repost { source: "rocb".into(), link: Some("https://x.example/1".into()), signal: "same link".into() };
    assert_eq!(merged.also_in, [rocb]);
    assert!(matches!(again(repost, &merged, Match::Own), Decision::Unchanged(_)));
}

#[test]
fn one_source_with_two_guids_and_one_link_keeps_two_stories() {
    let stored = new_story(item("site", Some("1"), Some("https://x.example/"), "First"));
    assert!(matches!(
        again(item("site", Some("2"), Some("https://x.example/"), "Second"), &stored, Match::Link),
        Decision::New(_)
    ));
}

#[test]
fn future_dates_are_clamped_to_now() {
    let mut future = item("s", Some("g"), None, "T");
    future.published = Some(now() + chrono::Duration::days(30));
    let stored = new_story(future);
    assert_eq!(stored.sort_time, now().timestamp_micros());
    assert_eq!(stored.updated, now());
}

#[test]
fn absolute_iris_are_told_apart() {
    for id in ["https://x.example/1", "urn:uuid:1234", "tag:x.example,2020:1", "news:123"] {
        assert!(is_absolute_iri(id), "{id}");
    }
    for id in ["1234", "wco-2022-06-30", "/news/1", "c:1", "", "https://x.example/a b"] {
        assert!(!is_absolute_iri(id), "{id}");
    }
}

#[test]
fn an_earlier_copy_from_another_source_becomes_the_origin() {
    let mut repost = item("rocb", Some("r1"), Some("https://x.example/1"), "Repost");
    repost.published = Some(Utc.with_ymd_and_hms(2022, 6, 30, 9, 0, 0).unwrap());
    let stored = new_story(repost);
    let mut original = item("wco", Some("w1"), Some("https://x.example/1"), "Original");
    original.published = Some(Utc.with_ymd_and_hms(2022, 6, 29, 8, 0, 0).unwrap());
    let Decision::AlsoIn(merged) = again(original, &stored, Match::Link) else { panic!("expected AlsoIn") };
    assert_eq!((merged.item.source.as_str(), merged.item.title.as_str()), ("wco", "Original"));
    assert_eq!(merged.entry_id, stored.entry_id, "the entry keeps its id");
    assert_eq!(merged.also_in[0].source, "rocb");
    assert_eq!(merged.updated, now());
    assert_eq!(merged.sort_time, Utc.with_ymd_and_hms(2022, 6, 29, 8, 0, 0).unwrap().timestamp_micros());
}

#[test]
fn reposts_stored_as_source_ids_by_older_versions_still_read() {
    let stored = new_story(item("wco", Some("g1"), None, "T"));
    let mut json = serde_json::to_value(&stored).unwrap();
    json["also_in"] = serde_json::json!(["rocb"]);
    let back: Stored = serde_json::from_value(json).unwrap();
    assert_eq!(back.also_in, [Repost { source: "rocb".into(), link: None, signal: "same link".into() }]);
}
