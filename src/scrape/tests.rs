use super::*;
use crate::config::HtmlRules;
use crate::dates::DateSpec;

fn rules(item: &str, title: Option<&str>, date: &str, format: Option<&str>, lang: Option<&str>, tz: &str) -> HtmlRules {
    HtmlRules {
        item: item.into(),
        title: title.map(Into::into),
        link: None,
        link_attr: "href".into(),
        date: Some(date.into()),
        dates: DateSpec {
            format: format.map(Into::into),
            lang: lang.map(|l| l.parse().unwrap()),
            zone: tz.parse().unwrap(),
        },
        summary: None,
        author: None,
        category: None,
        follow: false,
        content: None,
    }
}

/// The fixture pages and the rules `config/tidings.toml` uses for their sites.
/// A fixture: its name, its bytes, its expected rows, its Content-Type, and the rules to read it.
type Fixture = (&'static str, &'static [u8], &'static str, Option<&'static str>, HtmlRules);

fn fixtures() -> Vec<Fixture> {
    vec![
        (
            "wco-newsroom-ru",
            include_bytes!("../../tests/fixtures/html/wco-newsroom-ru.html"),
            include_str!("../../tests/fixtures/html/wco-newsroom-ru.expected.tsv"),
            Some("text/html; charset=utf-8"),
            HtmlRules {
                summary: Some("div.abstract".into()),
                link: Some("a.more".into()),
                ..rules("div.news-item", None, "span.date", Some("%d %B %Y"), Some("ru"), "Europe/Brussels")
            },
        ),
        (
            "fcs-news",
            include_bytes!("../../tests/fixtures/html/fcs-news.html"),
            include_str!("../../tests/fixtures/html/fcs-news.expected.tsv"),
            None,
            HtmlRules {
                summary: Some(".news__text".into()),
                ..rules(
                    ".news__item",
                    Some("a.news__title"),
                    ".news__date",
                    Some("Published at: %d %B %Y %H:%M"),
                    Some("en"),
                    "Europe/Moscow",
                )
            },
        ),
        (
            "rocb-europe",
            include_bytes!("../../tests/fixtures/html/rocb-europe.html"),
            include_str!("../../tests/fixtures/html/rocb-europe.expected.tsv"),
            Some("text/html"),
            HtmlRules {
                category: Some(".post-category".into()),
                ..rules("article.post", Some("h2.post-title"), "time.post-date", None, None, "UTC")
            },
        ),
        (
            "customs-academy-1251",
            include_bytes!("../../tests/fixtures/html/customs-academy-1251.html"),
            include_str!("../../tests/fixtures/html/customs-academy-1251.expected.tsv"),
            Some("text/html"),
            rules("div.entry", Some(".entry-title a"), ".entry-date", Some("%d %B %Y"), Some("ru"), "Europe/Moscow"),
        ),
    ]
}

/// Where each fixture page lives on its site.
pub fn page_url(name: &str) -> &'static str {
    match name {
        "wco-newsroom-ru" => "https://www.wcoomd.org/ru-ru/media/newsroom.aspx",
        "fcs-news" => "https://customs.gov.ru/press/federal/",
        "rocb-europe" => "https://www.rocb-europe.org/en/",
        _ => "https://customs-academy.net/category/news/",
    }
}

#[test]
fn every_fixture_item_has_the_right_title_link_and_date() {
    for (name, body, expected, content_type, rules) in fixtures() {
        let page = decode(body, content_type);
        let page_url = Url::parse(page_url(name)).unwrap();
        let extracted = extract(&page, &page_url, &rules);
        assert!(extracted.problems.is_empty(), "{name}: {:?}", extracted.problems);
        let rows: Vec<Vec<&str>> = expected.lines().map(|l| l.split('\t').collect()).collect();
        assert_eq!(extracted.feed.entries.len(), rows.len(), "{name}");
        for (entry, row) in extracted.feed.entries.into_iter().zip(rows) {
            let item = crate::normalise::normalise(entry, name, &page_url);
            assert_eq!(
                item.published.map(|d| d.to_rfc3339()).as_deref(),
                Some(row[0]),
                "{name}: date of {}",
                item.title
            );
            assert_eq!(item.link.as_deref(), Some(row[1]), "{name}: link of {}", item.title);
            assert_eq!(item.title, row[2], "{name}: title");
        }
    }
}

#[test]
fn the_wco_list_keeps_its_summaries_and_the_rocb_list_its_categories() {
    let (_, body, _, ct, rules) = fixtures().remove(0);
    let extracted = extract(&decode(body, ct), &Url::parse("https://www.wcoomd.org/").unwrap(), &rules);
    assert_eq!(extracted.feed.entries.len(), 60);
    let summary = extracted.feed.entries[0].summary.as_ref().unwrap();
    assert!(summary.html && summary.text.starts_with("<p>On 28 June 2022"), "{summary:?}");
    let (_, body, _, ct, rules) = fixtures().remove(2);
    let extracted = extract(&decode(body, ct), &Url::parse("https://www.rocb-europe.org/en/").unwrap(), &rules);
    assert_eq!(extracted.feed.entries[0].categories, ["News"]);
}

#[test]
fn charsets_come_from_the_header_then_the_meta_then_utf8() {
    let text = "<html><head><meta charset=\"koi8-r\"></head><body><p>Таможня</p></body></html>";
    let (koi8, _, _) = encoding_rs::KOI8_R.encode(text);
    assert!(decode(&koi8, None).contains("Таможня"), "meta charset");
    assert!(decode(&koi8, Some("text/html; charset=KOI8-R")).contains("Таможня"), "header charset");
    let plain = "<p>Таможня</p>";
    let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(plain);
    assert!(decode(&cp1251, Some("text/html; charset=\"windows-1251\"")).contains("Таможня"));
    assert_eq!(decode(plain.as_bytes(), None), plain, "UTF-8 by default");
    let http_equiv = "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\"><p>Таможня</p>";
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(http_equiv);
    assert!(decode(&bytes, Some("text/html")).contains("Таможня"), "http-equiv");
}

#[test]
fn selectors_that_match_nothing_are_named() {
    let page =
        "<div class=\"n\"><a href=\"/a\">A</a></div><div class=\"n\"><a href=\"/b\">B</a><i>1 May 2022</i></div>";
    let url = Url::parse("https://x.example/").unwrap();
    let none = extract(page, &url, &rules("li.news", None, "i", None, None, "UTC"));
    assert_eq!(none.problems, ["the item selector \"li.news\" matched nothing on the page"]);
    let some = extract(page, &url, &rules("div.n", Some("h3"), "i", None, None, "UTC"));
    assert_eq!(
        some.problems,
        [
            "the title selector \"h3\" matched nothing in any of the 2 items",
            "the date selector \"i\" matched nothing in 1 of the 2 items",
        ]
    );
    assert_eq!(some.feed.entries[1].link.as_deref(), Some("https://x.example/b"), "the first a[href] by default");
    assert!(check_selector("div[").unwrap_err().contains("is not a valid CSS selector"));
}

#[test]
fn content_is_found_on_an_item_page() {
    let page = "<html><body><nav>menu</nav><div class=\"article\"><p>Full text</p></div></body></html>";
    assert_eq!(content(page, "div.article").as_deref(), Some("<p>Full text</p>"));
    assert_eq!(content(page, "div.missing"), None);
}
