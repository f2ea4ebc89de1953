//! The test harness: a fake upstream serving fixture files, and the real daemon on port 0.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use tidings::app::App;
use tidings::config::Config;
use tidings::daemon::{self, Options};
use tidings::poll::{self, Report};
use tokio::sync::oneshot;

/// What the fake upstream answers on one path.
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub etag: Option<String>,
    /// Wait this long before answering.
    pub delay: Duration,
    /// Extra response headers.
    pub headers: Vec<(&'static str, String)>,
    /// Send the body one byte at a time, this far apart.
    pub drip: Option<Duration>,
}

impl Reply {
    pub fn fixture(name: &str) -> Reply {
        Reply { body: fixture(name), ..Reply::status(200) }
    }

    pub fn status(status: u16) -> Reply {
        Reply { status, body: b"no such page".to_vec(), etag: None, delay: Duration::ZERO, headers: vec![], drip: None }
    }

    pub fn redirect(status: u16, to: &str) -> Reply {
        Reply::status(status).header("location", to)
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Reply {
        self.headers.push((name, value.to_string()));
        self
    }
}

/// One request the fake upstream received.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    /// When it arrived, and how many requests were being answered then (itself included).
    pub at: std::time::Instant,
    pub in_flight: usize,
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

#[derive(Default)]
struct UpstreamState {
    replies: HashMap<String, Reply>,
    /// Every request, in order.
    received: Vec<Received>,
    in_flight: usize,
}

/// A local HTTP server standing in for the news sites.
#[derive(Clone)]
pub struct Upstream {
    pub url: String,
    state: Arc<Mutex<UpstreamState>>,
}

impl Upstream {
    pub async fn start() -> Upstream {
        let state = Arc::new(Mutex::new(UpstreamState::default()));
        let router = axum::Router::new().route("/{*path}", axum::routing::get(answer)).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Upstream { url, state }
    }

    /// Makes `path` answer `reply` from now on.
    pub fn set(&self, path: &str, reply: Reply) {
        self.state.lock().unwrap().replies.insert(path.trim_start_matches('/').to_string(), reply);
    }

    /// The `If-None-Match` headers `path` was asked with.
    pub fn if_none_match(&self, path: &str) -> Vec<Option<String>> {
        self.received(path)
            .iter()
            .map(|r| r.headers.get("if-none-match").map(|v| v.to_str().unwrap().to_string()))
            .collect()
    }

    /// The requests for `path` (every request when `path` is empty), in order.
    pub fn received(&self, path: &str) -> Vec<Received> {
        let path = path.trim_start_matches('/');
        let state = self.state.lock().unwrap();
        state.received.iter().filter(|r| path.is_empty() || r.path == path).cloned().collect()
    }

    /// A URL on this machine where every connection is accepted, then closed unanswered.
    pub async fn resetting() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/feed.rss", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                drop(socket);
            }
        });
        url
    }
}

/// Counts a request out of the upstream's in-flight number when its answer is done.
struct Leaving(Arc<Mutex<UpstreamState>>);

impl Drop for Leaving {
    fn drop(&mut self) {
        self.0.lock().unwrap().in_flight -= 1;
    }
}

async fn answer(
    State(state): State<Arc<Mutex<UpstreamState>>>,
    UrlPath(path): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let if_none_match = headers.get("if-none-match").and_then(|v| v.to_str().ok()).map(str::to_string);
    let reply = {
        let mut s = state.lock().unwrap();
        s.in_flight += 1;
        let in_flight = s.in_flight;
        s.received.push(Received { path: path.clone(), headers, at: std::time::Instant::now(), in_flight });
        s.replies.get(&path).cloned()
    };
    let leaving = Leaving(state.clone());
    let Some(reply) = reply else { return (StatusCode::NOT_FOUND, "not found").into_response() };
    tokio::time::sleep(reply.delay).await;
    if reply.etag.is_some() && reply.etag == if_none_match {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let status = StatusCode::from_u16(reply.status).unwrap();
    let mut response = match reply.drip {
        None => {
            drop(leaving);
            (status, reply.body).into_response()
        }
        Some(every) => {
            let bytes = reply.body.into_iter().map(|b| Ok::<_, std::io::Error>(vec![b]));
            let stream = futures_util::stream::iter(bytes).then(move |chunk| async move {
                tokio::time::sleep(every).await;
                chunk
            });
            let stream = futures_util::StreamExt::chain(
                stream,
                futures_util::stream::once(async move {
                    drop(leaving);
                    Ok(Vec::new())
                }),
            );
            (status, axum::body::Body::from_stream(stream)).into_response()
        }
    };
    if let Some(etag) = reply.etag {
        response.headers_mut().insert("etag", etag.parse().unwrap());
    }
    for (name, value) in reply.headers {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

/// The bundled demo's configuration, its sources read from `config/demo/` in the repository, its
/// `listen` and `base_url` left to the defaults (or to `spawn_app`), its store at `store` (else in
/// the configuration's own folder).
pub fn demo_config(store: Option<&std::path::Path>) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let demo = std::fs::read_to_string(format!("{root}/config/demo.toml")).unwrap();
    demo.lines()
        .filter(|l| !l.starts_with("listen =") && !l.starts_with("base_url ="))
        .filter_map(|l| match l.starts_with("path =") {
            true => store.map(|s| format!("path = \"{}\"", s.display())),
            false => Some(l.replace("url = \"demo/", &format!("url = \"{root}/config/demo/"))),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The real daemon, in-process, on port 0, with a temporary store and no timers: tests poll.
pub struct TestApp {
    pub app: Arc<App>,
    pub address: SocketAddr,
    pub upstream: Upstream,
    pub dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    daemon: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

/// Writes `config` (with `{upstream}` replaced by the fake upstream's URL) and starts the daemon.
pub async fn spawn_app(config: &str) -> TestApp {
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tidings.toml");
    let config = config.replace("{upstream}", &upstream.url);
    let text = match config.contains("[server]\n") {
        true => config.replace("[server]\n", "[server]\nlisten = \"127.0.0.1:0\"\n"),
        false => format!("[server]\nlisten = \"127.0.0.1:0\"\n\n{config}"),
    };
    std::fs::write(&path, text).unwrap();
    let config = Config::load(&path).unwrap_or_else(|e| panic!("test config refused:\n{e}"));
    let app = Arc::new(App::open(config).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let options = Options { poll_at_startup: false, schedule: false, grace: Duration::from_secs(5) };
    let daemon = tokio::spawn(daemon::run(app.clone(), listener, options, async {
        let _ = stopped.await;
    }));
    TestApp { app, address, upstream, dir, stop: Some(stop), daemon: Some(daemon) }
}

/// One entry of a served feed, as a reader sees it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub id: String,
    pub title: String,
    pub updated: Option<chrono::DateTime<chrono::Utc>>,
    pub author: Option<String>,
}

impl TestApp {
    /// Polls a source the way a cron job would.
    pub async fn poll(&self, source: &str) -> Report {
        poll::poll_source(&self.app, source).await.unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        reqwest::get(format!("http://{}{path}", self.address)).await.unwrap()
    }

    /// Fetches a topic feed and reads it back with feed-rs, as a reader would.
    pub async fn feed(&self, topic: &str) -> Vec<Seen> {
        let response = self.get(&format!("/feeds/{topic}.atom")).await;
        assert_eq!(response.status(), 200, "feed {topic}");
        let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
        assert_eq!(content_type, "application/atom+xml; charset=utf-8");
        let body = response.bytes().await.unwrap();
        let feed = feed_rs::parser::parse(&body[..]).unwrap();
        feed.entries
            .into_iter()
            .map(|e| Seen {
                id: e.id,
                title: e.title.map(|t| t.content).unwrap_or_default(),
                updated: e.updated,
                author: e.authors.first().and_then(|a| a.name.clone()),
            })
            .collect()
    }

    pub async fn titles(&self, topic: &str) -> Vec<String> {
        self.feed(topic).await.into_iter().map(|s| s.title).collect()
    }

    pub fn store_path(&self) -> PathBuf {
        self.app.config.store_path.clone()
    }

    /// Stops the daemon as SIGTERM would; on a clean stop, hands back the folder of its store
    /// (released: every handle on it is gone).
    pub async fn shutdown(mut self) -> anyhow::Result<tempfile::TempDir> {
        self.stop.take().unwrap().send(()).unwrap();
        self.daemon.take().unwrap().await.unwrap()?;
        let TestApp { app, dir, .. } = self;
        drop(app);
        Ok(dir)
    }
}
