//! Batched intake steps: one `UID FETCH` for up to `batch_size` messages, then one `UID MOVE` per destination
//! for the messages the handler stored — a message leaves the inbox only after the handler said it is stored,
//! and one that failed stays for its retry.

use std::time::Duration;

use futures::TryStreamExt;
use tokio::time::Instant;

use super::session::{within, Imap};
use super::{Disposition, ImapConfig, InboxMessage, RetryState};

/// The compact IMAP sequence set of `uids` ("3:5,9,11:12"); `uids` sorted ascending without repeats.
pub(super) fn uid_set(uids: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < uids.len() {
        let start = uids[i];
        let mut end = start;
        while i + 1 < uids.len() && uids[i + 1] == end + 1 {
            i += 1;
            end = uids[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

/// The full messages of `uids` (sorted), without setting `\Seen`, in UID order. A message gone meanwhile (moved
/// by someone else) is simply absent; answers for UIDs we did not ask for are ignored.
pub(super) async fn fetch(
    session: &mut Imap,
    uids: &[u32],
    ct: Duration,
) -> anyhow::Result<Vec<InboxMessage>> {
    let fetches = within(ct, "UID FETCH", async {
        session
            .uid_fetch(uid_set(uids), "(UID INTERNALDATE BODY.PEEK[])")
            .await?
            .try_collect::<Vec<_>>()
            .await
    })
    .await?;
    let mut out: Vec<InboxMessage> = fetches
        .iter()
        .filter_map(|f| {
            let uid = f.uid.filter(|u| uids.binary_search(u).is_ok())?;
            let received = f.internal_date().map(|d| d.with_timezone(&chrono::Utc));
            Some(InboxMessage::new(uid, f.body()?.to_vec()).received_at(received))
        })
        .collect();
    out.sort_by_key(|m| m.uid);
    out.dedup_by_key(|m| m.uid);
    Ok(out)
}

/// Where the handler's answers send a batch: the UIDs to move to each folder (sorted).
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Sorted {
    pub processed: Vec<u32>,
    pub quarantined: Vec<u32>,
}

/// Sorts the batch by the handler's answers, recording failures for backoff (those stay in the inbox).
pub(super) fn sort(
    cfg: &ImapConfig,
    state: &mut RetryState,
    batch: &[InboxMessage],
    outcomes: Vec<anyhow::Result<Disposition>>,
) -> Sorted {
    let mut sorted = Sorted::default();
    for (m, outcome) in batch.iter().zip(outcomes) {
        let _enter = m.span.enter();
        match outcome {
            Ok(Disposition::Processed) => sorted.processed.push(m.uid),
            Ok(Disposition::Quarantine(reason)) => {
                tracing::warn!(reason = %reason, "quarantining message");
                sorted.quarantined.push(m.uid);
            }
            Err(e) => {
                let f =
                    state.record_failure(m.uid, Instant::now(), cfg.backoff_min, cfg.backoff_max);
                tracing::warn!(
                    error = %format!("{e:#}"),
                    attempts = f.attempts,
                    "handler failed; message left in place for retry"
                );
            }
        }
    }
    sorted
}

#[derive(Clone, Copy)]
pub(super) struct Moves {
    pub has_move: bool,
    pub has_uidplus: bool,
}

/// Moves `uids` (sorted) to `folder` in one command (MOVE, or COPY + STORE \Deleted + EXPUNGE without it).
pub(super) async fn move_set(
    session: &mut Imap,
    uids: &[u32],
    folder: &str,
    moves: Moves,
    ct: Duration,
) -> anyhow::Result<()> {
    if uids.is_empty() {
        return Ok(());
    }
    let set = uid_set(uids);
    if moves.has_move {
        return within(ct, "UID MOVE", session.uid_mv(&set, folder)).await;
    }
    within(ct, "UID COPY", session.uid_copy(&set, folder)).await?;
    within(ct, "UID STORE", async {
        session
            .uid_store(&set, "+FLAGS.SILENT (\\Deleted)")
            .await?
            .try_collect::<Vec<_>>()
            .await
    })
    .await?;
    if moves.has_uidplus {
        within(ct, "UID EXPUNGE", async {
            session
                .uid_expunge(&set)
                .await?
                .try_collect::<Vec<_>>()
                .await
        })
        .await?;
    } else {
        within(ct, "EXPUNGE", async {
            session.expunge().await?.try_collect::<Vec<_>>().await
        })
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets_compress_runs() {
        assert_eq!(uid_set(&[]), "");
        assert_eq!(uid_set(&[7]), "7");
        assert_eq!(uid_set(&[1, 2, 3]), "1:3");
        assert_eq!(uid_set(&[1, 2, 3, 5, 7, 8, 10]), "1:3,5,7:8,10");
        assert_eq!(uid_set(&[4, 9]), "4,9");
        assert_eq!(
            uid_set(&[u32::MAX - 1, u32::MAX]),
            format!("{}:{}", u32::MAX - 1, u32::MAX)
        );
    }

    #[test]
    fn a_failed_message_stays_and_waits_its_turn() {
        let cfg = ImapConfig::new("h", 1, "u", "p");
        let mut state = RetryState::default();
        let batch: Vec<_> = (1..=4)
            .map(|uid| InboxMessage::new(uid, b"x".to_vec()))
            .collect();
        let outcomes = vec![
            Ok(Disposition::Processed),
            Err(anyhow::anyhow!("database down")),
            Ok(Disposition::Quarantine("junk".into())),
            Ok(Disposition::Processed),
        ];
        let sorted = sort(&cfg, &mut state, &batch, outcomes);
        assert_eq!(
            sorted,
            Sorted {
                processed: vec![1, 4],
                quarantined: vec![3]
            }
        );
        assert!(!state.due(2, Instant::now()));
        assert!(state.due(1, Instant::now()));
    }
}
