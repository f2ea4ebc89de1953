use super::*;

fn base() -> Url {
    Url::parse("https://example.org/feeds/news.xml").unwrap()
}

const RSS2: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Customs&nbsp;news</title><link>https://example.org/</link><ttl>30</ttl>
<item><title>Seizure at the port</title><link>/news/1</link><guid isPermaLink="false">n-1</guid>
<pubDate>Thu, 30 Jun 2022 10:00:00 +0200</pubDate><description>&lt;p&gt;Big seizure&lt;/p&gt;</description>
<category>Enforcement</category><author>press@example.org (Press office)</author></item>
<item><title>No guid, no link</title><description>Text only</description></item>
</channel></rss>"#;

#[test]
fn rss2_is_read() {
    let feed = parse(RSS2.as_bytes(), &base()).unwrap();
    assert_eq!(feed.title.as_deref(), Some("Customs news"), "undeclared entities are decoded");
    assert_eq!(feed.ttl, Some(30));
    let first = &feed.entries[0];
    assert_eq!(first.id.as_deref(), Some("n-1"));
    assert_eq!(first.title.as_deref(), Some("Seizure at the port"));
    assert_eq!(first.link.as_deref(), Some("https://example.org/news/1"));
    assert_eq!(first.published.unwrap().to_rfc3339(), "2022-06-30T08:00:00+00:00");
    assert_eq!(first.summary.as_ref().unwrap().text, "<p>Big seizure</p>");
    assert_eq!(first.categories, ["Enforcement"]);
}

#[test]
fn entries_without_guid_or_link_get_no_made_up_id() {
    let once = parse(RSS2.as_bytes(), &base()).unwrap();
    let twice = parse(RSS2.as_bytes(), &base()).unwrap();
    assert_eq!(once.entries[1].id, None);
    assert_eq!(twice.entries[1].id, None);
    assert_eq!(once.entries[1].link, None);
}

#[test]
fn atom_is_read_with_html_and_plain_text() {
    let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>ROCB</title><id>urn:x:feed</id>
    <updated>2022-06-30T12:00:00Z</updated><link rel="alternate" href="https://rocb.example/"/>
    <entry><title type="html">&lt;b&gt;Heads&lt;/b&gt; of Customs</title><id>urn:x:1</id>
    <link rel="alternate" href="https://rocb.example/1"/><link rel="enclosure" href="https://rocb.example/a.pdf"/>
    <updated>2022-06-30T12:00:00Z</updated><summary>Plain &amp; simple</summary>
    <content type="html">&lt;p&gt;Body&lt;/p&gt;</content><author><name>Press</name></author></entry></feed>"#;
    let feed = parse(atom.as_bytes(), &base()).unwrap();
    assert_eq!(feed.id.as_deref(), Some("urn:x:feed"));
    assert_eq!(feed.link.as_deref(), Some("https://rocb.example/"));
    let entry = &feed.entries[0];
    assert_eq!(entry.title.as_deref(), Some("Heads of Customs"));
    assert_eq!(entry.link.as_deref(), Some("https://rocb.example/1"));
    assert_eq!(entry.summary, Some(Body { text: "Plain & simple".into(), html: false }));
    assert_eq!(entry.content, Some(Body { text: "<p>Body</p>".into(), html: true }));
    assert_eq!(entry.authors, ["Press"]);
}

#[test]
fn json_feed_is_read() {
    let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"Academy",
      "items":[{"id":"a-1","url":"https://academy.example/1","title":"Lecture","content_html":"<p>Hi</p>",
      "date_published":"2019-11-27T10:00:00+03:00","tags":["News"]}]}"#;
    let feed = parse(json.as_bytes(), &base()).unwrap();
    let entry = &feed.entries[0];
    assert_eq!(entry.id.as_deref(), Some("a-1"));
    assert_eq!(entry.link.as_deref(), Some("https://academy.example/1"));
    assert_eq!(entry.content.as_ref().unwrap().text, "<p>Hi</p>");
    assert_eq!(entry.categories, ["News"]);
}

#[test]
fn rss1_and_rss091_are_read() {
    let rdf = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
      <channel rdf:about="https://x.example/"><title>RDF</title><link>https://x.example/</link></channel>
      <item rdf:about="https://x.example/1"><title>One</title><link>https://x.example/1</link></item></rdf:RDF>"#;
    assert_eq!(parse(rdf.as_bytes(), &base()).unwrap().entries[0].title.as_deref(), Some("One"));
    let rss091 = r#"<rss version="0.91"><channel><title>Old</title><item><title>Two</title>
      <link>https://x.example/2</link></item></channel></rss>"#;
    assert_eq!(parse(rss091.as_bytes(), &base()).unwrap().entries[0].link.as_deref(), Some("https://x.example/2"));
}

#[test]
fn control_characters_are_removed() {
    let rss = "<rss version=\"2.0\"><channel><title>T</title><item><title>Bad\u{1}title\u{fffe}</title>\
               <guid>g\u{7}1</guid><description>a\u{0}b</description></item></channel></rss>";
    let feed = parse(rss.as_bytes(), &base()).unwrap();
    let entry = &feed.entries[0];
    assert_eq!(entry.title.as_deref(), Some("Badtitle"));
    assert_eq!(entry.id.as_deref(), Some("g1"));
    assert_eq!(entry.summary.as_ref().unwrap().text, "ab");
}

fn utf16le(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xff, 0xfe];
    bytes.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    bytes
}

#[test]
fn utf16_with_a_disagreeing_declaration_is_read_not_panicked_on() {
    let doc = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Таможня</title>\
               <item><title>Контрабанда</title><guid>1</guid></item></channel></rss>";
    let feed = parse(&utf16le(doc), &base()).unwrap();
    assert_eq!(feed.title.as_deref(), Some("Таможня"));
    assert_eq!(feed.entries[0].title.as_deref(), Some("Контрабанда"));
}

#[test]
fn utf16_big_endian_and_bomless_utf16_do_not_take_the_parser_down() {
    let doc =
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss version=\"2.0\"><channel><title>T</title></channel></rss>";
    let mut be = vec![0xfe, 0xff];
    be.extend(doc.encode_utf16().flat_map(|u| u.to_be_bytes()));
    assert_eq!(parse(&be, &base()).unwrap().title.as_deref(), Some("T"));
    let bomless = &utf16le(doc)[2..];
    let _ = parse(bomless, &base()); // an error or a feed, but never a panic out of here
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    for body in [
        &b"<html><body>Not a feed</body></html>"[..],
        b"",
        b"\xff\xfe<\x00",
        b"{\"not\": \"a feed\"}",
        b"<rss version=\"2.0\"><channel><item>",
    ] {
        assert!(parse(body, &base()).is_err(), "{body:?}");
    }
}
