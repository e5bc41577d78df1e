//! Connection slots per source address: one client (an address, or an IPv6 /64) may hold
//! only so many of the server's connections, so that a client that opens connections and
//! never reads its answers cannot take every slot from everyone else.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::limits::source_key;

/// How many connections each source holds now.
#[derive(Debug)]
pub struct SourceSlots {
    cap: usize,
    held: Mutex<HashMap<IpAddr, usize>>,
    refused: AtomicU64,
}

/// One connection's slot of its source, given back when dropped.
#[derive(Debug)]
pub struct SourceSlot {
    slots: Arc<SourceSlots>,
    key: IpAddr,
}

impl SourceSlots {
    /// At most `cap` connections per source (at least one).
    pub fn new(cap: usize) -> Arc<Self> {
        Arc::new(Self {
            cap: cap.max(1),
            held: Mutex::default(),
            refused: AtomicU64::new(0),
        })
    }

    /// A slot for a connection from `source`, or `None` when the source holds its cap.
    pub fn take(self: &Arc<Self>, source: IpAddr) -> Option<SourceSlot> {
        let key = source_key(source);
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let count = held.entry(key).or_insert(0);
        if *count >= self.cap {
            drop(held);
            self.tell_refused();
            return None;
        }
        *count += 1;
        Some(SourceSlot {
            slots: self.clone(),
            key,
        })
    }

    /// Tells the operator how many connections were refused at a source's cap, at the 1st,
    /// 2nd, 4th, 8th… refusal (so a flood writes few lines), never which source (an address
    /// is personal data): a cap too low for a proxy or a carrier's shared address shows.
    fn tell_refused(&self) {
        let refused = self.refused.fetch_add(1, Ordering::Relaxed) + 1;
        if refused.is_power_of_two() {
            let cap = self.cap;
            tracing::warn!(
                refused,
                cap,
                "connections refused at a source's cap, in all"
            );
        }
    }

    /// How many connections `source` holds now.
    #[cfg(test)]
    fn held(&self, source: IpAddr) -> usize {
        let held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.get(&source_key(source)).copied().unwrap_or(0)
    }
}

impl Drop for SourceSlot {
    fn drop(&mut self) {
        let mut held = self.slots.held.lock().unwrap_or_else(|e| e.into_inner());
        // A source with no connection is forgotten, so the map holds only live sources.
        if let Some(count) = held.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                held.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_holds_at_most_its_cap_and_a_freed_slot_is_taken_again() {
        let slots = SourceSlots::new(2);
        let a: IpAddr = [192, 0, 2, 1].into();
        let b: IpAddr = "2001:db8::1".parse().unwrap();
        let same_64: IpAddr = "2001:db8::2".parse().unwrap();
        let first = slots.take(a).unwrap();
        let _second = slots.take(a).unwrap();
        assert!(slots.take(a).is_none());
        let _v6 = slots.take(b).unwrap();
        let _v6_again = slots.take(same_64).unwrap();
        assert!(slots.take(b).is_none(), "one /64 is one source");
        drop(first);
        assert_eq!(slots.held(a), 1);
        assert!(slots.take(a).is_some());
    }

    #[test]
    fn a_source_with_no_connection_is_forgotten() {
        let slots = SourceSlots::new(1);
        let a: IpAddr = [192, 0, 2, 1].into();
        drop(slots.take(a).unwrap());
        assert!(slots.held.lock().unwrap().is_empty());
    }
}
