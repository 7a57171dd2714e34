//! Discord going away and coming back, and stopping on cancel.

use std::time::Duration;

use bots::chat::{ChatEvent, ChatOutbound, SendError};

use crate::harness::{card, nothing, within, Harness, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_fails_posts_and_the_gateway_comes_back_after_it() {
    within(async {
        let h = Harness::start(nothing).await;
        let before = h.standin.gateway();
        h.standin.outage(true);
        let failed = h
            .outbound
            .post_work_order(&h.channel, &card("311-000130", "x"), None)
            .await;
        assert!(
            matches!(failed, Err(SendError::Transient(_))),
            "posting during an outage (503) must fail transiently for the outbox to retry: {failed:?}"
        );
        h.standin
            .wait_for(|s| s.gateway().connected == 0, WAIT)
            .await
            .unwrap();
        // The client tried to come back while Discord was still down, and was refused.
        h.standin
            .wait_for(|s| refused_reconnects(s) >= 1, WAIT)
            .await
            .expect("the client retries during the outage");
        h.standin.outage(false);
        h.standin
            .wait_for(
                |s| {
                    let g = s.gateway();
                    g.connected == 1
                        && g.identifies + g.resumes > before.identifies + before.resumes
                },
                Duration::from_secs(40),
            )
            .await
            .expect("the gateway reconnects after the outage");
        let ana = h.standin.add_member("Ana", &[]);
        let said = h.standin.say(&ana, &h.channel, "are you back?");
        let ChatEvent::Message { message_id, .. } = h.wait_event(1).await else {
            panic!()
        };
        assert_eq!(message_id, said);
        h.post_card(&card("311-000130", "x"), None).await;
        assert!(!h.gateway.is_finished(), "run survives the outage");
        h.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_discord_refuses_is_permanent() {
    within(async {
        let h = Harness::start(nothing).await;
        // A channel Discord does not know: 404 Unknown Channel, which no retry can fix.
        let unknown = "999999999999999999";
        let refused = h
            .outbound
            .post_work_order(unknown, &card("311-000131", "x"), None)
            .await;
        assert!(
            matches!(refused, Err(SendError::Permanent(_))),
            "{refused:?}"
        );
        let refused = h.outbound.post_message(unknown, "hello").await;
        assert!(
            matches!(refused, Err(SendError::Permanent(_))),
            "{refused:?}"
        );
        h.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_gateway_connection_resumes_and_gets_missed_events() {
    within(async {
        let h = Harness::start(nothing).await;
        let before = h.standin.gateway();
        let ana = h.standin.add_member("Ana", &[]);
        h.standin.disconnect_gateway();
        // Depending on timing this goes out on the closing socket or is replayed after RESUME;
        // either way it must arrive exactly once.
        let said = h.standin.say(&ana, &h.channel, "said while you were away");
        h.standin
            .wait_for(|s| s.gateway().resumes == before.resumes + 1, WAIT)
            .await
            .expect("the client resumes its session");
        let ChatEvent::Message { message_id, .. } = h.wait_event(1).await else {
            panic!("not a message")
        };
        assert_eq!(message_id, said);
        assert_eq!(h.standin.gateway().identifies, before.identifies);
        // A marker on the same, ordered, gateway stream: a second replay would have come before it.
        let marker = h
            .standin
            .say(&ana, &h.channel, "and this after you came back");
        let ChatEvent::Message { message_id, .. } = h.wait_event(2).await else {
            panic!("not a message")
        };
        assert_eq!(message_id, marker);
        assert_eq!(h.events().len(), 2, "replayed once, not twice");
        h.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_run_promptly_even_during_an_outage() {
    within(async {
        let h = Harness::start(nothing).await;
        h.standin.outage(true);
        h.standin
            .wait_for(|s| s.gateway().connected == 0, WAIT)
            .await
            .unwrap();
        h.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_waits_for_a_stand_in_that_is_down_at_start() {
    within(async {
        // Down before the adapter starts: run must keep asking the stand-in (never the public
        // gateway) and connect once it is back.
        let standin = bots::standin::StandIn::start().await.unwrap();
        standin.outage(true);
        let cancel = tokio_util::sync::CancellationToken::new();
        let handler = std::sync::Arc::new(crate::harness::Recorder::new(nothing));
        let run = tokio::spawn(bots::discord::run(
            standin.config(),
            handler,
            cancel.clone(),
        ));
        // Several refused attempts: run keeps asking the stand-in.
        standin
            .wait_for(|s| refused_reconnects(s) >= 2, WAIT)
            .await
            .expect("run asks the stand-in while it is down");
        assert_eq!(standin.gateway().identifies, 0);
        standin.outage(false);
        standin
            .wait_for(|s| s.gateway().connected == 1, WAIT)
            .await
            .expect("connects once the stand-in is back");
        cancel.cancel();
        tokio::time::timeout(Duration::from_secs(15), run)
            .await
            .expect("stops on cancel")
            .unwrap()
            .unwrap();
    })
    .await;
}

/// Requests the stand-in refused during an outage, other than posts (the test's own): the client's attempts to
/// reach the gateway.
fn refused_reconnects(standin: &bots::standin::StandIn) -> usize {
    standin
        .requests()
        .iter()
        .filter(|r| r.ends_with("(outage)") && !r.starts_with("POST "))
        .count()
}
