use chrono::{TimeZone, Utc};

use super::*;
use crate::model::{ArchivePage, Item, Outcome, PageBytes};

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

fn logged(store: &Store, topic: &str) -> Vec<String> {
    store.log(topic).unwrap().into_iter().map(|(_, key)| key).collect()
}

#[tokio::test]
async fn a_story_is_logged_when_it_joins_a_topic_or_changes_and_pages_take_it_off() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    write(&store, vec![stored("b", 3, &["enforcement"]), stored("a", 1, &[])]).await;
    assert_eq!(logged(&store, "all"), ["a", "b"], "oldest first within one write");
    assert_eq!(logged(&store, "enforcement"), ["b"]);
    write(&store, vec![stored("a", 1, &["enforcement"])]).await;
    assert_eq!(logged(&store, "all"), ["a", "b"], "a story that only joins a topic is logged in that topic");
    assert_eq!(logged(&store, "enforcement"), ["b", "a"]);
    let mut changed = stored("b", 3, &["enforcement"]);
    changed.updated += chrono::Duration::hours(1);
    write(&store, vec![changed]).await;
    assert_eq!(logged(&store, "all"), ["a", "b", "b"], "an update goes on the log again");

    let seqs: Vec<u64> = store.log("all").unwrap().iter().take(2).map(|(seq, _)| *seq).collect();
    let page =
        ArchivePage { number: 1, stories: vec!["a".into(), "b".into()], etag: "\"e\"".into(), frozen: Utc::now() };
    let bytes = PageBytes { plain: b"<feed/>".to_vec(), gzip: b"gz".to_vec(), brotli: b"br".to_vec() };
    store.cut_log("all", &seqs, Some((&page, &bytes))).await.unwrap();
    assert_eq!(logged(&store, "all"), ["b"]);
    assert_eq!(store.page("all", 1).unwrap(), Some((page.clone(), bytes)));
    assert_eq!(store.newest_page("all").unwrap(), Some(page));
    assert!(store.page("enforcement", 1).unwrap().is_none());
    store.drop_pages("all", &[1]).await.unwrap();
    assert!(store.page("all", 1).unwrap().is_none());
}

#[tokio::test]
async fn a_store_from_before_the_log_gets_one_from_its_index() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        write(&store, vec![stored("a", 2, &["enforcement"]), stored("b", 1, &[])]).await;
        // As an older tidings left it: an index and no log.
        for (key, _) in store.tree.scan_prefix("q:").map(|e| e.unwrap()) {
            store.tree.remove(key).unwrap();
        }
        store.tree.remove("m:logged").unwrap();
        store.flush().await.unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(logged(&store, "all"), ["b", "a"], "oldest first");
    assert_eq!(logged(&store, "enforcement"), ["a"]);
}
