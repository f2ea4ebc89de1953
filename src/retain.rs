//! Retention: which stories a topic lets go. Pure.
//!
//! A topic keeps its newest `max_items` stories published within the last `max_age_days`; `all`
//! does the same with `[retention]`'s numbers. A story a topic lets go leaves that topic for good
//! (re-routing does not bring it back); a story `all` lets go leaves the store, and a tombstone
//! under its identity keys stops a source that still lists it from bringing it back.

use chrono::{DateTime, Utc};

use crate::config::Retention;

/// The stories of a topic's index (newest first: sort time in microseconds, story key) that
/// `keep` lets go at `now`.
pub fn expired(index: &[(i64, String)], keep: Retention, now: DateTime<Utc>) -> Vec<String> {
    let cutoff =
        keep.max_age_days.map_or(i64::MIN, |days| (now - chrono::Duration::days(i64::from(days))).timestamp_micros());
    index
        .iter()
        .enumerate()
        .filter(|(i, (time, _))| *i >= keep.max_items || *time < cutoff)
        .map(|(_, (_, key))| key.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_newest_within_the_age_stay() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let day = |d: i64| (now - chrono::Duration::days(d)).timestamp_micros();
        let index: Vec<(i64, String)> = [0, 1, 2, 10, 40].iter().map(|d| (day(*d), format!("s{d}"))).collect();
        assert!(expired(&index, Retention { max_items: 10, max_age_days: Some(100) }, now).is_empty());
        assert_eq!(expired(&index, Retention { max_items: 3, max_age_days: Some(100) }, now), ["s10", "s40"]);
        assert_eq!(expired(&index, Retention { max_items: 10, max_age_days: Some(30) }, now), ["s40"]);
        assert_eq!(expired(&index, Retention { max_items: 1, max_age_days: Some(5) }, now), ["s1", "s2", "s10", "s40"]);
        assert_eq!(expired(&index, Retention { max_items: 4, max_age_days: None }, now), ["s40"]);
    }
}
