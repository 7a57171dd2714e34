//! Idempotency claims for Open311 POSTs: which request an application's key (or identical form) already filed,
//! so that a retried POST gets the same `service_request_id` instead of a second request. A claim is written
//! in the transaction that creates its request ([`Store::create_request_claimed`]).

use routing::RequestRef;
use sqlx::Row;

use super::requests::to_ref;
use super::{on_pool, Store, StoreError};

/// A POST's claim on a key: who sent it, under which key, the form's digest, and until when the key holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyClaim {
    /// The API key's application.
    pub application: String,
    /// `key:<Idempotency-Key>` or `body:<digest>`.
    pub key: String,
    /// The SHA-256 of the form, hex.
    pub fingerprint: String,
    pub expires_at: i64,
}

/// What an existing, unexpired claim holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingClaim {
    pub fingerprint: String,
    pub reference: RequestRef,
}

impl Store {
    /// The unexpired claim on `(application, key)` at `now`, if a committed request holds it.
    pub async fn idempotency_claim(
        &self,
        application: &str,
        key: &str,
        now: i64,
    ) -> Result<Option<ExistingClaim>, StoreError> {
        on_pool!(self, p => {
            let row = sqlx::query(
                "SELECT fingerprint, request_id FROM open311_idempotency \
                 WHERE application = $1 AND idem_key = $2 AND expires_at > $3 AND request_id IS NOT NULL",
            )
            .bind(application)
            .bind(key)
            .bind(now)
            .fetch_optional(p)
            .await?;
            match row {
                Some(r) => Ok(Some(ExistingClaim {
                    fingerprint: r.try_get("fingerprint")?,
                    reference: to_ref(r.try_get("request_id")?)?,
                })),
                None => Ok(None),
            }
        })
    }
}
