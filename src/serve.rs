//! Stage 8, serve: the HTTP endpoint readers subscribe to.
//!
//! `GET /feeds/{topic}.atom` (and `all`), `GET /` (the topics, their feeds with autodiscovery
//! links, and each source's last poll), `GET /healthz`. The listener and the shutdown signal are
//! arguments, so tests bind port 0 and `main` binds the configured address.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use url::Url;

use crate::app::App;
use crate::config::ALL_TOPIC;
use crate::render::{self, FeedInfo, SourceInfo};

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
    let router = Router::new()
        .route("/", get(index_page))
        .route("/healthz", get(healthz))
        .route("/status.json", get(status_json))
        .route("/feeds/{file}", get(feed))
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

async fn feed(State(served): State<Served>, Path(file): Path<String>) -> Response {
    let Some(topic) = file.strip_suffix(".atom") else {
        return not_found(&format!("no feed at /feeds/{file}; topic feeds end in .atom\n"));
    };
    let title = if topic == ALL_TOPIC {
        "All news".to_string()
    } else if let Some(t) = served.app.config.topic(topic) {
        t.title.clone()
    } else {
        return not_found(&format!("no topic named {topic:?}; the list is at /\n"));
    };
    match render_topic(&served, topic, &title) {
        Ok(xml) => ([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], xml).into_response(),
        Err(e) => internal_error(e),
    }
}

fn render_topic(served: &Served, topic: &str, title: &str) -> anyhow::Result<String> {
    let app = &served.app;
    let limit = app.config.topic(topic).map_or(app.config.server.max_entries, |t| t.max_entries);
    let items = app.store.newest(topic, limit)?;
    let info = FeedInfo {
        title,
        self_url: served.base_url.join(&format!("feeds/{topic}.atom"))?.to_string(),
        home_url: served.base_url.to_string(),
        fallback_updated: app.store.created()?,
    };
    Ok(render::atom(&info, &items, &source_infos(app)?))
}

/// Each configured source's title, URL and stored state.
fn source_infos(app: &App) -> anyhow::Result<HashMap<String, SourceInfo>> {
    let mut infos = HashMap::new();
    for source in &app.config.sources {
        let state = app.store.source_state(&source.id)?;
        let info = SourceInfo { title: source.title.clone(), url: source.location.url().to_string(), state };
        infos.insert(source.id.clone(), info);
    }
    Ok(infos)
}

fn not_found(message: &str) -> Response {
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message.to_string()).into_response()
}

fn internal_error(e: anyhow::Error) -> Response {
    tracing::error!(error = %format!("{e:#}"), "request failed");
    let body = "the feed could not be built; the server log says why\n";
    (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}
