//! The `tidings` command: `run`, `check` and `poll`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tidings::app::App;
use tidings::config::Config;
use tidings::{daemon, poll, telemetry};

#[derive(Parser)]
#[command(version, about = "Polls news sources and serves one merged, deduplicated Atom feed per topic")]
struct Cli {
    /// The configuration file.
    #[arg(long, global = true, env = "TIDINGS_CONFIG", default_value = "/etc/tidings/tidings.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the daemon: poll on schedule and serve the topic feeds.
    Run,
    /// Validate the configuration and print a summary; exit 1 on errors.
    Check,
    /// Poll all sources (or one) once, store what is new, print it, and exit.
    Poll {
        /// Poll only this source.
        #[arg(long)]
        source: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init();
    let config = match Config::load(&cli.config) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Check => {
            print!("{}", tidings::config::summary(&config));
            Ok(ExitCode::SUCCESS)
        }
        Command::Run => runtime().and_then(|rt| rt.block_on(run(config))).map(|()| ExitCode::SUCCESS),
        Command::Poll { source } => runtime().and_then(|rt| rt.block_on(poll_once(config, source))),
    };
    result.unwrap_or_else(|e| {
        eprintln!("tidings: {e:#}");
        ExitCode::FAILURE
    })
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")
}

async fn run(config: Config) -> anyhow::Result<()> {
    let listen = config.server.listen;
    let app = Arc::new(App::open(config)?);
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    daemon::run(app, listener, daemon::Options::default(), shutdown_signal()).await
}

/// Completes on SIGTERM (systemd's stop) or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM can be handled");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

async fn poll_once(config: Config, only: Option<String>) -> anyhow::Result<ExitCode> {
    let path: &Path = &config.path.clone();
    let ids: Vec<String> = match only {
        Some(id) if config.source(&id).is_none() => {
            anyhow::bail!("{}: no source named {id:?}", path.display());
        }
        Some(id) => vec![id],
        None => config.sources.iter().map(|s| s.id.clone()).collect(),
    };
    let app = Arc::new(App::open(config)?);
    poll::reroute_all(&app).await?;
    let polls = ids.iter().map(|id| poll::poll_source(&app, id));
    let mut failed = false;
    for report in futures_util::future::join_all(polls).await {
        let report = report?;
        failed |= report.error.is_some();
        println!("{}", poll::describe(&report));
    }
    app.store.flush().await?;
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
