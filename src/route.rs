//! Stage 5, route: which topics an item joins, and why. Pure.
//!
//! A topic takes an item when its source lists the topic, or when the topic's rule pulls it in:
//! one of its `include` words or phrases, or one of its `include_regex`, matches one of its
//! `fields` (title, summary and categories unless it says otherwise), and the item's source and
//! language are among the rule's `sources` and `languages` when it lists them. An `exclude` word
//! or `exclude_regex` keeps the item out whatever else says it belongs. Words match whole, case
//! and accents folded, Cyrillic as well as Latin; a phrase matches as consecutive words of one
//! field. Every item is also in `all`, which is not listed.

use std::fmt;

use crate::config::{Field, Topic};
use crate::model::Item;
use crate::text;

/// What made a rule match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// The item's source (or a source that also carried the story) lists the topic.
    Source(String),
    /// A word or phrase of `include`/`exclude`, found in a field.
    Word { word: String, field: Field },
    /// An `include_regex`/`exclude_regex`, matching a field.
    Regex { pattern: String, field: Field },
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::Source(source) => write!(f, "source {source:?} lists the topic"),
            Why::Word { word, field } => write!(f, "word {word:?} in the {}", field.name()),
            Why::Regex { pattern, field } => write!(f, "regex /{pattern}/ matches the {}", field.name()),
        }
    }
}

/// One topic's decision about one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Joined(Why),
    /// An exclude rule matched (and what would have brought the item in, if anything).
    Excluded {
        by: Why,
        despite: Option<Why>,
    },
    /// Nothing brought it in: why not.
    Out(String),
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Joined(why) => write!(f, "joined: {why}"),
            Verdict::Excluded { by, despite: Some(despite) } => {
                write!(f, "kept out by exclude: {by} (despite {despite})")
            }
            Verdict::Excluded { by, despite: None } => write!(f, "kept out by exclude: {by}"),
            Verdict::Out(why) => write!(f, "not in: {why}"),
        }
    }
}

/// The topics `item` joins, in configuration order. `source_topics` are the topics listed by its
/// source (and by the sources that also carried the story).
pub fn route(item: &Item, source_topics: &[(String, String)], topics: &[Topic]) -> Vec<String> {
    explain(item, source_topics, topics)
        .into_iter()
        .filter(|(_, v)| matches!(v, Verdict::Joined(_)))
        .map(|(t, _)| t)
        .collect()
}

/// Every topic's verdict on `item`, in configuration order. `source_topics` are `(source, topic)`
/// pairs: the topics listed by each source that carried the story.
pub fn explain(item: &Item, source_topics: &[(String, String)], topics: &[Topic]) -> Vec<(String, Verdict)> {
    let fields = Fields::of(item);
    topics.iter().map(|t| (t.id.clone(), verdict(item, &fields, source_topics, t))).collect()
}

fn verdict(item: &Item, fields: &Fields, source_topics: &[(String, String)], topic: &Topic) -> Verdict {
    let listed = source_topics.iter().find(|(_, t)| *t == topic.id).map(|(s, _)| Why::Source(s.clone()));
    let included = match listed {
        Some(why) => Ok(why),
        None => pulled_in(item, fields, topic),
    };
    match (find(fields, topic, &topic.exclude, &topic.exclude_regex), included) {
        (Some(by), despite) => Verdict::Excluded { by, despite: despite.ok() },
        (None, Ok(why)) => Verdict::Joined(why),
        (None, Err(why_not)) => Verdict::Out(why_not),
    }
}

/// Whether the topic's include rule pulls the item in; if not, why not.
fn pulled_in(item: &Item, fields: &Fields, topic: &Topic) -> Result<Why, String> {
    if topic.include.is_empty() && topic.include_regex.is_empty() {
        return Err("the topic has no include rule and the item's sources do not list it".into());
    }
    if !topic.sources.is_empty() && !topic.sources.contains(&item.source) {
        return Err(format!("its rule is for sources {} only, not {:?}", topic.sources.join(", "), item.source));
    }
    if !topic.languages.is_empty() {
        let language = item.language.as_deref();
        let fits = language.is_some_and(|l| topic.languages.iter().any(|want| language_fits(l, want)));
        if !fits {
            let have = language.map_or("no language".to_string(), |l| format!("language {l:?}"));
            return Err(format!(
                "its rule is for languages {} only, and the item has {have}",
                topic.languages.join(", ")
            ));
        }
    }
    find(fields, topic, &topic.include, &topic.include_regex).ok_or_else(|| {
        let names: Vec<&str> = topic.fields.iter().map(|f| f.name()).collect();
        format!("no include word or regex matched its {}", names.join(", "))
    })
}

/// `want` = `en` fits `en` and `en-gb`; `en-gb` fits `en-gb` only.
fn language_fits(have: &str, want: &str) -> bool {
    have == want || have.strip_prefix(want).is_some_and(|rest| rest.starts_with('-'))
}

/// The first word or regex of a rule that matches one of the topic's fields.
fn find(fields: &Fields, topic: &Topic, words: &[String], regexes: &[regex::Regex]) -> Option<Why> {
    let phrases: Vec<(&String, Vec<String>)> = words.iter().map(|w| (w, text::words(w))).collect();
    for field in &topic.fields {
        for piece in fields.get(*field) {
            if let Some((word, _)) = phrases.iter().find(|(_, phrase)| contains_phrase(&piece.words, phrase)) {
                return Some(Why::Word { word: (*word).clone(), field: *field });
            }
            if let Some(re) = regexes.iter().find(|re| re.is_match(&piece.text)) {
                return Some(Why::Regex { pattern: re.as_str().to_string(), field: *field });
            }
        }
    }
    None
}

/// One piece of a field (a field may have several: one per category), as text and as words.
struct Piece {
    text: String,
    words: Vec<String>,
}

impl Piece {
    fn new(text: String) -> Piece {
        let words = text::words(&text);
        Piece { text, words }
    }
}

/// The item's fields as the rules see them.
struct Fields {
    title: Vec<Piece>,
    summary: Vec<Piece>,
    categories: Vec<Piece>,
    link: Vec<Piece>,
    author: Vec<Piece>,
}

impl Fields {
    fn of(item: &Item) -> Fields {
        let body = item.summary.as_deref().or(item.content.as_deref()).map(text::html_to_text);
        Fields {
            title: vec![Piece::new(item.title.clone())],
            summary: body.into_iter().map(Piece::new).collect(),
            categories: item.categories.iter().cloned().map(Piece::new).collect(),
            link: item.link.iter().cloned().map(Piece::new).collect(),
            author: item.author.iter().cloned().map(Piece::new).collect(),
        }
    }

    fn get(&self, field: Field) -> &[Piece] {
        match field {
            Field::Title => &self.title,
            Field::Summary => &self.summary,
            Field::Categories => &self.categories,
            Field::Link => &self.link,
            Field::Author => &self.author,
        }
    }
}

/// Whether a keyword's words (`phrase`) appear in `words`, consecutively.
fn contains_phrase(words: &[String], phrase: &[String]) -> bool {
    !phrase.is_empty() && words.windows(phrase.len()).any(|w| w == phrase)
}

#[cfg(test)]
mod tests;
