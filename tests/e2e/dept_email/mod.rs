//! Departments by email, end to end through the real Postfix and Dovecot: an email-only department receives
//! its work order (photo attached, due dates in city time, a signed reply address) and works it by replying
//! (`journey`, on SQLite and PostgreSQL); a spoofed or another department's reply changes nothing (`authority`);
//! reassignment and a department with both chat and email (`routing_e2e`); overdue reminders and escalation
//! reach its mailbox (`overdue`).

mod authority;
mod journey;
mod overdue;
mod routing_e2e;

use mail::testkit;

use crate::support::town::{resident, send, send_verified, Town, TownEdit, WAIT};

/// A town whose departments in `email` (id, `notify` line or "" for the default) work by email from a
/// mailbox of their own; an empty `notify` also drops the chat channel, so the default (email) applies.
/// Staff mail is believed only through the city's authenticating MX. Returns the town and each mailbox.
pub async fn email_town(
    email: &[(&str, &str)],
    database_url: Option<String>,
) -> (Town, Vec<String>) {
    email_town_at(None, email, database_url).await
}

/// As [`email_town`], on a hand-moved `clock` when given.
pub async fn email_town_at(
    clock: Option<connect311::clock::ManualClock>,
    email: &[(&str, &str)],
    database_url: Option<String>,
) -> (Town, Vec<String>) {
    let boxes: Vec<String> = email
        .iter()
        .map(|(id, _)| format!("{}@city.test", testkit::unique_local(id)))
        .collect();
    let edit = |text: String| {
        email
            .iter()
            .zip(&boxes)
            .fold(text, |t, ((id, notify), mailbox)| {
                department_by_email(&t, id, notify, mailbox)
            })
    };
    let town = Town::start_edited(
        clock,
        "authserv_ids = [\"mx.city.test\"]\ntrusted_received_hops = 2",
        "",
        TownEdit {
            city: &edit,
            database_url,
        },
    )
    .await;
    for (id, _) in email {
        let d = town
            .desk()
            .city()
            .department(&routing::DepartmentId::new(*id))
            .cloned();
        assert!(
            d.is_some_and(|d| d.notifies(routing::Notify::Email)),
            "{id} works by email"
        );
    }
    (town, boxes)
}

/// `text` with department `id` given `mailbox` and `notify` (none, and no chat channel, when empty).
fn department_by_email(text: &str, id: &str, notify: &str, mailbox: &str) -> String {
    let start = text
        .find(&format!("id = \"{id}\"\n"))
        .unwrap_or_else(|| panic!("department {id} in the example city"));
    let end = start
        + text[start..]
            .find("\n\n")
            .expect("the department's block ends");
    let block: Vec<String> = text[start..end]
        .lines()
        // The old `notify` goes; so does the channel when the default (email) is wanted.
        .filter(|l| {
            !(l.starts_with("notify") || notify.is_empty() && l.starts_with("chat_channel"))
        })
        .map(|l| {
            if l.starts_with("email = ") {
                format!("email = \"{mailbox}\"")
            } else {
                l.to_string()
            }
        })
        .chain((!notify.is_empty()).then(|| format!("notify = {notify}")))
        .collect();
    format!("{}{}{}", &text[..start], block.join("\n"), &text[end..])
}

/// The `n` first messages in a department's mailbox, parsed, with their raw bytes.
pub async fn department_mails(mailbox: &str, n: usize) -> Vec<(mail::Inbound, Vec<u8>)> {
    testkit::wait_for_messages(mailbox, "INBOX", n, WAIT)
        .await
        .into_iter()
        .map(|raw| {
            let inb = mail::inbound::parse(&raw, &mail::Limits::default()).unwrap();
            (inb, raw)
        })
        .collect()
}

/// A fresh resident reports a pothole (a streets matter); returns them, their request and the work order in
/// the department's `mailbox`.
pub async fn pothole_reported(
    town: &Town,
    mailbox: &str,
) -> (String, connect311::store::Request, mail::Inbound) {
    let res = resident();
    let text = "Deep pothole in front of 210 Elm St";
    send(&res, &town.inbox, "Pothole", text).await;
    let req = town.request_from(&res).await;
    assert_eq!(req.department.as_str(), "streets");
    let (order, _) = department_mails(mailbox, 1).await.remove(0);
    assert!(
        order.subject.contains(&format!("[{}]", req.reference)),
        "{}",
        order.subject
    );
    (res, req, order)
}

/// The department answers a work order the way a mail client does: to its Reply-To, under its subject,
/// through the city's authenticating MX.
pub async fn reply_verified(from: &str, work_order: &mail::Inbound, body: &str) {
    let to = &work_order.reply_to.as_ref().expect("a reply address").email;
    send_verified(from, to, &format!("Re: {}", work_order.subject), body).await;
}
