//! Per-connection object tables with string ids.
//!
//! Ids come from one counter per connection, so an id names at most one object of any kind and
//! never repeats within a connection.

use std::collections::HashMap;

/// Hands out connection-unique string ids.
#[derive(Debug, Default)]
pub struct Ids {
    next: u64,
}

impl Ids {
    pub fn next(&mut self) -> String {
        self.next += 1;
        self.next.to_string()
    }
}

/// A table of objects of one kind, keyed by id.
#[derive(Debug)]
pub struct Table<T> {
    kind: &'static str,
    items: HashMap<String, T>,
}

impl<T> Table<T> {
    pub fn new(kind: &'static str) -> Table<T> {
        Table {
            kind,
            items: HashMap::new(),
        }
    }

    pub fn insert(&mut self, id: String, item: T) {
        self.items.insert(id, item);
    }

    pub fn get(&self, id: &str) -> Result<&T, String> {
        self.items.get(id).ok_or_else(|| self.missing(id))
    }

    pub fn get_mut(&mut self, id: &str) -> Result<&mut T, String> {
        let kind = self.kind;
        self.items
            .get_mut(id)
            .ok_or_else(|| format!("no {kind} with id '{id}'"))
    }

    pub fn remove(&mut self, id: &str) -> Result<T, String> {
        self.items.remove(id).ok_or_else(|| self.missing(id))
    }

    pub fn contains(&self, id: &str) -> bool {
        self.items.contains_key(id)
    }

    /// Removes every item for which `f` returns false.
    pub fn retain(&mut self, mut f: impl FnMut(&String, &mut T) -> bool) {
        self.items.retain(|k, v| f(k, v));
    }

    fn missing(&self, id: &str) -> String {
        format!("no {} with id '{id}'", self.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_strings() {
        let mut ids = Ids::default();
        assert_eq!(ids.next(), "1");
        assert_eq!(ids.next(), "2");
    }

    #[test]
    fn table_lookups() {
        let mut t = Table::new("driver");
        t.insert("1".into(), 10);
        assert_eq!(*t.get("1").unwrap(), 10);
        *t.get_mut("1").unwrap() += 1;
        assert_eq!(t.get("2").unwrap_err(), "no driver with id '2'");
        assert!(t.contains("1"));
        t.retain(|_, v| *v != 11);
        assert!(!t.contains("1"));
        assert!(t.remove("1").is_err());
    }
}
