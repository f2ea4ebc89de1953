//! Routing: source topics, include words, exclude words, and Cyrillic keywords, end to end.

use crate::helpers::{spawn_app, Reply};

const CONFIG: &str = r#"
[fetch]
schedule = "0 0 0 1 1 *"

[[topic]]
id = "enforcement"
title = "Enforcement and compliance"
include = ["drug", "illicit", "контрабанде"]
exclude = ["webinar"]

[[topic]]
id = "origin"
title = "Tariff and origin"
include = ["rules of origin"]

[[topic]]
id = "training"
title = "Training"

[[source]]
id = "wco"
url = "{upstream}/wco.rss"

[[source]]
id = "fcs"
url = "{upstream}/fcs.rss"

[[source]]
id = "academy"
url = "{upstream}/academy.json"
topics = ["training"]
"#;

#[tokio::test]
async fn items_join_topics_by_source_include_and_exclude() {
    let t = spawn_app(CONFIG).await;
    for name in ["wco.rss", "fcs.rss", "academy.json"] {
        t.upstream.set(name, Reply::fixture(name));
    }
    for source in ["wco", "fcs", "academy"] {
        t.poll(source).await;
    }
    assert_eq!(
        t.titles("enforcement").await,
        [
            "Shipping companies and Customs step up the fight against drug trafficking",
            "Представитель ФТС России стал заместителем Председателя Комитета по правоприменению ВТамО",
        ],
        "include words match (Cyrillic too, whatever the case); the webinar item is excluded"
    );
    assert_eq!(t.titles("origin").await, ["National Workshop on Rules of Origin held in Burundi"]);
    assert_eq!(t.titles("training").await, ["Lecture-discussion on the WCO's work in information technologies"]);
    assert_eq!(t.feed("all").await.len(), 6, "every item is in all");
}

#[tokio::test]
async fn changed_rules_reroute_stored_items_at_start_up() {
    let t = spawn_app(CONFIG).await;
    t.upstream.set("wco.rss", Reply::fixture("wco.rss"));
    t.poll("wco").await;
    let config_path = t.app.config.path.clone();
    let upstream = t.upstream.url.clone();
    let dir = t.shutdown().await.unwrap();

    // The same store, with "webinar" no longer excluded.
    let text = std::fs::read_to_string(&config_path).unwrap().replace("exclude = [\"webinar\"]", "");
    std::fs::write(&config_path, &text).unwrap();
    let config = tidings::config::Config::load(&config_path).unwrap();
    let app = std::sync::Arc::new(tidings::app::App::open(config).unwrap());
    let moved = tidings::poll::reroute_all(&app).await.unwrap();
    assert_eq!(moved, 1);
    let titles: Vec<_> = app.store.newest("enforcement", 10).unwrap().into_iter().map(|s| s.item.title).collect();
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(titles.contains(&"Final results of Operation STOP II announced".to_string()));
    drop((app, dir, upstream));
}
