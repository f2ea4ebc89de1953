//! Render cost against the size of the store: the same work with 1,000 and with 100,000 stored
//! stories should take the same time, since a topic feed is its newest page (plus the stories not
//! yet on a full archive page), whatever lies behind it.
//!
//! For each size: fill a store (half the stories in a topic), archive its history once (a one-time
//! cost, reported apart), then time, over 30 rounds each, the median of
//!   - `rebuild`: every topic rendered in three formats, nothing changed (hashes compared);
//!   - `one new story`: a story written, then everything a poll does after writing (archive a
//!     page if one is full, let pages go, render, compress what changed);
//!   - `same page`: a control, no store at all: the same 50 stories rendered as Atom, in the same
//!     process. What it shows between sizes is the process (a bigger heap: sled caches what it
//!     holds), not work that grows with the store.
//!
//!     cargo bench --bench render_scale             # 1,000 and 100,000 stories
//!     cargo bench --bench render_scale -- 20000    # another large size

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use tidings::app::App;
use tidings::config::Config;
use tidings::model::{Item, Stored};
use tidings::store::Write;

const ROUNDS: usize = 30;

fn story(i: usize) -> Stored {
    let at = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::minutes(i as i64 * 7);
    let summary = format!(
        "<p>Customs administrations of the region met for the {i}th time to discuss border procedures, \
         risk management, the rules of origin and the fight against illicit trade in tobacco, drugs and \
         counterfeit goods. The meeting adopted a joint plan of action for the coming year.</p>"
    );
    Stored {
        key: format!("s{i:08}"),
        entry_id: format!("tag:bench.example,2020:{i}"),
        item: Item {
            guid: Some(format!("g{i}")),
            link: Some(format!("https://news.example.org/{i}")),
            published: Some(at),
            summary: Some(summary),
            language: Some("en".into()),
            ..Item::new("wco", &format!("Regional customs meeting number {i} adopts a joint plan"))
        },
        first_seen: at,
        updated: at,
        content_hash: format!("h{i}"),
        also_in: vec![],
        topics: if i % 2 == 0 { vec!["enforcement".into()] } else { vec![] },
        dropped: vec![],
        sort_time: at.timestamp_micros(),
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

struct Figures {
    fill: Duration,
    archive: Duration,
    rebuild: Duration,
    change: Duration,
    control: Duration,
}

async fn measure(stored: usize) -> Figures {
    let dir = tempfile::tempdir().unwrap();
    let text = "[retention]\nmax_items = 1000000\n\n[[topic]]\nid = \"enforcement\"\ntitle = \"Enforcement\"\ninclude = [\"drugs\"]\n\n[[source]]\nid = \"wco\"\ntitle = \"WCO\"\nurl = \"https://www.wcoomd.org/feed.xml\"\n";
    let path = dir.path().join("tidings.toml");
    std::fs::write(&path, text).unwrap();
    let app = Arc::new(App::open(Config::load(&path).unwrap()).unwrap());

    let started = Instant::now();
    for chunk in (0..stored).collect::<Vec<_>>().chunks(2000) {
        let stories = chunk.iter().map(|i| story(*i)).collect();
        app.store.apply(Write { stories, ..Write::default() }).await.unwrap();
    }
    let fill = started.elapsed();

    app.published.set_base(url::Url::parse("http://127.0.0.1:8080/").unwrap());
    let started = Instant::now();
    tidings::poll::republish(&app).await;
    let archive = started.elapsed();
    // Let sled's background flush and segment cleaning after the bulk writes finish first.
    app.store.flush().await.unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;

    let page: Vec<Stored> = (0..50).map(story).collect();
    let sources = tidings::publish::source_infos(&app).unwrap();
    let info = tidings::render::FeedInfo {
        title: "Control",
        id: "http://127.0.0.1:8080/feeds/control.atom".into(),
        self_url: "http://127.0.0.1:8080/feeds/control.atom".into(),
        home_url: "http://127.0.0.1:8080/".into(),
        fallback_updated: Utc::now(),
        alternates: vec![],
        related: vec![],
        archive: false,
    };
    let mut controls = Vec::new();
    for _ in 0..ROUNDS {
        let started = Instant::now();
        std::hint::black_box(tidings::render::atom(&info, &page, &sources));
        controls.push(started.elapsed());
    }
    let mut rebuilds = Vec::new();
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let changed = tidings::publish::rebuild(&app).unwrap();
        rebuilds.push(started.elapsed());
        assert!(changed.is_empty(), "nothing changed, nothing re-rendered");
    }
    let mut changes = Vec::new();
    for round in 0..ROUNDS {
        let new = story(stored + round);
        let started = Instant::now();
        app.store.apply(Write { stories: vec![new], ..Write::default() }).await.unwrap();
        tidings::poll::republish(&app).await;
        changes.push(started.elapsed());
    }
    Figures { fill, archive, rebuild: median(rebuilds), change: median(changes), control: median(controls) }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let large: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(100_000);
    println!("render cost against stored stories (median of {ROUNDS} rounds; pages of 50 entries)\n");
    println!(
        "{:>9}  {:>10}  {:>14}  {:>12}  {:>14}  {:>10}",
        "stored", "fill", "archive once", "rebuild", "one new story", "same page"
    );
    let mut rows = Vec::new();
    for size in [1_000, large] {
        let f = measure(size).await;
        println!(
            "{size:>9}  {:>10}  {:>14}  {:>12}  {:>14}  {:>10}",
            format!("{:.1} s", f.fill.as_secs_f64()),
            format!("{:.1} s", f.archive.as_secs_f64()),
            ms(f.rebuild),
            ms(f.change),
            ms(f.control)
        );
        rows.push(f);
    }
    let ratio = |a: Duration, b: Duration| b.as_secs_f64() / a.as_secs_f64();
    println!(
        "\n{large} against 1,000 stories: rebuild {:.2}x, one new story {:.2}x, same page (control) {:.2}x \
         (1.00x is flat)",
        ratio(rows[0].rebuild, rows[1].rebuild),
        ratio(rows[0].change, rows[1].change),
        ratio(rows[0].control, rows[1].control)
    );
}
