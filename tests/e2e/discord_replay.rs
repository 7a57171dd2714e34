//! Member messages sent while the bot's gateway is down are not lost: the outage ends the gateway session
//! (as a long one does on Discord), the bot identifies afresh, reads what its intake channel and work-order
//! threads received meanwhile from the channel history, and the desk handles each message once.

use std::time::Duration;

use crate::support;
use routing::{EventKind, Status};
use support::town::{Reported, Town, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_sent_during_an_outage_are_replayed_from_history_once() {
    let town = Town::start().await;
    let Reported {
        request: pothole,
        card,
        ..
    } = town
        .resident_reports("Pothole", "Deep pothole in front of 120 Main St", "streets")
        .await;
    let thread = town.thread_of(&card).await;
    let before = town.standin.gateway();
    town.standin.outage(true);
    town.standin
        .wait_for(|s| s.gateway().connected == 0, WAIT)
        .await
        .unwrap();
    let clerk = town.member("Front desk", None);
    let crew = town.member("Crew 7", Some("streets"));
    let filed = town.standin.say(
        &clerk,
        &town.intake,
        "Streetlight out at 14 Pine St, reported by phone",
    );
    let fixed = town
        .standin
        .say(&crew, &thread, "fixed, patched it this morning");
    town.standin.outage(false);
    town.standin
        .wait_for(
            |s| s.gateway().connected == 1 && s.gateway().identifies > before.identifies,
            Duration::from_secs(60),
        )
        .await
        .expect("the bot identifies afresh after the outage");

    let created = town.request_from(&format!("chat:{}", clerk.id)).await;
    assert_eq!(created.department.as_str(), "streetlights");
    town.wait_status(pothole.reference, Status::Closed).await;
    // A later marker: the bot answers a message sent after the outage, so the replay is over.
    let after = town
        .standin
        .say(&clerk, &town.intake, "Graffiti on the wall of 9 Oak Ave");
    let deadline = tokio::time::Instant::now() + WAIT;
    while mine(&town, "Graffiti on the wall").await == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the message after the outage was not handled"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        mine(&town, "Streetlight out at 14 Pine").await,
        1,
        "the replayed message made one request"
    );
    let closes = town.desk().store().events(pothole.reference).await.unwrap();
    let closes = closes
        .iter()
        .filter(|e| e.kind == EventKind::Closed)
        .count();
    assert_eq!(closes, 1, "closed once");
    let _ = (filed, fixed, after);
    town.svc.shutdown().await;
}

/// How many requests have `text` in their description.
async fn mine(town: &Town, text: &str) -> usize {
    let filter = connect311::store::RequestFilter {
        limit: Some(1000),
        ..Default::default()
    };
    let all = town.desk().store().list_requests(&filter).await.unwrap();
    all.into_iter()
        .filter(|r| r.description.contains(text))
        .count()
}
