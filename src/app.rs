//! The state one tidings process shares between its polls and its HTTP server.

use std::collections::HashMap;

use tokio::sync::Mutex;

use crate::config::Config;
use crate::fetch::Fetcher;
use crate::store::Store;

/// Everything a poll or a request needs, built once from the configuration.
pub struct App {
    pub config: Config,
    pub store: Store,
    pub fetcher: Fetcher,
    /// One lock per source, so a source is never polled twice at once (a cron job can overlap
    /// itself, and `tidings poll` may be asked for a source the schedule is polling).
    running: HashMap<String, Mutex<()>>,
    /// Held while a poll reads, decides and writes stories, so two sources that carry the same
    /// story never write it from stale copies.
    pub(crate) writing: Mutex<()>,
    /// The `tag:` authority minted entry ids use.
    pub authority: String,
    /// Every topic feed, rendered and compressed, ready to serve.
    pub published: crate::publish::Published,
    /// The WebSub hub told when a feed changes (`[websub] hub`).
    pub websub: Option<crate::websub::Hub>,
}

impl App {
    /// Opens the store and builds the fetcher; fails if the store is in use by another process.
    pub fn open(config: Config) -> anyhow::Result<App> {
        let store = Store::open(&config.store_path)?;
        let fetcher = Fetcher::new(&config.fetch, &config.sources)?;
        let running = config.sources.iter().map(|s| (s.id.clone(), Mutex::new(()))).collect();
        let authority = tag_authority(&config);
        let published = Default::default();
        let websub = match &config.websub_hub {
            Some(hub) => Some(crate::websub::Hub::new(hub.clone(), &config.fetch.user_agent)?),
            None => None,
        };
        Ok(App { config, store, fetcher, running, writing: Mutex::new(()), authority, published, websub })
    }

    /// The lock that keeps `source` to one poll at a time.
    pub(crate) fn running(&self, source: &str) -> Option<&Mutex<()>> {
        self.running.get(source)
    }
}

/// RFC 4151 wants a domain name (or an e-mail address) as a tag's authority: the host of
/// `base_url` when it is one, else `localhost`.
fn tag_authority(config: &Config) -> String {
    match config.server.base_url.as_ref().and_then(|u| u.domain()) {
        Some(domain) => domain.to_ascii_lowercase(),
        None => "localhost".to_string(),
    }
}
