//! `tidings explain`: why each item is where it is. For stored stories (or one of them), their
//! identity, the sources that told them and by which signal they were merged, and each topic's
//! verdict; with `--source`, the same for a live fetch of that source, decided as a poll would
//! decide it but stored nowhere.

use std::fmt::Write as _;

use crate::app::App;
use crate::config::{Config, ALL_TOPIC};
use crate::model::{Item, Stored};
use crate::poll::{self, Judged};
use crate::store::StoreError;
use crate::{canon, route};

/// What `tidings explain` prints.
pub async fn explain(config: Config, source: Option<&str>, item: Option<&str>) -> anyhow::Result<String> {
    if let Some(id) = source {
        if config.source(id).is_none() {
            anyhow::bail!("{}: no source named {id:?}", config.path.display());
        }
    }
    let mut out = String::new();
    let (app, _scratch) = match App::open(config.clone()) {
        Ok(app) => (app, None),
        Err(e) if source.is_some() && matches!(e.downcast_ref::<StoreError>(), Some(StoreError::Locked { .. })) => {
            // The daemon holds the store: decide against an empty one, and say so.
            let scratch = tempfile::tempdir()?;
            let config = Config { store_path: scratch.path().join("store"), ..config };
            writeln!(out, "note: {e}; deciding against an empty store, so every item reads as new\n")?;
            (App::open(config)?, Some(scratch))
        }
        Err(e) => match e.downcast_ref::<StoreError>() {
            Some(StoreError::Locked { .. }) => {
                anyhow::bail!("{e}: stop it to explain stored stories, or give --source ID for a dry run")
            }
            _ => return Err(e),
        },
    };
    match source {
        Some(id) => {
            let judged = poll::dry_run(&app, id).await?;
            let chosen: Vec<&Judged> =
                judged.iter().filter(|j| item.is_none_or(|q| names(&j.item, &j.keys, q))).collect();
            if chosen.is_empty() {
                anyhow::bail!(
                    "{id}: no item of the live document matches {:?} (give its link, guid or title)",
                    item.unwrap_or("")
                );
            }
            writeln!(out, "{id}: {} item(s) fetched now, nothing stored\n", judged.len())?;
            for j in chosen {
                live(&mut out, &app.config, j)?;
            }
        }
        None => {
            let stories = match item {
                Some(q) => vec![find(&app, q)?],
                None => app.store.newest(ALL_TOPIC, usize::MAX)?,
            };
            writeln!(out, "{} stored story(ies) in {}\n", stories.len(), app.config.store_path.display())?;
            for stored in &stories {
                let keys = app.store.keys_of(&stored.key)?;
                stored_story(&mut out, &app.config, stored, &keys)?;
            }
        }
    }
    Ok(out)
}

/// The stored story `query` names: a link (any spelling of it), an entry id, a guid, or a story key.
fn find(app: &App, query: &str) -> anyhow::Result<Stored> {
    let mut ids = vec![query.to_string()];
    if let Some(link) = canon::canonical(query) {
        ids.push(format!("u:{link}"));
    }
    ids.extend(app.config.sources.iter().map(|s| format!("g:{}:{query}", s.id)));
    for id in &ids {
        if let Some(stored) = app.store.lookup(id)? {
            return Ok(stored);
        }
    }
    let tombstone = app.store.tombstone_by(&ids[1..])?;
    match tombstone {
        Some(t) => anyhow::bail!(
            "{query:?} was {:?} from {}, which retention let go on {}",
            t.title,
            t.source,
            t.pruned.format("%Y-%m-%d")
        ),
        None => anyhow::bail!("no stored story is known as {query:?} (give its link, entry id, guid or story key)"),
    }
}

/// Whether `query` names this live item: its link (any spelling), guid, title, or one of its keys.
fn names(item: &Item, keys: &[String], query: &str) -> bool {
    let link = canon::canonical(query).map(|c| format!("u:{c}"));
    item.guid.as_deref() == Some(query)
        || item.link.as_deref() == Some(query)
        || item.title == query
        || keys.iter().any(|k| k == query || Some(k) == link.as_ref())
}

fn live(out: &mut String, config: &Config, j: &Judged) -> anyhow::Result<()> {
    header(out, &j.item)?;
    writeln!(out, "  identity:  {}", j.keys.join(", "))?;
    writeln!(out, "  decision:  {}", j.decision)?;
    if let Some(closest) = &j.closest {
        writeln!(out, "  closest other story: {closest}")?;
    }
    if let Some(story) = &j.story {
        let repost = story.also_in.iter().find(|r| r.source == j.item.source);
        if let (true, Some(r)) = (story.item.source != j.item.source, repost) {
            writeln!(out, "  merged:    into the story {} first told, by {}", story.item.source, r.signal)?;
        }
        reposts(out, story)?;
        topics(out, config, story)?;
    }
    writeln!(out)?;
    Ok(())
}

fn stored_story(out: &mut String, config: &Config, stored: &Stored, keys: &[String]) -> anyhow::Result<()> {
    header(out, &stored.item)?;
    writeln!(out, "  story:     {} (entry id {})", stored.key, stored.entry_id)?;
    writeln!(out, "  identity:  {}", keys.join(", "))?;
    writeln!(
        out,
        "  first seen {}, updated {}",
        stored.first_seen.format("%Y-%m-%d %H:%M UTC"),
        stored.updated.format("%Y-%m-%d %H:%M UTC")
    )?;
    reposts(out, stored)?;
    topics(out, config, stored)?;
    writeln!(out)?;
    Ok(())
}

fn header(out: &mut String, item: &Item) -> anyhow::Result<()> {
    writeln!(out, "{:?}", item.title)?;
    let date = item.published.map_or("no date".into(), |d| d.format("%Y-%m-%d %H:%M UTC").to_string());
    writeln!(out, "  from:      {}, {date}, {}", item.source, item.link.as_deref().unwrap_or("(no link)"))?;
    if let Some(guid) = &item.guid {
        writeln!(out, "  guid:      {guid}")?;
    }
    Ok(())
}

fn reposts(out: &mut String, story: &Stored) -> anyhow::Result<()> {
    if story.also_in.is_empty() {
        return Ok(());
    }
    writeln!(out, "  origin:    {} (the earliest copy)", story.item.source)?;
    for r in &story.also_in {
        writeln!(
            out,
            "  also told: {} {} — merged by {}",
            r.source,
            r.link.as_deref().unwrap_or("(no link)"),
            r.signal
        )?;
    }
    Ok(())
}

fn topics(out: &mut String, config: &Config, story: &Stored) -> anyhow::Result<()> {
    writeln!(out, "  topics:")?;
    writeln!(out, "    {:<22} joined: every story is in it", ALL_TOPIC)?;
    let verdicts = route::explain(&story.item, &poll::source_topics(config, story), &config.topics);
    for (topic, verdict) in verdicts {
        match story.dropped.contains(&topic) {
            true => writeln!(out, "    {topic:<22} let go by the topic's retention (was: {verdict})")?,
            false => writeln!(out, "    {topic:<22} {verdict}")?,
        }
    }
    Ok(())
}
