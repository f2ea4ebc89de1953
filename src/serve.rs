//! Stage 8, serve: the HTTP endpoint readers subscribe to.
//!
//! `GET /feeds/{topic}.atom`, `.rss` and `.json` (and `all`), `/topics.opml`, `/sources.opml`,
//! all answered from the documents `publish` keeps in memory, with ETag, Last-Modified, 304s,
//! HEAD and gzip or brotli; `GET /` (the topics, their feeds with autodiscovery links, and each
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
use crate::publish::{Document, Format};

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
        crate::poll::republish(&app);
    }
    let router = Router::new()
        .route("/", get(index_page))
        .route("/healthz", get(healthz))
        .route("/status.json", get(status_json))
        .route("/feeds/{file}", get(feed))
        .route("/topics.opml", get(opml))
        .route("/sources.opml", get(opml))
        .with_state(Served { app, base_url });
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await
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
    if topic != ALL_TOPIC && served.app.config.topic(topic).is_none() {
        return not_found(&format!("no topic named {topic:?}; the list is at /\n"));
    }
    document(&served, &format!("feeds/{file}"), &headers)
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
    let encoding = negotiate(headers);
    let etag = doc.etag_for(encoding);
    let last_modified = http_date(doc.last_modified);
    let mut response = match not_modified(&doc, headers) {
        true => StatusCode::NOT_MODIFIED.into_response(),
        false => {
            let body = match encoding {
                Some("br") => doc.brotli.clone(),
                Some("gzip") => doc.gzip.clone(),
                _ => doc.plain.clone(),
            };
            let mut r = body.into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(doc.content_type));
            if let Some(e) = encoding {
                r.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
            }
            r
        }
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&last_modified) {
        h.insert(header::LAST_MODIFIED, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={}", doc.max_age)) {
        h.insert(header::CACHE_CONTROL, v);
    }
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    response
}

/// RFC 9110: If-None-Match decides when present; else If-Modified-Since, to the second.
fn not_modified(doc: &Document, headers: &HeaderMap) -> bool {
    if let Some(tags) = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        return tags.split(',').any(|t| doc.matches(t));
    }
    let since = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| chrono::DateTime::parse_from_rfc2822(v.trim()).ok());
    since.is_some_and(|since| doc.last_modified.timestamp() <= since.timestamp())
}

/// The best encoding `Accept-Encoding` allows: brotli, then gzip, else none.
fn negotiate(headers: &HeaderMap) -> Option<&'static str> {
    let accept = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("");
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

fn http_date(time: chrono::DateTime<chrono::Utc>) -> String {
    time.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn not_found(message: &str) -> Response {
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message.to_string()).into_response()
}

fn internal_error(e: anyhow::Error) -> Response {
    tracing::error!(error = %format!("{e:#}"), "request failed");
    let body = "the feed could not be built; the server log says why\n";
    (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}
