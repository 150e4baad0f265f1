//! A small map whose entries expire, for the lookups every data request
//! repeats (the API key, the reference). Whoever changes what an entry
//! mirrors clears the map in this process; other processes on the same
//! database see the change within the time to live.
//!
//! A lookup that read the database *before* a change must not put its stale
//! answer back *after* the change cleared the map (a revoked key would work
//! for another time to live). So every lookup takes a [`Ticket`] before it
//! reads, and [`Expiring::insert`] drops the answer if the map was cleared
//! since.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a cached key or reference may lag behind another process.
pub const TIME_TO_LIVE: Duration = Duration::from_secs(5);
/// Entries kept at most; past that the map starts over.
const MAX_ENTRIES: usize = 10_000;

pub struct Expiring<K, V> {
    entries: Mutex<Entries<K, V>>,
}

struct Entries<K, V> {
    map: HashMap<K, (Instant, V)>,
    /// Bumped by every clear.
    generation: u64,
}

/// When a lookup started reading, as far as the cache is concerned.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

impl<K: Eq + Hash, V: Clone> Expiring<K, V> {
    pub fn new() -> Self {
        Expiring {
            entries: Mutex::new(Entries {
                map: HashMap::new(),
                generation: 0,
            }),
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        let (at, value) = entries.map.get(key)?;
        (at.elapsed() < TIME_TO_LIVE).then(|| value.clone())
    }

    /// Take one before reading what is to be inserted.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.entries.lock().map_or(u64::MAX, |e| e.generation))
    }

    /// Keeps `value`, unless the map was cleared after `ticket` was taken.
    pub fn insert(&self, ticket: Ticket, key: K, value: V) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.generation != ticket.0 {
                return;
            }
            if entries.map.len() >= MAX_ENTRIES {
                entries.map.clear();
            }
            entries.map.insert(key, (Instant::now(), value));
        }
    }

    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.map.clear();
            entries.generation += 1;
        }
    }
}

impl<K: Eq + Hash, V: Clone> Default for Expiring<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_found_until_cleared() {
        let cache: Expiring<&str, i32> = Expiring::new();
        assert_eq!(cache.get(&"a"), None);
        cache.insert(cache.ticket(), "a", 1);
        assert_eq!(cache.get(&"a"), Some(1));
        cache.clear();
        assert_eq!(cache.get(&"a"), None);
    }

    #[test]
    fn a_lookup_older_than_a_clear_is_not_kept() {
        // A request reads a key (valid), a revocation clears the cache, then
        // the request tries to keep what it read: it must not.
        let cache: Expiring<&str, &str> = Expiring::new();
        let ticket = cache.ticket();
        cache.clear();
        cache.insert(ticket, "key", "valid");
        assert_eq!(cache.get(&"key"), None, "a stale answer came back");
    }
}
