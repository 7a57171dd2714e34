//! The status page's two forms: each needs its own fresh token (bound to the request, the action and a time
//! window), is applied once however often it is sent, goes through the desk (an event, the department's
//! thread through the outbox) and answers with a redirect back to the page; "it is not fixed" reopens only a
//! closed request within the reopen window, and says why not otherwise.

use connect311::clock::Clock;
use routing::{EventKind, Source, Status};

use super::status::{form_token, page_of, WEB};
use crate::support::http::{get, post_form, Reply};
use crate::support::observe::serve;
use crate::support::{close, emails_to, operator, report, set_clock, Backend};

on_both_stores!(
    a_comment_needs_its_forms_token_and_is_applied_once,
    not_fixed_reopens_within_the_window_and_says_why_not_otherwise,
);

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// The resident's comments from the page, oldest first.
async fn page_comments(desk: &connect311::desk::Desk, r: routing::RequestRef) -> Vec<String> {
    let events = desk.store().events(r).await.unwrap();
    events
        .iter()
        .filter(|e| e.kind == EventKind::Comment && e.source == Source::Web)
        .map(|e| e.payload["text"].as_str().unwrap().to_string())
        .collect()
}

fn assert_redirect(reply: &Reply, path: &str, notice: &str) {
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(
        reply.header("location"),
        Some(format!("{path}?notice={notice}").as_str())
    );
}

async fn a_comment_needs_its_forms_token_and_is_applied_once(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, clock) = backend.desk(dir.path(), WEB).await;
    let svc = serve(desk, None);
    let (addr, desk) = (svc.http_addr.unwrap(), svc.desk.clone());
    let ana = "ana@example.test";
    let r = report(
        &desk,
        ana,
        "Bache",
        "f1@x.test",
        "Hay un bache enorme en 120 N Main St.",
    )
    .await;
    report(
        &desk,
        "bo@example.test",
        "Graffiti",
        "f2@x.test",
        "Graffiti on the wall of 9 Oak Ave",
    )
    .await;
    let (path, page) = page_of(addr, &desk, ana).await;
    let token = form_token(&page.body, "comment").expect("the comment form's token");
    let (_, bo_page) = page_of(addr, &desk, "bo@example.test").await;
    let bo_token = form_token(&bo_page.body, "comment").unwrap();
    let comment = format!("{path}/comment");

    // Refused: no token, a forged one, another request's, and (below) a stale one. Nothing changes.
    for (fields, why) in [
        (vec![("text", "sin token")], "no token"),
        (
            vec![("csrf", "1.ab.cd"), ("text", "falso")],
            "a forged token",
        ),
        (
            vec![("csrf", bo_token.as_str()), ("text", "de Bo")],
            "another request's token",
        ),
    ] {
        let reply = post_form(addr, &comment, &fields).await;
        assert_eq!(reply.status, 403, "{why}: {}", reply.body);
        assert!(
            reply.body.contains("No se cambió nada"),
            "{why}: {}",
            reply.body
        );
    }
    let bad = post_form(addr, &comment, &[("csrf", &token), ("text", "   ")]).await;
    assert_eq!(bad.status, 422, "an empty comment");
    assert!(
        bad.body.contains("Por favor escriba su comentario"),
        "{}",
        bad.body
    );
    let long = "x".repeat(4001);
    let bad = post_form(addr, &comment, &[("csrf", &token), ("text", &long)]).await;
    assert_eq!(bad.status, 422, "a comment too long");
    assert!(
        bad.body.contains(&long),
        "the resident's text is kept for them to shorten"
    );

    // The real one, twice (a double click): applied once.
    let words = "Ahora hay dos baches.";
    let first = post_form(addr, &comment, &[("csrf", &token), ("text", words)]).await;
    assert_redirect(&first, &path, "commented");
    let again = post_form(addr, &comment, &[("csrf", &token), ("text", words)]).await;
    assert_redirect(&again, &path, "already");
    assert_eq!(
        page_comments(&desk, r).await,
        [words],
        "one comment, and none of the refused"
    );
    let after = get(addr, &format!("{path}?notice=commented")).await;
    assert!(
        after.body.contains("Su comentario se agregó") && after.body.contains(words),
        "{}",
        after.body
    );

    // Through the outbox to the department's thread, like an email reply.
    let notes: Vec<String> = desk
        .store()
        .outbox_rows(false)
        .await
        .unwrap()
        .into_iter()
        .filter(|row| row.kind == "chat_note" && row.reference == Some(r))
        .map(|row| row.payload.to_string())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("status page") && n.contains(words)),
        "{notes:?}"
    );

    // A token shown more than two hours ago is stale.
    let (_, page) = page_of(addr, &desk, ana).await;
    let old = form_token(&page.body, "comment").unwrap();
    set_clock(&clock, clock.now_ms() + 2 * HOUR + 1000);
    let stale = post_form(addr, &comment, &[("csrf", &old), ("text", "tarde")]).await;
    assert_eq!(stale.status, 403);
    assert!(
        stale.body.contains("estuvo abierta demasiado tiempo"),
        "{}",
        stale.body
    );

    // At most ten page actions an hour (the first comment is more than an hour old now): the eleventh waits.
    for n in 1..=11 {
        let (_, page) = page_of(addr, &desk, ana).await;
        let t = form_token(&page.body, "comment").unwrap();
        let reply = post_form(
            addr,
            &comment,
            &[("csrf", &t), ("text", &format!("nota {n}"))],
        )
        .await;
        let expected = if n <= 10 { 303 } else { 429 };
        assert_eq!(reply.status, expected, "comment {n}: {}", reply.body);
    }
    assert_eq!(
        page_comments(&desk, r).await.len(),
        11,
        "the first and ten more"
    );
    svc.shutdown().await;
}

async fn not_fixed_reopens_within_the_window_and_says_why_not_otherwise(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, clock) = backend.desk(dir.path(), WEB).await;
    let svc = serve(desk, None);
    let (addr, desk) = (svc.http_addr.unwrap(), svc.desk.clone());
    let ana = "ana@example.test";
    let r = report(
        &desk,
        ana,
        "Bache",
        "n1@x.test",
        "Hay un bache enorme en 120 N Main St.",
    )
    .await;
    let (path, page) = page_of(addr, &desk, ana).await;
    assert!(
        form_token(&page.body, "not-fixed").is_none(),
        "nothing to reopen yet"
    );
    close(&desk, r, "Bache tapado.").await;

    let (_, page) = page_of(addr, &desk, ana).await;
    assert!(
        page.body.contains("Bache tapado.") && page.body.contains("cerrada"),
        "{}",
        page.body
    );
    let token = form_token(&page.body, "not-fixed").expect("closed: the not-fixed form");
    let comment_token = form_token(&page.body, "comment").unwrap();
    let not_fixed = format!("{path}/not-fixed");
    let wrong = post_form(addr, &not_fixed, &[("csrf", &comment_token)]).await;
    assert_eq!(
        wrong.status, 403,
        "the comment form's token does not reopen"
    );
    let reply = post_form(addr, &not_fixed, &[("csrf", &token), ("text", "Sigue ahí")]).await;
    assert_redirect(&reply, &path, "reopened");
    let req = desk.store().request(r).await.unwrap().unwrap();
    assert_eq!(req.status, Status::Reopened);
    let events = desk.store().events(r).await.unwrap();
    let reopened = events
        .iter()
        .find(|e| e.kind == EventKind::Reopened)
        .expect("a reopen event");
    assert_eq!(
        (reopened.actor.as_str(), reopened.source),
        (ana, Source::Web)
    );
    let rows = desk.store().outbox_rows(false).await.unwrap();
    let for_r = |kind: &str| {
        rows.iter()
            .filter(|row| row.kind == kind && row.reference == Some(r))
            .count()
    };
    assert!(for_r("chat_update") >= 2, "the card shows the reopen");
    assert!(rows
        .iter()
        .any(|row| row.kind == "chat_note" && row.payload.to_string().contains("NOT fixed")));
    let mails = emails_to(&desk, ana).await;
    assert!(
        mails
            .last()
            .unwrap()
            .payload
            .to_string()
            .contains("reabierta"),
        "the resident is told"
    );
    let twice = post_form(addr, &not_fixed, &[("csrf", &token), ("text", "Sigue ahí")]).await;
    assert_redirect(&twice, &path, "already");

    // Open again: "not fixed" has nothing to reopen, and says so.
    let (_, page) = page_of(addr, &desk, ana).await;
    assert!(form_token(&page.body, "not-fixed").is_none());
    desk.act(
        r,
        &operator(),
        connect311::desk::StaffAction::Close {
            reason: routing::CloseReason::Resolved,
            note: "Ahora sí.".into(),
        },
    )
    .await
    .unwrap();
    let (_, page) = page_of(addr, &desk, ana).await;
    let early = form_token(&page.body, "not-fixed").unwrap();
    desk.act(
        r,
        &operator(),
        connect311::desk::StaffAction::Reopen {
            why: "crew check".into(),
        },
    )
    .await
    .unwrap();
    let open = post_form(addr, &not_fixed, &[("csrf", &early)]).await;
    assert_eq!(open.status, 409, "{}", open.body);
    assert!(open.body.contains("no está cerrada"), "{}", open.body);

    // Closed 14 days ago minus a minute: the form shows; sent just after the window, a clear answer.
    close(&desk, r, "Listo.").await;
    let closed_at = desk
        .store()
        .request(r)
        .await
        .unwrap()
        .unwrap()
        .closed_at
        .unwrap();
    set_clock(&clock, closed_at + 14 * DAY - 60_000);
    let (_, page) = page_of(addr, &desk, ana).await;
    let last = form_token(&page.body, "not-fixed").expect("still within the window");
    set_clock(&clock, closed_at + 14 * DAY + 60_000);
    let late = post_form(addr, &not_fixed, &[("csrf", &last)]).await;
    assert_eq!(late.status, 409, "{}", late.body);
    assert!(late.body.contains("hace más de 14 días"), "{}", late.body);
    assert_eq!(
        desk.store().request(r).await.unwrap().unwrap().status,
        Status::Closed
    );
    let (_, page) = page_of(addr, &desk, ana).await;
    assert!(
        form_token(&page.body, "not-fixed").is_none() && page.body.contains("hace más de 14 días")
    );
    svc.shutdown().await;
}
