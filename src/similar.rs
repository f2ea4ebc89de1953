//! Near-duplicates: the same story under another URL, with rewritten words. Pure.
//!
//! Text is folded (case, accents and punctuation, Cyrillic and Latin alike) and turned into a
//! 64-bit SimHash over words and word pairs of title and summary; two items are as similar as
//! their hashes are close. A similarity above the threshold is not enough to merge: the two must
//! come from different sources (a source's recurring "Weekly bulletin" is many stories), and the
//! names and numbers of each title must appear in the other's text (a "workshop on Rules of
//! Origin held in Burundi" is not the one "held in Ghana").

use crate::model::Item;
use crate::text;

/// Words that carry no story (English, Russian, French, Spanish): left out of the hash.
const STOP: [&str; 58] = [
    "a", "an", "the", "and", "or", "for", "with", "from", "to", "by", "at", "as", "is", "was", "were", "be", "this",
    "that", "its", "their", "on", "of", "in", "и", "в", "во", "на", "по", "с", "со", "о", "об", "за", "к", "для", "от",
    "из", "что", "как", "де", "de", "la", "le", "les", "des", "du", "et", "en", "un", "une", "el", "los", "las", "del",
    "y", "con", "por", "para",
];

/// Words too common in customs news to tell stories apart: they count in the hash, not in the veto.
const COMMON: [&str; 14] = [
    "wco",
    "customs",
    "world",
    "organization",
    "national",
    "workshop",
    "meeting",
    "held",
    "programme",
    "втамо",
    "всемирная",
    "таможенная",
    "организация",
    "фтс",
];

pub use crate::text::fold;

/// The words of an item that say what it is about: its title and summary (or content).
fn words(item: &Item) -> Vec<String> {
    let body = item.summary.as_deref().or(item.content.as_deref()).map(text::html_to_text).unwrap_or_default();
    text::words(&format!("{} {body}", item.title))
}

/// Whether `word` (a distinctive word of one title) is in `text` (the other's words). Numbers
/// must be there as they are ("29th" is not "30th"); other words may differ in their ending, as
/// inflections do ("Russia" and "Russian", "Бурунди" and "Бурунди", "России" and "Россия").
fn mentions(text: &[String], word: &str) -> bool {
    if word.chars().any(|c| c.is_ascii_digit()) {
        return text.iter().any(|w| w == word);
    }
    let len = word.chars().count();
    let stem = len.saturating_sub(2).max(4).min(len);
    text.iter().any(|w| w.chars().zip(word.chars()).take_while(|(a, b)| a == b).count() >= stem)
}

/// A 64-bit SimHash over words and pairs of words.
pub fn simhash(item: &Item) -> u64 {
    hash(&words(item))
}

fn hash(words: &[String]) -> u64 {
    let mut weights = [0i32; 64];
    let words: Vec<&String> = words.iter().filter(|w| !STOP.contains(&w.as_str())).collect();
    let pairs = words.windows(2).map(|w| format!("{} {}", w[0], w[1]));
    for feature in words.iter().map(|w| w.to_string()).chain(pairs) {
        let h = fnv1a(feature.as_bytes());
        for (bit, weight) in weights.iter_mut().enumerate() {
            *weight += if h >> bit & 1 == 1 { 1 } else { -1 };
        }
    }
    weights.iter().enumerate().fold(0u64, |acc, (bit, w)| if *w > 0 { acc | 1 << bit } else { acc })
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// How alike two hashes are, from 0 to 1.
pub fn similarity(a: u64, b: u64) -> f64 {
    1.0 - f64::from((a ^ b).count_ones()) / 64.0
}

/// Whether most letters of an item's title are Cyrillic: stories in two scripts are two entries,
/// one for the readers of each language.
fn cyrillic(item: &Item) -> bool {
    let letters = item.title.chars().filter(|c| c.is_alphabetic());
    let (cyr, all) = letters.fold((0, 0), |(c, n), ch| (c + usize::from(('\u{400}'..='\u{52f}').contains(&ch)), n + 1));
    cyr * 2 > all
}

/// Names and numbers in a title: capitalised words (but the first) and anything with a digit.
fn distinctive(title: &str) -> Vec<String> {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .enumerate()
        .filter(|(i, w)| {
            w.chars().any(|c| c.is_ascii_digit()) || (*i > 0 && w.chars().next().is_some_and(char::is_uppercase))
        })
        .map(|(_, w)| fold(w).trim().to_string())
        .filter(|w| (w.chars().count() > 2 || w.chars().any(|c| c.is_ascii_digit())) && !COMMON.contains(&w.as_str()))
        .collect()
}

/// Why two items are, or are not, one story.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The same story, this similar.
    Same(f64),
    /// Not the same story, how similar all the same, and why.
    Apart { score: f64, why: String },
}

/// Decides whether `a` and `b` (already within the time window) are one story.
pub fn compare(a: &Item, b: &Item, threshold: f64) -> Verdict {
    let (words_a, words_b) = (words(a), words(b));
    let score = similarity(hash(&words_a), hash(&words_b));
    let apart = |why: String| Verdict::Apart { score, why };
    if a.source == b.source {
        return apart(format!("one source ({}) publishes them as two stories", a.source));
    }
    if cyrillic(a) != cyrillic(b) {
        return apart("one is written in Cyrillic, the other in Latin script".to_string());
    }
    if score < threshold {
        return apart(format!("similarity {score:.2} is below {threshold:.2}"));
    }
    for (x, other) in [(a, &words_b), (b, &words_a)] {
        if let Some(missing) = distinctive(&x.title).into_iter().find(|w| !mentions(other, w)) {
            return apart(format!("similarity {score:.2}, but {missing:?} of {:?} is not in the other", x.title));
        }
    }
    Verdict::Same(score)
}

/// The similarity above which two items of different sources, within the window, are one story
/// (if the veto lets them): chosen on the labelled pairs by `cargo bench --bench dedup_threshold`.
pub const DEFAULT_THRESHOLD: f64 = 0.70;

/// A labelled pair: two items and whether they are one story.
pub struct Pair {
    pub same: bool,
    pub a: Item,
    pub b: Item,
}

/// Reads labelled pairs: tab-separated `merge|apart`, then source, date, title and summary of
/// each item; `#` starts a comment line.
pub fn parse_pairs(tsv: &str) -> Vec<Pair> {
    let item = |f: &[&str]| Item {
        published: chrono::NaiveDate::parse_from_str(f[1], "%Y-%m-%d")
            .ok()
            .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc()),
        summary: Some(f[3].to_string()),
        ..Item::new(f[0], f[2])
    };
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 9, "a labelled pair has 9 fields: {l}");
            Pair { same: f[0] == "merge", a: item(&f[1..5]), b: item(&f[5..9]) }
        })
        .collect()
}

/// Pairs of different stories drawn from the labelled set: each "merge" pair's first item with
/// every other "merge" pair's second item.
pub fn unrelated(pairs: &[Pair]) -> Vec<(&Item, &Item)> {
    let stories: Vec<&Pair> = pairs.iter().filter(|p| p.same).collect();
    let mut out = Vec::new();
    for (i, x) in stories.iter().enumerate() {
        for (j, y) in stories.iter().enumerate() {
            if i != j {
                out.push((&x.a, &y.b));
            }
        }
    }
    out
}

/// Precision and recall of [`compare`] at `threshold` on `pairs`.
pub fn score(pairs: &[Pair], threshold: f64) -> (f64, f64) {
    let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
    for p in pairs {
        match (matches!(compare(&p.a, &p.b, threshold), Verdict::Same(_)), p.same) {
            (true, true) => tp += 1.0,
            (true, false) => fp += 1.0,
            (false, true) => fn_ += 1.0,
            (false, false) => {}
        }
    }
    let precision = if tp + fp == 0.0 { 1.0 } else { tp / (tp + fp) };
    let recall = if tp + fn_ == 0.0 { 1.0 } else { tp / (tp + fn_) };
    (precision, recall)
}

#[cfg(test)]
mod tests;
