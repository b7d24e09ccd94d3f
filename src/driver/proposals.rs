//! Which handshake proposals a connection to an address starts with.
//!
//! The driver remembers the addresses whose server negotiated Bolt 5.7 or newer (every such
//! server speaks the handshake manifest) and proposes the manifest first to them, so Bolt 6 is
//! negotiated there; every other address gets [`handshake::DEFAULT_PROPOSALS`], which reaches
//! the older servers (and TestKit's stubs for them) on the first connection. The memory is
//! shared by all connections the driver opens and holds at most [`CAPACITY`] addresses (the
//! least recently confirmed one is forgotten first).
//!
//! | address state | proposal sets tried                        | after a connection negotiated `v` |
//! |---------------|--------------------------------------------|-----------------------------------|
//! | unknown       | [`handshake::DEFAULT_PROPOSALS`]           | `v >= 5.7`: known                 |
//! | known         | [`handshake::MANIFEST_PROPOSALS`]          | `v < 5.7`: unknown                |

use crate::bolt::handshake::{self, Proposal};
use crate::bolt::Version;
use crate::net::Address;
use parking_lot::Mutex;
use std::collections::HashMap;

/// How many addresses the memory holds.
pub(crate) const CAPACITY: usize = 1024;

/// Addresses known to speak the manifest, with the tick they were last confirmed.
#[derive(Default)]
pub(crate) struct ManifestMemory {
    inner: Mutex<State>,
}

#[derive(Default)]
struct State {
    known: HashMap<Address, u64>,
    tick: u64,
}

impl ManifestMemory {
    /// The proposal sets to try, in order, for a connection to `addr`.
    pub(crate) fn plan(&self, addr: &Address) -> &'static [[Option<Proposal>; 4]] {
        if self.inner.lock().known.contains_key(addr) {
            handshake::MANIFEST_PROPOSALS
        } else {
            handshake::DEFAULT_PROPOSALS
        }
    }

    /// Notes that a connection to `addr` negotiated `version`.
    pub(crate) fn record(&self, addr: &Address, version: Version) {
        let mut st = self.inner.lock();
        if !handshake::speaks_manifest(version) {
            st.known.remove(addr);
            return;
        }
        st.tick += 1;
        let tick = st.tick;
        if !st.known.contains_key(addr) && st.known.len() >= CAPACITY {
            let oldest = st
                .known
                .iter()
                .min_by_key(|(_, t)| **t)
                .map(|(a, _)| a.clone());
            if let Some(a) = oldest {
                st.known.remove(&a);
            }
        }
        st.known.insert(addr.clone(), tick);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(port: u16) -> Address {
        Address::new("db.example", port)
    }

    #[test]
    fn remembers_5_7_and_newer_and_forgets_on_a_downgrade() {
        let m = ManifestMemory::default();
        let a = addr(7687);
        assert_eq!(m.plan(&a), handshake::DEFAULT_PROPOSALS);
        m.record(&a, Version::new(5, 6));
        assert_eq!(m.plan(&a), handshake::DEFAULT_PROPOSALS);
        m.record(&a, Version::new(5, 7));
        assert_eq!(m.plan(&a), handshake::MANIFEST_PROPOSALS);
        assert_eq!(m.plan(&addr(7688)), handshake::DEFAULT_PROPOSALS);
        m.record(&a, Version::new(6, 0));
        assert_eq!(m.plan(&a), handshake::MANIFEST_PROPOSALS);
        m.record(&a, Version::new(4, 4));
        assert_eq!(m.plan(&a), handshake::DEFAULT_PROPOSALS);
    }

    #[test]
    fn is_bounded_and_forgets_the_least_recently_confirmed_first() {
        let m = ManifestMemory::default();
        let n = u16::try_from(CAPACITY).unwrap();
        for port in 0..n {
            m.record(&addr(port), Version::new(5, 8));
        }
        // Port 0 is confirmed again, so port 1 is now the oldest.
        m.record(&addr(0), Version::new(5, 8));
        m.record(&addr(n), Version::new(5, 8));
        assert_eq!(m.inner.lock().known.len(), CAPACITY);
        assert_eq!(m.plan(&addr(1)), handshake::DEFAULT_PROPOSALS);
        assert_eq!(m.plan(&addr(0)), handshake::MANIFEST_PROPOSALS);
        assert_eq!(m.plan(&addr(n)), handshake::MANIFEST_PROPOSALS);
    }
}
