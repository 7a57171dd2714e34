//! A store that runs every statement on ONE connection inside one open transaction (a group commit): the
//! statements of many messages share a single durable commit, each message's work a unit (in its own savepoint,
//! or — a group decided at once — joined to the transaction with none), and the reads of a later message see
//! what an earlier one wrote. The same store code runs on a pool or on it: each
//! backend's handle is a [`Db`], a pool or a held transaction, and a `begin()` on a held one is a savepoint —
//! except inside a unit, whose own savepoint already undoes everything of it: there a `begin()` joins the unit
//! (no round trip), and if it is not committed the unit can no longer be kept, only undone.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use futures::{FutureExt, StreamExt};
use sqlx::{Database, Pool, Transaction};
use sqlx_core::transaction::TransactionManager;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// A backend's handle: its pool, or one transaction held open on a connection of that pool.
pub enum Db<DB: Database> {
    Pool(Pool<DB>),
    Held(Arc<Held<DB>>),
}

impl<DB: Database> Clone for Db<DB> {
    fn clone(&self) -> Self {
        match self {
            Db::Pool(p) => Db::Pool(p.clone()),
            Db::Held(h) => Db::Held(h.clone()),
        }
    }
}

impl<DB: Database> fmt::Debug for Db<DB> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Db::Pool(p) => p.fmt(f),
            Db::Held(_) => f.write_str("HeldTransaction"),
        }
    }
}

/// The open transaction of a group; `None` once committed or rolled back.
pub struct Held<DB: Database> {
    pool: Pool<DB>,
    tx: Arc<Mutex<Option<Transaction<'static, DB>>>>,
    /// [`NO_UNIT`], [`UNIT_OPEN`] or [`UNIT_SPOILED`].
    unit: Arc<AtomicU8>,
    /// Request ids reserved for the group's new requests ([`super::reserved_ids`]).
    pub(super) reserve: std::sync::Mutex<super::reserved_ids::Reserve>,
}

/// No unit is open: a `begin()` is a savepoint of its own.
const NO_UNIT: u8 = 0;
/// A unit is open: a `begin()` joins it.
const UNIT_OPEN: u8 = 1;
/// A transaction that joined the open unit ended without its commit: the unit can only be undone.
const UNIT_SPOILED: u8 = 2;

/// A transaction begun on a [`Db`]: a pool's own, a savepoint inside a held one, or joined to the open unit.
pub enum Tx<DB: Database> {
    Own(Transaction<'static, DB>),
    Savepoint(Savepoint<DB>),
    Joined(Joined<DB>),
}

/// A transaction joined to the unit open in a held transaction (the unit's savepoint undoes it); ended
/// without [`Tx::commit`], it spoils the unit.
pub struct Joined<DB: Database> {
    guard: OwnedMutexGuard<Option<Transaction<'static, DB>>>,
    unit: Arc<AtomicU8>,
    open: bool,
}

/// A savepoint in a held transaction; rolled back when dropped without [`Tx::commit`].
pub struct Savepoint<DB: Database> {
    guard: OwnedMutexGuard<Option<Transaction<'static, DB>>>,
    open: bool,
}

fn ended() -> sqlx::Error {
    sqlx::Error::Protocol("the group's transaction has already ended".into())
}

impl<DB: Database> Db<DB> {
    /// The pool behind this handle (also for a held transaction: for work that must not join it).
    pub fn pool(&self) -> &Pool<DB> {
        match self {
            Db::Pool(p) => p,
            Db::Held(h) => &h.pool,
        }
    }

    /// Begins a transaction: the pool's own, or a savepoint when this handle holds one open.
    pub async fn begin(&self) -> Result<Tx<DB>, sqlx::Error> {
        match self {
            Db::Pool(p) => Ok(Tx::Own(p.begin().await?)),
            Db::Held(h) => {
                let mut guard = h.tx.clone().lock_owned().await;
                let tx = guard.as_mut().ok_or_else(ended)?;
                if h.unit.load(Ordering::Acquire) != NO_UNIT {
                    return Ok(Tx::Joined(Joined {
                        guard,
                        unit: h.unit.clone(),
                        open: true,
                    }));
                }
                DB::TransactionManager::begin(tx, None).await?;
                Ok(Tx::Savepoint(Savepoint { guard, open: true }))
            }
        }
    }

    /// Closes the pool (a held transaction's pool stays open; its owner closes it).
    pub async fn close(&self) {
        if let Db::Pool(p) = self {
            p.close().await;
        }
    }

    /// Holds a transaction open on a connection of this pool (`statement` begins it, `BEGIN` by default).
    pub async fn hold(&self, statement: Option<&'static str>) -> Result<Db<DB>, sqlx::Error> {
        let pool = self.pool().clone();
        let tx = match statement {
            Some(s) => pool.begin_with(s).await?,
            None => pool.begin().await?,
        };
        Ok(Db::Held(Arc::new(Held {
            pool,
            tx: Arc::new(Mutex::new(Some(tx))),
            unit: Arc::new(AtomicU8::new(NO_UNIT)),
            reserve: Default::default(),
        })))
    }

    /// The held transaction (`None` for a pool handle).
    pub(super) fn held(&self) -> Option<&Held<DB>> {
        match self {
            Db::Pool(_) => None,
            Db::Held(h) => Some(h),
        }
    }

    /// Opens a savepoint for one unit of a group; [`Db::end_unit`] releases or rolls it back. A no-op on a pool.
    pub async fn begin_unit(&self) -> Result<(), sqlx::Error> {
        let Some(h) = self.held() else { return Ok(()) };
        let mut guard = h.tx.lock().await;
        DB::TransactionManager::begin(guard.as_mut().ok_or_else(ended)?, None).await?;
        h.unit.store(UNIT_OPEN, Ordering::Release);
        Ok(())
    }

    /// Releases the unit's savepoint (`keep`) or rolls back to it. Keeping a spoiled unit (a transaction
    /// that joined it ended without its commit) fails and leaves it open, to be rolled back.
    pub async fn end_unit(&self, keep: bool) -> Result<(), sqlx::Error> {
        let Some(h) = self.held() else { return Ok(()) };
        let mut guard = h.tx.lock().await;
        let tx = guard.as_mut().ok_or_else(ended)?;
        if keep && h.unit.load(Ordering::Acquire) == UNIT_SPOILED {
            return Err(sqlx::Error::Protocol(
                "a step of this message failed after writing; its work is undone".into(),
            ));
        }
        let ended = if keep {
            DB::TransactionManager::commit(tx).await
        } else {
            DB::TransactionManager::rollback(tx).await
        };
        if ended.is_ok() {
            h.unit.store(NO_UNIT, Ordering::Release);
        }
        ended
    }

    /// Opens a unit WITHOUT a savepoint (a group decided at once): its `begin()`s join it as usual, but it
    /// can only be kept ([`Db::leave_unit`]); a unit that fails spoils the whole transaction, which its owner
    /// then rolls back. A no-op on a pool.
    pub fn join_unit(&self) {
        if let Some(h) = self.held() {
            h.unit.store(UNIT_OPEN, Ordering::Release);
        }
    }

    /// Ends a unit opened by [`Db::join_unit`]; fails when a transaction that joined it ended without its
    /// commit (a step failed after writing: the group can no longer be kept).
    pub fn leave_unit(&self) -> Result<(), sqlx::Error> {
        let Some(h) = self.held() else { return Ok(()) };
        if h.unit.swap(NO_UNIT, Ordering::AcqRel) == UNIT_SPOILED {
            return Err(sqlx::Error::Protocol(
                "a step of this message failed after writing; the group is undone".into(),
            ));
        }
        Ok(())
    }

    /// Rolls the held transaction back: nothing of the group is written.
    pub async fn rollback_held(&self) -> Result<(), sqlx::Error> {
        let Some(h) = self.held() else { return Ok(()) };
        let tx = h.tx.lock().await.take().ok_or_else(ended)?;
        tx.rollback().await
    }

    /// Commits the held transaction: everything of the group becomes durable at once.
    pub async fn commit_held(&self) -> Result<(), sqlx::Error> {
        let Some(h) = self.held() else { return Ok(()) };
        let tx = h.tx.lock().await.take().ok_or_else(ended)?;
        tx.commit().await
    }
}

impl<DB: Database> Tx<DB> {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Own(tx) => tx.commit().await,
            Tx::Joined(mut j) => {
                j.open = false;
                Ok(())
            }
            Tx::Savepoint(mut s) => {
                s.open = false;
                let tx = s.guard.as_mut().ok_or_else(ended)?;
                DB::TransactionManager::commit(tx).await
            }
        }
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Own(tx) => tx.rollback().await,
            // Dropped open: the unit is spoiled.
            Tx::Joined(j) => {
                drop(j);
                Ok(())
            }
            Tx::Savepoint(mut s) => {
                s.open = false;
                let tx = s.guard.as_mut().ok_or_else(ended)?;
                DB::TransactionManager::rollback(tx).await
            }
        }
    }
}

impl<DB: Database> Drop for Savepoint<DB> {
    fn drop(&mut self) {
        if self.open {
            if let Some(tx) = self.guard.as_mut() {
                DB::TransactionManager::start_rollback(tx);
            }
        }
    }
}

impl<DB: Database> Drop for Joined<DB> {
    fn drop(&mut self) {
        if self.open {
            self.unit.store(UNIT_SPOILED, Ordering::Release);
        }
    }
}

impl<DB: Database> Deref for Tx<DB> {
    type Target = DB::Connection;
    fn deref(&self) -> &DB::Connection {
        match self {
            Tx::Own(tx) => tx,
            Tx::Savepoint(s) => s
                .guard
                .as_ref()
                .expect("a savepoint lives inside its group"),
            Tx::Joined(j) => j.guard.as_ref().expect("a unit lives inside its group"),
        }
    }
}

impl<DB: Database> DerefMut for Tx<DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        match self {
            Tx::Own(tx) => tx,
            Tx::Savepoint(s) => s
                .guard
                .as_mut()
                .expect("a savepoint lives inside its group"),
            Tx::Joined(j) => j.guard.as_mut().expect("a unit lives inside its group"),
        }
    }
}

/// `&Db<DB>` runs statements like `&Pool<DB>`: on the pool, or on the held transaction's connection. A held
/// statement's rows are collected before the connection is let go (intake's statements return few rows).
macro_rules! db_executor {
    ($db:ty) => {
        impl<'c> sqlx::Executor<'c> for &'c Db<$db> {
            type Database = $db;

            fn fetch_many<'e, 'q: 'e, E>(
                self,
                query: E,
            ) -> futures::stream::BoxStream<
                'e,
                Result<
                    sqlx::Either<<$db as Database>::QueryResult, <$db as Database>::Row>,
                    sqlx::Error,
                >,
            >
            where
                'c: 'e,
                E: 'q + sqlx::Execute<'q, $db>,
            {
                match self {
                    Db::Pool(p) => p.fetch_many(query),
                    Db::Held(h) => async move {
                        let mut guard = h.tx.lock().await;
                        let items: Vec<_> = match guard.as_mut() {
                            Some(tx) => (&mut **tx).fetch_many(query).collect().await,
                            None => vec![Err(ended())],
                        };
                        futures::stream::iter(items)
                    }
                    .flatten_stream()
                    .boxed(),
                }
            }

            fn fetch_optional<'e, 'q: 'e, E>(
                self,
                query: E,
            ) -> futures::future::BoxFuture<'e, Result<Option<<$db as Database>::Row>, sqlx::Error>>
            where
                'c: 'e,
                E: 'q + sqlx::Execute<'q, $db>,
            {
                match self {
                    Db::Pool(p) => p.fetch_optional(query),
                    Db::Held(h) => async move {
                        let mut guard = h.tx.lock().await;
                        let tx = guard.as_mut().ok_or_else(ended)?;
                        (&mut **tx).fetch_optional(query).await
                    }
                    .boxed(),
                }
            }

            fn prepare_with<'e>(
                self,
                sql: sqlx::SqlStr,
                parameters: &'e [<$db as Database>::TypeInfo],
            ) -> futures::future::BoxFuture<'e, Result<<$db as Database>::Statement, sqlx::Error>>
            where
                'c: 'e,
            {
                match self {
                    Db::Pool(p) => p.prepare_with(sql, parameters),
                    Db::Held(h) => async move {
                        let mut guard = h.tx.lock().await;
                        let tx = guard.as_mut().ok_or_else(ended)?;
                        (&mut **tx).prepare_with(sql, parameters).await
                    }
                    .boxed(),
                }
            }

            fn describe<'e>(
                self,
                sql: sqlx::SqlStr,
            ) -> futures::future::BoxFuture<'e, Result<sqlx::Describe<$db>, sqlx::Error>>
            where
                'c: 'e,
            {
                match self {
                    Db::Pool(p) => p.describe(sql),
                    Db::Held(h) => async move {
                        let mut guard = h.tx.lock().await;
                        let tx = guard.as_mut().ok_or_else(ended)?;
                        (&mut **tx).describe(sql).await
                    }
                    .boxed(),
                }
            }
        }
    };
}

db_executor!(sqlx::Sqlite);
db_executor!(sqlx::Postgres);
