//! Precision and recall of near-duplicate detection on the labelled pairs
//! (`tests/fixtures/pairs.tsv`, built from the seed pages), threshold by threshold: the
//! measurement behind `similar::DEFAULT_THRESHOLD`.
//!
//!     cargo bench --bench dedup_threshold

use tidings::similar::{compare, parse_pairs, score, simhash, similarity, unrelated, Verdict};

fn main() {
    let pairs = parse_pairs(include_str!("../tests/fixtures/pairs.tsv"));
    println!(
        "{} labelled pairs ({} one story, {} apart)",
        pairs.len(),
        pairs.iter().filter(|p| p.same).count(),
        pairs.iter().filter(|p| !p.same).count()
    );
    println!("\nsimilarity of each pair (before the veto):");
    for p in &pairs {
        let s = similarity(simhash(&p.a), simhash(&p.b));
        let verdict = match compare(&p.a, &p.b, 0.0) {
            Verdict::Same(_) => "passes the veto".to_string(),
            Verdict::Apart { why, .. } => why,
        };
        println!("  {} {s:.3}  {:<60.60}  {verdict}", if p.same { "merge" } else { "apart" }, p.b.title);
    }
    let others = unrelated(&pairs);
    let sims: Vec<f64> = others.iter().map(|(a, b)| similarity(simhash(a), simhash(b))).collect();
    println!("\n{} pairs of different stories drawn across the labelled set", others.len());
    for ((a, b), s) in others.iter().zip(&sims) {
        if let Verdict::Same(_) = compare(a, b, 0.5) {
            println!("  different stories that pass at 0.50: {s:.3} {:?} / {:?}", a.title, b.title);
        }
    }
    println!(
        "\nthreshold  precision  recall  | similarity alone: labelled precision  recall  different-story pairs above"
    );
    for t in (50..=95).step_by(5) {
        let t = f64::from(t) / 100.0;
        let (p, r) = score(&pairs, t);
        let (mut tp, mut fp) = (0.0, 0.0);
        for pair in &pairs {
            if similarity(simhash(&pair.a), simhash(&pair.b)) >= t {
                if pair.same {
                    tp += 1.0
                } else {
                    fp += 1.0
                }
            }
        }
        let n = pairs.iter().filter(|p| p.same).count() as f64;
        let above = sims.iter().filter(|s| **s >= t).count();
        let merged = others.iter().filter(|(a, b)| matches!(compare(a, b, t), Verdict::Same(_))).count();
        let alone_p = if tp + fp == 0.0 { 1.0 } else { tp / (tp + fp) };
        println!(
            "  {t:.2}       {p:.2}      {r:.2}    |                      {alone_p:.2}     {:.2}    {above} ({merged} after the veto)",
            tp / n
        );
    }
}
