use std::path::Path;

use super::*;

const GOOD: &str = r#"
[server]
listen = "127.0.0.1:8080"
base_url = "https://news.example.org/tidings"

[store]
path = "data"

[fetch]
schedule = "0 */15 * * * *"
timeout_secs = 20
max_body_bytes = 1000
user_agent = "tidings-test"

[[topic]]
id = "enforcement"
title = "Enforcement and compliance"
include = ["drug", "counterfeit", "seizure"]
exclude = ["webinar"]

[[topic]]
id = "origin"

[[source]]
id = "wco-news"
title = "WCO newsroom"
url = "https://www.wcoomd.org/feed"
topics = ["enforcement"]
schedule = "0 */30 * * * *"

[[source]]
id = "local"
url = "feeds/local.xml"

[[source]]
id = "file-url"
url = "file:///srv/feed.xml"
"#;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(Path::new("/etc/tidings/tidings.toml"), text)
}

/// The one problem `text` has, as `check` prints it.
fn problem(text: &str) -> String {
    let err = parse(text).expect_err("the config should be refused");
    assert_eq!(err.problems.len(), 1, "expected one problem, got: {err}");
    err.to_string()
}

#[test]
fn a_full_config_is_understood() {
    let config = parse(GOOD).unwrap();
    assert_eq!(config.server.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.store_path, Path::new("/etc/tidings/data"));
    assert_eq!(config.fetch.max_body_bytes, 1000);
    assert_eq!(config.topics[0].include, ["drug", "counterfeit", "seizure"]);
    assert_eq!(config.topics[1].title, "origin", "the title defaults to the id");
    let wco = config.source("wco-news").unwrap();
    assert_eq!(wco.schedule.expr(), "0 */30 * * * *");
    assert_eq!(wco.topics, ["enforcement"]);
    let local = config.source("local").unwrap();
    assert_eq!(local.location, Location::File("/etc/tidings/feeds/local.xml".into()));
    assert_eq!(local.schedule.expr(), "0 */15 * * * *", "the [fetch] schedule is the default");
    assert_eq!(config.source("file-url").unwrap().location, Location::File("/srv/feed.xml".into()));
}

#[test]
fn defaults_fill_an_empty_file() {
    let config = parse("").unwrap();
    assert_eq!(config.server.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.fetch.timeout.as_secs(), 20);
    assert_eq!(config.server.max_entries, 50);
    assert!(config.sources.is_empty());
}

#[test]
fn unknown_keys_are_refused_with_their_line() {
    let text = GOOD.replace("user_agent = \"tidings-test\"", "user_agent = \"x\"\nuser_agnet = \"y\"");
    let msg = problem(&text);
    assert!(msg.starts_with("/etc/tidings/tidings.toml:14: user_agnet: unknown field `user_agnet`"), "{msg}");
}

#[test]
fn duplicate_ids_are_refused() {
    let text = GOOD.replace("id = \"local\"", "id = \"wco-news\"");
    let msg = problem(&text);
    assert!(msg.contains(":32: source[1].id: duplicate id \"wco-news\""), "{msg}");
}

#[test]
fn undefined_topics_are_refused() {
    let text = GOOD.replace("topics = [\"enforcement\"]", "topics = [\"enforcement\", \"smuggling\"]");
    let msg = problem(&text);
    assert!(msg.contains(":28: source[0].topics[1]: names topic \"smuggling\", which no [[topic]] defines"), "{msg}");
}

#[test]
fn reserved_and_malformed_ids_are_refused() {
    let msg = problem(&GOOD.replace("id = \"origin\"", "id = \"all\""));
    assert!(msg.contains(":22: topic[1].id: \"all\" is reserved"), "{msg}");
    let msg = problem(&GOOD.replace("id = \"origin\"", "id = \"Rules Of Origin\""));
    assert!(msg.contains("topic[1].id: \"Rules Of Origin\" is not a valid id"), "{msg}");
    let msg = problem(&GOOD.replace("id = \"local\"", "id = \"\""));
    assert!(msg.contains("source[1].id: \"\" is not a valid id"), "{msg}");
}

#[test]
fn bad_urls_are_refused() {
    for (url, expect) in [
        ("ftp://example.org/feed", "the scheme \"ftp\" is not supported"),
        ("https://", "is not a valid URL"),
        ("http://exa mple.org/", "is not a valid URL"),
        ("", "is empty"),
    ] {
        let msg = problem(&GOOD.replace("https://www.wcoomd.org/feed", url));
        assert!(msg.contains(":27: source[0].url: ") && msg.contains(expect), "{url}: {msg}");
    }
}

#[test]
fn bad_cron_expressions_are_refused() {
    let msg = problem(&GOOD.replace("0 */30 * * * *", "*/30 * * * *"));
    assert!(msg.contains(":29: source[0].schedule: \"*/30 * * * *\" has 5 fields; tidings wants 6"), "{msg}");
    let msg = problem(&GOOD.replace("schedule = \"0 */15 * * * *\"", "schedule = \"0 */15 * * * mon-funday\""));
    assert!(msg.contains(":10: fetch.schedule: \"0 */15 * * * mon-funday\" is not a valid cron expression"), "{msg}");
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = GOOD.replace("id = \"origin\"", "id = \"all\"").replace("0 */30 * * * *", "bad");
    let err = parse(&text).unwrap_err();
    assert_eq!(err.problems.len(), 2, "{err}");
}

#[test]
fn syntax_errors_name_the_line() {
    let msg = problem("[server]\nlisten = \"127.0.0.1:8080\"\nbase_url = \n");
    assert!(msg.starts_with("/etc/tidings/tidings.toml:3"), "{msg}");
    let msg = problem("[server]\nlisten = \"localhost\"\n");
    assert!(msg.contains(":2: server.listen: \"localhost\" is not an address and port"), "{msg}");
}

#[test]
fn politeness_and_request_settings_are_read() {
    let text = GOOD
        .replace("user_agent = \"tidings-test\"", "user_agent = \"t\"\nhost_interval_ms = 250\nper_host_requests = 2\nexempt_loopback = false")
        .replace(
            "schedule = \"0 */30 * * * *\"",
            "schedule = \"0 */30 * * * *\"\nuser_agent = \"own/1\"\ncookie = \"a=b\"\nusername = \"u\"\npassword = \"p\"\n\
             headers = { X-Key = \"v\" }\nproxy = \"http://proxy.example:3128\"\nignore_ttl = true",
        );
    let config = parse(&text).unwrap();
    assert_eq!(config.fetch.host_interval.as_millis(), 250);
    assert_eq!((config.fetch.per_host, config.fetch.max_in_flight, config.fetch.exempt_loopback), (2, 16, false));
    assert_eq!(config.fetch.max_backoff.as_secs(), 86_400);
    let wco = config.source("wco-news").unwrap();
    assert!(wco.ignore_ttl);
    assert_eq!(wco.request.user_agent.as_deref(), Some("own/1"));
    assert_eq!(wco.request.basic_auth, Some(("u".into(), "p".into())));
    assert_eq!(wco.request.headers, [("X-Key".to_string(), "v".to_string())]);
    assert_eq!(wco.request.proxy.as_ref().unwrap().as_str(), "http://proxy.example:3128/");
    assert_eq!(config.source("local").unwrap().request, Request::default());
}

#[test]
fn bad_request_settings_are_refused() {
    let with =
        |extra: &str| GOOD.replace("schedule = \"0 */30 * * * *\"", &format!("schedule = \"0 */30 * * * *\"\n{extra}"));
    let msg = problem(&with("headers = { \"Bad Name\" = \"v\" }"));
    assert!(msg.contains(":30: source[0].headers: \"Bad Name\" is not a valid header name"), "{msg}");
    let msg = problem(&with("password = \"p\""));
    assert!(msg.contains(":30: source[0].password: a password needs a username"), "{msg}");
    let msg = problem(&with("proxy = \"proxy.example\""));
    assert!(msg.contains(":30: source[0].proxy: \"proxy.example\" is not a proxy URL"), "{msg}");
    let msg = problem(&GOOD.replace("timeout_secs = 20", "timeout_secs = 20\nhost_interval_ms = -5"));
    assert!(msg.contains("fetch.host_interval_ms: must be 0 or more"), "{msg}");
}

#[test]
fn dedup_retention_and_topic_rules_are_read() {
    let text = GOOD.replace(
        "[[topic]]\nid = \"origin\"\n",
        r#"[dedup]
threshold = 0.8
window_days = 3

[retention]
max_items = 500

[[topic]]
id = "origin"
include_regex = "rules? of origin"
exclude_regex = ["^webinar", "cancel+ed"]
fields = ["title", "link"]
sources = ["wco-news"]
languages = ["EN", "ru_RU"]
max_items = 20
max_age_days = 90
"#,
    );
    let config = parse(&text).unwrap();
    assert_eq!(config.dedup, Dedup { near_duplicates: true, threshold: 0.8, window: chrono::Duration::days(3) });
    assert_eq!(config.retention, Retention { max_items: 500, max_age_days: None });
    let origin = config.topic("origin").unwrap();
    assert_eq!(origin.include_regex[0].as_str(), "rules? of origin");
    assert!(origin.include_regex[0].is_match("RULE OF ORIGIN"), "case-insensitive");
    assert_eq!(origin.exclude_regex.len(), 2);
    assert_eq!(origin.fields, [Field::Title, Field::Link]);
    assert_eq!(origin.sources, ["wco-news"]);
    assert_eq!(origin.languages, ["en", "ru-ru"]);
    assert_eq!(origin.retention, Retention { max_items: 20, max_age_days: Some(90) });
    let enforcement = config.topic("enforcement").unwrap();
    assert_eq!(enforcement.retention, config.retention, "topics inherit [retention]");
    assert_eq!(enforcement.fields, Field::DEFAULT);
    let summary = summary(&config);
    assert!(summary.contains("near-duplicates above 0.80 similarity, within 3 days"), "{summary}");
    assert!(summary.contains("include_regex: /rules? of origin/"), "{summary}");
}

#[test]
fn bad_rules_are_named_with_their_line() {
    let with =
        |extra: &str| GOOD.replace("[[topic]]\nid = \"origin\"\n", &format!("[[topic]]\nid = \"origin\"\n{extra}\n"));
    let p = problem(&with("include_regex = \"(unclosed\""));
    assert!(
        p.contains(":23: topic[1].include_regex[0]: \"(unclosed\" is not a valid regular expression: unclosed group"),
        "{p}"
    );
    let p = problem(&with("fields = [\"title\", \"body\"]"));
    assert!(
        p.contains("topic[1].fields[1]: \"body\" is not a field: use title, summary, categories, link, author"),
        "{p}"
    );
    let p = problem(&with("sources = [\"nope\"]"));
    assert!(p.contains("topic[1].sources[0]: names source \"nope\", which no [[source]] defines"), "{p}");
    let p = problem(&with("languages = [\"english!\"]"));
    assert!(p.contains("topic[1].languages[0]: \"english!\" is not a language tag"), "{p}");
    let p = problem(&with("max_items = 0"));
    assert!(p.contains("topic[1].max_items: must be a positive whole number, not 0"), "{p}");
    let p = problem(&format!("[dedup]\nthreshold = 1.5\n{GOOD}"));
    assert!(p.contains(":2: dedup.threshold: must be above 0 and at most 1"), "{p}");
    let p = problem(&GOOD.replace("id = \"local\"\n", "id = \"local\"\nlanguage = \"??\"\n"));
    assert!(p.contains("source[1].language: \"??\" is not a language tag"), "{p}");
}
