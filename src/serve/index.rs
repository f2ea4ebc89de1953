//! The index page: the topic feeds (with autodiscovery links) and each source's last poll.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use url::Url;

use crate::app::App;
use crate::config::ALL_TOPIC;
use crate::model::{Outcome, SourceState};

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}\
.failed{color:#a00}.muted{color:#666}code{word-break:break-all}";

/// Renders the page; `base` is the public URL, ending in `/`.
pub fn render(app: &App, base: &Url) -> anyhow::Result<String> {
    let mut topics = vec![(ALL_TOPIC.to_string(), "All news".to_string())];
    topics.extend(
        app.config
            .topics
            .iter()
            .map(|t| (t.id.clone(), t.title.clone())),
    );
    let feed_url = |id: &str| {
        base.join(&format!("feeds/{id}.atom"))
            .map(|u| u.to_string())
    };

    let mut page =
        String::from("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    page.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>tidings</title>\n");
    for (id, title) in &topics {
        let href = feed_url(id)?;
        writeln!(
            page,
            "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"{}\" href=\"{}\">",
            attr(title),
            attr(&href)
        )?;
    }
    writeln!(
        page,
        "<style>{STYLE}</style>\n</head>\n<body>\n<h1>tidings</h1>"
    )?;

    page.push_str("<h2>Topics</h2>\n<table>\n<tr><th>Topic</th><th>Feed</th></tr>\n");
    for (id, title) in &topics {
        let href = feed_url(id)?;
        writeln!(
            page,
            "<tr><td>{}</td><td><a href=\"{}\"><code>{}</code></a></td></tr>",
            text(title),
            attr(&href),
            text(&href)
        )?;
    }
    page.push_str("</table>\n<h2>Sources</h2>\n<table>\n");
    page.push_str("<tr><th>Source</th><th>Last poll</th><th>Result</th><th>Next poll</th></tr>\n");
    let now = Utc::now();
    for source in &app.config.sources {
        let state = app.store.source_state(&source.id)?;
        let next = source
            .schedule
            .next_after(now)
            .map_or("-".to_string(), when);
        writeln!(
            page,
            "<tr><td>{}<br><code class=\"muted\">{}</code></td><td>{}</td><td>{}</td><td>{} <span class=\"muted\">(<code>{}</code>)</span></td></tr>",
            text(&source.title),
            text(source.location.url().as_str()),
            state.last_attempt.map_or("never".to_string(), when),
            result(&state),
            next,
            text(source.schedule.expr()),
        )?;
    }
    page.push_str("</table>\n</body>\n</html>\n");
    Ok(page)
}

fn when(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The last poll's result in words.
fn result(state: &SourceState) -> String {
    match &state.last_outcome {
        None => "not polled yet".to_string(),
        Some(Outcome::Ok {
            new,
            updated,
            unchanged,
        }) => {
            format!("ok: {new} new, {updated} updated, {unchanged} unchanged")
        }
        Some(Outcome::NotModified) => "not modified".to_string(),
        Some(Outcome::Failed) => format!(
            "<span class=\"failed\">failed ({} in a row): {}</span>",
            state.consecutive_failures,
            text(state.last_error.as_deref().unwrap_or("unknown error"))
        ),
    }
}
