//! How long one poll of 200 sources takes with the default politeness limits (1 request in flight
//! per host, 1 s between the starts of two requests to a host, 16 in flight in all): all 200 on
//! one host, then spread over 20 hosts (127.0.0.1 to 127.0.0.20, each its own server). The
//! reference run polls the same 200 sources with the per-host rules off (loopback exempt), so
//! the figures read as ratios against it.
//!
//!     cargo bench --bench poll_hosts            # the default 200 sources
//!     cargo bench --bench poll_hosts -- 40      # fewer, for a quick look

use std::sync::Arc;
use std::time::{Duration, Instant};

use tidings::app::App;
use tidings::config::Config;

const FEED: &str = include_str!("../tests/fixtures/wco.rss");

/// Starts a feed server on `ip`; returns its base URL.
async fn server(ip: &str) -> String {
    let router = axum::Router::new()
        .route("/{*path}", axum::routing::get(|| async { ([("content-type", "application/rss+xml")], FEED) }));
    let listener = tokio::net::TcpListener::bind(format!("{ip}:0")).await.expect("bind a loopback address");
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

/// Polls `sources` sources spread over `hosts` servers, all at once as the daemon's start-up does.
async fn run(sources: usize, hosts: &[String], exempt_loopback: bool) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!("[fetch]\nschedule = \"0 0 0 1 1 *\"\nexempt_loopback = {exempt_loopback}\n");
    for i in 0..sources {
        let host = &hosts[i % hosts.len()];
        text.push_str(&format!("\n[[source]]\nid = \"s{i}\"\nurl = \"{host}/feed-{i}.rss\"\n"));
    }
    let path = dir.path().join("tidings.toml");
    std::fs::write(&path, text).unwrap();
    let app = Arc::new(App::open(Config::load(&path).unwrap()).unwrap());
    let started = Instant::now();
    let polls = (0..sources).map(|i| {
        let app = app.clone();
        tokio::spawn(async move { tidings::poll::poll_source(&app, &format!("s{i}")).await.unwrap() })
    });
    for report in futures_util::future::join_all(polls).await {
        assert!(report.unwrap().error.is_none());
    }
    started.elapsed()
}

#[tokio::main]
async fn main() {
    let sources: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(200);
    let mut hosts = Vec::new();
    for i in 1..=20 {
        hosts.push(server(&format!("127.0.0.{i}")).await);
    }
    let reference = run(sources, &hosts[..1], true).await;
    println!("{sources} sources, reference (no per-host rules): {:>8.2} s", reference.as_secs_f64());
    for n in [1, 20] {
        let took = run(sources, &hosts[..n], false).await;
        println!(
            "{sources} sources on {n:>2} host(s), default limits:  {:>8.2} s  ({:.0}x the reference)",
            took.as_secs_f64(),
            took.as_secs_f64() / reference.as_secs_f64()
        );
    }
}
