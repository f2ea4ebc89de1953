//! Stage 0, schedule: when each source is polled.
//!
//! One tokio-cron-scheduler job per source, in UTC (time zones break across DST). A job only asks
//! for a poll: the poll runs on the daemon's task tracker, so shutdown can wait for it, and the
//! source's lock (in `poll`) makes a job that fires while the last poll still runs a no-op.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use croner::parser::{CronParser, Seconds};
use croner::Cron;
use tokio_cron_scheduler::{Job, JobScheduler};
use tokio_util::task::TaskTracker;
use tracing::{error, info};

use crate::app::App;
use crate::poll;

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
        Ok(Schedule {
            expr: expr.to_string(),
            cron,
        })
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

/// Starts one cron job per source; each firing spawns a poll on `tracker`.
pub async fn start(app: Arc<App>, tracker: TaskTracker) -> anyhow::Result<JobScheduler> {
    let scheduler = JobScheduler::new().await?;
    for source in &app.config.sources {
        let (app, tracker, id) = (app.clone(), tracker.clone(), source.id.clone());
        let job = Job::new_async(source.schedule.expr(), move |_, _| {
            spawn_poll(&app, &tracker, &id);
            Box::pin(async {})
        })?;
        scheduler.add(job).await?;
    }
    scheduler.start().await?;
    Ok(scheduler)
}

/// Polls `source` in the background unless the daemon is shutting down.
pub fn spawn_poll(app: &Arc<App>, tracker: &TaskTracker, source: &str) {
    if tracker.is_closed() {
        info!(source, "not polling: shutting down");
        return;
    }
    let (app, source) = (app.clone(), source.to_string());
    tracker.spawn(async move {
        if let Err(e) = poll::poll_source(&app, &source).await {
            error!(source = %source, error = %format!("{e:#}"), "poll could not be recorded");
        }
    });
}
