//! One integration-test binary: the real daemon on port 0, a temporary store, upstream feeds
//! served from fixture files by a local HTTP server, polls driven directly (never by cron).

mod cli;
mod dedup;
mod fetching;
mod helpers;
mod history;
mod html;
mod polling;
mod routing;
mod serving;
mod websub;
