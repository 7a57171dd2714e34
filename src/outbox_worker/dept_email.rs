//! Delivers a department's work-order email, composed now from the request (its current state, its current
//! photos); and lets the card's followers (edits, thread notes) pass when the request's department works by
//! email only, so they never wait for a card that will not be posted.

use super::{card_for, card_source, images, reference_of, request, Deliverers, Failure};
use crate::desk::Desk;
use crate::effect::DepartmentEmail;
use crate::store::OutboxJob;

/// Sends the work-order email of `job`.
pub(super) async fn deliver(
    desk: &Desk,
    d: &Deliverers,
    job: &OutboxJob,
    email: &DepartmentEmail,
) -> Result<(), Failure> {
    let reference = reference_of(job)?;
    let source = card_source(desk, reference).await?;
    let card = card_for(desk, &source).await?;
    let photos = images(desk, &source).await?;
    let mail = desk.department_mail(&source.request, &card, email, job.id, photos);
    Ok(d.mail.send(&mail).await?)
}

/// Whether a card edit or thread note of `job` has nothing to follow: no card was ever posted for the request
/// and its department posts none (it works by email, and reads its news there).
pub(super) async fn without_card(desk: &Desk, job: &OutboxJob) -> Result<bool, Failure> {
    let reference = reference_of(job)?;
    if desk.store().work_order_for(reference).await?.is_some() {
        return Ok(false);
    }
    let req = request(desk, reference).await?;
    Ok(desk
        .city()
        .department(&req.department)
        .is_some_and(|d| d.card_channel().is_none()))
}
