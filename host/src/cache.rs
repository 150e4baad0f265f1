//! A small map whose entries expire, for the lookups every data request
//! repeats (the API key, the reference). Whoever changes what an entry
//! mirrors clears the map in this process; other processes on the same
//! database see the change within the time to live.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a cached key or reference may lag behind another process.
pub const TIME_TO_LIVE: Duration = Duration::from_secs(5);
/// Entries kept at most; past that the map starts over.
const MAX_ENTRIES: usize = 10_000;

pub struct Expiring<K, V> {
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> Expiring<K, V> {
    pub fn new() -> Self {
        Expiring {
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        let (at, value) = entries.get(key)?;
        (at.elapsed() < TIME_TO_LIVE).then(|| value.clone())
    }

    pub fn insert(&self, key: K, value: V) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, (Instant::now(), value));
        }
    }

    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
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
        cache.insert("a", 1);
        assert_eq!(cache.get(&"a"), Some(1));
        cache.clear();
        assert_eq!(cache.get(&"a"), None);
    }
}
