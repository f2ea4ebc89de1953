//! Stage 2 for pages without a feed: an HTML news list becomes a [`ParsedFeed`].
//!
//! The only module that touches scraper. The page is decoded by the charset the server names,
//! else its `<meta charset>` or `<meta http-equiv>`, else UTF-8 (so windows-1251 and KOI8-R read
//! right); items are found with the source's CSS selectors, links resolved against `<base href>`
//! and the page URL, dates read by [`crate::dates`]. What a selector failed to find is reported,
//! so a user writing selectors sees which one to fix.

use encoding_rs::Encoding;
use scraper::{ElementRef, Html, Selector};
use url::Url;

use crate::config::HtmlRules;
use crate::dates;
use crate::model::{Body, ParsedEntry, ParsedFeed};
use crate::text;

/// Whether `selector` is valid CSS, with the parser's complaint when not.
pub fn check_selector(selector: &str) -> Result<(), String> {
    Selector::parse(selector).map(drop).map_err(|e| format!("{selector:?} is not a valid CSS selector: {e}"))
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("selectors are checked when the configuration is read")
}

/// The page's text, decoded by the charset it declares.
pub fn decode(body: &[u8], content_type: Option<&str>) -> String {
    let declared = content_type.and_then(charset_param).or_else(|| meta_charset(body));
    let encoding = Encoding::for_bom(body)
        .map(|(e, _)| e)
        .or_else(|| declared.and_then(|name| Encoding::for_label(name.as_bytes())))
        .unwrap_or(encoding_rs::UTF_8);
    encoding.decode(body).0.into_owned()
}

/// `charset=...` in a Content-Type value.
fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|part| {
        let (name, value) = part.split_once('=')?;
        (name.trim().eq_ignore_ascii_case("charset")).then(|| value.trim().trim_matches(['"', '\'']).to_string())
    })
}

/// The charset of `<meta charset>` or `<meta http-equiv="Content-Type" content="...">`, looked for
/// in the first 2 KiB as browsers do.
fn meta_charset(body: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&body[..body.len().min(2048)]).to_ascii_lowercase();
    let at = head.find("charset=")? + "charset=".len();
    let value: String = head[at..]
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        .collect();
    (!value.is_empty()).then_some(value)
}

/// Items read from a page, and what the selectors failed to find.
#[derive(Debug)]
pub struct Extracted {
    pub feed: ParsedFeed,
    /// One line per selector that matched nothing, or per date that did not read.
    pub problems: Vec<String>,
}

/// Reads the items of `page` (decoded HTML) served at `url`.
pub fn extract(page: &str, url: &Url, rules: &HtmlRules) -> Extracted {
    let document = Html::parse_document(page);
    let base = document
        .select(&selector("base[href]"))
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|href| url.join(href.trim()).ok())
        .unwrap_or_else(|| url.clone());
    let title = document.select(&selector("title")).next().map(|t| text_of(&t)).filter(|t| !t.is_empty());
    let items: Vec<ElementRef> = document.select(&selector(&rules.item)).collect();
    let mut problems = Vec::new();
    if items.is_empty() {
        problems.push(format!("the item selector {:?} matched nothing on the page", rules.item));
    }
    let mut misses = Misses::default();
    let entries = items.iter().map(|item| entry(item, &base, rules, &mut misses, &mut problems)).collect();
    problems.extend(misses.report(rules, items.len()));
    let language =
        document.select(&selector("html[lang]")).next().and_then(|h| h.value().attr("lang")).map(str::to_string);
    let feed = ParsedFeed { id: None, title, link: Some(url.to_string()), updated: None, ttl: None, language, entries };
    Extracted { feed, problems }
}

fn entry(
    item: &ElementRef,
    base: &Url,
    rules: &HtmlRules,
    misses: &mut Misses,
    problems: &mut Vec<String>,
) -> ParsedEntry {
    let find = |css: &Option<String>| css.as_deref().and_then(|c| item.select(&selector(c)).next());
    let title = find(&rules.title).map(|t| text_of(&t)).filter(|t| !t.is_empty());
    let link_element = match &rules.link {
        Some(css) => item.select(&selector(css)).next(),
        None => item.select(&selector("a[href]")).next(),
    };
    // Without a title selector the summary makes the title; without either, the link's text does.
    let title = title.or_else(|| match (&rules.title, &rules.summary) {
        (None, None) => link_element.map(|a| text_of(&a)).filter(|t| !t.is_empty()),
        _ => None,
    });
    let link = link_element
        .and_then(|a| a.value().attr(&rules.link_attr))
        .and_then(|href| base.join(href.trim()).ok())
        .map(|u| u.to_string());
    let date_text =
        find(&rules.date).map(|d| d.value().attr("datetime").map(str::to_string).unwrap_or_else(|| text_of(&d)));
    let published = date_text.as_deref().and_then(|t| match dates::parse(t, &rules.dates) {
        Ok(d) => Some(d),
        Err(e) => {
            problems.push(format!("date: {e}"));
            None
        }
    });
    let summary = find(&rules.summary).map(|s| Body { text: s.inner_html().trim().to_string(), html: true });
    misses.count(rules, title.is_none(), link.is_none(), date_text.is_none(), summary.is_none());
    ParsedEntry {
        id: None,
        title,
        link,
        published,
        updated: None,
        authors: find(&rules.author).map(|a| text_of(&a)).filter(|a| !a.is_empty()).into_iter().collect(),
        summary,
        content: None,
        categories: rules
            .category
            .as_deref()
            .map(|c| item.select(&selector(c)).map(|e| text_of(&e)).filter(|c| !c.is_empty()).collect())
            .unwrap_or_default(),
        base: Some(base.to_string()),
    }
}

/// How many items each optional selector found nothing in.
#[derive(Default)]
struct Misses {
    title: usize,
    link: usize,
    date: usize,
    summary: usize,
}

impl Misses {
    fn count(&mut self, rules: &HtmlRules, title: bool, link: bool, date: bool, summary: bool) {
        self.title += usize::from(rules.title.is_some() && title);
        self.link += usize::from(link);
        self.date += usize::from(rules.date.is_some() && date);
        self.summary += usize::from(rules.summary.is_some() && summary);
    }

    fn report(&self, rules: &HtmlRules, items: usize) -> Vec<String> {
        let link = rules.link.clone().unwrap_or_else(|| "a[href]".into());
        let rows = [
            ("title", rules.title.clone(), self.title),
            ("link", Some(format!("{link} (attribute {})", rules.link_attr)), self.link),
            ("date", rules.date.clone(), self.date),
            ("summary", rules.summary.clone(), self.summary),
        ];
        rows.into_iter()
            .filter(|(_, css, missed)| css.is_some() && *missed > 0)
            .map(|(name, css, missed)| {
                let css = css.unwrap_or_default();
                match missed == items {
                    true => format!("the {name} selector {css:?} matched nothing in any of the {items} items"),
                    false => format!("the {name} selector {css:?} matched nothing in {missed} of the {items} items"),
                }
            })
            .collect()
    }
}

/// The HTML `content` selects on an item's own page, if it matches.
pub fn content(page: &str, css: &str) -> Option<String> {
    let document = Html::parse_document(page);
    let found = document.select(&selector(css)).next()?;
    Some(found.inner_html().trim().to_string()).filter(|c| !c.is_empty())
}

fn text_of(element: &ElementRef) -> String {
    text::collapse_whitespace(&text::clean(&element.text().collect::<String>()))
}

#[cfg(test)]
mod tests;
