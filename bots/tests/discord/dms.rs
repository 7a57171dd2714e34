//! Direct messages through the adapter, the way Discord does them: the DM channel is opened with
//! `POST /users/@me/channels {recipient_id}` and the text posted to it; a member whose DMs are closed is
//! refused with 403 / 50007, which the adapter reports as `DmOutcome::Closed` (not an error to retry).

use bots::chat::{ChatOutbound, DmOutcome};
use bots::discord::DiscordOutbound;

use crate::limits::Api;

#[tokio::test]
async fn a_dm_opens_the_channel_then_posts_and_closed_dms_are_reported_as_such() {
    let api = Api::start().await;
    let outbound = DiscordOutbound::new(&api.standin.config());
    let pat = api.standin.add_member("Pat", &[]);
    let text = "311-000001 acknowledged by *Streets* @everyone";
    let sent = outbound.send_dm(&pat.id, text).await.unwrap();
    let DmOutcome::Sent(id) = sent else {
        panic!("not sent: {sent:?}")
    };
    let dms = api.standin.dms(&pat);
    assert_eq!(dms.len(), 1, "{dms:?}");
    assert_eq!(dms[0]["id"], id.as_str());
    // Escaped like any post, with mentions disabled.
    assert_eq!(
        dms[0]["content"],
        bots::chat::escape_markdown(text).as_str()
    );
    assert_ne!(dms[0]["content"], text);
    assert_eq!(dms[0]["allowed_mentions"]["parse"], serde_json::json!([]));
    let calls: Vec<String> = api
        .standin
        .requests()
        .into_iter()
        .filter(|l| l.starts_with("POST"))
        .collect();
    assert_eq!(calls[0], "POST /api/v10/users/@me/channels", "{calls:?}");
    assert!(calls[1].ends_with("/messages"), "{calls:?}");

    api.standin.close_dms(&pat, true);
    let closed = outbound.send_dm(&pat.id, "second").await.unwrap();
    assert_eq!(closed, DmOutcome::Closed);
    assert_eq!(api.standin.dms(&pat).len(), 1, "nothing posted");
    // Someone who is no member of the guild cannot be messaged at all: Discord refuses the channel itself.
    let stranger = outbound.send_dm("4242", "hello").await.unwrap_err();
    assert!(stranger.is_permanent(), "{stranger:?}");
    let garbage = outbound.send_dm("not-an-id", "hello").await.unwrap_err();
    assert!(garbage.is_permanent());
}
