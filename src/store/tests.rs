use chrono::{TimeZone, Utc};

use super::*;
use crate::model::{Item, Outcome};

fn stored(key: &str, sort_day: u32, topics: &[&str]) -> Stored {
    let at = Utc.with_ymd_and_hms(2022, 6, sort_day, 8, 0, 0).unwrap();
    Stored {
        key: key.into(),
        entry_id: format!("tag:x.example,2022:{key}"),
        item: Item { guid: Some(key.into()), published: Some(at), ..Item::new("wco", &format!("Story {key}")) },
        first_seen: at,
        updated: at,
        content_hash: "h".into(),
        also_in: vec![],
        topics: topics.iter().map(|t| t.to_string()).collect(),
        dropped: vec![],
        sort_time: at.timestamp_micros(),
    }
}

async fn write(store: &Store, stories: Vec<Stored>) {
    let aliases = stories.iter().map(|s| (format!("g:wco:{}", s.key), s.key.clone())).collect();
    store.apply(Write { stories, aliases, ..Write::default() }).await.unwrap();
}

fn titles(items: &[Stored]) -> Vec<&str> {
    items.iter().map(|s| s.item.title.as_str()).collect()
}

#[tokio::test]
async fn stories_are_found_by_their_keys_and_listed_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    write(&store, vec![stored("a", 1, &["enforcement"]), stored("b", 3, &[]), stored("c", 2, &["enforcement"])]).await;
    assert_eq!(titles(&store.newest("all", 10).unwrap()), ["Story b", "Story c", "Story a"]);
    assert_eq!(titles(&store.newest("all", 2).unwrap()), ["Story b", "Story c"]);
    assert_eq!(titles(&store.newest("enforcement", 10).unwrap()), ["Story c", "Story a"]);
    assert!(store.newest("origin", 10).unwrap().is_empty());

    let identity = Identity { own: Some("g:wco:c".into()), links: vec!["u://x.example/c".into()] };
    let (known, missing) = store.find(&identity).unwrap().unwrap();
    assert_eq!(known.stored.key, "c");
    assert_eq!(known.by, Match::Own);
    assert_eq!(missing, ["u://x.example/c"]);
    let unknown = Identity { own: Some("g:wco:zzz".into()), links: vec![] };
    assert!(store.find(&unknown).unwrap().is_none());
    assert_eq!(store.count(), 3);
}

#[tokio::test]
async fn rewriting_a_story_moves_its_index_entries() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    write(&store, vec![stored("a", 1, &["enforcement"])]).await;
    write(&store, vec![stored("a", 1, &["origin"])]).await;
    assert!(store.newest("enforcement", 10).unwrap().is_empty());
    assert_eq!(titles(&store.newest("origin", 10).unwrap()), ["Story a"]);
    assert_eq!(store.newest("all", 10).unwrap().len(), 1, "no second entry in all");
}

#[tokio::test]
async fn what_was_written_survives_a_reopen_and_the_store_is_locked_while_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let state =
            SourceState { etag: Some("\"v1\"".into()), last_outcome: Some(Outcome::NotModified), ..Default::default() };
        store.apply(Write { source: Some(("wco".into(), state)), ..Default::default() }).await.unwrap();
        write(&store, vec![stored("a", 1, &[])]).await;
        let second = Store::open(dir.path()).err().expect("a second open of the same store must fail");
        assert!(second.to_string().contains("in use by another process"), "{second}");
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.source_state("wco").unwrap().etag.as_deref(), Some("\"v1\""));
    assert_eq!(store.source_state("unknown").unwrap(), SourceState::default());
    assert_eq!(store.all_stories().count(), 1);
}
