use super::*;

fn doc() -> Url {
    Url::parse("https://rocb.example/news/feed.xml").unwrap()
}

fn html(text: &str) -> Option<Body> {
    Some(Body { text: text.into(), html: true })
}

#[test]
fn links_become_absolute_and_only_http_links_stay() {
    let entry = ParsedEntry { link: Some("../2022/story.html".into()), title: Some("T".into()), ..Default::default() };
    let item = normalise(entry, "rocb", &doc());
    assert_eq!(item.link.as_deref(), Some("https://rocb.example/2022/story.html"));
    let entry = ParsedEntry { link: Some("javascript:alert(1)".into()), title: Some("T".into()), ..Default::default() };
    assert_eq!(normalise(entry, "rocb", &doc()).link, None);
    let entry =
        ParsedEntry { link: Some("/a".into()), base: Some("https://other.example/x/".into()), ..Default::default() };
    assert_eq!(normalise(entry, "rocb", &doc()).link.as_deref(), Some("https://other.example/a"));
}

#[test]
fn html_is_sanitised_and_relative_urls_rewritten() {
    let entry = ParsedEntry {
        title: Some("T".into()),
        summary: html(
            "<p onclick=\"steal()\">Hi <a href=\"javascript:alert(1)\">x</a> <a href=\"/more\">more</a></p>\
                       <script>alert(1)</script><img src=\"img/a.png\" onerror=\"alert(1)\">",
        ),
        ..Default::default()
    };
    let summary = normalise(entry, "rocb", &doc()).summary.unwrap();
    assert!(!summary.contains("script") && !summary.contains("onclick") && !summary.contains("onerror"), "{summary}");
    assert!(!summary.contains("javascript:"), "{summary}");
    assert!(summary.contains("href=\"https://rocb.example/more\""), "{summary}");
    assert!(summary.contains("src=\"https://rocb.example/news/img/a.png\""), "{summary}");
}

#[test]
fn a_document_from_disk_lends_the_item_link_as_base() {
    let file = Url::parse("file:///srv/demo/feed.xml").unwrap();
    let entry = ParsedEntry {
        link: Some("https://rocb.example/en/news/1".into()),
        summary: html("<img src=\"/images/a.jpg\">"),
        ..Default::default()
    };
    let item = normalise(entry, "rocb", &file);
    assert!(item.summary.unwrap().contains("src=\"https://rocb.example/images/a.jpg\""));
}

#[test]
fn plain_text_is_escaped() {
    let entry = ParsedEntry {
        title: Some("T".into()),
        summary: Some(Body { text: "Fish & <chips>\n now".into(), html: false }),
        ..Default::default()
    };
    assert_eq!(normalise(entry, "s", &doc()).summary.as_deref(), Some("Fish &amp; &lt;chips&gt; now"));
}

#[test]
fn a_missing_title_is_made_from_the_text() {
    let long = "word ".repeat(40);
    let entry = ParsedEntry { summary: html(&format!("<p>{long}</p>")), ..Default::default() };
    let title = normalise(entry, "s", &doc()).title;
    assert!(title.ends_with('…') && title.chars().count() <= 101, "{title}");
    let entry = ParsedEntry { link: Some("https://x.example/1".into()), ..Default::default() };
    assert_eq!(normalise(entry, "s", &doc()).title, "https://x.example/1");
    assert_eq!(normalise(ParsedEntry::default(), "s", &doc()).title, "(untitled)");
}

#[test]
fn a_summary_that_repeats_the_content_is_dropped() {
    let entry = ParsedEntry {
        title: Some("T".into()),
        summary: html("<p>Same</p>"),
        content: html("<p>Same</p>"),
        ..Default::default()
    };
    let item = normalise(entry, "s", &doc());
    assert_eq!(item.summary, None);
    assert_eq!(item.content.as_deref(), Some("<p>Same</p>"));
}
