//! The index page: the topic feeds (with autodiscovery links) and each source's last poll.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use url::Url;

use super::status::{self, SourceStatus};
use crate::app::App;
use crate::config::ALL_TOPIC;

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}\
.failed{color:#a00}.warn{color:#960}.muted{color:#666}code{word-break:break-all}";

/// Renders the page; `base` is the public URL, ending in `/`.
pub fn render(app: &App, base: &Url) -> anyhow::Result<String> {
    let mut topics = vec![(ALL_TOPIC.to_string(), "All news".to_string())];
    topics.extend(app.config.topics.iter().map(|t| (t.id.clone(), t.title.clone())));
    let feed_url = |id: &str| base.join(&format!("feeds/{id}.atom")).map(|u| u.to_string());

    let mut page = String::from("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
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
    writeln!(page, "<style>{STYLE}</style>\n</head>\n<body>\n<h1>tidings</h1>")?;

    page.push_str("<h2>Topics</h2>\n<table>\n<tr><th>Topic</th><th>Feed</th></tr>\n");
    for (id, title) in &topics {
        let href = feed_url(id)?;
        let other = |ext: &str| base.join(&format!("feeds/{id}.{ext}")).map(|u| u.to_string());
        writeln!(
            page,
            "<tr><td>{}</td><td><a href=\"{}\"><code>{}</code></a> · <a href=\"{}\">RSS</a> · <a href=\"{}\">JSON Feed</a></td></tr>",
            text(title),
            attr(&href),
            text(&href),
            attr(&other("rss")?),
            attr(&other("json")?)
        )?;
    }
    let opml = base.join("topics.opml")?;
    writeln!(
        page,
        "</table>\n<p>Every topic at once: <a href=\"{}\">topics.opml</a> (import it in your reader). \
         The same feeds in RSS 2.0 and JSON Feed: <code>.rss</code>, <code>.json</code>. \
         The sources: <a href=\"{}\">sources.opml</a>.</p>",
        attr(opml.as_str()),
        attr(base.join("sources.opml")?.as_str())
    )?;
    page.push_str("<h2>Sources</h2>\n<table>\n");
    page.push_str("<tr><th>Source</th><th>Last poll</th><th>Result</th><th>Health</th><th>Next poll</th></tr>\n");
    for source in status::sources(app, Utc::now())? {
        writeln!(
            page,
            "<tr><td>{}<br><code class=\"muted\">{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{} <span class=\"muted\">(<code>{}</code>)</span></td></tr>",
            text(&source.title),
            text(&source.url),
            source.last_attempt.map_or("never".to_string(), when),
            result(&source),
            health(&source),
            source.next_poll.map_or("-".to_string(), when),
            text(&source.schedule),
        )?;
    }
    page.push_str("</table>\n</body>\n</html>\n");
    Ok(page)
}

fn when(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The last poll's result in words.
fn result(s: &SourceStatus) -> String {
    let http = s.last_http_status.map_or(String::new(), |code| format!(" (HTTP {code})"));
    let error = text(s.last_error.as_deref().unwrap_or("unknown error")).into_owned();
    let mut out = match s.status {
        "never" => "not polled yet".to_string(),
        "ok" => format!("ok{http}: {} new, {} updated", s.new, s.updated),
        "not_modified" => format!("not modified{http}"),
        "throttled" => format!("<span class=\"warn\">asked to wait{http}: {error}</span>"),
        "gone" => format!("<span class=\"failed\">gone{http}: polling stopped; change the URL to resume</span>"),
        _ => format!("<span class=\"failed\">failed ({} in a row){http}: {error}</span>", s.consecutive_failures),
    };
    if let Some(to) = &s.moved_to {
        out.push_str(&format!(
            "<br><span class=\"warn\">moved permanently to <code>{}</code>: update the URL</span>",
            text(to)
        ));
    }
    if let Some(note) = &s.identity_note {
        out.push_str(&format!("<br><span class=\"warn\">items known by their links: {}</span>", text(note)));
    }
    out
}

/// The source's record in numbers.
fn health(s: &SourceStatus) -> String {
    format!("{} polls, {:.0}% not modified, {} items", s.polls, s.not_modified_share * 100.0, s.items_seen)
}
