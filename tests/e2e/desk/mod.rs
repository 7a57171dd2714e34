//! The desk (the email path and staff actions) on a real database: every scenario is one `async fn(Backend)`
//! run twice, as `scenario::sqlite` and `scenario::postgres`, each on a fresh database. (The same path with real
//! Dovecot/Postfix is in `email_e2e.rs`.)

use connect311::desk::{Actor, Desk, StaffAction};
use routing::RequestRef;
use routing::{CloseReason, EventKind, Source};

/// For each scenario `name(store: Backend)` in scope, a module `name` with the tests `sqlite` and `postgres`.
macro_rules! on_both_stores {
    ($($scenario:ident),+ $(,)?) => {$(
        mod $scenario {
            use crate::support::Backend;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$scenario(Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$scenario(Backend::Postgres).await
            }
        }
    )+};
}

mod batch;
mod batch_group;
mod intake;
mod lifecycle;
mod limits;
mod races;
mod sweep_backlog;
mod threading;

/// How many events of `kind` the request has.
async fn count_events(desk: &Desk, r: RequestRef, kind: EventKind) -> usize {
    desk.store()
        .events(r)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.kind == kind)
        .count()
}

/// A trusted staff member at the CLI.
fn staff(name: &str) -> Actor {
    Actor {
        id: format!("cli:{name}"),
        name: name.into(),
        source: Source::Cli,
        roles: Vec::new(),
        trusted_staff: true,
    }
}

fn close_action(note: &str) -> StaffAction {
    StaffAction::Close {
        reason: CloseReason::Resolved,
        note: note.into(),
    }
}
