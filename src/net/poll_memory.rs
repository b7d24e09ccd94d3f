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
//!
//! Beside the lesson the slot keeps one bit about the server's setup: whether the replies that
//! set up the last connection to it (the handshake's, HELLO's and LOGON's) all came within the
//! polling window. A connection's setup polls for them only if so (see
//! `Stream::set_setting_up`): against the replay server, which answers at once, polling for
//! them saved two wake-ups a connection, while a real server's authentication takes
//! milliseconds, past any window.

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
        unpack(self.slot.load(Ordering::Relaxed), self.tag).map(|(lesson, _)| lesson)
    }

    /// Writes `lesson` for this key (replacing whatever the slot held, but the key's setup
    /// bit).
    pub(super) fn write(self, lesson: Lesson) {
        self.update(|_, quick| (lesson, quick));
    }

    /// Whether the last setup written for this key ([`Memo::write_setup`]) had all its
    /// replies within the window; `false` when none was.
    pub(super) fn setup_quick(self) -> bool {
        unpack(self.slot.load(Ordering::Relaxed), self.tag).is_some_and(|(_, quick)| quick)
    }

    /// Notes whether a connection's setup had all its replies within the window.
    pub(super) fn write_setup(self, quick: bool) {
        self.update(|lesson, _| (lesson, quick));
    }

    /// Replaces the slot's word by `f` of this key's lesson and setup bit (nothing learned
    /// and `false` if the slot holds another key's), in one atomic step.
    fn update(self, f: impl Fn(Lesson, bool) -> (Lesson, bool)) {
        let _ = self
            .slot
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |word| {
                let (lesson, quick) = unpack(word, self.tag).unwrap_or((0, false));
                let (lesson, quick) = f(lesson, quick);
                Some(pack(self.tag, lesson, quick))
            });
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

/// The bit of a slot's word that says the key's last setup was quick (above the lesson's 24
/// bits).
const SETUP_QUICK: u64 = 1 << 24;

/// The lesson's bits of a slot's word.
const LESSON_BITS: u64 = SETUP_QUICK - 1;

fn pack(tag: u32, lesson: Lesson, setup_quick: bool) -> u64 {
    let quick = if setup_quick { SETUP_QUICK } else { 0 };
    u64::from(tag) << 32 | quick | (u64::from(lesson) & LESSON_BITS)
}

/// The lesson and the setup bit of `word` if it holds the key tagged `tag`.
fn unpack(word: u64, tag: u32) -> Option<(Lesson, bool)> {
    let stored = u32::try_from(word >> 32).unwrap_or(0);
    (stored == tag).then(|| {
        (
            Lesson::try_from(word & LESSON_BITS).unwrap_or(0),
            word & SETUP_QUICK != 0,
        )
    })
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
    fn packing_keeps_the_tag_the_lesson_and_the_setup_bit_apart() {
        for (tag, lesson, quick) in [
            (1, 0, false),
            (u32::MAX, 0xFF_FFFF, true),
            (0xDEAD_BEEF, 0x01_0203, false),
            (7, 0x01_0203, true),
        ] {
            assert_eq!(unpack(pack(tag, lesson, quick), tag), Some((lesson, quick)));
            assert_eq!(unpack(pack(tag, lesson, quick), tag ^ 1), None);
        }
        assert_eq!(unpack(0, 1), None, "an empty slot matches no key");
    }

    #[test]
    fn the_setup_bit_and_the_lesson_are_written_apart() {
        let server = addr(61_004);
        let memo = Memo::of(server, W);
        assert!(!memo.setup_quick(), "no setup noted yet");
        memo.write_setup(true);
        assert!(memo.setup_quick());
        assert_eq!(memo.recall(), Some(0), "nothing learned by the setup");
        memo.write(0x0102);
        assert!(memo.setup_quick(), "a lesson keeps the setup bit");
        memo.write_setup(false);
        assert_eq!(
            memo.recall(),
            Some(0x0102),
            "the setup bit keeps the lesson"
        );
        assert!(!memo.setup_quick());
        // Another window is another key.
        memo.write_setup(true);
        assert!(!Memo::of(server, W * 2).setup_quick());
    }
}
