//! Stage 1, fetch: get a source's bytes, over HTTP or from disk, as a good citizen of the web.
//!
//! Knows nothing about feeds. Sends conditional requests (ETag, Last-Modified), waits its turn
//! with [`polite::Limiter`], follows up to five redirects itself (so a permanent move can be
//! reported), enforces the connect, read and total deadlines and a cap on the *decoded* body (a gzip
//! bomb stops at the cap), and reports what the server asked for (Retry-After, max-age, Expires)
//! with a typed error the orchestrator can act on. Only this module touches reqwest.

mod polite;

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::StatusCode;
use url::Url;

use crate::config::{Fetch, Location, Request, Source};
use crate::pace;
pub use polite::Limiter;

/// Redirects followed before giving up.
const MAX_REDIRECTS: usize = 5;

/// What a conditional request sends: the validators of the last successful fetch.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// What the server said besides the body.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    /// The final status (none for files).
    pub status: Option<u16>,
    /// How long the server says the response stays fresh (max-age or Expires).
    pub fresh_for: Option<Duration>,
    /// Where a chain made only of permanent redirects (301/308) ended.
    pub moved_to: Option<Url>,
}

/// The answer to a fetch.
#[derive(Debug)]
pub enum Fetched {
    /// 304, or a file that has not changed since the validators were taken.
    NotModified(Meta),
    Document(Document),
}

/// A document's bytes and what the server said about them.
#[derive(Debug)]
pub struct Document {
    pub body: Bytes,
    /// The `Content-Type` header, if any. Never trusted: the parser sniffs the body.
    pub content_type: Option<String>,
    /// Where the bytes came from after redirects: the base for relative links.
    pub url: Url,
    pub validators: Validators,
    pub meta: Meta,
}

/// Why a fetch failed. Each message names what went wrong in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("HTTP status {status}")]
    Status { status: u16, retry_after: Option<Duration> },
    #[error("HTTP status 429: the site asks to slow down")]
    Throttled { retry_after: Option<Duration> },
    #[error("HTTP status 410: the feed is gone")]
    Gone,
    #[error("{0}")]
    Redirect(String),
    #[error("body larger than the cap of {0} bytes")]
    TooLarge(u64),
    #[error("cannot read {path}: {message}")]
    File { path: String, message: String },
    #[error("request failed: {0}")]
    Other(String),
}

impl FetchError {
    /// The HTTP status that caused the error, if one did.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            FetchError::Throttled { .. } => Some(429),
            FetchError::Gone => Some(410),
            _ => None,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } | FetchError::Throttled { retry_after } => *retry_after,
            _ => None,
        }
    }
}

/// Fetches documents with shared connection pools and one politeness limiter.
pub struct Fetcher {
    client: reqwest::Client,
    /// Clients for the sources that name their own proxy.
    proxied: HashMap<String, reqwest::Client>,
    limiter: Limiter,
    timeout: Duration,
    max_body_bytes: u64,
}

const ACCEPT: &str = "application/atom+xml, application/rss+xml, application/feed+json, \
                      application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8";

impl Fetcher {
    pub fn new(settings: &Fetch, sources: &[Source]) -> anyhow::Result<Fetcher> {
        let default = client(settings, None)?;
        let mut proxied = HashMap::new();
        for source in sources {
            if let Some(proxy) = &source.request.proxy {
                proxied.insert(source.id.clone(), client(settings, Some(proxy))?);
            }
        }
        let limiter =
            Limiter::new(settings.max_in_flight, settings.per_host, settings.host_interval, settings.exempt_loopback);
        Ok(Fetcher {
            client: default,
            proxied,
            limiter,
            timeout: settings.timeout,
            max_body_bytes: settings.max_body_bytes,
        })
    }

    /// Fetches `source`, conditionally when `validators` are known.
    pub async fn fetch(&self, source: &Source, validators: &Validators) -> Result<Fetched, FetchError> {
        self.fetch_at(source, &source.location, validators).await
    }

    /// Fetches another page for `source` (an item's own page), with its settings and politeness.
    pub async fn fetch_at(
        &self,
        source: &Source,
        location: &Location,
        validators: &Validators,
    ) -> Result<Fetched, FetchError> {
        match location {
            Location::Http(url) => {
                let _permit = self.limiter.acquire(url).await;
                let client = self.proxied.get(&source.id).unwrap_or(&self.client);
                self.fetch_http(client, url, &source.request, validators).await
            }
            Location::File(path) => self.fetch_file(path, validators).await,
        }
    }

    async fn fetch_http(
        &self,
        client: &reqwest::Client,
        start: &Url,
        settings: &Request,
        validators: &Validators,
    ) -> Result<Fetched, FetchError> {
        let mut url = start.clone();
        let mut visited = vec![url.clone()];
        let mut all_permanent = true;
        let response = loop {
            let response = request(client, &url, settings, validators).send().await.map_err(|e| self.classify(e))?;
            let status = response.status();
            if !status.is_redirection() || status == StatusCode::NOT_MODIFIED {
                break response;
            }
            let next = redirect_target(&response, &url)?;
            if visited.contains(&next) {
                return Err(FetchError::Redirect(format!("redirect loop: {url} leads back to {next}")));
            }
            if visited.len() > MAX_REDIRECTS {
                return Err(FetchError::Redirect(format!("more than {MAX_REDIRECTS} redirects, the last to {next}")));
            }
            all_permanent &= matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT);
            visited.push(next.clone());
            url = next;
        };
        let now = Utc::now();
        let headers = response.headers();
        let text = |name: HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let status = response.status();
        let meta = Meta {
            status: Some(status.as_u16()),
            fresh_for: pace::fresh_for(text(header::CACHE_CONTROL).as_deref(), text(header::EXPIRES).as_deref(), now),
            moved_to: (visited.len() > 1 && all_permanent).then(|| url.clone()),
        };
        let retry_after = text(header::RETRY_AFTER).and_then(|v| pace::retry_after(&v, now));
        match status {
            StatusCode::NOT_MODIFIED => return Ok(Fetched::NotModified(meta)),
            StatusCode::TOO_MANY_REQUESTS => return Err(FetchError::Throttled { retry_after }),
            StatusCode::GONE => return Err(FetchError::Gone),
            s if !s.is_success() => return Err(FetchError::Status { status: s.as_u16(), retry_after }),
            _ => {}
        }
        let content_type = text(header::CONTENT_TYPE);
        let validators = Validators { etag: text(header::ETAG), last_modified: text(header::LAST_MODIFIED) };
        let body = self.read_capped(response).await?;
        Ok(Fetched::Document(Document { body, content_type, url, validators, meta }))
    }

    /// Reads the decoded body chunk by chunk, giving up as soon as it passes the cap.
    async fn read_capped(&self, response: reqwest::Response) -> Result<Bytes, FetchError> {
        let mut body = BytesMut::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| self.classify(e))?;
            if (body.len() + chunk.len()) as u64 > self.max_body_bytes {
                return Err(FetchError::TooLarge(self.max_body_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }

    fn classify(&self, e: reqwest::Error) -> FetchError {
        if e.is_timeout() {
            FetchError::Timeout(self.timeout)
        } else if e.is_connect() {
            FetchError::Connect(error_chain(&e))
        } else {
            FetchError::Other(error_chain(&e))
        }
    }

    /// Files take the same path as HTTP: their modification time plays Last-Modified.
    async fn fetch_file(&self, path: &std::path::Path, validators: &Validators) -> Result<Fetched, FetchError> {
        let fail = |e: std::io::Error| FetchError::File { path: path.display().to_string(), message: e.to_string() };
        let meta = tokio::fs::metadata(path).await.map_err(fail)?;
        if meta.len() > self.max_body_bytes {
            return Err(FetchError::TooLarge(self.max_body_bytes));
        }
        let modified = meta.modified().ok().map(http_date);
        if modified.is_some() && modified == validators.last_modified {
            return Ok(Fetched::NotModified(Meta::default()));
        }
        let body = tokio::fs::read(path).await.map_err(fail)?;
        if body.len() as u64 > self.max_body_bytes {
            return Err(FetchError::TooLarge(self.max_body_bytes));
        }
        let url = Url::from_file_path(path).map_err(|_| FetchError::File {
            path: path.display().to_string(),
            message: "not an absolute path".into(),
        })?;
        let validators = Validators { etag: None, last_modified: modified };
        Ok(Fetched::Document(Document {
            body: body.into(),
            content_type: None,
            url,
            validators,
            meta: Meta::default(),
        }))
    }
}

/// A client with the deadlines, the default user agent and, for some sources, a proxy. Redirects
/// are followed by hand, so each hop's status can be seen.
fn client(settings: &Fetch, proxy: Option<&Url>) -> anyhow::Result<reqwest::Client> {
    let mut headers = HeaderMap::new();
    headers.insert(header::ACCEPT, HeaderValue::from_static(ACCEPT));
    let mut builder = reqwest::Client::builder()
        .user_agent(settings.user_agent.clone())
        .default_headers(headers)
        .timeout(settings.timeout)
        .connect_timeout(settings.connect_timeout)
        .read_timeout(settings.read_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .gzip(true)
        .brotli(true)
        .deflate(true);
    if let Some(proxy) = proxy {
        builder = builder.proxy(reqwest::Proxy::all(proxy.as_str())?);
    }
    Ok(builder.build()?)
}

/// One request with the conditional headers and the source's own settings.
fn request(
    client: &reqwest::Client,
    url: &Url,
    settings: &Request,
    validators: &Validators,
) -> reqwest::RequestBuilder {
    let mut request = client.get(url.clone());
    if let Some(etag) = &validators.etag {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    if let Some(lm) = &validators.last_modified {
        request = request.header(header::IF_MODIFIED_SINCE, lm);
    }
    if let Some(ua) = &settings.user_agent {
        request = request.header(header::USER_AGENT, ua);
    }
    if let Some(cookie) = &settings.cookie {
        request = request.header(header::COOKIE, cookie);
    }
    if let Some((user, password)) = &settings.basic_auth {
        request = request.basic_auth(user, Some(password));
    }
    for (name, value) in &settings.headers {
        request = request.header(name, value);
    }
    request
}

fn redirect_target(response: &reqwest::Response, from: &Url) -> Result<Url, FetchError> {
    let location = response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).ok_or_else(|| {
        FetchError::Redirect(format!("HTTP status {} without a Location header", response.status().as_u16()))
    })?;
    let next = from.join(location).map_err(|e| FetchError::Redirect(format!("bad redirect to {location:?}: {e}")))?;
    match next.scheme() {
        "http" | "https" => Ok(next),
        other => Err(FetchError::Redirect(format!("redirect to a {other}: URL refused"))),
    }
}

/// The error and its causes on one line: reqwest's top-level message alone says little.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// An HTTP date (RFC 7231, IMF-fixdate) for a file's modification time.
fn http_date(time: SystemTime) -> String {
    DateTime::<Utc>::from(time).format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}
