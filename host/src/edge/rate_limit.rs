//! Request rate limits (spec 001 §18.6, spec 000 §8.3): per client address
//! on `/pub` and on the custom-app-auth POSTs, per user on the signed-in
//! data and proxy calls, per app for API keys.
//!
//! A limit is a count per key and fixed one-minute window that begins with
//! the key's first request: "120 a minute" means the 121st request within
//! that minute is refused, and `X-RateLimit-Remaining` goes down by exactly
//! one per request, as the spec's example shows. (`governor`, which the
//! sign-in limits use, refills one request every 1/120 minute, so how many
//! requests a burst gets depends on how fast they arrive.)
//!
//! The counts live in this process: behind a load balancer, each appbox
//! process counts on its own (README: rate limits).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::db::Id;

/// The spec's numbers, each a count per minute.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// `/api/v1/pub/*`, per client address (spec 001 §18.6).
    pub pub_per_address: u32,
    /// POSTs to `/api/v1/custom-app-auth/*`, per client address.
    pub app_auth_per_address: u32,
    /// `/data`, `/proxy`, `/ext/data`, `/ext/proxy`, per signed-in user.
    pub per_user: u32,
    /// Every `X-API-Key` route, per app (spec 000 §8.3 names no number).
    pub per_api_key_app: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            pub_per_address: 120,
            app_auth_per_address: 10,
            per_user: 600,
            per_api_key_app: 1200,
        }
    }
}

/// The answer to one request's count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed {
        limit: u32,
        remaining: u32,
    },
    /// Over the limit: wait `retry_after` seconds (≥ 1).
    Refused {
        limit: u32,
        retry_after: u64,
    },
}

/// The most keys one limit tracks; past it, stale keys are dropped, and if
/// none is stale a new key is refused until one is. A minute of traffic from
/// this many distinct addresses is an attack the database must not see.
const MAX_KEYS: usize = 100_000;

/// Counts per key in fixed windows.
pub struct Window<K> {
    limit: u32,
    period: Duration,
    counts: Mutex<HashMap<K, (Instant, u32)>>,
}

impl<K: Hash + Eq + Clone> Window<K> {
    pub fn per_minute(limit: u32) -> Window<K> {
        Window {
            limit: limit.max(1),
            period: Duration::from_secs(60),
            counts: Mutex::default(),
        }
    }

    /// Counts one request of `key`.
    pub fn check(&self, key: &K) -> Verdict {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &K, now: Instant) -> Verdict {
        let limit = self.limit;
        let retry_after = |started: Instant| {
            let wait = (started + self.period).saturating_duration_since(now);
            (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
        };
        // A poisoned lock only means another request panicked mid-count;
        // the map is still a valid map.
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !counts.contains_key(key) && counts.len() >= MAX_KEYS {
            counts.retain(|_, (started, _)| now.duration_since(*started) < self.period);
            counts.shrink_to_fit();
            if counts.len() >= MAX_KEYS {
                let oldest = counts.values().map(|(s, _)| *s).min().unwrap_or(now);
                return Verdict::Refused {
                    limit,
                    retry_after: retry_after(oldest),
                };
            }
        }
        let entry = counts.entry(key.clone()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.period {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            return Verdict::Refused {
                limit,
                retry_after: retry_after(entry.0),
            };
        }
        entry.1 += 1;
        Verdict::Allowed {
            limit,
            remaining: limit - entry.1,
        }
    }

    /// Keys tracked now (for tests of the bound).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.counts.lock().map(|c| c.len()).unwrap_or_default()
    }
}

/// A client address as a limit key: an IPv6 address by its /64, which one
/// subscriber usually holds whole (counting each of its 2^64 addresses
/// apart would be no limit at all).
pub fn address_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

/// Every limit of the process.
pub struct RateLimits {
    pub pub_edge: Window<IpAddr>,
    pub app_auth: Window<IpAddr>,
    pub users: Window<Id>,
    pub api_key_apps: Window<Id>,
}

impl RateLimits {
    pub fn new(limits: Limits) -> RateLimits {
        RateLimits {
            pub_edge: Window::per_minute(limits.pub_per_address),
            app_auth: Window::per_minute(limits.app_auth_per_address),
            users: Window::per_minute(limits.per_user),
            api_key_apps: Window::per_minute(limits.per_api_key_app),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_past_the_limit_is_refused_until_the_window_ends() {
        let window = Window::per_minute(3);
        let start = Instant::now();
        let remaining: Vec<Verdict> = (0..3).map(|_| window.check_at(&1, start)).collect();
        assert_eq!(
            remaining,
            [2, 1, 0].map(|remaining| Verdict::Allowed {
                limit: 3,
                remaining
            })
        );
        assert_eq!(
            window.check_at(&1, start + Duration::from_millis(59_500)),
            Verdict::Refused {
                limit: 3,
                retry_after: 1
            }
        );
        // Another key has its own count.
        assert!(matches!(
            window.check_at(&2, start),
            Verdict::Allowed { remaining: 2, .. }
        ));
        // A new window begins a minute after the first request.
        assert_eq!(
            window.check_at(&1, start + Duration::from_secs(60)),
            Verdict::Allowed {
                limit: 3,
                remaining: 2
            }
        );
    }

    #[test]
    fn keys_are_bounded_and_stale_ones_dropped() {
        let window = Window::per_minute(1);
        let start = Instant::now();
        for key in 0..MAX_KEYS {
            window.check_at(&key, start);
        }
        assert!(matches!(
            window.check_at(&MAX_KEYS, start),
            Verdict::Refused { .. }
        ));
        assert_eq!(window.len(), MAX_KEYS);
        let later = start + Duration::from_secs(61);
        assert!(matches!(
            window.check_at(&MAX_KEYS, later),
            Verdict::Allowed { .. }
        ));
        assert_eq!(window.len(), 1);
    }

    #[test]
    fn ipv6_addresses_count_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(address_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }
}
