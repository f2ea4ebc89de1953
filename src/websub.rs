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
    /// The waits before the second and later tries.
    retries: Vec<Duration>,
}

/// The waits before the second and third tries.
const RETRIES: [Duration; 2] = [Duration::from_secs(2), Duration::from_secs(10)];

impl Hub {
    pub fn new(url: Url, user_agent: &str) -> anyhow::Result<Hub> {
        Hub::with_retries(url, user_agent, RETRIES.to_vec())
    }

    fn with_retries(url: Url, user_agent: &str, retries: Vec<Duration>) -> anyhow::Result<Hub> {
        let client = reqwest::Client::builder()
            .user_agent(user_agent)
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        Ok(Hub { url, client, tasks: TaskTracker::new(), retries })
    }

    /// Tells the hub, in the background, that each of `feeds` (absolute URLs) changed.
    pub fn publish(&self, feeds: Vec<String>) {
        if feeds.is_empty() {
            return;
        }
        let (hub, client, retries) = (self.url.clone(), self.client.clone(), self.retries.clone());
        self.tasks.spawn(async move {
            for feed in feeds {
                notify(&client, &hub, &feed, &retries).await;
            }
        });
    }

    /// Waits until every notice handed over so far has been sent (or given up on).
    pub async fn idle(&self) {
        self.tasks.close();
        self.tasks.wait().await;
        self.tasks.reopen();
    }

    /// Waits up to `grace` for the notices under way.
    pub async fn drain(&self, grace: Duration) {
        self.tasks.close();
        if tokio::time::timeout(grace, self.tasks.wait()).await.is_err() {
            warn!(hub = %self.url, "WebSub notices still under way at the deadline were dropped");
        }
    }
}

async fn notify(client: &reqwest::Client, hub: &Url, feed: &str, retries: &[Duration]) {
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("hub.mode", "publish")
        .append_pair("hub.url", feed)
        .finish();
    for attempt in 0..=retries.len() {
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
        match retries.get(attempt) {
            Some(wait) => {
                warn!(hub = %hub, feed, error = %retry, retry_in_secs = wait.as_secs(), "the WebSub hub failed");
                tokio::time::sleep(*wait).await;
            }
            None => warn!(hub = %hub, feed, error = %retry, "the WebSub hub failed; giving up on this notice"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::http::StatusCode;

    use super::*;

    /// A hub answering `statuses` in turn (the last one after that); returns its URL and the
    /// bodies it received.
    async fn hub(statuses: &'static [u16]) -> (Url, Arc<Mutex<Vec<String>>>) {
        let received = Arc::new(Mutex::new(Vec::new()));
        let seen = received.clone();
        let answer = move |body: String| {
            let seen = seen.clone();
            async move {
                let mut seen = seen.lock().unwrap();
                seen.push(body);
                StatusCode::from_u16(statuses[(seen.len() - 1).min(statuses.len() - 1)]).unwrap()
            }
        };
        let router = axum::Router::new().route("/", axum::routing::post(answer));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        (url, received)
    }

    #[tokio::test]
    async fn a_failing_hub_is_tried_again_and_a_refusing_one_is_not() {
        let retries = vec![Duration::from_millis(1), Duration::from_millis(1)];
        let (url, received) = hub(&[503, 500, 204]).await;
        let hub_client = Hub::with_retries(url, "tidings-test", retries.clone()).unwrap();
        hub_client.publish(vec!["http://news.example.org/feeds/all.atom?x=1&y".into()]);
        hub_client.idle().await;
        let notice = "hub.mode=publish&hub.url=http%3A%2F%2Fnews.example.org%2Ffeeds%2Fall.atom%3Fx%3D1%26y";
        assert_eq!(*received.lock().unwrap(), [notice; 3], "two failures, then sent");

        let (url, received) = hub(&[404]).await;
        let hub_client = Hub::with_retries(url, "tidings-test", retries.clone()).unwrap();
        hub_client.publish(vec!["http://news.example.org/feeds/a.atom".into()]);
        hub_client.idle().await;
        assert_eq!(received.lock().unwrap().len(), 1, "a 4xx is final");

        let (url, received) = hub(&[503]).await;
        let hub_client = Hub::with_retries(url, "tidings-test", retries).unwrap();
        hub_client.publish(vec!["http://news.example.org/feeds/a.atom".into()]);
        hub_client.idle().await;
        assert_eq!(received.lock().unwrap().len(), 3, "three tries in all, then given up");
    }
}
