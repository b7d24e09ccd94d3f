//! [`Map`](crate::Map): string keys to values, in the order sent or inserted.

use super::Value;
use hashbrown::{DefaultHashBuilder, HashTable};
use std::fmt;
use std::hash::BuildHasher;
use std::iter::FusedIterator;

/// Maps with more entries than this get a hash index; smaller ones are searched linearly,
/// which for a few short keys is cheaper than hashing (most maps from a server are property
/// maps and metadata of a handful of entries).
const INDEX_MIN: usize = 16;

/// A map of string keys to values that keeps its entries in order: the order the server sent
/// them (so node properties come out as the server holds them) or, for a map built here, the
/// order of first insertion.
///
/// The API follows [`std::collections::BTreeMap`]: `get`, `insert`, `remove`, `iter`, `keys`,
/// `values`, `entry` and the iterator traits. Differences:
/// - Iteration is in entry order, not key order; [`Map::get_index`] reads an entry by position.
/// - [`Map::insert`] of a key already present replaces its value and keeps its position.
/// - [`Map::remove`] keeps the order of the other entries (it shifts the later ones, O(n)).
/// - Equality ignores order: two maps with the same entries are equal.
///
/// Lookups in maps of up to 16 entries compare keys one by one; larger maps keep a hash index
/// beside the entries, so lookups stay O(1) however large the map.
///
/// Decoding refuses a map in which the server repeats a key (`DecodeError::DuplicateKey`, an
/// error of kind `Protocol`), as the PackStream specification calls it a protocol violation.
#[derive(Clone, Default)]
pub struct Map {
    entries: Vec<(String, Value)>,
    /// When present, the position of every entry under its key's hash.
    index: Option<Box<Index>>,
}

/// The hash index of a large map: positions into `Map::entries`, hashed with foldhash (fast on
/// short keys, randomly seeded per index).
#[derive(Clone)]
struct Index {
    table: HashTable<usize>,
    hasher: DefaultHashBuilder,
}

/// Where a key absent from a map goes, from [`Map::lookup`]: its hash when the map is indexed.
pub(crate) struct Vacant(Option<u64>);

impl Index {
    /// An index of `entries`, with room for `capacity` of them.
    fn build(entries: &[(String, Value)], capacity: usize) -> Index {
        let mut index = Index {
            table: HashTable::with_capacity(capacity.max(entries.len())),
            hasher: DefaultHashBuilder::default(),
        };
        for (pos, (key, _)) in entries.iter().enumerate() {
            index.insert(index.hash(key), pos, entries);
        }
        index
    }

    #[inline]
    fn hash(&self, key: &str) -> u64 {
        self.hasher.hash_one(key)
    }

    #[inline]
    fn find(&self, hash: u64, key: &str, entries: &[(String, Value)]) -> Option<usize> {
        self.table.find(hash, |&i| entries[i].0 == key).copied()
    }

    /// Records that `entries[pos]` (not already indexed) holds the key hashed to `hash`.
    #[inline]
    fn insert(&mut self, hash: u64, pos: usize, entries: &[(String, Value)]) {
        let Index { table, hasher } = self;
        table.insert_unique(hash, pos, |&i| hasher.hash_one(entries[i].0.as_str()));
    }

    /// Forgets the entry at `pos` (keyed `key`) and moves the positions after it down by one,
    /// as `Vec::remove(pos)` does to the entries.
    fn remove(&mut self, pos: usize, key: &str) {
        if let Ok(e) = self.table.find_entry(self.hash(key), |&i| i == pos) {
            e.remove();
        }
        for i in self.table.iter_mut() {
            if *i > pos {
                *i -= 1;
            }
        }
    }
}

/// A cost estimate of a map's hash index (none for small maps): bytes beyond its entries that
/// a map of `len` entries built by the decoder takes.
pub(crate) fn index_size(len: usize) -> usize {
    if len > INDEX_MIN {
        // A bucket and a control byte per slot, at most 8/7 slots per entry, rounded up.
        len.saturating_mul(2 * std::mem::size_of::<usize>())
            .saturating_add(std::mem::size_of::<Index>())
    } else {
        0
    }
}

impl Map {
    /// An empty map.
    pub fn new() -> Map {
        Map::default()
    }

    /// An empty map with room for `capacity` entries.
    #[inline(always)]
    pub fn with_capacity(capacity: usize) -> Map {
        Map {
            entries: Vec::with_capacity(capacity),
            index: (capacity > INDEX_MIN).then(|| Box::new(Index::build(&[], capacity))),
        }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The position of `key`'s entry.
    pub fn get_index_of(&self, key: &str) -> Option<usize> {
        self.lookup(key).ok()
    }

    /// The position of `key`'s entry, or where it would go: hashing `key` once for both the
    /// search and the [`Map::push_vacant`] after it.
    #[inline(always)]
    pub(crate) fn lookup(&self, key: &str) -> Result<usize, Vacant> {
        match &self.index {
            Some(index) => {
                let hash = index.hash(key);
                index
                    .find(hash, key, &self.entries)
                    .ok_or(Vacant(Some(hash)))
            }
            None => self
                .entries
                .iter()
                .position(|(k, _)| k == key)
                .ok_or(Vacant(None)),
        }
    }

    /// The value for `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.get_index_of(key).map(|i| &self.entries[i].1)
    }

    /// The value for `key`, mutable.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.get_index_of(key).map(|i| &mut self.entries[i].1)
    }

    /// The stored key and the value for `key`.
    pub fn get_key_value(&self, key: &str) -> Option<(&String, &Value)> {
        self.get_index_of(key).map(|i| {
            let (k, v) = &self.entries[i];
            (k, v)
        })
    }

    /// The entry at position `index` (0 is the first sent or inserted).
    pub fn get_index(&self, index: usize) -> Option<(&String, &Value)> {
        self.entries.get(index).map(|(k, v)| (k, v))
    }

    /// Whether `key` has an entry.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get_index_of(key).is_some()
    }

    /// Sets `key` to `value`. A new key goes last; an existing one keeps its position and the
    /// old value is returned.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        match self.lookup(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(vacant) => {
                self.push_vacant(vacant, key, value);
                None
            }
        }
    }

    /// Appends an entry for `key`, which [`Map::lookup`] found absent (`vacant`), the map
    /// unchanged since.
    #[inline(always)]
    pub(crate) fn push_vacant(&mut self, vacant: Vacant, key: String, value: Value) {
        debug_assert!(!self.contains_key(&key), "push_vacant of a present key");
        let pos = self.entries.len();
        self.entries.push((key, value));
        match (&mut self.index, vacant.0) {
            (Some(index), Some(hash)) => index.insert(hash, pos, &self.entries),
            (Some(index), None) => {
                index.insert(index.hash(&self.entries[pos].0), pos, &self.entries)
            }
            (None, _) if self.entries.len() > INDEX_MIN => {
                self.index = Some(Box::new(Index::build(
                    &self.entries,
                    self.entries.capacity(),
                )));
            }
            (None, _) => {}
        }
    }

    /// Removes `key`'s entry and returns its value; the entries after it move up one place,
    /// so the order of the rest is kept (O(n)).
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.remove_entry(key).map(|(_, v)| v)
    }

    /// As [`Map::remove`], returning the stored key too.
    pub fn remove_entry(&mut self, key: &str) -> Option<(String, Value)> {
        let pos = self.get_index_of(key)?;
        let entry = self.entries.remove(pos);
        if self.entries.len() <= INDEX_MIN {
            self.index = None;
        } else if let Some(index) = &mut self.index {
            index.remove(pos, &entry.0);
        }
        Some(entry)
    }

    /// Keeps only the entries for which `keep` returns true, in their order.
    pub fn retain(&mut self, mut keep: impl FnMut(&String, &mut Value) -> bool) {
        let before = self.entries.len();
        self.entries.retain_mut(|(k, v)| keep(k, v));
        if self.entries.len() != before {
            self.reindex();
        }
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.index = None;
    }

    /// The entry for `key`, to read, insert or update in place.
    pub fn entry(&mut self, key: String) -> Entry<'_> {
        let pos = self.lookup(&key);
        Entry {
            map: self,
            key,
            pos,
        }
    }

    /// The entries in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.iter())
    }

    /// The entries in order, values mutable.
    pub fn iter_mut(&mut self) -> IterMut<'_> {
        IterMut(self.entries.iter_mut())
    }

    /// The keys in order.
    pub fn keys(&self) -> Keys<'_> {
        Keys(self.entries.iter())
    }

    /// The values in order.
    pub fn values(&self) -> Values<'_> {
        Values(self.entries.iter())
    }

    /// The values in order, mutable.
    pub fn values_mut(&mut self) -> ValuesMut<'_> {
        ValuesMut(self.entries.iter_mut())
    }

    /// The keys in order, owned.
    pub fn into_keys(self) -> impl DoubleEndedIterator<Item = String> + ExactSizeIterator {
        self.entries.into_iter().map(|(k, _)| k)
    }

    /// The values in order, owned.
    pub fn into_values(self) -> impl DoubleEndedIterator<Item = Value> + ExactSizeIterator {
        self.entries.into_iter().map(|(_, v)| v)
    }

    /// Rebuilds the index after entries moved (dropped when the map became small).
    fn reindex(&mut self) {
        self.index = (self.entries.len() > INDEX_MIN)
            .then(|| Box::new(Index::build(&self.entries, self.entries.len())));
    }
}

/// Equal when both have the same keys with equal values, in any order.
impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        if self.len() != other.len() {
            return false;
        }
        // Keys are unique and the lengths equal, so every entry of `self` found in `other`
        // means the same entries. Maps in the same order compare position by position.
        self.entries
            .iter()
            .zip(&other.entries)
            .all(|((k, v), (ok, ov))| {
                if k == ok {
                    v == ov
                } else {
                    other.get(k) == Some(v)
                }
            })
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl std::ops::Index<&str> for Map {
    type Output = Value;

    /// The value for `key`.
    ///
    /// # Panics
    /// If the map has no entry for `key` (as `BTreeMap`'s indexing does).
    fn index(&self, key: &str) -> &Value {
        match self.get(key) {
            Some(v) => v,
            None => panic!("no entry for key {key:?} in Map"),
        }
    }
}

#[cfg(test)]
impl Map {
    /// A map of `entries` (unit tests' shorthand).
    pub(crate) fn of(entries: &[(&str, Value)]) -> Map {
        entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }
}

/// Later pairs with a key seen before replace its value and keep its first position.
impl FromIterator<(String, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Map {
        let iter = iter.into_iter();
        let mut map = Map::with_capacity(iter.size_hint().0);
        map.extend(iter);
        map
    }
}

/// As [`Map::insert`] for each pair, in order.
impl Extend<(String, Value)> for Map {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<const N: usize> From<[(String, Value); N]> for Map {
    fn from(pairs: [(String, Value); N]) -> Map {
        pairs.into_iter().collect()
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a String, &'a Value);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Map {
    type Item = (&'a String, &'a mut Value);
    type IntoIter = IterMut<'a>;

    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

/// An entry of a [`Map`], from [`Map::entry`].
pub struct Entry<'a> {
    map: &'a mut Map,
    key: String,
    pos: Result<usize, Vacant>,
}

impl<'a> Entry<'a> {
    /// The key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The value, inserting `default` last if the key was absent.
    pub fn or_insert(self, default: Value) -> &'a mut Value {
        self.or_insert_with(|| default)
    }

    /// The value, inserting `make()` last if the key was absent.
    pub fn or_insert_with(self, make: impl FnOnce() -> Value) -> &'a mut Value {
        let pos = match self.pos {
            Ok(pos) => pos,
            Err(vacant) => {
                self.map.push_vacant(vacant, self.key, make());
                self.map.entries.len() - 1
            }
        };
        &mut self.map.entries[pos].1
    }

    /// The value, inserting `Value::Null` last if the key was absent.
    pub fn or_default(self) -> &'a mut Value {
        self.or_insert_with(|| Value::Null)
    }

    /// Applies `f` to the value if the key is present.
    pub fn and_modify(self, f: impl FnOnce(&mut Value)) -> Entry<'a> {
        if let Ok(pos) = self.pos {
            f(&mut self.map.entries[pos].1);
        }
        self
    }
}

/// Defines an iterator newtype over a slice iterator of entries, mapping each entry with `$f`.
macro_rules! entry_iter {
    ($(#[$doc:meta])* $name:ident, $inner:ident, $item:ty, |$e:pat_param| $f:expr) => {
        $(#[$doc])*
        pub struct $name<'a>(std::slice::$inner<'a, (String, Value)>);

        impl<'a> Iterator for $name<'a> {
            type Item = $item;

            #[inline]
            fn next(&mut self) -> Option<$item> {
                self.0.next().map(|$e| $f)
            }

            #[inline]
            fn size_hint(&self) -> (usize, Option<usize>) {
                self.0.size_hint()
            }

            #[inline]
            fn nth(&mut self, n: usize) -> Option<$item> {
                self.0.nth(n).map(|$e| $f)
            }
        }

        impl<'a> DoubleEndedIterator for $name<'a> {
            #[inline]
            fn next_back(&mut self) -> Option<$item> {
                self.0.next_back().map(|$e| $f)
            }
        }

        impl ExactSizeIterator for $name<'_> {}
        impl FusedIterator for $name<'_> {}
    };
}

entry_iter!(
    /// The entries of a [`Map`] in order, from [`Map::iter`].
    #[derive(Clone)]
    Iter, Iter, (&'a String, &'a Value), |(k, v)| (k, v)
);
entry_iter!(
    /// The entries of a [`Map`] in order with mutable values, from [`Map::iter_mut`].
    IterMut, IterMut, (&'a String, &'a mut Value), |(k, v)| (&*k, v)
);
entry_iter!(
    /// The keys of a [`Map`] in order, from [`Map::keys`].
    #[derive(Clone)]
    Keys, Iter, &'a String, |(k, _)| k
);
entry_iter!(
    /// The values of a [`Map`] in order, from [`Map::values`].
    #[derive(Clone)]
    Values, Iter, &'a Value, |(_, v)| v
);
entry_iter!(
    /// The values of a [`Map`] in order, mutable, from [`Map::values_mut`].
    ValuesMut, IterMut, &'a mut Value, |(_, v)| v
);

#[cfg(test)]
mod tests {
    use super::*;

    fn int_map(keys: &[&str]) -> Map {
        keys.iter()
            .zip(0..)
            .map(|(k, i)| ((*k).to_owned(), Value::Int(i)))
            .collect()
    }

    #[test]
    fn keeps_insertion_order_and_position_on_replace() {
        let mut m = int_map(&["zeta", "alpha", "mid"]);
        assert_eq!(m.insert("alpha".into(), Value::Int(9)), Some(Value::Int(1)));
        assert_eq!(m.insert("beta".into(), Value::Int(3)), None);
        let keys: Vec<&String> = m.keys().collect();
        assert_eq!(keys, ["zeta", "alpha", "mid", "beta"]);
        assert_eq!(m.get_index(1), Some((&"alpha".to_owned(), &Value::Int(9))));
        assert_eq!(m.remove("alpha"), Some(Value::Int(9)));
        assert_eq!(m.keys().collect::<Vec<_>>(), ["zeta", "mid", "beta"]);
        assert_eq!(m.get_index_of("beta"), Some(2));
    }

    #[test]
    fn equality_ignores_order() {
        let a = int_map(&["a", "b", "c"]);
        let mut b = Map::new();
        b.insert("c".into(), Value::Int(2));
        b.insert("a".into(), Value::Int(0));
        b.insert("b".into(), Value::Int(1));
        assert_eq!(a, b);
        b.insert("b".into(), Value::Int(5));
        assert_ne!(a, b);
        assert_ne!(a, int_map(&["a", "b"]));
        assert_ne!(a, int_map(&["a", "b", "d"]));
    }

    #[test]
    fn large_maps_index_through_insert_remove_and_retain() {
        // Past INDEX_MIN the map switches to its hash index; every operation must agree with
        // a plain scan of the entries.
        let keys: Vec<String> = (0..200).rev().map(|i| format!("k{i}")).collect();
        let mut m: Map = keys.iter().map(|k| (k.clone(), Value::Null)).collect();
        assert!(m.index.is_some());
        let check = |m: &Map| {
            for (i, (k, _)) in m.entries.iter().enumerate() {
                assert_eq!(m.get_index_of(k), Some(i), "{k}");
            }
            assert_eq!(m.get_index_of("absent"), None);
        };
        check(&m);
        assert_eq!(m.keys().next().map(String::as_str), Some("k199"));
        for k in ["k150", "k199", "k0", "k77"] {
            assert!(m.remove(k).is_some());
            check(&m);
        }
        m.retain(|k, _| k.ends_with('1'));
        check(&m);
        assert_eq!(m.len(), 20);
        m.retain(|k, _| k.len() == 2);
        assert!(m.index.is_none());
        check(&m);
        assert_eq!(m.keys().collect::<Vec<_>>(), ["k1"]);
        let mut big = Map::with_capacity(100);
        for k in &keys {
            big.insert(k.clone(), Value::Bool(true));
        }
        check(&big);
        assert_eq!(big.len(), 200);
    }

    #[test]
    fn entry_api_and_extend_replace_in_place() {
        let mut m = int_map(&["x", "y"]);
        *m.entry("y".into()).or_insert(Value::Null) = Value::Int(7);
        m.entry("z".into())
            .and_modify(|_| unreachable!())
            .or_insert_with(|| Value::Int(8));
        m.extend([
            ("x".to_owned(), Value::Int(1)),
            ("w".to_owned(), Value::Null),
        ]);
        let pairs: Vec<(&String, &Value)> = m.iter().collect();
        assert_eq!(
            format!("{pairs:?}"),
            r#"[("x", Int(1)), ("y", Int(7)), ("z", Int(8)), ("w", Null)]"#
        );
        assert_eq!(
            format!("{m:?}"),
            r#"{"x": Int(1), "y": Int(7), "z": Int(8), "w": Null}"#
        );
        assert_eq!(m["z"], Value::Int(8));
    }
}
