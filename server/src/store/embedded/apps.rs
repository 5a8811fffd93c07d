//! Settings, per-app key-value data and app records in SQLite.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use super::EmbeddedStore;
use crate::store::{AppDataStore, AppRecord, SettingStore, StoreError};

#[async_trait]
impl SettingStore for EmbeddedStore {
    async fn settings(&self) -> Result<Vec<(String, Value)>, StoreError> {
        self.read(|conn| {
            let mut statement =
                conn.prepare_cached("SELECT id, value FROM settings ORDER BY id")?;
            statement
                .query_map([], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                })?
                .map(|row| {
                    let (id, value) = row?;
                    Ok((id, serde_json::from_str(&value)?))
                })
                .collect()
        })
        .await
    }

    async fn set_setting(&self, id: &str, value: &Value) -> Result<(), StoreError> {
        let (id, value) = (id.to_owned(), serde_json::to_string(value)?);
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO settings (id, value) VALUES (?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET value = excluded.value",
                params![id, value],
            )?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl AppDataStore for EmbeddedStore {
    async fn app_value(&self, app: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let (app, key) = (app.to_owned(), key.to_owned());
        self.read(move |conn| {
            Ok(conn
                .prepare_cached("SELECT value FROM app_data WHERE app = ?1 AND key = ?2")?
                .query_row(params![app, key], |row| row.get(0))
                .optional()?)
        })
        .await
    }

    async fn set_app_value(
        &self,
        app: &str,
        key: &str,
        value: &[u8],
        max_keys: u64,
    ) -> Result<(), StoreError> {
        let (app, key, value) = (app.to_owned(), key.to_owned(), value.to_vec());
        self.write(move |conn| {
            let exists = stored_value(conn, &app, &key)?.is_some();
            put_value(conn, &app, &key, &value, exists, max_keys)
        })
        .await
    }

    async fn compare_and_set_app_value(
        &self,
        app: &str,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
        max_keys: u64,
    ) -> Result<bool, StoreError> {
        let (app, key) = (app.to_owned(), key.to_owned());
        let (expected, new) = (expected.map(<[u8]>::to_vec), new.map(<[u8]>::to_vec));
        // The single writer runs this whole closure in one savepoint, so
        // nothing writes the key between the comparison and the write.
        self.write(move |conn| {
            let current = stored_value(conn, &app, &key)?;
            if current != expected {
                return Ok(false);
            }
            match new {
                Some(value) => put_value(conn, &app, &key, &value, current.is_some(), max_keys)?,
                None => {
                    conn.prepare_cached("DELETE FROM app_data WHERE app = ?1 AND key = ?2")?
                        .execute(params![app, key])?;
                }
            }
            Ok(true)
        })
        .await
    }

    async fn delete_app_value(&self, app: &str, key: &str) -> Result<bool, StoreError> {
        let (app, key) = (app.to_owned(), key.to_owned());
        self.write(move |conn| {
            Ok(conn.execute(
                "DELETE FROM app_data WHERE app = ?1 AND key = ?2",
                params![app, key],
            )? > 0)
        })
        .await
    }

    async fn app_keys(
        &self,
        app: &str,
        prefix: &str,
        start_after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<String>, StoreError> {
        let (app, prefix) = (app.to_owned(), prefix.to_owned());
        let after = start_after.map(str::to_owned);
        self.read(move |conn| {
            // Byte order, with the prefix compared on bytes (not LIKE, whose
            // wildcards and case rules do not fit keys). Without
            // `start_after` the bound is NULL, not '': `key > ''` would
            // skip the empty key.
            let mut statement = conn.prepare_cached(
                "SELECT key FROM app_data
                 WHERE app = ?1 AND substr(key, 1, length(?2)) = ?2 AND (?3 IS NULL OR key > ?3)
                 ORDER BY CAST(key AS BLOB) LIMIT ?4",
            )?;
            statement
                .query_map(params![app, prefix, after, limit as i64], |row| row.get(0))?
                .map(|key| Ok(key?))
                .collect()
        })
        .await
    }

    async fn clear_app_data(&self, app: &str) -> Result<u64, StoreError> {
        let app = app.to_owned();
        self.write(move |conn| {
            Ok(conn.execute("DELETE FROM app_data WHERE app = ?1", [app])? as u64)
        })
        .await
    }

    async fn put_app_record(&self, record: &AppRecord) -> Result<(), StoreError> {
        let (id, doc) = (record.id.clone(), serde_json::to_string(&record.document)?);
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO app_records (id, doc) VALUES (?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
                params![id, doc],
            )?;
            Ok(())
        })
        .await
    }

    async fn app_records(&self) -> Result<Vec<AppRecord>, StoreError> {
        self.read(|conn| {
            let mut statement =
                conn.prepare_cached("SELECT id, doc FROM app_records ORDER BY id")?;
            statement
                .query_map([], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                })?
                .map(|row| {
                    let (id, doc) = row?;
                    Ok(AppRecord {
                        id,
                        document: serde_json::from_str(&doc)?,
                    })
                })
                .collect()
        })
        .await
    }

    async fn delete_app_record(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.write(move |conn| Ok(conn.execute("DELETE FROM app_records WHERE id = ?1", [id])? > 0))
            .await
    }
}

/// The value of an app's key, read inside a write.
fn stored_value(conn: &Connection, app: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT value FROM app_data WHERE app = ?1 AND key = ?2")?
        .query_row(params![app, key], |row| row.get(0))
        .optional()?)
}

/// Stores a value; a new key (`exists` false) only while the app is under
/// `max_keys`.
fn put_value(
    conn: &Connection,
    app: &str,
    key: &str,
    value: &[u8],
    exists: bool,
    max_keys: u64,
) -> Result<(), StoreError> {
    if !exists {
        let keys: u64 = conn
            .prepare_cached("SELECT count(*) FROM app_data WHERE app = ?1")?
            .query_row([app], |row| row.get(0))?;
        if keys >= max_keys {
            return Err(StoreError::Quota(format!(
                "app `{app}` already stores {keys} keys, its limit"
            )));
        }
    }
    conn.prepare_cached(
        "INSERT INTO app_data (app, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (app, key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![app, key, value])?;
    Ok(())
}
