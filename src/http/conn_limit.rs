//! `limits.max_connections_per_ip`: how many open connections one client address may hold on
//! a listener. Without it, one address could hold every socket the process may open (file
//! descriptors are a shared, small budget) and take `/health` down with it.
//!
//! Counted per address as the socket sees it (behind a proxy, the proxy's address: the
//! default is sized for that) and, for IPv6, per /64 like the per-IP rate limit: a client
//! usually holds a whole /64. A connection over the limit is closed at once, before any byte
//! is read.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
};

/// The key of an address: IPv4 (or IPv4-mapped IPv6) as is, IPv6 by its /64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    V4(u32),
    V6Prefix(u64),
}

impl Key {
    fn of(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V4(v4) => Key::V4(u32::from(v4)),
            IpAddr::V6(v6) => Key::V6Prefix((u128::from(v6) >> 64) as u64),
        }
    }
}

/// Open connections per client address, bounded by a maximum (0: no bound).
#[derive(Debug)]
pub struct PerIpConnections {
    max: usize,
    open: Mutex<HashMap<Key, usize>>,
}

/// One open connection's place in the count; dropping it frees the place.
#[derive(Debug)]
pub struct ConnSlot {
    owner: Arc<PerIpConnections>,
    key: Option<Key>,
}

impl PerIpConnections {
    /// A counter allowing `max` connections per address (0: unlimited).
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            max,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// Take a place for a connection from `ip`, or `None` when that address already holds
    /// the maximum. A connection without an IP address (a Unix socket) is never refused.
    pub fn try_acquire(self: &Arc<Self>, ip: Option<IpAddr>) -> Option<ConnSlot> {
        let key = match (self.max, ip) {
            (0, _) | (_, None) => None,
            (_, Some(ip)) => Some(Key::of(ip)),
        };
        if let Some(key) = key {
            let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
            let n = open.entry(key).or_insert(0);
            if *n >= self.max {
                return None;
            }
            *n += 1;
        }
        Some(ConnSlot {
            owner: Arc::clone(self),
            key,
        })
    }

    /// Connections currently counted for `ip`.
    pub fn open_for(&self, ip: IpAddr) -> usize {
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.get(&Key::of(ip)).copied().unwrap_or(0)
    }
}

impl Drop for ConnSlot {
    fn drop(&mut self) {
        let Some(key) = self.key else { return };
        let mut open = self.owner.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&key) {
            *n -= 1;
            if *n == 0 {
                // Remove empty entries, so the map holds only addresses with open connections.
                open.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("ip"))
    }

    #[test]
    fn an_address_gets_at_most_max_places_and_gets_them_back_on_drop() {
        let c = PerIpConnections::new(2);
        let a = c.try_acquire(ip("10.0.0.1")).expect("first");
        let _b = c.try_acquire(ip("10.0.0.1")).expect("second");
        assert!(c.try_acquire(ip("10.0.0.1")).is_none(), "third refused");
        assert!(c.try_acquire(ip("10.0.0.2")).is_some(), "another address");
        drop(a);
        assert!(c.try_acquire(ip("10.0.0.1")).is_some(), "a freed place");
    }

    #[test]
    fn ipv6_addresses_share_their_slash_64_and_mapped_v4_counts_as_v4() {
        let c = PerIpConnections::new(1);
        let _a = c.try_acquire(ip("2001:db8::1")).expect("first");
        assert!(c.try_acquire(ip("2001:db8::ffff:2")).is_none(), "same /64");
        assert!(
            c.try_acquire(ip("2001:db8:0:1::1")).is_some(),
            "another /64"
        );
        let _v4 = c.try_acquire(ip("192.0.2.7")).expect("v4");
        assert!(
            c.try_acquire(ip("::ffff:192.0.2.7")).is_none(),
            "mapped = v4"
        );
    }

    #[test]
    fn zero_means_unlimited_and_the_map_forgets_closed_addresses() {
        let c = PerIpConnections::new(0);
        let held: Vec<_> = (0..1000).map(|_| c.try_acquire(ip("10.0.0.1"))).collect();
        assert!(held.iter().all(Option::is_some));
        let c = PerIpConnections::new(3);
        let slot = c.try_acquire(ip("10.0.0.9"));
        assert_eq!(c.open_for("10.0.0.9".parse().expect("ip")), 1);
        drop(slot);
        assert!(c.open.lock().expect("lock").is_empty());
    }
}
