//! WebSub: every feed names the hub, and the hub hears of each feed that changed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

use crate::helpers::{spawn_app, Reply};

/// A local WebSub hub: records each publish notice; answers 503 to the first one, 204 after.
#[derive(Clone, Default)]
struct Hub {
    notices: Arc<Mutex<Vec<(String, String)>>>,
}

impl Hub {
    async fn start(self) -> String {
        async fn publish(State(hub): State<Hub>, headers: HeaderMap, body: String) -> StatusCode {
            let content_type = headers["content-type"].to_str().unwrap().to_string();
            let mut notices = hub.notices.lock().unwrap();
            notices.push((content_type, body));
            match notices.len() {
                1 => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::NO_CONTENT,
            }
        }
        let router = axum::Router::new().route("/hub", axum::routing::post(publish)).with_state(self);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hub", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        url
    }

    /// The feed URLs told of, each once, once `count` notices have come (or 15 s have passed).
    async fn told(&self, count: usize) -> Vec<String> {
        for _ in 0..150 {
            if self.notices.lock().unwrap().len() >= count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let notices = self.notices.lock().unwrap().clone();
        let mut urls: Vec<String> = notices
            .iter()
            .map(|(content_type, body)| {
                assert_eq!(content_type, "application/x-www-form-urlencoded");
                let fields: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
                assert_eq!(fields[0], ("hub.mode".to_string(), "publish".to_string()), "{body}");
                assert_eq!(fields[1].0, "hub.url", "{body}");
                fields[1].1.clone()
            })
            .collect();
        urls.sort();
        urls.dedup();
        urls
    }
}

#[tokio::test]
async fn the_hub_is_named_in_every_feed_and_told_of_each_change() {
    let hub = Hub::default();
    let hub_url = hub.clone().start().await;
    let config = format!(
        r#"
[websub]
hub = "{hub_url}"

[fetch]
schedule = "0 0 0 1 1 *"

[[topic]]
id = "enforcement"
title = "Enforcement"
include = ["drug"]

[[source]]
id = "wco"
title = "WCO Newsroom"
url = "{{upstream}}/wco.rss"
"#
    );
    let t = spawn_app(&config).await;
    let base = format!("http://{}", t.address);
    let atom = t.get("/feeds/all.atom").await.text().await.unwrap();
    assert!(atom.contains(&format!("<link href=\"{hub_url}\" rel=\"hub\"/>")), "{atom}");
    let rss = t.get("/feeds/all.rss").await.text().await.unwrap();
    assert!(rss.contains(&format!("<atom:link href=\"{hub_url}\" rel=\"hub\"/>")), "{rss}");
    let json: serde_json::Value = serde_json::from_str(&t.get("/feeds/all.json").await.text().await.unwrap()).unwrap();
    assert_eq!(json["hubs"], serde_json::json!([{ "type": "WebSub", "url": hub_url }]));

    t.upstream.set("wco.rss", Reply::fixture("wco.rss"));
    t.poll("wco").await;
    // Six feeds changed (all and enforcement, three formats each); the first notice fails once
    // and is sent again.
    let feeds: Vec<String> = ["all", "enforcement"]
        .iter()
        .flat_map(|topic| ["atom", "json", "rss"].map(|ext| format!("{base}/feeds/{topic}.{ext}")))
        .collect();
    assert_eq!(hub.told(7).await, feeds);
    assert_eq!(hub.notices.lock().unwrap().len(), 7, "one retry, then one notice per feed");

    // Nothing changed: nothing to tell.
    t.poll("wco").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(hub.notices.lock().unwrap().len(), 7);
}
