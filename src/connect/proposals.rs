//! Which handshake proposals a connection to an address starts with.
//!
//! The driver remembers two kinds of addresses:
//!
//! - those whose server negotiated Bolt 5.7 or newer (every such server speaks the handshake
//!   manifest): the manifest is proposed first there, so Bolt 6 is negotiated;
//! - those whose server is a Neo4j 4.0 that the first proposal set left on Bolt 3.0 (it reads
//!   no version ranges, so it sees only 5.8, 4.4 and 4.1 besides 3.0, see
//!   [`handshake::FOUR_ZERO_FIRST`]): told by the agent of the HELLO reply, `Neo4j/4.0.x` with
//!   3.0 negotiated (see [`handshake::settled_below_4_0`]). The driver then replaces that
//!   connection at once with one that proposes 4.0 first, and proposes 4.0 first there from
//!   then on, so the connections to it end on 4.0 (with database selection and PULL `n`).
//!
//! Every other address gets [`handshake::DEFAULT_PROPOSALS`], which reaches the older servers
//! (and TestKit's stubs for them) on the first connection. The memory is shared by all
//! connections the driver opens and holds at most [`CAPACITY`] addresses (the least recently
//! confirmed one is forgotten first).
//!
//! | address state | proposal sets tried                     | after a connection negotiated `v` (agent `a`) |
//! |---------------|-----------------------------------------|-----------------------------------------------|
//! | unknown       | [`handshake::DEFAULT_PROPOSALS`]        | `v >= 5.7`: manifest; `settled_below_4_0(v, a)`: four-zero |
//! | manifest      | [`handshake::MANIFEST_PROPOSALS`]       | `v < 5.7`: as unknown                         |
//! | four-zero     | [`handshake::FOUR_ZERO_PROPOSALS`]      | `!settled_below_4_0(v, a)`: as unknown        |

use crate::bolt::handshake::{self, Proposal};
use crate::bolt::Version;
use crate::net::Address;
use parking_lot::Mutex;
use std::collections::HashMap;

/// How many addresses the memory holds.
pub(crate) const CAPACITY: usize = 1024;

/// What the memory knows about an address's server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    /// It speaks the handshake manifest (Bolt 5.7+).
    Manifest,
    /// A Neo4j 4.0 that needs 4.0 proposed first.
    FourZero,
}

/// Addresses whose server needs another first proposal, with the tick they were last confirmed.
#[derive(Default)]
pub(crate) struct ProposalMemory {
    inner: Mutex<State>,
}

#[derive(Default)]
struct State {
    known: HashMap<Address, (Known, u64)>,
    tick: u64,
}

impl State {
    fn remember(&mut self, addr: &Address, kind: Known) {
        self.tick += 1;
        let tick = self.tick;
        if !self.known.contains_key(addr) && self.known.len() >= CAPACITY {
            let oldest = self
                .known
                .iter()
                .min_by_key(|(_, (_, t))| *t)
                .map(|(a, _)| a.clone());
            if let Some(a) = oldest {
                self.known.remove(&a);
            }
        }
        self.known.insert(addr.clone(), (kind, tick));
    }
}

impl ProposalMemory {
    /// The proposal sets to try, in order, for a connection to `addr`.
    pub(crate) fn plan(&self, addr: &Address) -> &'static [[Option<Proposal>; 4]] {
        match self.inner.lock().known.get(addr) {
            Some((Known::Manifest, _)) => handshake::MANIFEST_PROPOSALS,
            Some((Known::FourZero, _)) => handshake::FOUR_ZERO_PROPOSALS,
            None => handshake::DEFAULT_PROPOSALS,
        }
    }

    /// Notes that a connection to `addr` negotiated `version` (right after the handshake).
    pub(crate) fn record(&self, addr: &Address, version: Version) {
        let mut st = self.inner.lock();
        if handshake::speaks_manifest(version) {
            st.remember(addr, Known::Manifest);
        } else if matches!(st.known.get(addr), Some((Known::Manifest, _))) {
            st.known.remove(addr);
        }
    }

    /// Notes the server agent of a connection to `addr` that negotiated `version` (after the
    /// HELLO reply): remembers a Neo4j 4.0 left below 4.0, forgets one that is no longer there.
    /// True when this connection settled on 3.0 without 4.0 having been proposed first (the
    /// address was not known as four-zero): a new connection would get 4.0.
    pub(crate) fn record_agent(&self, addr: &Address, version: Version, agent: &str) -> bool {
        let mut st = self.inner.lock();
        let was = matches!(st.known.get(addr), Some((Known::FourZero, _)));
        if handshake::settled_below_4_0(version, agent) {
            if !was {
                log::debug!(
                    "[#@{addr}] {agent} negotiated Bolt {version}: proposing 4.0 first from now on"
                );
            }
            st.remember(addr, Known::FourZero);
            !was && handshake::missed_4_0(version, agent)
        } else {
            if was {
                st.known.remove(addr);
            }
            false
        }
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
        let m = ProposalMemory::default();
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
    fn a_neo4j_4_0_left_on_3_0_gets_4_0_first_until_it_is_gone() {
        let m = ProposalMemory::default();
        let a = addr(7687);
        // Bolt 3.0 from a Neo4j 3.5: nothing to do.
        m.record(&a, Version::new(3, 0));
        assert!(!m.record_agent(&a, Version::new(3, 0), "Neo4j/3.5.0"));
        assert_eq!(m.plan(&a), handshake::DEFAULT_PROPOSALS);
        // Bolt 3.0 from a Neo4j 4.0: 4.0 first from now on, and worth a new connection now.
        m.record(&a, Version::new(3, 0));
        assert!(m.record_agent(&a, Version::new(3, 0), "Neo4j/4.0.11"));
        assert_eq!(m.plan(&a), handshake::FOUR_ZERO_PROPOSALS);
        // It then negotiates 4.0 and stays remembered.
        m.record(&a, Version::new(4, 0));
        assert!(!m.record_agent(&a, Version::new(4, 0), "Neo4j/4.0.11"));
        assert_eq!(m.plan(&a), handshake::FOUR_ZERO_PROPOSALS);
        // Still 3.0 with 4.0 proposed first: remembered, but no new connection again.
        assert!(!m.record_agent(&a, Version::new(3, 0), "Neo4j/4.0.11"));
        // Upgraded to 4.4: forgotten, back to the default sets.
        m.record(&a, Version::new(4, 4));
        assert!(!m.record_agent(&a, Version::new(4, 4), "Neo4j/4.4.2"));
        assert_eq!(m.plan(&a), handshake::DEFAULT_PROPOSALS);
        // A 5.7+ server replaces a four-zero entry with a manifest one.
        m.record_agent(&a, Version::new(3, 0), "Neo4j/4.0.0");
        m.record(&a, Version::new(5, 8));
        assert_eq!(m.plan(&a), handshake::MANIFEST_PROPOSALS);
        m.record_agent(&a, Version::new(5, 8), "Neo4j/5.26.0");
        assert_eq!(m.plan(&a), handshake::MANIFEST_PROPOSALS);
    }

    #[test]
    fn is_bounded_and_forgets_the_least_recently_confirmed_first() {
        let m = ProposalMemory::default();
        let n = u16::try_from(CAPACITY).unwrap();
        for port in 0..n {
            m.record(&addr(port), Version::new(5, 8));
        }
        // Port 0 is confirmed again, so port 1 is now the oldest.
        m.record(&addr(0), Version::new(5, 8));
        m.record_agent(&addr(n), Version::new(3, 0), "Neo4j/4.0.0");
        assert_eq!(m.inner.lock().known.len(), CAPACITY);
        assert_eq!(m.plan(&addr(1)), handshake::DEFAULT_PROPOSALS);
        assert_eq!(m.plan(&addr(0)), handshake::MANIFEST_PROPOSALS);
        assert_eq!(m.plan(&addr(n)), handshake::FOUR_ZERO_PROPOSALS);
    }
}
