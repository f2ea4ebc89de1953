//! Canonical URLs: one spelling for every way sites write the same page, so a story reposted with
//! tracking parameters, another scheme or `www.` is still recognised. Pure.
//!
//! Lower-case scheme and host (the URL crate does that), default port and fragment dropped,
//! tracking parameters dropped, the remaining query sorted, `index.html`/`default.aspx` and a
//! trailing slash normalised, `http`/`https` and `www.` treated as the same page. The result is an
//! identity key, not a link to follow: links shown to readers keep the publisher's spelling.

use url::Url;

/// Query parameters that only say how a reader arrived.
const TRACKING: [&str; 14] = [
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "yclid",
    "_hsenc",
    "_hsmi",
    "igshid",
    "ref_src",
    "spm",
    "_openstat",
    "ito",
];

/// Index documents that name the folder they sit in.
const INDEX_FILES: [&str; 6] = ["index.html", "index.htm", "index.php", "default.aspx", "default.asp", "index.aspx"];

/// The canonical form of `link` as an identity key; `None` when it is not an http(s) URL.
pub fn canonical(link: &str) -> Option<String> {
    let url = Url::parse(link.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.trim_end_matches('.');
    let host = host.strip_prefix("www.").unwrap_or(host);
    let port = url.port().map_or(String::new(), |p| format!(":{p}"));
    let mut path = url.path().to_string();
    if let Some((folder, file)) = path.rsplit_once('/') {
        if INDEX_FILES.iter().any(|i| file.eq_ignore_ascii_case(i)) {
            path = format!("{folder}/");
        }
    }
    let path = path.trim_end_matches('/');
    let mut query: Vec<(String, String)> =
        url.query_pairs().filter(|(k, _)| !is_tracking(k)).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    query.sort();
    let query = match query.is_empty() {
        true => String::new(),
        false => {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            q.extend_pairs(&query);
            format!("?{}", q.finish())
        }
    };
    Some(format!("//{host}{port}{path}{query}"))
}

/// `link` without its tracking parameters, otherwise as the publisher wrote it: the link shown to
/// readers. Unchanged when it has none (or is not a URL).
pub fn untracked(link: &str) -> String {
    let Ok(mut url) = Url::parse(link) else { return link.to_string() };
    if !url.query_pairs().any(|(k, _)| is_tracking(&k)) {
        return link.to_string();
    }
    let kept: Vec<(String, String)> =
        url.query_pairs().filter(|(k, _)| !is_tracking(k)).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(&kept);
    }
    url.to_string()
}

fn is_tracking(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.starts_with("utm_") || TRACKING.contains(&key.as_str())
}

#[cfg(test)]
mod tests {
    use super::{canonical, untracked};

    #[test]
    fn links_shown_to_readers_lose_tracking_parameters_only() {
        assert_eq!(
            untracked("https://www.rocb-europe.org/en/news/x?utm_source=newsletter&utm_medium=mail"),
            "https://www.rocb-europe.org/en/news/x"
        );
        assert_eq!(
            untracked("https://customs.gov.ru/document?id=7&fbclid=abc#top"),
            "https://customs.gov.ru/document?id=7#top"
        );
        let plain = "http://WWW.example.org/News/?b=2&a=1";
        assert_eq!(untracked(plain), plain, "no tracking: left exactly as written");
    }

    #[test]
    fn the_same_page_written_many_ways_has_one_key() {
        let same = [
            "https://www.wcoomd.org/en/media/newsroom/2022/june/green-customs.aspx",
            "http://wcoomd.org/en/media/newsroom/2022/june/green-customs.aspx",
            "HTTPS://WWW.WCOOMD.ORG:443/en/media/newsroom/2022/june/green-customs.aspx#top",
            "https://www.wcoomd.org/en/media/newsroom/2022/june/green-customs.aspx?utm_source=rss&utm_medium=feed",
            "https://www.wcoomd.org/en/media/newsroom/2022/june/green-customs.aspx?fbclid=IwAR3x&gclid=abc",
            "https://www.wcoomd.org/en/media/newsroom/2022/june/green-customs.aspx/",
            "http://www.wcoomd.org.:80/en/media/newsroom/2022/june/green-customs.aspx?mc_cid=1&mc_eid=2&yclid=3&_hsenc=4",
        ];
        let want = "//wcoomd.org/en/media/newsroom/2022/june/green-customs.aspx";
        for link in same {
            assert_eq!(canonical(link).as_deref(), Some(want), "{link}");
        }
    }

    #[test]
    fn folders_and_their_index_files_are_one_page() {
        for link in [
            "https://rocb-europe.org/en/news/",
            "https://rocb-europe.org/en/news",
            "https://rocb-europe.org/en/news/index.html",
            "https://www.rocb-europe.org/en/news/Default.aspx",
        ] {
            assert_eq!(canonical(link).as_deref(), Some("//rocb-europe.org/en/news"), "{link}");
        }
        assert_eq!(canonical("https://customs.gov.ru/").as_deref(), Some("//customs.gov.ru"));
    }

    #[test]
    fn the_query_that_names_the_page_is_kept_and_sorted() {
        let a = canonical("https://customs.gov.ru/press/document?id=276532&lang=en&utm_campaign=x");
        let b = canonical("https://customs.gov.ru/press/document?lang=en&id=276532");
        assert_eq!(a, b);
        assert_eq!(a.as_deref(), Some("//customs.gov.ru/press/document?id=276532&lang=en"));
        assert_ne!(canonical("https://x.example/news?id=1"), canonical("https://x.example/news?id=2"));
    }

    #[test]
    fn paths_keep_their_case_and_other_ports_and_hosts_stay_apart() {
        assert_ne!(canonical("https://x.example/News/1"), canonical("https://x.example/news/1"));
        assert_ne!(canonical("https://x.example:8443/a"), canonical("https://x.example/a"));
        assert_ne!(canonical("https://news.x.example/a"), canonical("https://x.example/a"));
        assert_eq!(canonical("mailto:press@x.example"), None);
        assert_eq!(canonical("not a url"), None);
    }
}
