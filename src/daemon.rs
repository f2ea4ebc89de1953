//! The daemon: wiring of the scheduler, the polls and the server, and the orderly shutdown.
//!
//! Shutdown, on the future the caller passes (SIGTERM or SIGINT in `main`): stop the scheduler,
//! stop taking new polls, stop accepting connections, wait (up to a deadline) for the polls and
//! requests in flight, flush the store. Polls still running at the deadline are dropped before
//! they write, so the store never holds half a poll.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use crate::app::App;
use crate::{poll, schedule, serve};

/// What the daemon does on its own; tests turn the timers off and drive polls themselves.
#[derive(Debug, Clone)]
pub struct Options {
    /// Poll every source once at start-up (those that asked to wait, once they may).
    pub poll_at_startup: bool,
    /// Run the cron schedule.
    pub schedule: bool,
    /// How long shutdown waits for polls and requests in flight.
    pub grace: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options { poll_at_startup: true, schedule: true, grace: Duration::from_secs(10) }
    }
}

/// Runs until `shutdown` completes, then drains and flushes.
pub async fn run(
    app: Arc<App>,
    listener: TcpListener,
    options: Options,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    poll::reroute_all(&app).await?;
    let tracker = TaskTracker::new();
    let stop_polling = CancellationToken::new();
    let mut scheduler = match options.schedule {
        true => Some(schedule::start(app.clone(), tracker.clone(), stop_polling.clone()).await?),
        false => None,
    };
    let stop_serving = CancellationToken::new();
    info!(
        address = %listener.local_addr()?,
        base_url = %serve::base_url(&app, &listener)?,
        sources = app.config.sources.len(),
        topics = app.config.topics.len(),
        "listening"
    );
    let server = tokio::spawn(serve::serve(listener, app.clone(), stop_serving.clone().cancelled_owned()));
    if options.poll_at_startup {
        for source in &app.config.sources {
            schedule::spawn_poll(&app, &tracker, &stop_polling, &source.id, Duration::ZERO);
        }
    }

    shutdown.await;
    info!(grace_secs = options.grace.as_secs(), "shutting down");
    if let Some(scheduler) = scheduler.as_mut() {
        if let Err(e) = scheduler.shutdown().await {
            warn!(error = %e, "the scheduler did not stop cleanly");
        }
    }
    tracker.close();
    // Polls waiting for their offset are dropped; polls under way are waited for.
    stop_polling.cancel();
    stop_serving.cancel();
    if tokio::time::timeout(options.grace, tracker.wait()).await.is_err() {
        warn!("polls still running at the deadline were abandoned before writing");
    }
    if let Some(hub) = &app.websub {
        hub.drain(options.grace).await;
    }
    match tokio::time::timeout(options.grace, server).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(e))) => warn!(error = %e, "the server stopped with an error"),
        Ok(Err(e)) => warn!(error = %e, "the server task failed"),
        Err(_) => warn!("requests still running at the deadline were dropped"),
    }
    app.store.flush().await?;
    info!("stopped");
    Ok(())
}
