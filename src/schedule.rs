//! Stage 0, schedule: when each source is polled.
//!
//! One tokio-cron-scheduler job per source, in UTC (time zones break across DST). Each source runs
//! at its own offset within the period, so sources sharing a schedule do not fire in the same
//! second, and only when `pace` says it is due. A job only asks for a poll: the poll runs on the
//! daemon's task tracker, so shutdown can wait for it, and the source's lock (in `poll`) makes a
//! job that fires while the last poll still runs a no-op.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use croner::parser::{CronParser, Seconds};
use croner::Cron;
use tokio_cron_scheduler::{Job, JobScheduler};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{error, info};

use crate::app::App;
use crate::config::Source;
use crate::{pace, poll};

/// A cron expression with six fields, seconds first, parsed once.
#[derive(Clone)]
pub struct Schedule {
    expr: String,
    cron: Cron,
}

impl Schedule {
    /// Parses `expr` the way tokio-cron-scheduler will, with a message saying what is wrong.
    pub fn parse(expr: &str) -> Result<Schedule, String> {
        let expr = expr.trim();
        let fields = expr.split_whitespace().count();
        if fields != 6 {
            return Err(format!(
                "{expr:?} has {fields} fields; tidings wants 6, seconds first: \"0 */15 * * * *\" is every 15 minutes"
            ));
        }
        let cron = CronParser::builder()
            .seconds(Seconds::Required)
            .dom_and_dow(true)
            .build()
            .parse(expr)
            .map_err(|e| format!("{expr:?} is not a valid cron expression: {e}"))?;
        Ok(Schedule { expr: expr.to_string(), cron })
    }

    pub fn expr(&self) -> &str {
        &self.expr
    }

    /// The next time the schedule fires after `after`, in UTC.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.find_next_occurrence(&after, false).ok()
    }
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Schedule({:?})", self.expr)
    }
}

/// The time between two firings of `schedule`, measured from `now` (cron periods can vary:
/// this is the next one).
pub fn period(schedule: &Schedule, now: DateTime<Utc>) -> Option<Duration> {
    let first = schedule.next_after(now)?;
    let second = schedule.next_after(first)?;
    (second - first).to_std().ok()
}

/// Where in each period `source`'s scheduled polls run: sources sharing a schedule are spread over
/// it rather than all fired in the same second.
pub fn offset(source: &Source, now: DateTime<Utc>) -> Duration {
    period(&source.schedule, now).map_or(Duration::ZERO, |p| pace::offset(&source.id, p))
}

/// When the next scheduled poll of `source` will run, given that it is not due before `not_before`.
pub fn next_run(source: &Source, not_before: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let offset = chrono::Duration::from_std(offset(source, now)).ok()?;
    let mut after = now - offset;
    if let Some(not_before) = not_before.filter(|n| *n > now) {
        // The first firing whose offset run is not before `not_before`.
        after = not_before - offset - chrono::Duration::seconds(1);
    }
    source.schedule.next_after(after).map(|t| t + offset)
}

/// Starts one cron job per source; each firing waits the source's offset, then polls it if due.
pub async fn start(app: Arc<App>, tracker: TaskTracker, stop: CancellationToken) -> anyhow::Result<JobScheduler> {
    let scheduler = JobScheduler::new().await?;
    let now = Utc::now();
    for source in &app.config.sources {
        let offset = offset(source, now);
        info!(source = %source.id, schedule = source.schedule.expr(), offset_secs = offset.as_secs(), "scheduled");
        let (app, tracker, stop, id) = (app.clone(), tracker.clone(), stop.clone(), source.id.clone());
        let job = Job::new_async(source.schedule.expr(), move |_, _| {
            spawn_poll(&app, &tracker, &stop, &id, offset);
            Box::pin(async {})
        })?;
        scheduler.add(job).await?;
    }
    scheduler.start().await?;
    Ok(scheduler)
}

/// Polls `source` in the background after `delay`, if it is due then, unless the daemon is
/// shutting down first. The start-up poll passes no delay; a source that asked to wait (backoff,
/// Retry-After, 410) keeps waiting across restarts.
pub fn spawn_poll(app: &Arc<App>, tracker: &TaskTracker, stop: &CancellationToken, source: &str, delay: Duration) {
    if tracker.is_closed() || stop.is_cancelled() {
        info!(source, "not polling: shutting down");
        return;
    }
    let (app, stop, source) = (app.clone(), stop.clone(), source.to_string());
    tracker.spawn(async move {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(delay) => {}
        }
        if let Err(e) = poll::poll_if_due(&app, &source).await {
            error!(source = %source, error = %format!("{e:#}"), "poll could not be recorded");
        }
    });
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::config::{Location, Request};

    fn source(id: &str, expr: &str) -> Source {
        Source {
            id: id.into(),
            title: id.into(),
            location: Location::File("/tmp/x".into()),
            topics: vec![],
            schedule: Schedule::parse(expr).unwrap(),
            request: Request::default(),
            ignore_ttl: false,
            kind: crate::config::Kind::Feed,
            language: None,
        }
    }

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, h, m, s).unwrap()
    }

    #[test]
    fn the_period_and_offset_of_a_schedule() {
        let every15 = source("wco", "0 */15 * * * *");
        assert_eq!(period(&every15.schedule, at(12, 3, 0)), Some(Duration::from_secs(900)));
        let o = offset(&every15, at(12, 3, 0));
        assert!(o < Duration::from_secs(900));
        assert_eq!(o, offset(&every15, at(17, 44, 0)), "the same offset whenever the daemon starts");
    }

    #[test]
    fn next_run_adds_the_offset_and_respects_not_before() {
        let s = source("wco", "0 */15 * * * *");
        let o = chrono::Duration::from_std(offset(&s, at(12, 0, 0))).unwrap();
        let next = next_run(&s, None, at(12, 0, 0) + o + chrono::Duration::seconds(1)).unwrap();
        assert_eq!(next, at(12, 15, 0) + o);
        let deferred = next_run(&s, Some(at(13, 2, 0) + o), at(12, 0, 0)).unwrap();
        assert_eq!(deferred, at(13, 15, 0) + o, "the first firing not before the backoff ends");
        let exact = next_run(&s, Some(at(13, 0, 0) + o), at(12, 0, 0)).unwrap();
        assert_eq!(exact, at(13, 0, 0) + o);
    }
}
