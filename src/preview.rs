//! `tidings preview`: what a source would yield, without storing anything, so a user can write and
//! check an HTML source's selectors (and see how its dates read) before adding it.

use std::fmt::Write as _;

use crate::config::{Fetch, Kind, Source};
use crate::fetch::{Fetched, Fetcher, Validators};
use crate::{normalise, parse, scrape};

/// Fetches `source` once and describes the items it would yield; `Err` when it yields none.
pub async fn preview(fetch: &Fetch, source: &Source) -> anyhow::Result<String> {
    let fetcher = Fetcher::new(fetch, std::slice::from_ref(source))?;
    let document = match fetcher.fetch(source, &Validators::default()).await? {
        Fetched::Document(document) => document,
        Fetched::NotModified(_) => anyhow::bail!("the server answered 304 to an unconditional request"),
    };
    let (feed, problems) = match &source.kind {
        Kind::Feed => (parse::parse(&document.body, &document.url)?, Vec::new()),
        Kind::Html(rules) => {
            let page = scrape::decode(&document.body, document.content_type.as_deref());
            let extracted = scrape::extract(&page, &document.url, rules);
            (extracted.feed, extracted.problems)
        }
    };
    let mut out = String::new();
    writeln!(out, "{} items from {}", feed.entries.len(), document.url)?;
    for entry in feed.entries {
        let item = normalise::normalise(entry, &source.id, &document.url);
        let date =
            item.published.map_or("(no date: first seen)".to_string(), |d| d.format("%Y-%m-%d %H:%M UTC").to_string());
        writeln!(out, "\n{date}  {}", item.title)?;
        writeln!(out, "  {}", item.link.as_deref().unwrap_or("(no link)"))?;
        if !item.categories.is_empty() {
            writeln!(out, "  categories: {}", item.categories.join(", "))?;
        }
    }
    if !problems.is_empty() {
        writeln!(out, "\nproblems:")?;
        for p in &problems {
            writeln!(out, "  {p}")?;
        }
    }
    if out.starts_with("0 items") {
        anyhow::bail!("{}", out.trim_end());
    }
    Ok(out)
}
