//! WebSub (W3C Recommendation, 2018), the publisher's side: every feed names the hub in a
//! `link rel="hub"` (see `render`), and when a topic feed changes, the hub is told with
//! `POST hub.mode=publish&hub.url={feed URL}`, one request per changed feed, so subscribers get
//! the new entries pushed instead of polling for them.
//!
//! Notices go out in the background, after the new documents are served (the hub fetches them
//! at once). A hub that fails (a network error or a 5xx) is tried twice more, after 2 and 10
//! seconds; a hub that refuses (4xx) is not. A failing hub never holds up a poll. Shutdown waits
//! for notices under way within the grace period.

use std::time::Duration;

use tokio_util::task::TaskTracker;
use tracing::{info, warn};
use url::Url;

/// The hub and the client that tells it.
pub struct Hub {
    url: Url,
    client: reqwest::Client,
    tasks: TaskTracker,
}

/// The waits before the second and third tries.
const RETRIES: [Duration; 2] = [Duration::from_secs(2), Duration::from_secs(10)];

impl Hub {
    pub fn new(url: Url, user_agent: &str) -> anyhow::Result<Hub> {
        let client = reqwest::Client::builder()
            .user_agent(user_agent)
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        Ok(Hub { url, client, tasks: TaskTracker::new() })
    }

    /// Tells the hub, in the background, that each of `feeds` (absolute URLs) changed.
    pub fn publish(&self, feeds: Vec<String>) {
        if feeds.is_empty() {
            return;
        }
        let (hub, client) = (self.url.clone(), self.client.clone());
        self.tasks.spawn(async move {
            for feed in feeds {
                notify(&client, &hub, &feed).await;
            }
        });
    }

    /// Waits up to `grace` for the notices under way.
    pub async fn drain(&self, grace: Duration) {
        self.tasks.close();
        if tokio::time::timeout(grace, self.tasks.wait()).await.is_err() {
            warn!(hub = %self.url, "WebSub notices still under way at the deadline were dropped");
        }
    }
}

async fn notify(client: &reqwest::Client, hub: &Url, feed: &str) {
    let form = format!("hub.mode=publish&hub.url={}", form_encode(feed));
    for attempt in 0..=RETRIES.len() {
        let sent = client
            .post(hub.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form.clone())
            .send()
            .await;
        let retry = match sent {
            Ok(r) if r.status().is_success() => {
                info!(hub = %hub, feed, status = r.status().as_u16(), "told the WebSub hub");
                return;
            }
            Ok(r) if r.status().is_client_error() => {
                warn!(hub = %hub, feed, status = r.status().as_u16(), "the WebSub hub refused the notice");
                return;
            }
            Ok(r) => format!("HTTP {}", r.status().as_u16()),
            Err(e) => e.to_string(),
        };
        match RETRIES.get(attempt) {
            Some(wait) => {
                warn!(hub = %hub, feed, error = %retry, retry_in_secs = wait.as_secs(), "the WebSub hub failed");
                tokio::time::sleep(*wait).await;
            }
            None => warn!(hub = %hub, feed, error = %retry, "the WebSub hub failed; giving up on this notice"),
        }
    }
}

/// `application/x-www-form-urlencoded` for one value.
fn form_encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
