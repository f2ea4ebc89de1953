//! The `tidings` binary itself: `check` on the shipped and on broken configs, `poll`, and `run`
//! stopped by SIGTERM.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn tidings(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tidings")).args(args).env("RUST_LOG", "warn").output().unwrap()
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn the_shipped_configs_pass_check() {
    for config in ["config/demo.toml", "config/tidings.toml"] {
        let out = tidings(&["check", "--config", repo(config).to_str().unwrap()]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{config}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains(": OK") && stdout.contains("sources ("), "{stdout}");
    }
}

#[test]
fn the_config_path_comes_from_the_environment_when_not_given() {
    let out = Command::new(env!("CARGO_BIN_EXE_tidings"))
        .arg("check")
        .env("TIDINGS_CONFIG", repo("config/demo.toml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Each broken config, and what `check` must say about it.
#[test]
fn check_names_the_file_the_line_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let base = "[[topic]]\nid = \"enforcement\"\n\n[[source]]\nid = \"wco\"\nurl = \"https://www.wcoomd.org/feed\"\n";
    let cases = [
        (base.replace("id = \"wco\"", "id = \"wco\"\ncolour = \"red\""), ":6: colour: unknown field `colour`"),
        (
            format!("{base}\n[[source]]\nid = \"wco\"\nurl = \"https://x.example/\"\n"),
            ":9: source[1].id: duplicate id \"wco\"",
        ),
        (
            base.replace("id = \"wco\"", "id = \"wco\"\ntopics = [\"smuggling\"]"),
            ":6: source[0].topics[0]: names topic \"smuggling\"",
        ),
        (base.replace("id = \"enforcement\"", "id = \"all\""), ":2: topic[0].id: \"all\" is reserved"),
        (
            base.replace("id = \"enforcement\"", "id = \"Enforcement!\""),
            ":2: topic[0].id: \"Enforcement!\" is not a valid id",
        ),
        (
            base.replace("https://www.wcoomd.org/feed", "gopher://wcoomd.org"),
            ":6: source[0].url: \"gopher://wcoomd.org\": the scheme \"gopher\" is not supported",
        ),
        (format!("{base}schedule = \"every minute\"\n"), ":7: source[0].schedule: \"every minute\" has 2 fields"),
    ];
    for (i, (text, expect)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("case{i}.toml"));
        std::fs::write(&path, text).unwrap();
        let out = tidings(&["check", "--config", path.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "case {i}: {stderr}");
        assert!(stderr.contains(&format!("{}{expect}", path.display())), "case {i}: expected {expect:?} in {stderr}");
    }
    let missing = tidings(&["check", "--config", "/nonexistent/tidings.toml"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/tidings.toml: cannot read the file"));
}

/// A config whose one source is a fixture file, with its store in a temporary folder.
fn file_config(dir: &Path) -> PathBuf {
    let path = dir.join("tidings.toml");
    let feed = repo("tests/fixtures/wco.rss");
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n\n[[topic]]\nid = \"enforcement\"\ninclude = [\"drug\"]\n\n\
         [[source]]\nid = \"wco\"\ntitle = \"WCO Newsroom\"\nurl = \"{}\"\n",
        feed.display()
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn poll_stores_once_and_prints_what_was_new() {
    let dir = tempfile::tempdir().unwrap();
    let config = file_config(dir.path());
    let config = config.to_str().unwrap();
    let first = tidings(&["poll", "--config", config]);
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(stdout.contains("wco: 3 new, 0 updated, 0 unchanged"), "{stdout}");
    assert!(stdout.contains("  new: National Workshop on Rules of Origin held in Burundi"), "{stdout}");
    let again = tidings(&["poll", "--config", config, "--source", "wco"]);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("wco: not modified"),
        "an unchanged file is not read again"
    );
    let unknown = tidings(&["poll", "--config", config, "--source", "nope"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no source named \"nope\""));
}

#[test]
fn sigterm_stops_the_daemon_cleanly_with_the_store_intact() {
    let dir = tempfile::tempdir().unwrap();
    let config = file_config(dir.path());
    let mut daemon = Command::new(env!("CARGO_BIN_EXE_tidings"))
        .args(["run", "--config", config.to_str().unwrap()])
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, log) = std::sync::mpsc::channel();
    let stderr = daemon.stderr.take().unwrap();
    std::thread::spawn(move || BufReader::new(stderr).lines().map_while(Result::ok).for_each(|l| drop(lines.send(l))));
    let wait_for = |what: &str, found: &dyn Fn(&str) -> bool| -> String {
        loop {
            match log.recv_timeout(Duration::from_secs(30)) {
                Ok(line) if found(&line) => return line,
                Ok(_) => {}
                Err(e) => panic!("the daemon never logged {what}: {e}"),
            }
        }
    };
    let listening = wait_for("its address", &|l| l.contains("address="));
    let address = listening.split("address=").nth(1).unwrap().split_whitespace().next().unwrap().to_string();
    // The start-up poll is logged once it is stored.
    let polled = wait_for("the start-up poll", &|l| l.contains("source=wco") && l.contains(" poll "));
    assert!(polled.contains("new=3"), "{polled}");

    let feed = reqwest::blocking_get(&format!("http://{address}/feeds/enforcement.atom"));
    assert!(feed.contains("drug trafficking"), "{feed}");
    let busy = tidings(&["poll", "--config", config.to_str().unwrap()]);
    assert_eq!(busy.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&busy.stderr).contains("in use by another process"));

    let status = Command::new("kill").args(["-TERM", &daemon.id().to_string()]).status().unwrap();
    assert!(status.success());
    let (exited, exit) = std::sync::mpsc::channel();
    std::thread::spawn(move || exited.send(daemon.wait()));
    let exit = exit.recv_timeout(Duration::from_secs(30)).expect("the daemon did not stop").unwrap();
    assert!(exit.success(), "SIGTERM must exit 0, got {exit}");
    let after = tidings(&["poll", "--config", config.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&after.stdout);
    assert!(after.status.success() && stdout.contains("wco: not modified"), "the store kept its state: {stdout}");
}

mod reqwest {
    /// A GET from a plain thread, without a runtime of the test's own.
    pub fn blocking_get(url: &str) -> String {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async { ::reqwest::get(url).await.unwrap().text().await.unwrap() })
    }
}

#[test]
fn preview_shows_a_configured_html_source_with_its_dates() {
    let out = tidings(&["preview", "--config", repo("config/demo.toml").to_str().unwrap(), "--source", "fcs-html"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.starts_with("3 items from file://"), "{stdout}");
    assert!(stdout.contains("2021-04-08 14:55 UTC  Representative of the FCS of Russia"), "{stdout}");
    assert!(stdout.contains("  https://customs.gov.ru/press/federal/document/276533"), "{stdout}");
}

#[test]
fn preview_a_page_with_selectors_and_say_which_one_matched_nothing() {
    let page = repo("tests/fixtures/html/customs-academy-1251.html");
    let page = page.to_str().unwrap();
    let args = ["preview", page, "--item", "div.entry", "--title", ".entry-title a", "--date", ".entry-date"];
    let out = tidings(&[&args[..], &["--date-lang", "ru", "--date-tz", "Europe/Moscow"]].concat());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains("2019-11-26 21:00 UTC  Лекция о деятельности ВТамО"),
        "windows-1251 and Russian dates: {stdout}"
    );

    let out = tidings(&["preview", page, "--item", "div.entry", "--title", "h2", "--date", ".entry-date"]);
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("the title selector \"h2\" matched nothing in any of the 4 items"));
    let out = tidings(&["preview", page, "--item", "li.news"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the item selector \"li.news\" matched nothing on the page"));
    let out = tidings(&["preview", page, "--item", "div[", "--title", "h2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("source[0].html.item: \"div[\" is not a valid CSS selector"));
}

#[test]
fn check_refuses_broken_html_sources() {
    let dir = tempfile::tempdir().unwrap();
    let base = "[[source]]\nid = \"page\"\nurl = \"https://x.example/news\"\nkind = \"html\"\n";
    let cases = [
        (base.to_string(), ":4: source[0].kind: an html source needs a [source.html] table"),
        (
            format!("{base}\n[source.html]\nitem = \"div..x\"\n"),
            ":7: source[0].html.item: \"div..x\" is not a valid CSS selector",
        ),
        (
            format!("{base}\n[source.html]\nitem = \"li\"\nfollow = true\n"),
            ":7: source[0].html.content: follow = true needs a `content` selector",
        ),
        (
            format!("{base}\n[source.html]\nitem = \"li\"\ndate_lang = \"de\"\n"),
            ":8: source[0].html.date_lang: \"de\" is not a known date language",
        ),
        (base.replace("\"html\"", "\"rss\""), ":4: source[0].kind: \"rss\" is not a kind of source"),
    ];
    for (i, (text, expect)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("html{i}.toml"));
        std::fs::write(&path, text).unwrap();
        let out = tidings(&["check", "--config", path.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "case {i}: {stderr}");
        assert!(stderr.contains(expect), "case {i}: expected {expect:?} in {stderr}");
    }
}

/// The demo's configuration written to `dir`, its store there too.
fn demo_in(dir: &Path) -> PathBuf {
    let path = dir.join("demo.toml");
    std::fs::write(&path, crate::helpers::demo_config(Some(&dir.join("store")))).unwrap();
    path
}

#[test]
fn explain_names_the_merge_signal_and_the_topic_rules() {
    let dir = tempfile::tempdir().unwrap();
    let config = demo_in(dir.path());
    let config = config.to_str().unwrap();
    assert!(tidings(&["poll", "--config", config, "--source", "wco-newsroom"]).status.success());

    // A dry run of another source: decided against the store, stored nowhere.
    let ghana = "National Workshop on Rules of Origin held in Ghana";
    let out = tidings(&["explain", "--config", config, "--source", "rocb-europe", "--item", ghana]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("nothing stored"), "{stdout}");
    assert!(stdout.contains("decision:  new story"), "{stdout}");
    assert!(
        stdout
            .contains("closest other story: \"National Workshop on Rules of Origin held in Burundi\" of wco-newsroom"),
        "{stdout}"
    );
    assert!(stdout.contains("is not in the other"), "the veto is named: {stdout}");
    let burundi = "Rules of Origin workshop for the Burundi Revenue Authority";
    let out = tidings(&["explain", "--config", config, "--source", "rocb-europe", "--item", burundi]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("decision:  merged: story"), "{stdout}");
    assert!(stdout.contains("first told by wco-newsroom), matched by similar text ("), "{stdout}");
    let stored = tidings(&["explain", "--config", config]);
    assert!(String::from_utf8_lossy(&stored.stdout).starts_with("12 stored story(ies)"), "the dry run stored nothing");

    // After a real poll, the stored story says where else it appeared and why.
    assert!(tidings(&["poll", "--config", config]).status.success());
    let link = "http://rocb-europe.org/en/news/rules-of-origin-burundi?utm_source=feed";
    let out = tidings(&["explain", "--config", config, "--item", link]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("\"National Workshop on Rules of Origin held in Burundi\""), "{stdout}");
    assert!(stdout.contains("also told: rocb-europe https://www.rocb-europe.org/en/news/rules-of-origin-burundi — merged by similar text ("), "{stdout}");
    assert!(stdout.contains("tariff-origin          joined: word \"rules of origin\" in the title"), "{stdout}");
    assert!(stdout.contains("enforcement            not in: no include word or regex matched"), "{stdout}");
    assert!(stdout.contains("capacity-building      joined: source \"rocb-europe\" lists the topic"), "{stdout}");

    let out = tidings(&["explain", "--config", config, "--item", "https://nowhere.example/x"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no stored story is known as"));
}

#[test]
fn explain_on_a_store_the_daemon_holds_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let config = demo_in(dir.path());
    let config = config.to_str().unwrap();
    let _held = tidings::store::Store::open(&dir.path().join("store")).unwrap();
    let out = tidings(&["explain", "--config", config]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("or give --source ID for a dry run"));
    let out = tidings(&["explain", "--config", config, "--source", "fcs"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.starts_with("note: the store at"), "{stdout}");
    assert!(stdout.contains("decision:  new story"), "{stdout}");
}
