//! HTML sources end to end: pages in their own charsets and date languages flow through dedup,
//! routing and the topic feeds like any feed.

use crate::helpers::{fixture, spawn_app, Reply};

const CONFIG: &str = r#"
[fetch]
schedule = "0 0 0 1 1 *"

[[topic]]
id = "facilitation"
include = ["revised kyoto convention"]

[[source]]
id = "academy"
title = "Russian Customs Academy"
url = "{upstream}/news/"
kind = "html"

[source.html]
item = "div.entry"
title = ".entry-title a"
date = ".entry-date"
date_format = "%d %B %Y"
date_lang = "ru"
date_tz = "Europe/Moscow"
summary = ".entry-summary"

[[source]]
id = "notices"
url = "{upstream}/notices.html"
kind = "html"

[source.html]
item = "li"
follow = true
content = "div.article"

[[source]]
id = "feed"
url = "{upstream}/feed.json"
"#;

#[tokio::test]
async fn a_windows_1251_page_with_russian_dates_becomes_a_feed() {
    let t = spawn_app(CONFIG).await;
    t.upstream.set("news/", Reply::fixture("html/customs-academy-1251.html").header("content-type", "text/html"));
    let report = t.poll("academy").await;
    assert_eq!(report.new.len(), 4, "{report:?}");
    let feed = t.feed("all").await;
    let expected = String::from_utf8(fixture("html/customs-academy-1251.expected.tsv")).unwrap();
    for row in expected.lines().map(|l| l.split('\t').collect::<Vec<_>>()) {
        let seen =
            feed.iter().find(|s| s.title == row[2]).unwrap_or_else(|| panic!("{} missing from {feed:#?}", row[2]));
        assert_eq!(seen.updated.unwrap().to_rfc3339(), row[0], "{}", row[2]);
    }
    assert!(feed.iter().any(|s| s.title == "Лекция о деятельности ВТамО в области информационных технологий"));
    assert_eq!(
        t.titles("facilitation").await,
        ["The Revised Kyoto Convention Management Committee (RKC/MC) holds its 21st Meeting on 18 – 20 November 2019"]
    );
    assert_eq!(t.poll("academy").await.new.len(), 0, "a second poll adds nothing");
}

#[tokio::test]
async fn undated_items_keep_their_first_seen_time_and_pages_are_followed_once() {
    let t = spawn_app(CONFIG).await;
    let list = "<ul><li><a href=\"/n/1\">Notice one</a></li><li><a href=\"/n/2\">Notice two</a></li></ul>";
    t.upstream.set("notices.html", Reply { body: list.as_bytes().to_vec(), ..Reply::status(200) });
    t.upstream.set(
        "n/1",
        Reply {
            body: b"<div class=\"article\"><p>Full text one</p><script>x()</script></div>".to_vec(),
            ..Reply::status(200)
        },
    );
    t.upstream.set(
        "n/2",
        Reply { body: b"<div class=\"article\"><p>Full text two</p></div>".to_vec(), ..Reply::status(200) },
    );
    assert_eq!(t.poll("notices").await.new.len(), 2);
    let first = t.feed("all").await;
    let body = t.get("/feeds/all.atom").await.text().await.unwrap();
    assert!(body.contains("Full text one") && !body.contains("x()"), "followed content, sanitised: {body}");

    let longer = list.replace("</ul>", "<li><a href=\"/n/3\">Notice three</a></li></ul>");
    t.upstream.set("notices.html", Reply { body: longer.into_bytes(), ..Reply::status(200) });
    t.upstream.set("n/3", Reply { body: b"<div class=\"article\">Three</div>".to_vec(), ..Reply::status(200) });
    assert_eq!(t.poll("notices").await.new, ["Notice three"]);
    let second = t.feed("all").await;
    for old in &first {
        let again = second.iter().find(|s| s.id == old.id).unwrap();
        assert_eq!(again.updated, old.updated, "an undated item keeps the time it was first seen");
    }
    for page in ["n/1", "n/2", "n/3"] {
        assert_eq!(t.upstream.received(page).len(), 1, "{page} is fetched once");
    }
}

#[tokio::test]
async fn an_html_item_and_a_feed_item_with_one_link_are_one_story() {
    let t = spawn_app(CONFIG).await;
    t.upstream.set("news/", Reply::fixture("html/customs-academy-1251.html"));
    let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"Academy feed","items":[
        {"id":"a-1","url":"https://customs-academy.net/news/rkc-mc-21/","title":"RKC/MC 21st meeting","content_text":"Brussels"}]}"#;
    t.upstream.set("feed.json", Reply { body: json.as_bytes().to_vec(), ..Reply::status(200) });
    t.poll("academy").await;
    assert!(t.poll("feed").await.new.is_empty(), "the feed's item is the page's story");
    assert_eq!(t.feed("all").await.len(), 4);
}

#[tokio::test]
async fn a_page_whose_item_selector_matches_nothing_fails_and_says_which() {
    let t = spawn_app(CONFIG).await;
    t.upstream
        .set("news/", Reply { body: b"<html><body><p>Redesigned!</p></body></html>".to_vec(), ..Reply::status(200) });
    let report = t.poll("academy").await;
    assert_eq!(report.error.as_deref(), Some("the item selector \"div.entry\" matched nothing on the page"));
}
