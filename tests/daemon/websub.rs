//! WebSub: every feed names the hub, and the hub hears of each feed that changed.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

use crate::helpers::{spawn_app, Reply};

/// A publish notice as the hub received it: its content type and its form fields.
type Notice = (String, Vec<(String, String)>);

/// A local WebSub hub that records each publish notice.
#[derive(Clone, Default)]
struct Hub {
    notices: Arc<Mutex<Vec<Notice>>>,
}

impl Hub {
    async fn start(self) -> String {
        async fn publish(State(hub): State<Hub>, headers: HeaderMap, body: String) -> StatusCode {
            let content_type = headers["content-type"].to_str().unwrap().to_string();
            let fields = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
            hub.notices.lock().unwrap().push((content_type, fields));
            StatusCode::NO_CONTENT
        }
        let router = axum::Router::new().route("/hub", axum::routing::post(publish)).with_state(self);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hub", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        url
    }

    /// The feed URLs told of so far, in order.
    fn told(&self) -> Vec<String> {
        let notices = self.notices.lock().unwrap();
        notices
            .iter()
            .map(|(content_type, fields)| {
                assert_eq!(content_type, "application/x-www-form-urlencoded");
                match fields.as_slice() {
                    [(mode, publish), (key, url)] if mode == "hub.mode" && publish == "publish" && key == "hub.url" => {
                        url.clone()
                    }
                    other => panic!("not a publish notice: {other:?}"),
                }
            })
            .collect()
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

    let notices = t.app.websub.as_ref().expect("a hub configured");
    notices.idle().await;
    assert!(hub.told().is_empty(), "a first render at start-up is no change");

    t.upstream.set("wco.rss", Reply::fixture("wco.rss"));
    t.poll("wco").await;
    notices.idle().await;
    // Six feeds changed (all and enforcement, three formats each): one notice each.
    let mut told = hub.told();
    told.sort();
    let feeds: Vec<String> = ["all", "enforcement"]
        .iter()
        .flat_map(|topic| ["atom", "json", "rss"].map(|ext| format!("{base}/feeds/{topic}.{ext}")))
        .collect();
    assert_eq!(told, feeds);

    // Nothing changed: nothing to tell.
    t.poll("wco").await;
    notices.idle().await;
    assert_eq!(hub.told().len(), 6);
}
