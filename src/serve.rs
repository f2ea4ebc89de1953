//! Stage 8, serve: the HTTP endpoint readers subscribe to.
//!
//! `GET /feeds/{topic}.atom`, `.rss` and `.json` (and `all`), `/topics.opml`, `/sources.opml`,
//! all answered from the documents `publish` keeps in memory, with ETag, Last-Modified, 304s,
//! HEAD and gzip or brotli; `GET /feeds/{topic}/archive/{n}.atom`, the topic's full pages of
//! history (RFC 5005), immutable; `GET /` (the topics, their feeds with autodiscovery links, and each
//! source's last poll), `GET /status.json`, `GET /healthz`. The listener and the shutdown signal are
//! arguments, so tests bind port 0 and `main` binds the configured address.

use std::future::Future;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use url::Url;

use crate::app::App;
use crate::config::ALL_TOPIC;
use crate::publish::history::{self, Lookup};
use crate::publish::{self, Document, Format};

mod fast;
mod index;
pub mod status;

/// What the handlers share.
#[derive(Clone)]
struct Served {
    app: Arc<App>,
    /// The public URL, ending in `/`: `[server].base_url`, else the bound address.
    base_url: Url,
}

/// The public URL the server names itself by.
pub fn base_url(app: &App, listener: &TcpListener) -> std::io::Result<Url> {
    let mut url = match &app.config.server.base_url {
        Some(url) => url.clone(),
        None => Url::parse(&format!("http://{}/", listener.local_addr()?)).expect("an address makes a URL"),
    };
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let base_url = base_url(&app, &listener)?;
    if app.published.base().as_ref() != Some(&base_url) {
        app.published.set_base(base_url.clone());
        crate::poll::republish(&app).await;
    }
    let router = Router::new()
        .route("/", get(index_page))
        .route("/healthz", get(healthz))
        .route("/status.json", get(status_json))
        .route("/feeds/{file}", get(feed))
        .route("/feeds/{topic}/archive/{file}", get(archive))
        .route("/topics.opml", get(opml))
        .route("/sources.opml", get(opml))
        .with_state(Served { app: app.clone(), base_url });
    serve_connections(listener, app, router, shutdown).await
}

/// Accepts connections until `shutdown` completes; then stops accepting, lets each connection
/// finish the request it is answering, and returns once all have closed.
async fn serve_connections(
    listener: TcpListener,
    app: Arc<App>,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let connections = tokio_util::task::TaskTracker::new();
    let stop = tokio_util::sync::CancellationToken::new();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _)) => {
                // No Nagle delay: a 304 goes out at once (nginx does the same).
                if let Err(e) = stream.set_nodelay(true) {
                    tracing::debug!(error = %e, "TCP_NODELAY not set on a connection");
                }
                connections.spawn(fast::connection(stream, app.clone(), router.clone(), stop.clone()));
            }
            Err(e) => {
                // Out of descriptors, most likely: wait a little rather than spin.
                tracing::warn!(error = %e, "could not accept a connection");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
    drop(listener);
    stop.cancel();
    connections.close();
    connections.wait().await;
    Ok(())
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn status_json(State(served): State<Served>) -> Response {
    match status::sources(&served.app, chrono::Utc::now()) {
        Ok(sources) => axum::Json(serde_json::json!({ "sources": sources })).into_response(),
        Err(e) => internal_error(e),
    }
}

async fn index_page(State(served): State<Served>) -> Response {
    match index::render(&served.app, &served.base_url) {
        Ok(html) => Html(html).into_response(),
        Err(e) => internal_error(e),
    }
}

async fn feed(State(served): State<Served>, Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some((topic, _)) = file.rsplit_once('.').filter(|(_, ext)| Format::from_extension(ext).is_some()) else {
        return not_found(&format!("no feed at /feeds/{file}; topic feeds end in .atom, .rss or .json\n"));
    };
    if let Some(unknown) = unknown_topic(&served, topic) {
        return unknown;
    }
    document(&served, &format!("feeds/{file}"), &headers)
}

/// An archive page: from the store (then memory), immutable; the page after the newest full one
/// redirects to the current feed, which holds its stories until it is full.
async fn archive(
    State(served): State<Served>,
    Path((topic, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(number) = file.strip_suffix(".atom").and_then(|n| n.parse::<u32>().ok()) else {
        return not_found(&format!(
            "no archive page at /feeds/{topic}/archive/{file}; pages are numbered: 1.atom, 2.atom, …\n"
        ));
    };
    if let Some(unknown) = unknown_topic(&served, &topic) {
        return unknown;
    }
    match history::lookup(&served.app, &topic, number) {
        Ok(Lookup::Page(doc)) => respond(&doc, &headers),
        Ok(Lookup::Next) => {
            let current = served.base_url.join(&publish::feed_path(&topic, Format::Atom)).map(String::from);
            let location = current.ok().and_then(|c| HeaderValue::from_str(&c).ok());
            let mut r =
                (StatusCode::TEMPORARY_REDIRECT, "this page is not full yet: its stories are in the current feed\n")
                    .into_response();
            if let Some(location) = location {
                r.headers_mut().insert(header::LOCATION, location);
            }
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            r
        }
        Ok(Lookup::Gone) => (StatusCode::GONE, "retention let this page of history go\n").into_response(),
        Ok(Lookup::Missing) => not_found(&format!("{topic} has no archive page {number}\n")),
        Err(e) => internal_error(e.into()),
    }
}

async fn opml(State(served): State<Served>, uri: axum::http::Uri, headers: HeaderMap) -> Response {
    document(&served, uri.path().trim_start_matches('/'), &headers)
}

/// A published document, answered from memory: 304 when the reader has it, else the bytes in
/// the best encoding the reader accepts.
fn document(served: &Served, path: &str, headers: &HeaderMap) -> Response {
    let Some(doc) = served.app.published.get(path) else {
        let body = "the feeds are being rendered; try again in a moment\n";
        return (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "5")], body).into_response();
    };
    respond(&doc, headers)
}

/// A document, as the request's validators and Accept-Encoding ask: every header value is
/// already built, so this is a lookup and a write.
fn respond(doc: &Document, headers: &HeaderMap) -> Response {
    let header = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    let answer = Answer::to(
        doc,
        header(header::ACCEPT_ENCODING),
        header(header::IF_NONE_MATCH),
        header(header::IF_MODIFIED_SINCE),
    );
    let mut response = match answer.fresh {
        true => StatusCode::NOT_MODIFIED.into_response(),
        false => {
            let mut r = answer.body.clone().into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(doc.content_type));
            if let Some(e) = answer.encoding {
                r.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
            }
            r
        }
    };
    let h = response.headers_mut();
    h.insert(header::ETAG, doc.etag_for(answer.encoding).clone());
    h.insert(header::LAST_MODIFIED, doc.headers.last_modified.clone());
    h.insert(header::CACHE_CONTROL, doc.headers.cache_control.clone());
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    response
}

/// How a request for a document is answered, whichever path serves it.
struct Answer<'d> {
    /// The reader has this version: 304.
    fresh: bool,
    /// `gzip`, `br`, or none.
    encoding: Option<&'static str>,
    /// The bytes of that form, and where they start in the document's memory file.
    body: &'d axum::body::Bytes,
    offset: usize,
}

impl<'d> Answer<'d> {
    /// The answer to a request with these `Accept-Encoding`, `If-None-Match` and
    /// `If-Modified-Since` values.
    fn to(doc: &'d Document, accept: Option<&str>, if_none_match: Option<&str>, since: Option<&str>) -> Answer<'d> {
        let encoding = negotiate(accept);
        let (body, offset) = doc.form(encoding);
        Answer { fresh: not_modified(doc, if_none_match, since), encoding, body, offset }
    }
}

/// RFC 9110: If-None-Match decides when present; else If-Modified-Since, to the second.
fn not_modified(doc: &Document, if_none_match: Option<&str>, if_modified_since: Option<&str>) -> bool {
    if let Some(tags) = if_none_match {
        return tags.split(',').any(|t| doc.matches(t));
    }
    let since = if_modified_since.and_then(|v| chrono::DateTime::parse_from_rfc2822(v.trim()).ok());
    since.is_some_and(|since| doc.last_modified.timestamp() <= since.timestamp())
}

/// The best encoding `Accept-Encoding` allows: brotli, then gzip, else none.
fn negotiate(accept: Option<&str>) -> Option<&'static str> {
    let accept = accept.unwrap_or("");
    let quality = |name: &str| {
        accept.split(',').find_map(|part| {
            let mut bits = part.split(';');
            let coding = bits.next()?.trim();
            (coding.eq_ignore_ascii_case(name) || coding == "*").then(|| {
                bits.find_map(|b| b.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0)
            })
        })
    };
    ["br", "gzip"].into_iter().find(|e| quality(e).is_some_and(|q| q > 0.0))
}

/// A 404 naming `topic`, unless it is `all` or a configured topic.
fn unknown_topic(served: &Served, topic: &str) -> Option<Response> {
    let known = topic == ALL_TOPIC || served.app.config.topic(topic).is_some();
    (!known).then(|| not_found(&format!("no topic named {topic:?}; the list is at /\n")))
}

fn not_found(message: &str) -> Response {
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message.to_string()).into_response()
}

fn internal_error(e: anyhow::Error) -> Response {
    tracing::error!(error = %format!("{e:#}"), "request failed");
    let body = "the feed could not be built; the server log says why\n";
    (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}
