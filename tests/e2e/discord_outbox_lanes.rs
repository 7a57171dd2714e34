//! Outbox ordering lanes: on both stores, only the oldest undone row of a lane is claimed (a card's edit and
//! thread notes stay behind its post, a rate-limited row holds back its own channel only and its wait does
//! not count as an attempt); through the whole service, a burst of 500 work orders under small rate-limit
//! buckets and injected 429s reaches every department channel exactly once, in commit order.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use crate::store_contract::new_request;
use crate::support;
use bots::standin::RateLimit;
use connect311::effect::{ChatNote, Effect, WorkOrderPost, WorkOrderUpdate};
use connect311::store::{Change, NewOutbox, Store};
use mail::inbound::Address;
use mail::outbound::OutgoingMail;
use support::town::{resident, Town};

fn post(channel: &str) -> NewOutbox {
    Effect::PostWorkOrder(WorkOrderPost {
        channel: channel.into(),
        department: "streets".into(),
        page_role: None,
    })
    .into()
}

fn thread_note(text: &str) -> NewOutbox {
    Effect::ChatNote(ChatNote {
        channel: None,
        text: text.into(),
    })
    .into()
}

fn mail(to: &str) -> NewOutbox {
    Effect::Email(OutgoingMail {
        from: Address::new("311@city.test"),
        to: Address::new(to),
        reply_to: None,
        subject: "Received".into(),
        text: "Thank you.".into(),
        message_id: support::unique("lane"),
        in_reply_to: None,
        references: Vec::new(),
        auto_submitted: mail::outbound::AutoSubmitted::AutoReplied,
        language: None,
        attachments: Vec::new(),
    })
    .into()
}

/// Creates a request whose change queues `outbox`; returns the rows' ids in queue order.
async fn queue(store: &Store, requester: &str, outbox: Vec<NewOutbox>, now: i64) -> Vec<i64> {
    let before: HashSet<i64> = store
        .outbox_rows(false)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    store
        .create_request(&new_request(requester), now, |_| Change {
            outbox,
            ..Change::default()
        })
        .await
        .unwrap();
    let rows = store.outbox_rows(false).await.unwrap();
    rows.iter()
        .map(|r| r.id)
        .filter(|id| !before.contains(id))
        .collect()
}

/// Claims until nothing is claimable at `now`; returns the claimed ids in id order (left leased, not
/// completed). The lanes take turns, so the order of claims across lanes is the turn's, not the ids'.
async fn claim_all(store: &Store, now: i64) -> Vec<i64> {
    let mut ids = Vec::new();
    while let Some(job) = store.claim_outbox(now, 60_000).await.unwrap() {
        ids.push(job.id);
    }
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn a_lane_delivers_in_order_and_a_waiting_row_holds_back_only_its_lane() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        let update: NewOutbox = Effect::UpdateWorkOrder(WorkOrderUpdate {}).into();
        let a = queue(
            &store,
            "a@example.test",
            vec![
                post("100"),
                update,
                thread_note("hi"),
                mail("a@example.test"),
            ],
            1_000,
        )
        .await;
        let b = queue(&store, "b@example.test", vec![post("100")], 1_000).await;
        let c = queue(&store, "c@example.test", vec![post("200")], 1_000).await;
        // Heads only: A's post (channel 100), A's mail, C's post (channel 200). B's post, A's edit and note wait.
        assert_eq!(
            claim_all(&store, 1_000).await,
            vec![a[0], a[3], c[0]],
            "{d}"
        );
        // A's post is rate limited for 2 s: it waits exactly that long, its attempt not counted.
        store.defer_outbox(a[0], "429", 3_000).await.unwrap();
        store.complete_outbox(a[3], 1_001).await.unwrap();
        store.complete_outbox(c[0], 1_001).await.unwrap();
        let c2 = queue(&store, "d@example.test", vec![post("200")], 1_002).await;
        assert_eq!(
            claim_all(&store, 2_999).await,
            vec![c2[0]],
            "{d}: channel 200 goes on while channel 100 waits"
        );
        let again = store
            .claim_outbox(3_000, 60_000)
            .await
            .unwrap()
            .expect("due again");
        assert_eq!(
            (again.id, again.attempts),
            (a[0], 1),
            "{d}: the wait was not an attempt"
        );
        // Channel 100 then drains strictly in order: A's edit and note behind A's post, then B's post.
        let mut order = Vec::new();
        let mut id = again.id;
        loop {
            store.complete_outbox(id, 3_001).await.unwrap();
            match claim_all(&store, 3_002).await.as_slice() {
                [] => break,
                [next] => {
                    order.push(*next);
                    id = *next;
                }
                more => panic!("{d}: two rows of one lane claimed at once: {more:?}"),
            }
        }
        assert_eq!(order, vec![a[1], a[2], b[0]], "{d}");
    }
}

const WORDS: [&str; 5] = [
    "There is a deep pothole in the road",
    "The streetlight is out and the street is dark at night",
    "Graffiti was spray painted on the wall",
    "The trash was not picked up, missed garbage collection",
    "The swing at the park playground is broken",
];

fn raw_report(from: &str, to: &str, n: usize) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: Report {n}\r\nMessage-ID: <{}@example.test>\r\n\
         Date: Wed, 2 Dec 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{} (report {n}).\r\n",
        support::unique("burst"),
        WORDS[n % WORDS.len()]
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_500_work_orders_under_rate_limits_arrives_once_each_in_order_per_channel() {
    let town = Town::start().await;
    let posts = "POST /channels/{channel}/messages";
    let per_channel = RateLimit {
        limit: 5,
        window: Duration::from_millis(500),
    };
    town.standin.rate_limit(posts, per_channel);
    town.standin
        .inject_429(posts, 25, Duration::from_millis(300));
    town.standin.inject_global_429(Duration::from_millis(200));
    for n in 0..500 {
        let raw = raw_report(&resident(), &town.inbox, n);
        town.desk().ingest_email(&raw).await.unwrap();
    }
    // What each department channel must show, in commit (reference) order.
    let mut expected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for req in town
        .desk()
        .store()
        .list_requests(&connect311::store::RequestFilter {
            limit: Some(10_000),
            ..Default::default()
        })
        .await
        .unwrap()
    {
        let channel = town.channels[req.department.as_str()].clone();
        expected
            .entry(channel)
            .or_default()
            .push(req.reference.to_string());
    }
    for refs in expected.values_mut() {
        refs.sort();
    }
    assert_eq!(expected.values().map(Vec::len).sum::<usize>(), 500);
    assert!(
        expected.len() >= 5,
        "the reports reach five channels: {:?}",
        expected.keys()
    );
    let cards = |s: &bots::standin::StandIn, channel: &str| -> Vec<String> {
        s.messages(channel)
            .iter()
            .filter_map(|m| m["embeds"][0]["footer"]["text"].as_str().map(String::from))
            .collect()
    };
    let wanted = expected.clone();
    town.standin
        .wait_for(
            move |s| {
                wanted
                    .iter()
                    .all(|(ch, refs)| cards(s, ch).len() >= refs.len())
            },
            Duration::from_secs(300),
        )
        .await
        .expect("every work order is posted");
    // A later marker: once the outbox is empty, nothing more is on its way.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while !town
        .desk()
        .store()
        .outbox_rows(true)
        .await
        .unwrap()
        .is_empty()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the outbox never drained"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for (channel, refs) in &expected {
        assert_eq!(
            &cards(&town.standin, channel),
            refs,
            "channel {channel}: once each, in commit order"
        );
    }
    let stats = town.standin.rate_stats();
    assert!(stats.injected_429s >= 26, "{stats:?}");
    assert!(
        stats.exhausted > 0,
        "the small buckets were emptied (and waited out): {stats:?}"
    );
    let failed = town.desk().store().outbox_rows(false).await.unwrap();
    assert!(
        failed.iter().all(|r| r.failed_at.is_none()),
        "nothing gave up"
    );
    town.svc.shutdown().await;
}
