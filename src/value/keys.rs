//! The column names of a result, shared by all its records.
//!
//! Every record carries its result's names so that it can be read by name after the result is
//! gone. Sharing them through an `Arc` costs two atomic operations per record (the clone when
//! it is decoded, the drop when the caller is done with it): on a 1M-row stream that was a fifth
//! of the time of the `Iterator` (perf, W1). So the name sets a process meets are interned: kept
//! for the life of the process, within a fixed budget, and shared as plain `&'static` slices
//! that a record copies and forgets without touching memory other threads share. Sets beyond
//! the budget (or met while another thread holds the interner) are shared through an `Arc` as
//! before, so the budget bounds the memory whatever queries an application runs.

use hashbrown::{DefaultHashBuilder, HashTable};
use parking_lot::Mutex;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

/// The most memory, in bytes, the interned name sets of the process may hold (names, their
/// `String` headers and the slices): about 10,000 sets of three short names.
pub(crate) const INTERNED_BYTES: usize = 1 << 20;

/// The largest name set, in bytes, that is interned; larger ones are shared through an `Arc`
/// (so that a few very wide results cannot take the whole budget).
const MAX_INTERNED_SET: usize = 16 << 10;

/// The column names of a result, in order; every record of the result shares them.
///
/// Dereferences to `[String]`. Cloning never allocates: the name sets a process meets are
/// interned for its life, up to 1 MiB of them in all (and 16 KiB per set), and cloning or
/// dropping those is a copy; the others are reference counted.
#[derive(Clone)]
pub struct Keys(Repr);

#[derive(Clone)]
enum Repr {
    Interned(&'static [String]),
    Shared(Arc<[String]>),
}

/// A table of interned name sets, within a budget of bytes.
struct Interner {
    sets: HashTable<&'static [String]>,
    hasher: DefaultHashBuilder,
    bytes: usize,
    budget: usize,
}

impl Interner {
    fn new(budget: usize) -> Interner {
        Interner {
            sets: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
            bytes: 0,
            budget,
        }
    }

    /// The interned set of the `len` names `names` yields, `size` bytes (see [`set_bytes`]),
    /// interning it if the budget allows; `None` when it does not.
    fn intern<'a, I>(&mut self, len: usize, names: I, size: usize) -> Option<&'static [String]>
    where
        I: Iterator<Item = &'a str> + Clone,
    {
        let hash = hash_names(&self.hasher, names.clone());
        let same = |set: &&'static [String]| {
            set.len() == len && set.iter().map(String::as_str).eq(names.clone())
        };
        if let Some(set) = self.sets.find(hash, same) {
            return Some(set);
        }
        if self.bytes + size > self.budget {
            return None;
        }
        let set: &'static [String] = Box::leak(names.map(str::to_owned).collect());
        self.bytes += size;
        let hasher = &self.hasher;
        self.sets.insert_unique(hash, set, |s| {
            hash_names(hasher, s.iter().map(String::as_str))
        });
        Some(set)
    }
}

/// The hash of a name set (each name ends with a byte no UTF-8 string holds, so that
/// `["ab"]` and `["a", "b"]` differ).
fn hash_names<'a>(hasher: &DefaultHashBuilder, names: impl Iterator<Item = &'a str>) -> u64 {
    let mut h = hasher.build_hasher();
    for n in names {
        h.write(n.as_bytes());
        h.write_u8(0xFF);
    }
    h.finish()
}

/// The process's interned name sets.
fn interner() -> &'static Mutex<Interner> {
    static INTERNER: OnceLock<Mutex<Interner>> = OnceLock::new();
    INTERNER.get_or_init(|| Mutex::new(Interner::new(INTERNED_BYTES)))
}

/// The memory an interned set takes, as counted against [`INTERNED_BYTES`].
fn set_bytes<'a>(names: impl Iterator<Item = &'a str>) -> usize {
    names
        .map(|n| n.len() + std::mem::size_of::<String>())
        .sum::<usize>()
        + 2 * std::mem::size_of::<usize>()
}

impl Keys {
    /// The names `names`, interned when the budget allows (see [`Keys`]).
    pub fn new<S: AsRef<str>>(names: &[S]) -> Keys {
        Keys::from_strs(names.len(), names.iter().map(AsRef::as_ref))
    }

    /// The `len` names `names` yields (each pass yields the same names), interned when the
    /// budget allows. Looking up a set already interned allocates nothing.
    pub(crate) fn from_strs<'a, I>(len: usize, names: I) -> Keys
    where
        I: Iterator<Item = &'a str> + Clone,
    {
        if len == 0 {
            return Keys(Repr::Interned(&[]));
        }
        let shared = |names: I| Keys(Repr::Shared(names.map(str::to_owned).collect()));
        let size = set_bytes(names.clone());
        if size > MAX_INTERNED_SET {
            return shared(names);
        }
        // Never waits: a thread that finds the interner taken (by another thread, or by a
        // thread that no longer exists in a forked child) shares its names the plain way.
        let Some(mut guard) = interner().try_lock() else {
            return shared(names);
        };
        match guard.intern(len, names.clone(), size) {
            Some(set) => Keys(Repr::Interned(set)),
            None => shared(names),
        }
    }

    /// The names.
    #[inline]
    pub fn as_slice(&self) -> &[String] {
        match &self.0 {
            Repr::Interned(s) => s,
            Repr::Shared(s) => s,
        }
    }

    /// Whether `a` and `b` are the same shared set (not merely equal names).
    #[inline]
    pub fn ptr_eq(a: &Keys, b: &Keys) -> bool {
        let (a, b) = (a.as_slice(), b.as_slice());
        std::ptr::eq(a.as_ptr(), b.as_ptr()) && a.len() == b.len()
    }

    /// Whether the names are interned (cloning and dropping them touch no shared count).
    pub fn is_interned(&self) -> bool {
        matches!(self.0, Repr::Interned(_))
    }

    /// A copy of the keys when they are interned (a plain copy, known to be one: no branch on
    /// how they are shared); `None` when they are reference counted.
    #[inline(always)]
    pub(crate) fn copy_interned(&self) -> Option<Keys> {
        match self.0 {
            Repr::Interned(s) => Some(Keys(Repr::Interned(s))),
            Repr::Shared(_) => None,
        }
    }
}

impl Deref for Keys {
    type Target = [String];
    #[inline]
    fn deref(&self) -> &[String] {
        self.as_slice()
    }
}

impl AsRef<[String]> for Keys {
    fn as_ref(&self) -> &[String] {
        self.as_slice()
    }
}

impl Default for Keys {
    /// No names.
    fn default() -> Keys {
        Keys(Repr::Interned(&[]))
    }
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_slice().fmt(f)
    }
}

impl PartialEq for Keys {
    fn eq(&self, other: &Keys) -> bool {
        Keys::ptr_eq(self, other) || self.as_slice() == other.as_slice()
    }
}

impl Eq for Keys {}

impl<S: AsRef<str>> PartialEq<[S]> for Keys {
    fn eq(&self, other: &[S]) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for Keys {
    fn eq(&self, other: &[S; N]) -> bool {
        *self == other[..]
    }
}

impl From<Vec<String>> for Keys {
    /// Interned when the budget allows.
    fn from(names: Vec<String>) -> Keys {
        Keys::new(&names)
    }
}

impl From<Arc<[String]>> for Keys {
    /// Shares `names` as they are (not interned).
    fn from(names: Arc<[String]>) -> Keys {
        Keys(Repr::Shared(names))
    }
}

impl<S: AsRef<str>> From<&[S]> for Keys {
    /// Interned when the budget allows.
    fn from(names: &[S]) -> Keys {
        Keys::new(names)
    }
}

impl<S: AsRef<str>, const N: usize> From<[S; N]> for Keys {
    /// Interned when the budget allows.
    fn from(names: [S; N]) -> Keys {
        Keys::new(&names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intern(i: &mut Interner, names: &[&str]) -> Option<&'static [String]> {
        i.intern(
            names.len(),
            names.iter().copied(),
            set_bytes(names.iter().copied()),
        )
    }

    #[test]
    fn the_same_names_share_one_interned_set() {
        let mut i = Interner::new(INTERNED_BYTES);
        let a = intern(&mut i, &["a", "b"]).unwrap();
        let b = intern(&mut i, &["a", "b"]).unwrap();
        assert!(std::ptr::eq(a, b));
        assert_eq!(a, ["a", "b"]);
        // Other names, the same in another order, or split differently are other sets.
        for other in [&["b", "a"][..], &["ab"], &["a", "b", ""], &["a"]] {
            let c = intern(&mut i, other).unwrap();
            assert!(!std::ptr::eq(a, c));
            assert_eq!(c, other);
        }
        assert_eq!(i.sets.len(), 5);
    }

    #[test]
    fn interning_stops_at_the_budget_and_finds_what_it_holds() {
        let one = set_bytes(["n000"].into_iter());
        let mut i = Interner::new(10 * one);
        let names: Vec<String> = (0..20).map(|n| format!("n{n:03}")).collect();
        let interned = names
            .iter()
            .filter(|n| intern(&mut i, &[n.as_str()]).is_some())
            .count();
        assert_eq!(interned, 10);
        assert_eq!(i.bytes, 10 * one);
        // Full, it still finds the sets it holds.
        assert!(intern(&mut i, &["n003"]).is_some());
        assert!(intern(&mut i, &["n013"]).is_none());
    }

    #[test]
    fn keys_of_a_set_over_the_size_limit_are_shared_not_interned() {
        let long = "x".repeat(MAX_INTERNED_SET);
        let k = Keys::new(&[long.as_str()]);
        assert!(!k.is_interned());
        assert_eq!(k, [long.as_str()]);
    }

    #[test]
    fn keys_are_interned_once_and_compare_by_names() {
        let a = Keys::new(&["keys_test_a", "b"]);
        let b = Keys::from(vec!["keys_test_a".to_owned(), "b".to_owned()]);
        let c = Keys::from(Arc::<[String]>::from(vec![
            "keys_test_a".to_owned(),
            "b".to_owned(),
        ]));
        // (Another test may hold the interner for a moment; then a set is shared instead.)
        if a.is_interned() && b.is_interned() {
            assert!(Keys::ptr_eq(&a, &b));
        }
        assert!(!c.is_interned());
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_ne!(a, Keys::new(&["b", "keys_test_a"]));
        assert_eq!(format!("{a:?}"), r#"["keys_test_a", "b"]"#);
    }

    #[test]
    fn a_taken_interner_does_not_block() {
        let guard = interner().lock();
        let k = Keys::new(&["keys_test_taken"]);
        let none = Keys::new::<&str>(&[]);
        drop(guard);
        assert!(!k.is_interned());
        assert_eq!(k, ["keys_test_taken"]);
        assert!(none.is_empty() && none.is_interned());
        assert_eq!(none, Keys::default());
    }
}
