//! Politeness: at most N requests in flight per host, a minimum spacing between the starts of
//! requests to one host, and a global cap on requests in flight. Loopback hosts (self-hosted
//! bridges) can be exempted from the per-host rules.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use url::Url;

/// Hands out permission to send a request.
pub struct Limiter {
    global: Arc<Semaphore>,
    hosts: Mutex<HashMap<String, Arc<Host>>>,
    per_host: usize,
    interval: Duration,
    exempt_loopback: bool,
}

struct Host {
    permits: Arc<Semaphore>,
    /// The earliest moment the next request to this host may start.
    next_start: tokio::sync::Mutex<Instant>,
}

/// Held for the whole request; dropping it frees the slots.
pub struct Permit {
    _host: Option<OwnedSemaphorePermit>,
    _global: OwnedSemaphorePermit,
}

impl Limiter {
    pub fn new(max_in_flight: usize, per_host: usize, interval: Duration, exempt_loopback: bool) -> Limiter {
        Limiter {
            global: Arc::new(Semaphore::new(max_in_flight.max(1))),
            hosts: Mutex::new(HashMap::new()),
            per_host: per_host.max(1),
            interval,
            exempt_loopback,
        }
    }

    /// Waits for a host slot and the host's spacing first, then for a global slot, so requests
    /// queued behind one slow host never hold slots other hosts could use.
    pub async fn acquire(&self, url: &Url) -> Permit {
        let host = url.host_str().unwrap_or("").to_ascii_lowercase();
        let host_permit = match self.exempt_loopback && is_loopback(&host) {
            true => None,
            false => {
                let host = self.host(&host);
                let permit = host.permits.clone().acquire_owned().await.expect("never closed");
                let mut next_start = host.next_start.lock().await;
                tokio::time::sleep_until(*next_start).await;
                *next_start = Instant::now() + self.interval;
                Some(permit)
            }
        };
        let global = self.global.clone().acquire_owned().await.expect("never closed");
        Permit { _host: host_permit, _global: global }
    }

    fn host(&self, name: &str) -> Arc<Host> {
        let mut hosts = self.hosts.lock().expect("not poisoned");
        hosts
            .entry(name.to_string())
            .or_insert_with(|| {
                Arc::new(Host {
                    permits: Arc::new(Semaphore::new(self.per_host)),
                    next_start: tokio::sync::Mutex::new(Instant::now()),
                })
            })
            .clone()
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || host.ends_with(".localhost") || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Runs `n` requests to `url` through the limiter; returns their start times and the most that
    /// were in flight at once. Timing runs on tokio's paused clock.
    async fn run(limiter: Arc<Limiter>, urls: Vec<&'static str>, hold: Duration) -> (Vec<Duration>, usize) {
        let t0 = Instant::now();
        let in_flight = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for url in urls {
            let (limiter, in_flight, peak) = (limiter.clone(), in_flight.clone(), peak.clone());
            tasks.push(tokio::spawn(async move {
                let _permit = limiter.acquire(&Url::parse(url).unwrap()).await;
                let started = t0.elapsed();
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(hold).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                started
            }));
        }
        let mut starts = Vec::new();
        for t in tasks {
            starts.push(t.await.unwrap());
        }
        starts.sort();
        (starts, peak.load(Ordering::SeqCst))
    }

    #[tokio::test(start_paused = true)]
    async fn one_host_gets_one_request_at_a_time_spaced_apart() {
        let limiter = Arc::new(Limiter::new(16, 1, Duration::from_secs(1), true));
        let (starts, peak) = run(limiter, vec!["https://wco.example/a"; 5], Duration::from_millis(200)).await;
        assert_eq!(peak, 1);
        for pair in starts.windows(2) {
            assert!(pair[1] - pair[0] >= Duration::from_secs(1), "{starts:?}");
        }
        assert!(starts[4] < Duration::from_millis(4300), "no more waiting than the spacing asks: {starts:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn different_hosts_do_not_wait_for_each_other_but_share_the_global_cap() {
        let limiter = Arc::new(Limiter::new(2, 1, Duration::from_secs(1), true));
        let urls = vec!["https://a.example/", "https://b.example/", "https://c.example/", "https://d.example/"];
        let (starts, peak) = run(limiter, urls, Duration::from_secs(5)).await;
        assert_eq!(peak, 2, "the global cap holds");
        assert_eq!(&starts[..2], [Duration::ZERO, Duration::ZERO]);
        assert_eq!(&starts[2..], [Duration::from_secs(5), Duration::from_secs(5)]);
    }

    #[tokio::test(start_paused = true)]
    async fn loopback_hosts_can_be_exempted() {
        let limiter = Arc::new(Limiter::new(16, 1, Duration::from_secs(1), true));
        let (starts, peak) = run(limiter, vec!["http://127.0.0.1:8081/feed"; 4], Duration::from_millis(100)).await;
        assert_eq!(peak, 4);
        assert!(starts.iter().all(|s| *s == Duration::ZERO));
        let strict = Arc::new(Limiter::new(16, 2, Duration::ZERO, false));
        let (_, peak) = run(strict, vec!["http://localhost/feed"; 4], Duration::from_millis(100)).await;
        assert_eq!(peak, 2, "per_host = 2 when loopback is not exempt");
    }
}
