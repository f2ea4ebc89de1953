//! Stage 1, fetch: get a source's bytes, over HTTP or from disk.
//!
//! Knows nothing about feeds. Sends conditional requests (ETag, Last-Modified), enforces the
//! deadlines and a cap on the *decoded* body (so a gzip bomb stops at the cap), and reports a
//! typed error the orchestrator can log and keep. Only this module touches reqwest.

use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use reqwest::header::{self, HeaderMap};
use reqwest::StatusCode;
use url::Url;

use crate::config::{Fetch, Location};

/// What a conditional request sends: the validators of the last successful fetch.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The answer to a fetch.
#[derive(Debug)]
pub enum Fetched {
    /// 304, or a file that has not changed since the validators were taken.
    NotModified,
    Document(Document),
}

/// A document's bytes and what the server said about them.
#[derive(Debug)]
pub struct Document {
    pub body: Bytes,
    /// The `Content-Type` header, if any (the parser sniffs the body regardless).
    pub content_type: Option<String>,
    /// Where the bytes came from after redirects: the base for relative links.
    pub url: Url,
    pub validators: Validators,
}

/// Why a fetch failed. The message of each names what went wrong in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("HTTP status {0}")]
    Status(u16),
    #[error("body larger than the cap of {0} bytes")]
    TooLarge(u64),
    #[error("cannot read {path}: {message}")]
    File { path: String, message: String },
    #[error("request failed: {0}")]
    Other(String),
}

/// Fetches documents with one shared connection pool.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    timeout: Duration,
    max_body_bytes: u64,
}

const ACCEPT: &str = "application/atom+xml, application/rss+xml, application/feed+json, \
                      application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8";

impl Fetcher {
    pub fn new(settings: &Fetch) -> anyhow::Result<Fetcher> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, header::HeaderValue::from_static(ACCEPT));
        let client = reqwest::Client::builder()
            .user_agent(settings.user_agent.clone())
            .default_headers(headers)
            .timeout(settings.timeout)
            .connect_timeout(settings.connect_timeout)
            .read_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()?;
        Ok(Fetcher {
            client,
            timeout: settings.timeout,
            max_body_bytes: settings.max_body_bytes,
        })
    }

    /// Fetches `location`, conditionally when `validators` are known.
    pub async fn fetch(
        &self,
        location: &Location,
        validators: &Validators,
    ) -> Result<Fetched, FetchError> {
        match location {
            Location::Http(url) => self.fetch_http(url, validators).await,
            Location::File(path) => self.fetch_file(path, validators).await,
        }
    }

    async fn fetch_http(&self, url: &Url, validators: &Validators) -> Result<Fetched, FetchError> {
        let mut request = self.client.get(url.clone());
        if let Some(etag) = &validators.etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &validators.last_modified {
            request = request.header(header::IF_MODIFIED_SINCE, lm);
        }
        let response = request.send().await.map_err(|e| self.classify(e))?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        let headers = response.headers();
        let text = |name| {
            headers
                .get(name)
                .and_then(|v: &header::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = text(header::CONTENT_TYPE);
        let validators = Validators {
            etag: text(header::ETAG),
            last_modified: text(header::LAST_MODIFIED),
        };
        let url = response.url().clone();
        let body = self.read_capped(response).await?;
        Ok(Fetched::Document(Document {
            body,
            content_type,
            url,
            validators,
        }))
    }

    /// Reads the decoded body chunk by chunk, giving up as soon as it passes the cap.
    async fn read_capped(&self, response: reqwest::Response) -> Result<Bytes, FetchError> {
        if response
            .content_length()
            .is_some_and(|n| n > self.max_body_bytes)
        {
            return Err(FetchError::TooLarge(self.max_body_bytes));
        }
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
    async fn fetch_file(
        &self,
        path: &std::path::Path,
        validators: &Validators,
    ) -> Result<Fetched, FetchError> {
        let fail = |e: std::io::Error| FetchError::File {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let meta = tokio::fs::metadata(path).await.map_err(fail)?;
        if meta.len() > self.max_body_bytes {
            return Err(FetchError::TooLarge(self.max_body_bytes));
        }
        let modified = meta.modified().ok().map(http_date);
        if modified.is_some() && modified == validators.last_modified {
            return Ok(Fetched::NotModified);
        }
        let body = tokio::fs::read(path).await.map_err(fail)?;
        if body.len() as u64 > self.max_body_bytes {
            return Err(FetchError::TooLarge(self.max_body_bytes));
        }
        let url = Url::from_file_path(path).map_err(|_| FetchError::File {
            path: path.display().to_string(),
            message: "not an absolute path".into(),
        })?;
        let validators = Validators {
            etag: None,
            last_modified: modified,
        };
        Ok(Fetched::Document(Document {
            body: body.into(),
            content_type: None,
            url,
            validators,
        }))
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
    DateTime::<Utc>::from(time)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}
