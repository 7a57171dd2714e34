//! PostgreSQL's planner statistics of the service's own tables kept fresh after bulk changes. A backlog can
//! grow a table a hundredfold within autovacuum's one-minute nap (and forever where autovacuum is off), and a
//! statement planned on an empty table's figures reads the whole table where an index seek would do: the
//! outbox claim's lane walk, its outcome update and the duplicate search all did, on a fresh database draining
//! a backlog. SQLite needs none of this: its hot statements name their indexes (`INDEXED BY`).

use sqlx::Row;

use super::{Backend, Store, StoreError};

/// A table is analysed again once this many rows changed since its last analysis, plus [`CHANGED_SHARE`] of
/// its live rows: a table that doubled, not one that took a few rows more (autovacuum's own rule is
/// 50 + 10%; this one only steps in for growth autovacuum has not caught up with).
const CHANGED_ROWS: i64 = 500;
const CHANGED_SHARE: f64 = 0.5;

/// The advisory-lock key under which one instance at a time analyses ("c311stat").
const LOCK_KEY: i64 = 0x6333_3131_7374_6174;

/// The service's tables (those its role owns, in the schema it runs in: its migrations made them; another
/// application's tables in a shared schema are left alone) changed enough since their last analysis, by
/// autovacuum or by anyone, as `regclass` text (quoted where needed).
const CHANGED: &str = "SELECT s.relid::regclass::text AS name FROM pg_stat_user_tables s \
     JOIN pg_class c ON c.oid = s.relid \
     WHERE s.schemaname = current_schema() AND c.relowner = current_user::regrole \
     AND s.n_mod_since_analyze > $1 + $2 * GREATEST(s.n_live_tup, 0) ORDER BY s.relname";

impl Store {
    /// Analyses the tables that changed by more than half since their last analysis (PostgreSQL; SQLite has
    /// nothing to do) and returns their names. One instance at a time: when another holds the turn, this
    /// one does nothing.
    pub async fn refresh_planner_stats(&self) -> Result<Vec<String>, StoreError> {
        let Backend::Postgres(db) = &self.backend else {
            return Ok(Vec::new());
        };
        let mut tx = db.pool().begin().await?;
        let turn: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
            .bind(LOCK_KEY)
            .fetch_one(&mut *tx)
            .await?;
        if !turn {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(CHANGED)
            .bind(CHANGED_ROWS)
            .bind(CHANGED_SHARE)
            .fetch_all(&mut *tx)
            .await?;
        let mut analysed = Vec::with_capacity(rows.len());
        for row in &rows {
            let name: String = row.try_get("name")?;
            // The name is the server's own rendering of the table's regclass: quoted where it needs to be.
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("ANALYZE {name}")))
                .execute(&mut *tx)
                .await?;
            analysed.push(name);
        }
        tx.commit().await?;
        Ok(analysed)
    }

    /// Whether PostgreSQL's autovacuum is off (then dead rows are never reclaimed unless an operator vacuums);
    /// `false` on SQLite.
    pub async fn autovacuum_off(&self) -> Result<bool, StoreError> {
        let Backend::Postgres(db) = &self.backend else {
            return Ok(false);
        };
        let setting: String = sqlx::query_scalar("SELECT current_setting('autovacuum')")
            .fetch_one(db.pool())
            .await?;
        Ok(setting == "off")
    }
}
