//! Stage 5, route: which topics an item joins.
//!
//! topics = the source's `topics`, plus every topic whose `include` words match, minus every topic
//! whose `exclude` words match. Matching is on whole words (a phrase matches as consecutive
//! words), case-insensitive, Cyrillic as well as Latin, over the title, the summary (or the
//! content when there is no summary) and the categories. Every item is also in `all`, which is
//! not listed. Pure.

use crate::config::Topic;
use crate::model::Item;
use crate::text;

/// The topics `item` joins, in configuration order. `source_topics` are its source's topics.
pub fn route(item: &Item, source_topics: &[String], topics: &[Topic]) -> Vec<String> {
    let words = item_words(item);
    topics
        .iter()
        .filter(|t| source_topics.contains(&t.id) || t.include.iter().any(|k| contains_phrase(&words, k)))
        .filter(|t| !t.exclude.iter().any(|k| contains_phrase(&words, k)))
        .map(|t| t.id.clone())
        .collect()
}

/// The words keyword rules look at.
fn item_words(item: &Item) -> Vec<String> {
    let mut words = text::words(&item.title);
    if let Some(body) = item.summary.as_deref().or(item.content.as_deref()) {
        words.push(String::new()); // a phrase never spans two fields
        words.extend(text::words(&text::html_to_text(body)));
    }
    for category in &item.categories {
        words.push(String::new());
        words.extend(text::words(category));
    }
    words
}

/// Whether the keyword's words appear in `words`, consecutively.
fn contains_phrase(words: &[String], keyword: &str) -> bool {
    let phrase = text::words(keyword);
    !phrase.is_empty() && words.windows(phrase.len()).any(|w| w == phrase.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(id: &str, include: &[&str], exclude: &[&str]) -> Topic {
        Topic {
            id: id.into(),
            title: id.into(),
            include: include.iter().map(|s| s.to_string()).collect(),
            exclude: exclude.iter().map(|s| s.to_string()).collect(),
            max_entries: 50,
        }
    }

    fn item(title: &str, summary: &str, categories: &[&str]) -> Item {
        Item {
            source: "s".into(),
            guid: None,
            link: None,
            title: title.into(),
            published: None,
            updated: None,
            author: None,
            summary: Some(summary.into()),
            content: None,
            categories: categories.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn source_topics_include_and_exclude() {
        let topics = [
            topic("enforcement", &["drug", "seizure"], &["webinar"]),
            topic("origin", &["rules of origin"], &[]),
            topic("news", &[], &["webinar"]),
        ];
        let source = vec!["news".to_string()];
        let it = item("Record DRUG haul", "<p>Customs made a seizure</p>", &[]);
        assert_eq!(route(&it, &source, &topics), ["enforcement", "news"]);
        let webinar = item("Drug webinar", "", &[]);
        assert!(route(&webinar, &source, &topics).is_empty(), "exclude beats the source's topics too");
        let origin = item("Workshop", "A workshop on Rules of Origin", &[]);
        assert_eq!(route(&origin, &[], &topics), ["origin"]);
    }

    #[test]
    fn whole_words_only() {
        let topics = [topic("enforcement", &["drug"], &[])];
        assert!(route(&item("Drugstore opening", "", &[]), &[], &topics).is_empty());
        assert_eq!(route(&item("A", "", &["Drug"]), &[], &topics), ["enforcement"]);
        let split = item("rules", "", &["origin"]);
        let origin = [topic("origin", &["rules of origin"], &[])];
        assert!(route(&split, &[], &origin).is_empty(), "a phrase does not span fields");
    }

    #[test]
    fn cyrillic_keywords_ignore_case() {
        let topics = [topic("smuggling", &["контрабанда"], &[])];
        let it = item("КОНТРАБАНДА пресечена", "", &[]);
        assert_eq!(route(&it, &[], &topics), ["smuggling"]);
        assert!(route(&item("контрабандаx", "", &[]), &[], &topics).is_empty());
    }
}
