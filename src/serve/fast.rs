//! The connection loop, with a fast path for published documents.
//!
//! Readers poll feeds far more often than anything else is asked for, so a `GET` or `HEAD` of a
//! published document (`/feeds/{topic}.{atom,rss,json}`, `/topics.opml`, `/sources.opml`) is
//! answered here, without building a request or response object: the head is parsed in place
//! (httparse), the header lines are the document's prebuilt values, and the body goes from the
//! document's sealed memory file to the socket with `sendfile(2)`, no copy through user space,
//! as nginx serves a static file. Anything else (other paths, query strings, bodies, upgrades, a
//! head that does not parse) is handed, with the bytes read so far, to hyper and the axum router
//! for the rest of the connection's life.

use std::io;
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use super::Answer;
use crate::app::App;
use crate::publish::{http_date, Document};

/// The longest request head the fast path reads before handing the connection over.
const MAX_HEAD: usize = 16 * 1024;
/// An idle keep-alive connection, or a head that trickles in, is closed after this.
const IDLE: Duration = Duration::from_secs(60);

/// Serves one connection until the client closes it, it idles out, or `stop` is cancelled.
pub async fn connection(mut stream: TcpStream, app: Arc<App>, router: Router, stop: CancellationToken) {
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    loop {
        let head = loop {
            if !buf.is_empty() {
                match Head::parse(&buf) {
                    Parsed::Complete(head) => break Some(head),
                    Parsed::Partial if buf.len() < MAX_HEAD => {}
                    _ => break None,
                }
            }
            if buf.capacity() - buf.len() < 1024 {
                buf.reserve(4096);
            }
            let read = tokio::select! {
                read = tokio::time::timeout(IDLE, stream.read_buf(&mut buf)) => read,
                _ = stop.cancelled(), if buf.is_empty() => return,
            };
            match read {
                Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return,
                Ok(Ok(_)) => {}
            }
        };
        let document = head.as_ref().and_then(|h| app.published.get(h.path.trim_start_matches('/')));
        let (Some(head), Some(document)) = (head, document) else {
            return hand_over(stream, buf, router, stop).await;
        };
        if respond(&stream, &head, &document).await.is_err() {
            return;
        }
        buf.drain(..head.length);
        if head.close || stop.is_cancelled() {
            return;
        }
    }
}

/// What the fast path needs of a request head.
struct Head {
    /// The bytes the head takes in the buffer.
    length: usize,
    head_only: bool,
    path: String,
    accept_encoding: Option<String>,
    if_none_match: Option<String>,
    if_modified_since: Option<String>,
    /// The client asked to close after this response (or speaks HTTP/1.0 without keep-alive).
    close: bool,
}

enum Parsed {
    Complete(Head),
    Partial,
    /// Not for the fast path: hyper answers it (a 400 if it is malformed).
    Elsewhere,
}

impl Head {
    fn parse(buf: &[u8]) -> Parsed {
        let mut headers = [httparse::EMPTY_HEADER; 48];
        let mut request = httparse::Request::new(&mut headers);
        let length = match request.parse(buf) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => return Parsed::Partial,
            Err(_) => return Parsed::Elsewhere,
        };
        let head_only = match request.method {
            Some("GET") => false,
            Some("HEAD") => true,
            _ => return Parsed::Elsewhere,
        };
        let Some(path) = request.path.filter(|p| p.starts_with('/') && !p.contains(['?', '%', '#'])) else {
            return Parsed::Elsewhere;
        };
        let version = request.version.unwrap_or(0);
        let mut head = Head {
            length,
            head_only,
            path: path.to_string(),
            accept_encoding: None,
            if_none_match: None,
            if_modified_since: None,
            close: version == 0,
        };
        for h in request.headers.iter() {
            let value = || std::str::from_utf8(h.value).ok().map(str::to_string);
            let name = h.name;
            if name.eq_ignore_ascii_case("accept-encoding") {
                head.accept_encoding = value();
            } else if name.eq_ignore_ascii_case("if-none-match") {
                head.if_none_match = value();
            } else if name.eq_ignore_ascii_case("if-modified-since") {
                head.if_modified_since = value();
            } else if name.eq_ignore_ascii_case("connection") {
                let v = String::from_utf8_lossy(h.value).to_ascii_lowercase();
                if v.contains("close") {
                    head.close = true;
                } else if v.contains("keep-alive") {
                    head.close = false;
                }
                if v.contains("upgrade") {
                    return Parsed::Elsewhere;
                }
            } else if (name.eq_ignore_ascii_case("content-length") && h.value != b"0")
                || name.eq_ignore_ascii_case("transfer-encoding")
                || name.eq_ignore_ascii_case("expect")
                || name.eq_ignore_ascii_case("upgrade")
            {
                return Parsed::Elsewhere;
            }
        }
        Parsed::Complete(head)
    }
}

/// Writes the response: the head (held back with `MSG_MORE` so it leaves with the body), then
/// the body from the document's memory file.
async fn respond(stream: &TcpStream, head: &Head, doc: &Document) -> io::Result<()> {
    let Answer { fresh, encoding, body, offset } = Answer::to(
        doc,
        head.accept_encoding.as_deref(),
        head.if_none_match.as_deref(),
        head.if_modified_since.as_deref(),
    );
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(if fresh { b"HTTP/1.1 304 Not Modified\r\n" } else { b"HTTP/1.1 200 OK\r\n" });
    let mut line = |name: &str, value: &[u8]| {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    };
    if !fresh {
        line("content-type", doc.content_type.as_bytes());
        line("content-length", body.len().to_string().as_bytes());
        if let Some(e) = encoding {
            line("content-encoding", e.as_bytes());
        }
    }
    line("etag", doc.etag_for(encoding).as_bytes());
    line("last-modified", doc.headers.last_modified.as_bytes());
    line("cache-control", doc.headers.cache_control.as_bytes());
    line("vary", b"Accept-Encoding");
    line("date", http_date(chrono::Utc::now()).as_bytes());
    if head.close {
        line("connection", b"close");
    }
    out.extend_from_slice(b"\r\n");
    let with_body = !fresh && !head.head_only && !body.is_empty();
    send(stream, &out, with_body).await?;
    if with_body {
        match &doc.file {
            Some(file) => send_file(stream, file.as_raw_fd(), offset, body.len()).await?,
            None => send(stream, body, false).await?,
        }
    }
    Ok(())
}

/// Writes all of `bytes`; `more` tells the kernel the body follows at once (`MSG_MORE`).
async fn send(stream: &TcpStream, bytes: &[u8], more: bool) -> io::Result<()> {
    let flags = libc::MSG_NOSIGNAL | if more { libc::MSG_MORE } else { 0 };
    let mut sent = 0;
    write_all(stream, bytes.len(), |fd| {
        let rest = &bytes[sent..];
        // SAFETY: the pointer and length come from a live slice; `fd` is the stream's own.
        let n = unsafe { libc::send(fd, rest.as_ptr().cast(), rest.len(), flags) };
        sent += n.max(0) as usize;
        n
    })
    .await
}

/// `sendfile(2)`: `length` bytes of `file` from `offset`, straight from the page cache.
async fn send_file(stream: &TcpStream, file: i32, offset: usize, length: usize) -> io::Result<()> {
    let mut offset = offset as libc::off_t;
    let mut left = length;
    write_all(stream, length, |fd| {
        // SAFETY: both descriptors are open (the file is held by the document's Arc, the socket
        // by `stream`); `offset` is a live local the kernel advances.
        let n = unsafe { libc::sendfile(fd, file, &mut offset, left) };
        left -= n.max(0) as usize;
        n
    })
    .await
}

/// Calls `write` (a system call on the socket's descriptor returning bytes written, or -1)
/// whenever the socket is writable, until `length` bytes are written.
async fn write_all(stream: &TcpStream, length: usize, mut write: impl FnMut(i32) -> isize) -> io::Result<()> {
    let mut left = length;
    while left > 0 {
        stream.writable().await?;
        let written = stream.try_io(tokio::io::Interest::WRITABLE, || match write(stream.as_raw_fd()) {
            n if n < 0 => Err(io::Error::last_os_error()),
            n => Ok(n as usize),
        });
        match written {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => left -= n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Hyper and the router serve the rest of the connection, starting with the bytes read so far.
async fn hand_over(stream: TcpStream, read: Vec<u8>, router: Router, stop: CancellationToken) {
    let io = TokioIo::new(Rewind { read: Bytes::from(read), stream });
    let service = TowerToHyperService::new(router);
    let conn = hyper::server::conn::http1::Builder::new().serve_connection(io, service).with_upgrades();
    tokio::pin!(conn);
    let result = tokio::select! {
        result = conn.as_mut() => result,
        _ = stop.cancelled() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(error = %e, "a connection ended with an error");
    }
}

/// A stream that first gives back bytes already read from it.
struct Rewind {
    read: Bytes,
    stream: TcpStream,
}

impl AsyncRead for Rewind {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if !self.read.is_empty() {
            let n = self.read.len().min(buf.remaining());
            let first = self.read.split_to(n);
            buf.put_slice(&first);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Rewind {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
