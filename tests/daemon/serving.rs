//! Serving: the index page, health, unknown topics.

use crate::helpers::{spawn_app, Reply};

const CONFIG: &str = r#"
[fetch]
schedule = "0 0 0 1 1 *"

[[topic]]
id = "enforcement"
title = "Enforcement & compliance"
include = ["drug"]

[[source]]
id = "wco"
title = "WCO Newsroom"
url = "{upstream}/wco.rss"
"#;

#[tokio::test]
async fn the_index_lists_topics_with_autodiscovery_and_sources_with_their_last_poll() {
    let t = spawn_app(CONFIG).await;
    let before = t.get("/").await.text().await.unwrap();
    assert!(before.contains("not polled yet"));
    t.upstream.set("wco.rss", Reply::fixture("wco.rss"));
    t.poll("wco").await;
    let page = t.get("/").await.text().await.unwrap();
    let base = format!("http://{}", t.address);
    let discovery = format!(
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Enforcement &amp; compliance\" href=\"{base}/feeds/enforcement.atom\">"
    );
    assert!(page.contains(&discovery), "{page}");
    assert!(page.contains(&format!("{base}/feeds/all.atom")));
    assert!(page.contains("WCO Newsroom") && page.contains("ok (HTTP 200)</span>: 3 new, 0 updated"), "{page}");
    // Each topic: subscribe links in every format, and its newest stories.
    let topic = &page[page.find("<section class=\"topic\" id=\"topic-enforcement\">").expect("a section")..];
    let topic = &topic[..topic.find("</section>").unwrap()];
    for href in ["enforcement.atom", "enforcement.rss", "enforcement.json"] {
        assert!(topic.contains(&format!("href=\"{base}/feeds/{href}\"")), "{topic}");
    }
    let served = t.feed("enforcement").await;
    assert!(!served.is_empty());
    for story in &served {
        assert!(topic.contains(&story.title.replace('&', "&amp;")), "{} not on the page: {topic}", story.title);
    }
    assert!(topic.contains("WCO Newsroom · <time datetime="), "{topic}");
}

#[tokio::test]
async fn health_and_unknown_topics() {
    let t = spawn_app(CONFIG).await;
    let health = t.get("/healthz").await;
    assert_eq!(health.status(), 200);
    let missing = t.get("/feeds/smuggling.atom").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()["content-type"], "text/plain; charset=utf-8");
    assert!(missing.text().await.unwrap().contains("no topic named \"smuggling\""));
    assert_eq!(t.get("/feeds/enforcement.rss2").await.status(), 404);
    let empty = t.feed("enforcement").await;
    assert!(empty.is_empty(), "a topic with nothing yet is an empty, valid feed");
}

#[tokio::test]
async fn feed_ids_and_self_links_use_the_bound_address_or_the_public_url() {
    let t = spawn_app(CONFIG).await;
    let body = t.get("/feeds/enforcement.atom").await.text().await.unwrap();
    let feed = feed_rs::parser::parse(body.as_bytes()).unwrap();
    let self_url = format!("http://{}/feeds/enforcement.atom", t.address);
    assert_eq!(feed.id, self_url);
    assert!(feed.links.iter().any(|l| l.rel.as_deref() == Some("self") && l.href == self_url));

    let public = format!("[server]\nbase_url = \"https://news.example.org/tidings\"\n{CONFIG}");
    let t = spawn_app(&public).await;
    t.upstream.set("wco.rss", Reply::fixture("wco.rss"));
    t.poll("wco").await;
    let body = t.get("/feeds/enforcement.atom").await.text().await.unwrap();
    let feed = feed_rs::parser::parse(body.as_bytes()).unwrap();
    assert_eq!(feed.id, "https://news.example.org/tidings/feeds/enforcement.atom");
    assert!(feed.entries[0].id.starts_with("tag:news.example.org,"), "{}", feed.entries[0].id);
}

/// A client that sends exactly the headers given and decompresses nothing.
fn raw_client() -> reqwest::Client {
    reqwest::Client::builder().no_gzip().no_brotli().no_deflate().build().unwrap()
}

#[tokio::test]
async fn feeds_are_served_from_memory_with_validators_304s_head_and_compression() {
    use std::io::Read;
    let t = spawn_app(CONFIG).await;
    t.upstream.set("wco.rss", Reply::fixture("wco.rss"));
    t.poll("wco").await;
    let url = format!("http://{}/feeds/all.atom", t.address);
    let client = raw_client();
    let plain = client.get(&url).send().await.unwrap();
    assert_eq!(plain.status(), 200);
    let h = plain.headers().clone();
    let etag = h["etag"].to_str().unwrap().to_string();
    assert!(etag.starts_with('"') && etag.ends_with('"') && !etag.starts_with("W/"), "a strong ETag: {etag}");
    assert_eq!(h["vary"], "Accept-Encoding");
    assert_eq!(h["cache-control"], "public, max-age=3600", "the shortest schedule feeding it, at most an hour");
    let last_modified = h["last-modified"].to_str().unwrap().to_string();
    assert!(last_modified.ends_with(" GMT"), "{last_modified}");
    let body = plain.bytes().await.unwrap();
    assert!(body.starts_with(b"<?xml"));

    let not_modified = client.get(&url).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(not_modified.status(), 304);
    assert_eq!(not_modified.headers()["etag"], etag.as_str());
    assert!(not_modified.bytes().await.unwrap().is_empty());
    let since = client.get(&url).header("if-modified-since", &last_modified).send().await.unwrap();
    assert_eq!(since.status(), 304);
    let stale = client.get(&url).header("if-none-match", "\"something-else\"").send().await.unwrap();
    assert_eq!(stale.status(), 200, "If-None-Match wins over If-Modified-Since when present");

    let gz = client.get(&url).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let gz_etag = gz.headers()["etag"].to_str().unwrap().to_string();
    assert_ne!(gz_etag, etag, "each representation has its own strong ETag");
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gz.bytes().await.unwrap()[..]).read_to_end(&mut unzipped).unwrap();
    assert_eq!(unzipped, body);
    assert_eq!(client.get(&url).header("if-none-match", &gz_etag).send().await.unwrap().status(), 304);

    let br = client.get(&url).header("accept-encoding", "gzip, deflate, br").send().await.unwrap();
    assert_eq!(br.headers()["content-encoding"], "br");
    let mut unbrotli = Vec::new();
    brotli::Decompressor::new(&br.bytes().await.unwrap()[..], 4096).read_to_end(&mut unbrotli).unwrap();
    assert_eq!(unbrotli, body);
    let no_br = client.get(&url).header("accept-encoding", "br;q=0, gzip").send().await.unwrap();
    assert_eq!(no_br.headers()["content-encoding"], "gzip");

    let head = client.head(&url).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["etag"], etag.as_str());
    assert!(head.bytes().await.unwrap().is_empty());

    // A poll that changes nothing keeps the ETag; new content changes it.
    t.poll("wco").await;
    let again = client.get(&url).send().await.unwrap();
    assert_eq!(again.headers()["etag"], etag.as_str());
    t.upstream.set("wco.rss", Reply::fixture("wco-changed.rss"));
    t.poll("wco").await;
    let changed = client.get(&url).send().await.unwrap();
    assert_ne!(changed.headers()["etag"], etag.as_str());
}

#[tokio::test]
async fn every_topic_in_rss_and_json_feed_and_opml_lists() {
    let t = spawn_app(CONFIG).await;
    t.upstream.set("wco.rss", Reply::fixture("wco.rss"));
    t.poll("wco").await;
    let base = format!("http://{}", t.address);
    let rss = t.get("/feeds/enforcement.rss").await;
    assert_eq!(rss.headers()["content-type"], "application/rss+xml; charset=utf-8");
    let rss = rss.text().await.unwrap();
    assert!(
        rss.contains(&format!(
            "<atom:link href=\"{base}/feeds/enforcement.rss\" rel=\"self\" type=\"application/rss+xml\"/>"
        )),
        "{rss}"
    );
    assert!(rss.contains(&format!("href=\"{base}/feeds/enforcement.atom\" rel=\"alternate\"")), "{rss}");
    let atom_ids: Vec<String> = t.feed("enforcement").await.into_iter().map(|s| s.id).collect();
    let read = feed_rs::parser::parse(rss.as_bytes()).unwrap();
    assert_eq!(
        read.entries.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        atom_ids,
        "the same entries, the same ids"
    );

    let json = t.get("/feeds/enforcement.json").await;
    assert_eq!(json.headers()["content-type"], "application/feed+json; charset=utf-8");
    let json: serde_json::Value = serde_json::from_str(&json.text().await.unwrap()).unwrap();
    assert_eq!(json["feed_url"], format!("{base}/feeds/enforcement.json"));
    assert_eq!(json["items"].as_array().unwrap().len(), atom_ids.len());

    let atom = t.get("/feeds/enforcement.atom").await.text().await.unwrap();
    assert!(
        atom.contains(&format!(
            "<link href=\"{base}/feeds/enforcement.json\" rel=\"alternate\" type=\"application/feed+json\"/>"
        )),
        "{atom}"
    );

    let topics = t.get("/topics.opml").await.text().await.unwrap();
    assert!(topics.contains(&format!("xmlUrl=\"{base}/feeds/all.atom\"")), "{topics}");
    assert!(topics.contains(&format!("text=\"Enforcement &amp; compliance\" title=\"Enforcement &amp; compliance\" xmlUrl=\"{base}/feeds/enforcement.atom\"")), "{topics}");
    let sources = t.get("/sources.opml").await.text().await.unwrap();
    assert!(sources.contains("<opml version=\"2.0\">") && sources.contains("text=\"WCO Newsroom\""), "{sources}");
    assert_eq!(t.get("/feeds/enforcement.xml").await.status(), 404);
    assert_eq!(t.get("/feeds/nope.rss").await.status(), 404);
}

/// Sends `request` on a fresh connection and reads until the server closes it.
async fn raw_exchange(address: std::net::SocketAddr, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(10), stream.read_to_end(&mut out)).await.unwrap().unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn the_fast_path_speaks_http_1_1_keep_alive_pipelining_and_1_0() {
    let t = spawn_app(CONFIG).await;
    t.upstream.set("wco.rss", Reply::fixture("wco.rss"));
    t.poll("wco").await;
    let feed = t.get("/feeds/all.atom").await.bytes().await.unwrap();

    // Two requests in one write, the second asking to close: two answers, in order.
    let both = raw_exchange(
        t.address,
        "GET /feeds/all.atom HTTP/1.1\r\nHost: x\r\n\r\nHEAD /topics.opml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(both.starts_with("HTTP/1.1 200 OK\r\n"), "{both}");
    let (first, second) = both.split_at(both[1..].find("HTTP/1.1 200 OK\r\n").expect("a second answer") + 1);
    assert!(first.contains(&format!("content-length: {}\r\n", feed.len())), "{first}");
    assert!(first.contains("\r\ndate: ") && first.contains("\r\nvary: Accept-Encoding\r\n"), "{first}");
    assert!(second.starts_with("HTTP/1.1 200 OK\r\n") && second.contains("content-type: text/x-opml"), "{second}");
    assert!(second.contains("connection: close\r\n") && second.ends_with("\r\n\r\n"), "HEAD: no body: {second}");
    assert!(both.contains(std::str::from_utf8(&feed).unwrap()), "the whole feed, byte for byte");

    // HTTP/1.0 closes after one answer unless asked to keep the connection.
    let old = raw_exchange(t.address, "GET /feeds/all.atom HTTP/1.0\r\n\r\n").await;
    assert!(old.starts_with("HTTP/1.1 200 OK\r\n") && old.contains("connection: close\r\n"), "{old}");

    // A query string, another method, or a path not published: the router answers.
    let query = t.get("/feeds/all.atom?nocache=1").await;
    assert_eq!(query.status(), 200);
    assert_eq!(query.bytes().await.unwrap(), feed);
    let post = reqwest::Client::new().post(format!("http://{}/feeds/all.atom", t.address)).send().await.unwrap();
    assert_eq!(post.status(), 405);
    let garbage = raw_exchange(t.address, "NOT HTTP AT ALL\r\n\r\n").await;
    assert!(garbage.starts_with("HTTP/1.1 400"), "{garbage}");
}
