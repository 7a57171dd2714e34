//! Chat work orders: where each request's card was posted, so threads and buttons find their request.

use sqlx::Row;

use super::requests::{ref_id, to_ref};
use super::{on_pool, Store, StoreError, WorkOrderRow};
use routing::RequestRef;

macro_rules! work_order_from_row {
    ($r:expr) => {{
        let r = $r;
        let active: i64 = r.try_get("active")?;
        WorkOrderRow {
            reference: to_ref(r.try_get("request_id")?)?,
            channel_id: r.try_get("channel_id")?,
            message_id: r.try_get("message_id")?,
            thread_id: r.try_get("thread_id")?,
            department: r.try_get("department")?,
            active: active != 0,
        }
    }};
}

impl Store {
    /// The active work order of a request.
    pub async fn work_order_for(
        &self,
        reference: RequestRef,
    ) -> Result<Option<WorkOrderRow>, StoreError> {
        on_pool!(self, p => {
            let row = sqlx::query(
                "SELECT request_id, channel_id, message_id, thread_id, department, active FROM work_orders \
                 WHERE request_id = $1 AND active = 1 ORDER BY posted_at DESC LIMIT 1",
            )
            .bind(ref_id(reference)).fetch_optional(p).await?;
            match row { Some(r) => Ok(Some(work_order_from_row!(&r))), None => Ok(None) }
        })
    }

    /// The work order whose card or thread is `channel_or_message`.
    pub async fn work_order_by_chat(&self, id: &str) -> Result<Option<WorkOrderRow>, StoreError> {
        on_pool!(self, p => {
            let row = sqlx::query(
                "SELECT request_id, channel_id, message_id, thread_id, department, active FROM work_orders \
                 WHERE thread_id = $1 OR message_id = $1 ORDER BY posted_at DESC LIMIT 1",
            )
            .bind(id).fetch_optional(p).await?;
            match row { Some(r) => Ok(Some(work_order_from_row!(&r))), None => Ok(None) }
        })
    }
}
