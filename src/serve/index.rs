//! The index page: each topic with its subscribe links (Atom, RSS, JSON Feed, history) and its
//! newest stories, the OPML lists, and each source's health. Plain semantic HTML and a little
//! CSS: no JavaScript, one column on a phone (the sources table folds into labelled rows).

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use url::Url;

use super::status::{self, SourceStatus};
use crate::app::App;
use crate::publish::{feed_path, history, topic_feeds, Format};

/// How many of each topic's newest stories the page shows.
const NEWEST: usize = 5;

const STYLE: &str = "*{box-sizing:border-box}\
body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem;color:#222;background:#fff}\
a{color:#1a5fb4}h1{margin:.2rem 0}header p{margin:.2rem 0 1rem;color:#555}\
section.topic{border-top:1px solid #ddd;padding:.5rem 0 1rem}section.topic h3{margin:.3rem 0}\
.subscribe{display:flex;flex-wrap:wrap;gap:.4rem;padding:0;margin:.3rem 0;list-style:none}\
.subscribe a{display:inline-block;padding:.35rem .7rem;border:1px solid #1a5fb4;border-radius:.4rem;text-decoration:none}\
ol.newest{margin:.3rem 0;padding-left:1.2rem}ol.newest li{margin:.25rem 0}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}\
.failed{color:#a00}.warn{color:#960}.ok{color:#070}.muted{color:#666;font-size:.9em}code{word-break:break-all}\
@media (max-width:40rem){thead{display:none}table,tbody,tr,td{display:block;width:100%}\
tr{border-bottom:2px solid #ccc;padding:.4rem 0}td{border:0;padding:.15rem 0}\
td[data-label]::before{content:attr(data-label) \": \";font-weight:600}}";

/// Renders the page; `base` is the public URL, ending in `/`.
pub fn render(app: &App, base: &Url) -> anyhow::Result<String> {
    let topics = topic_feeds(&app.config);
    let url = |path: &str| base.join(path).map(String::from);

    let mut page = String::from("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    page.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>tidings</title>\n");
    for (id, title, _) in &topics {
        for format in Format::ALL {
            writeln!(
                page,
                "<link rel=\"alternate\" type=\"{}\" title=\"{}\" href=\"{}\">",
                format.media_type(),
                attr(title),
                attr(&url(&feed_path(id, format))?)
            )?;
        }
    }
    writeln!(page, "<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>tidings</h1>")?;
    writeln!(
        page,
        "<p>{} sources merged into {} topic feeds, each story once. Subscribe to a topic below, or to \
         every topic at once with <a href=\"{}\">topics.opml</a>.</p>\n</header>\n<main>",
        app.config.sources.len(),
        topics.len(),
        attr(&url("topics.opml")?)
    )?;

    page.push_str("<h2>Topics</h2>\n");
    for (id, title, _) in &topics {
        writeln!(page, "<section class=\"topic\" id=\"topic-{}\">\n<h3>{}</h3>", attr(id), text(title))?;
        page.push_str("<ul class=\"subscribe\">");
        for (format, label) in [(Format::Atom, "Atom"), (Format::Rss, "RSS"), (Format::Json, "JSON Feed")] {
            let href = url(&feed_path(id, format))?;
            write!(page, "<li><a href=\"{}\" type=\"{}\">{label}</a></li>", attr(&href), format.media_type())?;
        }
        if let Some(newest) = app.store.newest_page(id)? {
            let href = url(&history::page_path(id, newest.number))?;
            write!(page, "<li><a href=\"{}\">Older stories</a></li>", attr(&href))?;
        }
        page.push_str("</ul>\n");
        let stories = app.store.newest(id, NEWEST)?;
        if stories.is_empty() {
            page.push_str("<p class=\"muted\">No stories yet.</p>\n");
        } else {
            page.push_str("<ol class=\"newest\">\n");
            for stored in &stories {
                let item = &stored.item;
                let title = text(&item.title);
                let headline = match &item.link {
                    Some(link) => format!("<a href=\"{}\">{title}</a>", attr(link)),
                    None => title.into_owned(),
                };
                let source = app.config.source(&item.source).map_or(item.source.as_str(), |s| s.title.as_str());
                let date = item.published.unwrap_or(stored.first_seen);
                let also = match stored.also_in.len() {
                    0 => String::new(),
                    n => format!(", and {n} more"),
                };
                writeln!(
                    page,
                    "<li>{headline} <span class=\"muted\">{}{also} · <time datetime=\"{}\">{}</time></span></li>",
                    text(source),
                    date.to_rfc3339(),
                    date.format("%-d %b %Y")
                )?;
            }
            page.push_str("</ol>\n");
        }
        page.push_str("</section>\n");
    }
    writeln!(
        page,
        "<p>Every topic at once: <a href=\"{}\">topics.opml</a> (import it in your reader). \
         The sources: <a href=\"{}\">sources.opml</a>. Health as JSON: <a href=\"{}\">status.json</a>.</p>",
        attr(&url("topics.opml")?),
        attr(&url("sources.opml")?),
        attr(&url("status.json")?)
    )?;

    page.push_str("<h2>Sources</h2>\n<table>\n<thead><tr><th>Source</th><th>Last poll</th><th>Result</th><th>Health</th><th>Next poll</th></tr></thead>\n<tbody>\n");
    for source in status::sources(app, Utc::now())? {
        writeln!(
            page,
            "<tr><td>{}<br><code class=\"muted\">{}</code></td><td data-label=\"Last poll\">{}</td><td data-label=\"Result\">{}</td><td data-label=\"Health\">{}</td><td data-label=\"Next poll\">{} <span class=\"muted\">(<code>{}</code>)</span></td></tr>",
            text(&source.title),
            text(&source.url),
            source.last_attempt.map_or("never".to_string(), when),
            result(&source),
            health(&source),
            source.next_poll.map_or("-".to_string(), when),
            text(&source.schedule),
        )?;
    }
    page.push_str("</tbody>\n</table>\n</main>\n</body>\n</html>\n");
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
        "ok" => format!("<span class=\"ok\">ok{http}</span>: {} new, {} updated", s.new, s.updated),
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
