//! The done-when journey in a real browser: a Spanish resident's mail goes through Postfix and Dovecot, the
//! acknowledgement arrives in their real mailbox, its link opens their page in headless chromium (Spanish
//! timeline), the department closes the request from chat, the resident presses "No está arreglado" in the
//! browser, and the department's channel shows the reopen; the browser logs no console errors.

use fantoccini::Locator;
use routing::Status;

use super::status::link_in;
use crate::support::browser::Browser;
use crate::support::town::{Reported, Town};

/// The page's visible text.
async fn page_text(b: &Browser) -> String {
    b.client()
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spanish_resident_follows_the_emailed_link_and_reopens_from_the_browser() {
    let town = Town::start().await;
    let Reported {
        resident,
        request,
        reference,
        card,
    } = town
        .resident_reports(
            "Bache",
            "Hay un bache enorme frente al 120 de Main St, es peligroso.",
            "streets",
        )
        .await;
    assert_eq!(request.language, routing::Language::Es);
    let ack = &town.resident_mails(&resident, 1).await[0];
    assert!(
        ack.text.contains("Siga su solicitud en línea:"),
        "{}",
        ack.text
    );
    let link = link_in(&ack.text).unwrap_or_else(|| panic!("no link in {}", ack.text));
    let addr = town.svc.http_addr.unwrap();
    assert!(
        link.starts_with(&format!("http://{addr}/r/{reference}/")),
        "{link}"
    );

    let browser = Browser::start().await;
    let c = browser.client();
    c.goto(&link).await.unwrap();
    let lang = c
        .find(Locator::Css("html"))
        .await
        .unwrap()
        .attr("lang")
        .await
        .unwrap();
    assert_eq!(lang.as_deref(), Some("es"));
    let text = page_text(&browser).await;
    let streets = town
        .desk()
        .department_name(&request.department, routing::Language::Es);
    for words in [
        reference.as_str(),
        "Recibimos su reporte.",
        &format!("Enviado a {streets}."),
        "abierta",
    ] {
        assert!(text.contains(words), "{words:?} not in {text}");
    }
    // Every field has its label, and the page fits a phone.
    let labelled: bool = c
        .execute(
            "return [...document.querySelectorAll('textarea, input:not([type=hidden]), button')]
               .every(e => e.tagName == 'BUTTON' ? e.innerText.trim() != '' : !!document.querySelector(`label[for='${e.id}']`))",
            vec![],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap();
    assert!(labelled, "a control without a label");

    // The department closes it from chat.
    let card_id = card["id"].as_str().unwrap().to_string();
    let crew = town.member("Crew 7", Some("streets"));
    town.standin
        .click(&crew, &card_id, &format!("wo:close:{reference}"))
        .unwrap();
    town.submit_modal(
        &crew,
        &format!("wo:note:{reference}:{card_id}"),
        &[("note", "Bache tapado con asfalto.")],
    )
    .await;
    town.wait_status(request.reference, Status::Closed).await;

    // The resident looks again, and says it is not fixed.
    c.goto(&link).await.unwrap();
    let text = page_text(&browser).await;
    assert!(
        text.contains("Bache tapado con asfalto.") && text.contains("cerrada"),
        "{text}"
    );
    let words = c.find(Locator::Css("#not-fixed-text")).await.unwrap();
    words.send_keys("El bache volvió a abrirse.").await.unwrap();
    c.find(Locator::XPath(
        "//button[normalize-space()='No está arreglado']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.wait()
        .for_url(&url::Url::parse(&format!("{link}?notice=reopened")).unwrap())
        .await
        .unwrap();
    let text = page_text(&browser).await;
    assert!(text.contains("Su solicitud fue reabierta"), "{text}");
    assert!(text.contains("El bache volvió a abrirse."), "{text}");

    // The department sees it in its channel: the thread note, and the card.
    town.wait_status(request.reference, Status::Reopened).await;
    let thread = town.thread_of(&card).await;
    town.message_in(&thread, "NOT fixed").await;
    town.message_in(&thread, "El bache volvió a abrirse.").await;
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    browser.close().await;
    town.svc.shutdown().await;
}
