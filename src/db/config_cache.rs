//! What every case write reads of the configuration (a project's SLA
//! policies, a business calendar, a project's case fields), kept in memory
//! under the store's configuration stamp (`config_stamp`, migration 0055).
//! Triggers on those tables give the stamp a new random value with every
//! change, so an entry is current exactly while the reading transaction
//! sees the stamp it was loaded under. Reading the stamp is one primary-key
//! look-up; a created case otherwise read a dozen rows of configuration and
//! assembled its calendar again (docs/perf16.md, session 25).
//!
//! Stamps are random per change and per store, so stores that share this
//! process (tests) never share an entry, and a stamp of a change that was
//! rolled back never comes back.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

use rusqlite::Connection;

use super::StoreResult;

/// Entries past which the cache starts over (a store has far fewer
/// projects and calendars; this only bounds a pathological one).
const MAX_ENTRIES: usize = 4096;

/// Values by key, all loaded under one stamp. Use as a `static`.
pub struct ConfigCache<K, V> {
    entries: Mutex<Option<Entries<K, V>>>,
}

struct Entries<K, V> {
    stamp: String,
    values: HashMap<K, V>,
}

impl<K: Eq + Hash, V: Clone> ConfigCache<K, V> {
    pub const fn new() -> Self {
        ConfigCache {
            entries: Mutex::new(None),
        }
    }

    /// The value of `key` as this connection's transaction sees the
    /// configuration: kept, or loaded by `load` on this connection and kept
    /// when the stamp did not change meanwhile (a connection outside a
    /// transaction reads each statement on its own snapshot).
    pub fn get_or_load(
        &self,
        conn: &Connection,
        key: K,
        load: impl FnOnce(&Connection) -> StoreResult<V>,
    ) -> StoreResult<V> {
        let before = stamp(conn)?;
        if let Some(value) = self.kept(&before, &key) {
            return Ok(value);
        }
        let value = load(conn)?;
        if stamp(conn)? == before {
            self.keep(before, key, value.clone());
        }
        Ok(value)
    }

    fn kept(&self, stamp: &str, key: &K) -> Option<V> {
        let entries = self.lock();
        let entries = entries.as_ref()?;
        (entries.stamp == stamp)
            .then(|| entries.values.get(key).cloned())
            .flatten()
    }

    fn keep(&self, stamp: String, key: K, value: V) {
        let mut entries = self.lock();
        let current = match entries.as_mut() {
            Some(e) if e.stamp == stamp && e.values.len() < MAX_ENTRIES => e,
            _ => entries.insert(Entries {
                stamp,
                values: HashMap::new(),
            }),
        };
        current.values.insert(key, value);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Entries<K, V>>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<K: Eq + Hash, V: Clone> Default for ConfigCache<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

/// The configuration's stamp as this connection sees it.
fn stamp(conn: &Connection) -> StoreResult<String> {
    Ok(conn
        .prepare_cached("SELECT stamp FROM config_stamp WHERE id = 1")?
        .query_row([], |row| row.get(0))?)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    /// The demo's store (calendars, policies, fields) and a plain
    /// connection to it.
    fn demo() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = super::super::Db::open(dir.path()).unwrap();
        crate::demo::seed(&db).unwrap();
        drop(db);
        let conn = Connection::open(dir.path().join(super::super::STORE_FILE)).unwrap();
        (dir, conn)
    }

    #[test]
    fn a_change_to_the_configuration_is_read_again() {
        static CACHE: ConfigCache<i64, i64> = ConfigCache::new();
        let (_dir, conn) = demo();
        let loads = Cell::new(0);
        let policies = |conn: &Connection| -> StoreResult<i64> {
            loads.set(loads.get() + 1);
            Ok(conn.query_row("SELECT count(*) FROM sla_policies", [], |r| r.get(0))?)
        };
        let first = CACHE.get_or_load(&conn, 1, policies).unwrap();
        assert!(first > 0, "the demo has SLA policies");
        conn.execute_batch("UPDATE cases SET subject = subject || '!' WHERE id = 1")
            .unwrap();
        assert_eq!(CACHE.get_or_load(&conn, 1, policies).unwrap(), first);
        assert_eq!(
            loads.get(),
            1,
            "kept while the configuration did not change"
        );

        for change in [
            "UPDATE sla_policies SET name = name || '!' WHERE id = (SELECT min(id) FROM sla_policies)",
            "UPDATE business_calendars SET name = name || '!'",
            "UPDATE business_calendar_hours SET end_minute = end_minute - 1",
            "INSERT INTO business_calendar_closures (calendar_id, name, from_date, to_date)
             SELECT min(id), 'Betriebsausflug', '2027-06-04', '2027-06-04' FROM business_calendars",
            "DELETE FROM business_calendar_closures WHERE name = 'Betriebsausflug'",
            "UPDATE custom_fields SET label = label || '!'",
            "DELETE FROM sla_policies WHERE id = (SELECT max(id) FROM sla_policies)",
        ] {
            let seen = loads.get();
            conn.execute_batch(change).unwrap();
            let now = CACHE.get_or_load(&conn, 1, policies).unwrap();
            assert_eq!(loads.get(), seen + 1, "read again after: {change}");
            assert_eq!(now, policies(&conn).unwrap());
            loads.set(loads.get() - 1);
        }
        assert_eq!(CACHE.get_or_load(&conn, 1, policies).unwrap(), first - 1);
    }

    #[test]
    fn a_rolled_back_change_leaves_no_stamp_for_a_later_one() {
        let (_dir, mut conn) = demo();
        let first = stamp(&conn).unwrap();
        let tx = conn.transaction().unwrap();
        tx.execute_batch("UPDATE custom_fields SET label = label || '?'")
            .unwrap();
        let rolled_back = stamp(&tx).unwrap();
        tx.rollback().unwrap();
        assert_eq!(stamp(&conn).unwrap(), first);
        conn.execute_batch("UPDATE custom_fields SET label = label || '!'")
            .unwrap();
        let later = stamp(&conn).unwrap();
        assert_ne!(later, first);
        assert_ne!(later, rolled_back, "a counted generation would repeat here");
    }
}
