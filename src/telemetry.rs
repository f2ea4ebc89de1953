//! Logging: tracing to stderr, the level from `RUST_LOG` (default `info`).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the subscriber once for the process.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
    // A panic caught by a guard (the parser's) is still worth one log line, not a raw backtrace.
    std::panic::set_hook(Box::new(|info| tracing::error!(panic = %info, "panic")));
}
