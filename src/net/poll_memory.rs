//! What busy polling learned about a server, kept for this process's next connections to it.
//!
//! A [`Stream`](super::Stream) learns how long its server takes to answer as it reads (see
//! `BusyPoll` in `net::stream`): a server slower than the polling window makes it stop polling
//! for a while, a quick answer makes it poll again. Without a memory every new connection
//! starts from scratch and pays for the lesson again. Against Neo4j, whose handshake and
//! authentication replies take from half a millisecond to several, that was two fruitless
//! windows of polling per connection: about half of the 360 µs of CPU that a new driver took
//! to connect, verify and close (181 µs with the memory, 172 with polling off).
//!
//! So each stream writes what it learned (where it is in a back-off, and its count of late
//! hits, as a [`Lesson`]) whenever that changes, to a slot of a small process-wide table
//! chosen by its server's socket address and its polling window, and a new stream to the same
//! server with the same window starts from it. Two servers that share a slot overwrite each
//! other's lesson; a stream only takes a lesson written for its own key (the slot keeps a
//! 32-bit tag of it), so the worst a collision does is forget.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// What a stream learned, as `BusyPoll::lesson` packs it (the waits left to skip, the
/// back-off, the unpaid late hits: 24 bits). Zero: nothing to avoid.
pub(super) type Lesson = u32;

/// Slots in the table: servers a process talks to at once are few.
const SLOTS: usize = 64;

static TABLE: [AtomicU64; SLOTS] = [const { AtomicU64::new(0) }; SLOTS];

/// Where one server's lesson lives, for a stream polling with one window.
#[derive(Debug, Clone, Copy)]
pub(super) struct Memo {
    slot: &'static AtomicU64,
    /// Never zero, so an empty slot matches no key.
    tag: u32,
}

impl Memo {
    /// The memo of `server` for polling windows of `window`.
    pub(super) fn of(server: SocketAddr, window: Duration) -> Memo {
        let (slot, tag) = slot_and_tag(server, window);
        Memo {
            slot: &TABLE[slot],
            tag,
        }
    }

    /// The lesson last written for this key, if the slot holds one.
    pub(super) fn recall(self) -> Option<Lesson> {
        unpack(self.slot.load(Ordering::Relaxed), self.tag)
    }

    /// Writes `lesson` for this key (replacing whatever the slot held).
    pub(super) fn write(self, lesson: Lesson) {
        self.slot.store(pack(self.tag, lesson), Ordering::Relaxed);
    }
}

/// The slot index and the non-zero tag of a key.
fn slot_and_tag(server: SocketAddr, window: Duration) -> (usize, u32) {
    let mut h = DefaultHasher::new();
    server.hash(&mut h);
    window.hash(&mut h);
    let hash = h.finish();
    let slot = usize::try_from(hash % SLOTS as u64).unwrap_or(0);
    let tag = u32::try_from(hash >> 32).unwrap_or(u32::MAX).max(1);
    (slot, tag)
}

fn pack(tag: u32, lesson: Lesson) -> u64 {
    u64::from(tag) << 32 | u64::from(lesson)
}

fn unpack(word: u64, tag: u32) -> Option<Lesson> {
    let stored = u32::try_from(word >> 32).unwrap_or(0);
    (stored == tag).then(|| Lesson::try_from(word & 0xFFFF_FFFF).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    const W: Duration = Duration::from_micros(100);

    #[test]
    fn a_lesson_is_recalled_for_the_same_server_and_window_only() {
        // Ports unlikely to be used by other tests (the table is process-wide).
        let server = addr(61_001);
        let memo = Memo::of(server, W);
        memo.write(0x0301);
        assert_eq!(Memo::of(server, W).recall(), Some(0x0301));
        // Another window is another key.
        assert_eq!(Memo::of(server, W * 2).recall(), None);
        // A later lesson replaces the earlier one, down to nothing to avoid.
        memo.write(0);
        assert_eq!(Memo::of(server, W).recall(), Some(0));
    }

    #[test]
    fn a_key_sharing_a_slot_reads_nothing_and_overwrites() {
        let first = addr(61_002);
        let (slot, tag) = slot_and_tag(first, W);
        let other = (61_003..u16::MAX)
            .map(addr)
            .find(|&a| {
                let (s, t) = slot_and_tag(a, W);
                s == slot && t != tag
            })
            .expect("some port shares the slot");
        Memo::of(first, W).write(0xFF00);
        assert_eq!(Memo::of(other, W).recall(), None);
        Memo::of(other, W).write(0x0100);
        assert_eq!(Memo::of(first, W).recall(), None, "forgotten, not mixed up");
        assert_eq!(Memo::of(other, W).recall(), Some(0x0100));
    }

    #[test]
    fn packing_keeps_the_tag_and_the_lesson_apart() {
        for (tag, lesson) in [(1, 0), (u32::MAX, u32::MAX), (0xDEAD_BEEF, 0x0001_0203)] {
            assert_eq!(unpack(pack(tag, lesson), tag), Some(lesson));
            assert_eq!(unpack(pack(tag, lesson), tag ^ 1), None);
        }
        assert_eq!(unpack(0, 1), None, "an empty slot matches no key");
    }
}
