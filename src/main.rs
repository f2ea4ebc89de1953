//! The `tidings` command: `run`, `check`, `poll`, `preview` and `explain`.

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
    /// Explain each stored story (or one): its identity, the sources merged into it and by which
    /// signal, and which topics took it by which rule or kept it out. With --source, a dry run on
    /// a live fetch of that source: what a poll would decide, storing nothing.
    Explain {
        /// Fetch this source now and explain its items instead of the stored stories.
        #[arg(long)]
        source: Option<String>,
        /// Only this item: its link (any spelling), guid, entry id, title (with --source) or story key.
        #[arg(long)]
        item: Option<String>,
    },
    /// Show the items a source would yield, with their parsed dates, storing nothing: either a
    /// configured source (--source), or any page with selectors given here.
    Preview(Box<PreviewArgs>),
}

#[derive(clap::Args)]
struct PreviewArgs {
    /// A page (http(s):// URL or file) to read with the selectors below, instead of --source.
    url: Option<String>,
    /// A source of the configuration file.
    #[arg(long, conflicts_with = "url")]
    source: Option<String>,
    /// CSS selector: each match is one item.
    #[arg(long, requires = "url")]
    item: Option<String>,
    /// CSS selector for the title, inside an item.
    #[arg(long)]
    title: Option<String>,
    /// CSS selector for the link, inside an item (default: its first a[href]).
    #[arg(long)]
    link: Option<String>,
    /// The attribute that holds the link.
    #[arg(long, default_value = "href")]
    link_attr: String,
    /// CSS selector for the date, inside an item.
    #[arg(long)]
    date: Option<String>,
    /// strftime-like format of the date, after month names are read as English (%d %B %Y).
    #[arg(long)]
    date_format: Option<String>,
    /// Language of month and weekday names: en, ru, fr or es.
    #[arg(long)]
    date_lang: Option<String>,
    /// Time zone of the page's times: a name (Europe/Moscow) or an offset (+03:00).
    #[arg(long)]
    date_tz: Option<String>,
    /// CSS selector for the summary, inside an item.
    #[arg(long)]
    summary: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init();
    if let Command::Preview(args) = &cli.command {
        if args.url.is_some() {
            // A page and selectors on the command line need no configuration file.
            return report(preview_url(args));
        }
    }
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
        Command::Preview(args) => preview_source(&config, args.source.as_deref()),
        Command::Explain { source, item } => runtime().and_then(|rt| {
            let out = rt.block_on(tidings::explain::explain(config, source.as_deref(), item.as_deref()))?;
            print!("{out}");
            Ok(ExitCode::SUCCESS)
        }),
    };
    report(result)
}

fn report(result: anyhow::Result<ExitCode>) -> ExitCode {
    result.unwrap_or_else(|e| {
        eprintln!("tidings: {e:#}");
        ExitCode::FAILURE
    })
}

fn preview_source(config: &Config, source: Option<&str>) -> anyhow::Result<ExitCode> {
    let Some(id) = source else {
        anyhow::bail!("preview needs --source ID, or a URL with --item and the other selectors")
    };
    let Some(source) = config.source(id) else { anyhow::bail!("{}: no source named {id:?}", config.path.display()) };
    let out = runtime()?.block_on(tidings::preview::preview(&config.fetch, source))?;
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// `tidings preview URL --item ...`: the selectors become a one-source configuration, checked like
/// a file would be.
fn preview_url(args: &PreviewArgs) -> anyhow::Result<ExitCode> {
    let Some(item) = &args.item else { anyhow::bail!("preview URL needs --item SELECTOR") };
    let mut html = toml::Table::new();
    let mut put = |key: &str, value: &Option<String>| {
        if let Some(v) = value {
            html.insert(key.into(), toml::Value::String(v.clone()));
        }
    };
    put("item", &Some(item.clone()));
    put("title", &args.title);
    put("link", &args.link);
    put("link_attr", &Some(args.link_attr.clone()));
    put("date", &args.date);
    put("date_format", &args.date_format);
    put("date_lang", &args.date_lang);
    put("date_tz", &args.date_tz);
    put("summary", &args.summary);
    let mut source = toml::Table::new();
    source.insert("id".into(), "preview".into());
    source.insert("url".into(), args.url.clone().unwrap_or_default().into());
    source.insert("kind".into(), "html".into());
    source.insert("html".into(), toml::Value::Table(html));
    let mut file = toml::Table::new();
    file.insert("source".into(), toml::Value::Array(vec![toml::Value::Table(source)]));
    let cwd = std::env::current_dir()?.join("command line");
    let config = Config::parse(&cwd, &toml::to_string(&file)?)?;
    preview_source(&config, Some("preview"))
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
