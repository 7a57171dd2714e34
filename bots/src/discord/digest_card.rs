//! The sweeper's digest as one Discord embed: a title with the count, one line per overdue request (as
//! many as the 4096-character description holds, then "…and N more") and the sweep's time in the footer.

use serenity::all::{CreateEmbed, CreateEmbedFooter};

use crate::chat::Digest;
use crate::digest::DESCRIPTION_MAX;
use crate::markdown::{escape_markdown, truncate};

/// Discord's limit for an embed title.
const TITLE_MAX: usize = 256;
/// Amber, as for a reminder.
const COLOUR: u32 = 0xE6_7E_22;

/// The digest's embed; its title, description and footer together stay far below the 6000 total.
pub(crate) fn digest_embed(digest: &Digest) -> CreateEmbed {
    CreateEmbed::new()
        .title(truncate(&escape_markdown(&digest.title()), TITLE_MAX))
        .description(digest.lines(DESCRIPTION_MAX))
        .colour(COLOUR)
        .footer(CreateEmbedFooter::new(truncate(
            &format!(
                "Updated {} · edited in place at every sweep",
                digest.updated
            ),
            TITLE_MAX,
        )))
}
