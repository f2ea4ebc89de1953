use super::*;
use crate::config::Retention;

fn topic(id: &str, include: &[&str], exclude: &[&str]) -> Topic {
    Topic {
        id: id.into(),
        title: id.into(),
        include: include.iter().map(|s| s.to_string()).collect(),
        exclude: exclude.iter().map(|s| s.to_string()).collect(),
        include_regex: vec![],
        exclude_regex: vec![],
        fields: Field::DEFAULT.to_vec(),
        sources: vec![],
        languages: vec![],
        max_entries: 50,
        retention: Retention { max_items: 100, max_age_days: Some(30) },
    }
}

fn item(title: &str, summary: &str, categories: &[&str]) -> Item {
    Item {
        summary: Some(summary.into()),
        categories: categories.iter().map(|s| s.to_string()).collect(),
        ..Item::new("s", title)
    }
}

fn listed(source: &str, topic: &str) -> Vec<(String, String)> {
    vec![(source.to_string(), topic.to_string())]
}

fn re(pattern: &str) -> regex::Regex {
    regex::RegexBuilder::new(pattern).case_insensitive(true).build().unwrap()
}

#[test]
fn source_topics_include_and_exclude() {
    let topics = [
        topic("enforcement", &["drug", "seizure"], &["webinar"]),
        topic("origin", &["rules of origin"], &[]),
        topic("news", &[], &["webinar"]),
    ];
    let source = listed("s", "news");
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
fn case_and_accents_are_folded_cyrillic_included() {
    let topics = [topic("smuggling", &["контрабанда"], &[]), topic("ivory", &["cote d'ivoire"], &[])];
    assert_eq!(route(&item("КОНТРАБАНДА пресечена", "", &[]), &[], &topics), ["smuggling"]);
    assert!(route(&item("контрабандаx", "", &[]), &[], &topics).is_empty());
    assert_eq!(route(&item("Mission to CÔTE D’IVOIRE", "", &[]), &[], &topics), ["ivory"]);
    let yo = [topic("tree", &["ёлка"], &[])];
    assert_eq!(route(&item("Елка на таможне", "", &[]), &[], &yo), ["tree"]);
}

#[test]
fn regexes_fields_sources_and_languages() {
    let mut t = topic("drugs", &[], &[]);
    t.include_regex = vec![re(r"seiz(ed|ure)s?\b")];
    t.exclude_regex = vec![re(r"^webinar")];
    assert_eq!(route(&item("Cocaine SEIZED in port", "", &[]), &[], &[t.clone()]), ["drugs"]);
    assert!(route(&item("Webinar: seizures", "", &[]), &[], &[t.clone()]).is_empty());

    let mut by_link = topic("wco", &["wcoomd"], &[]);
    by_link.fields = vec![Field::Link];
    let mut linked = item("News", "wcoomd", &[]);
    assert!(route(&linked, &[], &[by_link.clone()]).is_empty(), "the summary is not looked at");
    linked.link = Some("https://www.wcoomd.org/en/media/x.aspx".into());
    assert_eq!(route(&linked, &[], &[by_link]), ["wco"]);

    let mut fcs_only = topic("russia", &["customs"], &[]);
    fcs_only.sources = vec!["fcs".into()];
    let mut it = item("Customs news", "", &[]);
    assert!(route(&it, &[], &[fcs_only.clone()]).is_empty());
    it.source = "fcs".into();
    assert_eq!(route(&it, &[], &[fcs_only]), ["russia"]);

    let mut russian = topic("ru", &["customs", "таможня"], &[]);
    russian.languages = vec!["ru".into()];
    let mut it = item("Таможня", "", &[]);
    assert!(route(&it, &[], &[russian.clone()]).is_empty(), "no language, no match");
    it.language = Some("ru-ru".into());
    assert_eq!(route(&it, &[], &[russian.clone()]), ["ru"]);
    it.language = Some("rue".into());
    assert!(route(&it, &[], &[russian]).is_empty(), "ru is not a prefix of another language");
}

#[test]
fn verdicts_name_the_rule() {
    let topics = [
        topic("enforcement", &["drug", "seizure"], &["webinar"]),
        topic("origin", &["rules of origin"], &[]),
        topic("news", &[], &["webinar"]),
    ];
    let it = item("Drug webinar", "A seizure", &["News"]);
    let verdicts = explain(&it, &listed("wco", "news"), &topics);
    assert_eq!(
        verdicts[0].1,
        Verdict::Excluded {
            by: Why::Word { word: "webinar".into(), field: Field::Title },
            despite: Some(Why::Word { word: "drug".into(), field: Field::Title }),
        }
    );
    assert_eq!(verdicts[1].1.to_string(), "not in: no include word or regex matched its title, summary, categories");
    assert_eq!(
        verdicts[2].1.to_string(),
        "kept out by exclude: word \"webinar\" in the title (despite source \"wco\" lists the topic)"
    );
    let plain = item("Drug haul", "", &[]);
    assert_eq!(explain(&plain, &[], &topics)[0].1.to_string(), "joined: word \"drug\" in the title");
}
