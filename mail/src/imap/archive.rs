//! Where processed mail goes: the `Processed` folder, or with [`ImapConfig::processed_by_month`] one folder a
//! month under it (`Processed/2026-11`, by the month the server received the mail, in UTC), created and
//! subscribed the first time a mail goes there, so no folder grows forever and a month can be archived or
//! deleted as a whole.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;

use super::session::{within, Imap};
use super::{ImapConfig, InboxMessage};

/// The destination folders of processed mail on one connection, and those known to exist there.
pub(super) struct Archive {
    processed: String,
    by_month: bool,
    /// The server's hierarchy delimiter (`/` or `.`), `None` on a flat server (then `Processed-2026-11`).
    delimiter: Option<String>,
    known: HashSet<String>,
}

impl Archive {
    /// The archive for `cfg`, given the folders the server listed (name and delimiter).
    pub fn new(cfg: &ImapConfig, listed: &[(String, Option<String>)]) -> Archive {
        let delimiter = listed
            .iter()
            .find(|(name, _)| name == &cfg.processed_folder)
            .or_else(|| listed.first())
            .and_then(|(_, d)| d.clone());
        Archive {
            processed: cfg.processed_folder.clone(),
            by_month: cfg.processed_by_month,
            delimiter,
            known: listed.iter().map(|(n, _)| n.clone()).collect(),
        }
    }

    /// The folder for a mail the server received at `received` (now when it did not say).
    pub fn folder_for(&self, received: Option<DateTime<Utc>>) -> String {
        if !self.by_month {
            return self.processed.clone();
        }
        let month = received.unwrap_or_else(Utc::now).format("%Y-%m");
        match &self.delimiter {
            Some(d) => format!("{}{d}{month}", self.processed),
            None => format!("{}-{month}", self.processed),
        }
    }

    /// The processed `uids` of `batch` by destination folder (each list sorted).
    pub fn destinations(&self, batch: &[InboxMessage], uids: &[u32]) -> BTreeMap<String, Vec<u32>> {
        let mut out: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for m in batch.iter().filter(|m| uids.binary_search(&m.uid).is_ok()) {
            out.entry(self.folder_for(m.received))
                .or_default()
                .push(m.uid);
        }
        out
    }

    /// Makes sure `folder` exists (created and subscribed the first time); another instance creating it first
    /// is fine.
    pub async fn ensure(
        &mut self,
        session: &mut Imap,
        folder: &str,
        ct: Duration,
    ) -> anyhow::Result<()> {
        if self.known.contains(folder) {
            return Ok(());
        }
        if let Err(e) = within(ct, "CREATE", session.create(folder)).await {
            let exists = within(ct, "LIST", async {
                session
                    .list(Some(""), Some(folder))
                    .await?
                    .try_collect::<Vec<_>>()
                    .await
            })
            .await?
            .iter()
            .any(|n| n.name() == folder);
            if !exists {
                return Err(e);
            }
        } else {
            tracing::info!(folder = %folder, "created IMAP folder");
        }
        within(ct, "SUBSCRIBE", session.subscribe(folder)).await?;
        self.known.insert(folder.to_string());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn cfg(by_month: bool) -> ImapConfig {
        let mut c = ImapConfig::new("h", 1, "u", "p");
        c.processed_by_month = by_month;
        c
    }

    #[test]
    fn months_name_folders_under_processed_with_the_servers_delimiter() {
        let listed = vec![("Processed".to_string(), Some("/".to_string()))];
        let nov = Utc.with_ymd_and_hms(2026, 11, 30, 23, 59, 0).single();
        let dec = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).single();
        let a = Archive::new(&cfg(true), &listed);
        assert_eq!(a.folder_for(nov), "Processed/2026-11");
        assert_eq!(a.folder_for(dec), "Processed/2026-12");
        let dotted = vec![("Processed".to_string(), Some(".".to_string()))];
        assert_eq!(
            Archive::new(&cfg(true), &dotted).folder_for(nov),
            "Processed.2026-11"
        );
        assert_eq!(
            Archive::new(&cfg(true), &[]).folder_for(nov),
            "Processed-2026-11"
        );
        assert_eq!(
            Archive::new(&cfg(false), &listed).folder_for(nov),
            "Processed"
        );
    }

    #[test]
    fn a_batch_splits_by_month_and_only_processed_uids_move() {
        let listed = vec![("Processed".to_string(), Some("/".to_string()))];
        let a = Archive::new(&cfg(true), &listed);
        let at = |m| Utc.with_ymd_and_hms(2026, m, 15, 12, 0, 0).single();
        let batch: Vec<_> = [(1, 10), (2, 11), (3, 10), (4, 11)]
            .into_iter()
            .map(|(uid, month)| InboxMessage::new(uid, b"x".to_vec()).received_at(at(month)))
            .collect();
        let got = a.destinations(&batch, &[1, 2, 4]);
        let want: BTreeMap<String, Vec<u32>> = [
            ("Processed/2026-10".to_string(), vec![1]),
            ("Processed/2026-11".to_string(), vec![2, 4]),
        ]
        .into_iter()
        .collect();
        assert_eq!(got, want);
    }
}
