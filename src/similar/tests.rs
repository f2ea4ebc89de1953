use super::*;

const PAIRS: &str = include_str!("../../tests/fixtures/pairs.tsv");

#[test]
fn folding_ignores_case_accents_and_punctuation() {
    assert_eq!(fold("Côte d'Ivoire: DÉJÀ-VU"), "cote d ivoire  deja vu");
    assert_eq!(fold("ТАМОЖНЯ, Ёлка"), "таможня  елка");
}

#[test]
fn the_labelled_pairs_are_told_apart_at_the_default_threshold() {
    let pairs = parse_pairs(PAIRS);
    assert_eq!(pairs.len(), 36);
    let (precision, recall) = score(&pairs, DEFAULT_THRESHOLD);
    println!("labelled pairs at {DEFAULT_THRESHOLD}: precision {precision:.2}, recall {recall:.2}");
    assert_eq!(precision, 1.0, "no different stories merged");
    assert_eq!(recall, 1.0, "every reposted story merged");
    for p in pairs.iter().filter(|p| !p.same) {
        let verdict = compare(&p.a, &p.b, DEFAULT_THRESHOLD);
        assert!(matches!(verdict, Verdict::Apart { .. }), "{:?} / {:?}: {verdict:?}", p.a.title, p.b.title);
    }
}

#[test]
fn verdicts_say_why() {
    let pairs = parse_pairs(PAIRS);
    let ghana = pairs.iter().find(|p| p.b.title.ends_with("Ghana")).unwrap();
    let Verdict::Apart { why, .. } = compare(&ghana.a, &ghana.b, DEFAULT_THRESHOLD) else { panic!() };
    assert!(why.contains("\"burundi\"") || why.contains("\"ghana\""), "{why}");
    let bulletin = pairs.iter().find(|p| p.a.source == p.b.source).unwrap();
    let Verdict::Apart { score, why } = compare(&bulletin.a, &bulletin.b, 0.0) else { panic!() };
    assert_eq!(why, "one source (rocb) publishes them as two stories");
    assert_eq!(score, 1.0, "the same words: alike, and kept apart all the same");
}

#[test]
fn different_stories_drawn_across_the_set_never_merge() {
    let pairs = parse_pairs(PAIRS);
    let others = unrelated(&pairs);
    assert_eq!(others.len(), 19 * 18);
    for (a, b) in others {
        assert!(matches!(compare(a, b, DEFAULT_THRESHOLD), Verdict::Apart { .. }), "{:?} / {:?}", a.title, b.title);
    }
}

#[test]
fn names_may_be_inflected_but_numbers_must_match() {
    let text: Vec<String> =
        fold("делегация России и Russian Customs 29th").split_whitespace().map(str::to_string).collect();
    assert!(mentions(&text, "россия"));
    assert!(mentions(&text, "russia"));
    assert!(mentions(&text, "29th"));
    assert!(!mentions(&text, "30th"));
    assert!(!mentions(&text, "2"));
    assert!(!mentions(&text, "рост"));
}

#[test]
fn stories_in_two_scripts_stay_apart() {
    let pairs = parse_pairs(PAIRS);
    let en = &pairs.iter().find(|p| p.b.title == "Operation STOP II: final results").unwrap().a;
    let ru = &pairs.iter().find(|p| p.a.title == "Подведены итоги операции STOP II").unwrap().a;
    assert!(matches!(compare(en, ru, 0.0), Verdict::Apart { why, .. } if why.contains("Cyrillic")));
}
