//! A work-order card's photos: the request's photos (metadata removed) posted with the card as far as the chat
//! platform's limits allow, the first shown in the card and every other file named on it; an edit of the card
//! later shows and names the same.

use bots::chat::{ChatFile, ChatOutbound, Posted, WorkOrderCard};
use tracing::warn;

use crate::desk::Desk;
use crate::effect::WorkOrderPost;
use crate::store::{Attachment, AttachmentId};

use super::Failure;

/// Posts `card` with the photos that fit the platform's limits; when the platform refuses the files for good
/// (a server with a lower upload limit, say), posts the card alone naming them, so the work order is never lost
/// to its photos. Returns where the card landed and the photos posted with it.
pub(super) async fn post_with_photos(
    chat: &dyn ChatOutbound,
    post: &WorkOrderPost,
    card: &WorkOrderCard,
    photos: Vec<Attachment>,
) -> Result<(Posted, Vec<AttachmentId>), Failure> {
    let Some(limits) = chat.file_limits().filter(|_| !photos.is_empty()) else {
        let posted = chat
            .post_work_order(&post.channel, card, post.page_role.as_deref())
            .await?;
        return Ok((posted, Vec::new()));
    };
    let fits = limits.fits(photos.iter().map(|p| p.data.len()));
    let sent: Vec<Attachment> = photos
        .into_iter()
        .zip(fits)
        .filter_map(|(p, fits)| fits.then_some(p))
        .collect();
    let names: Vec<String> = sent.iter().map(|p| p.filename.clone()).collect();
    let files: Vec<ChatFile> = sent
        .iter()
        .map(|p| ChatFile {
            filename: p.filename.clone(),
            content_type: p.content_type().to_string(),
            data: p.data.clone(),
        })
        .collect();
    let with_photos = showing(card.clone(), &names);
    let role = post.page_role.as_deref();
    match chat
        .post_work_order_with_files(&post.channel, &with_photos, role, &files)
        .await
    {
        Ok(posted) => Ok((posted, sent.iter().map(|p| p.id).collect())),
        Err(e) if e.is_permanent() && !files.is_empty() => {
            warn!(error = format!("{e:#}"), request_ref = %card.reference, "the photos were refused; posting the card naming them");
            let posted = chat.post_work_order(&post.channel, card, role).await?;
            Ok((posted, Vec::new()))
        }
        Err(e) => Err(e.into()),
    }
}

/// `card` showing the first of the photos posted with it, naming only the files not posted.
pub(super) fn showing(mut card: WorkOrderCard, posted: &[String]) -> WorkOrderCard {
    for name in posted {
        if let Some(i) = card.attachments.iter().position(|a| a == name) {
            card.attachments.remove(i);
        }
    }
    card.photo = posted.first().cloned();
    card
}

/// `card` as the posted message `message_id` shows it: with the photos that were posted with it.
pub(super) async fn as_posted(
    desk: &Desk,
    card: WorkOrderCard,
    message_id: &str,
) -> Result<WorkOrderCard, Failure> {
    let posted = desk.store().card_photos(message_id).await?;
    Ok(showing(card, &posted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_card_names_only_what_was_not_posted_and_shows_the_first_photo() {
        let card = WorkOrderCard {
            reference: "311-000001".into(),
            title: "t".into(),
            department: "d".into(),
            category: "c".into(),
            location: None,
            language: "en".into(),
            priority: "normal".into(),
            due: None,
            requester: "r".into(),
            text: "x".into(),
            attachments: vec![
                "a.jpg".into(),
                "notes.pdf".into(),
                "a.jpg".into(),
                "b.png".into(),
            ],
            photo: None,
            status: "open".into(),
            last_action: None,
            emergency: false,
            reporters: 1,
        };
        let shown = showing(card.clone(), &["a.jpg".into(), "b.png".into()]);
        assert_eq!(shown.photo.as_deref(), Some("a.jpg"));
        assert_eq!(
            shown.attachments,
            ["notes.pdf", "a.jpg"],
            "one name per posted file"
        );
        assert_eq!(showing(card.clone(), &[]), card);
    }
}
