//! [`BookmarkManager`]: bookmarks shared between sessions for causal consistency.

use parking_lot::Mutex;
use std::collections::BTreeSet;
use std::fmt;

/// Keeps the bookmarks of a group of sessions, so each session sees the writes the others
/// committed (read-your-writes across sessions).
///
/// A session with a manager sends `get_bookmarks()` (plus its own) with every transaction
/// and routing request, and reports each new bookmark with `update_bookmarks`. Implementations
/// are called from several threads at once and must not call back into the driver.
pub trait BookmarkManager: Send + Sync {
    /// The bookmarks to send with the next transaction.
    fn get_bookmarks(&self) -> Vec<String>;

    /// A transaction that started from `previous` committed and produced `new`.
    fn update_bookmarks(&self, previous: &[String], new: &[String]);
}

impl fmt::Debug for dyn BookmarkManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BookmarkManager")
    }
}

/// The default [`BookmarkManager`]: a set of bookmarks where each update replaces the
/// bookmarks the transaction started from by the new one.
///
/// ```
/// use boltc::{BookmarkManager, DefaultBookmarkManager};
///
/// let m = DefaultBookmarkManager::new(vec!["bm:1".into()]);
/// m.update_bookmarks(&["bm:1".into()], &["bm:2".into()]);
/// assert_eq!(m.get_bookmarks(), ["bm:2"]);
/// ```
#[derive(Debug, Default)]
pub struct DefaultBookmarkManager {
    bookmarks: Mutex<BTreeSet<String>>,
}

impl DefaultBookmarkManager {
    /// A manager starting from `initial`.
    pub fn new(initial: Vec<String>) -> DefaultBookmarkManager {
        DefaultBookmarkManager {
            bookmarks: Mutex::new(initial.into_iter().collect()),
        }
    }
}

impl BookmarkManager for DefaultBookmarkManager {
    fn get_bookmarks(&self) -> Vec<String> {
        self.bookmarks.lock().iter().cloned().collect()
    }

    fn update_bookmarks(&self, previous: &[String], new: &[String]) {
        if new.is_empty() {
            return;
        }
        let mut b = self.bookmarks.lock();
        for p in previous {
            b.remove(p);
        }
        b.extend(new.iter().cloned());
    }
}

/// Merges two bookmark lists without duplicates, keeping the order.
pub(crate) fn merge(a: &[String], b: Vec<String>) -> Vec<String> {
    let mut out = a.to_vec();
    for x in b {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}
