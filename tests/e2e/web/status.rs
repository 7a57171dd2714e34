//! The status page's link and what it shows: every email to a resident carries `/r/<reference>/<key>`; the
//! key opens that request only (a wrong key and an unknown request answer the same 404); the page reads in the
//! resident's language with due dates in city time, and leaves out internal comments and staff names unless
//! the city allows them.

use std::net::SocketAddr;

use connect311::desk::{Desk, StaffAction};
use regex::Regex;
use routing::RequestRef;

use crate::support::http::{get, Reply};
use crate::support::observe::serve;
use crate::support::{close, emails_to, operator, report, Backend};

/// `[http]` on a free port, published as `https://311.riverton.test`.
pub const WEB: &str =
    "[http]\nbind = \"127.0.0.1:0\"\npublic_base_url = \"https://311.riverton.test/\"\n";

on_both_stores!(
    every_email_links_the_page_and_only_the_right_key_opens_it,
    the_page_speaks_the_residents_language_and_keeps_internal_notes_and_names_out,
);

/// The status page link in `text`, whatever its host.
pub fn link_in(text: &str) -> Option<String> {
    Regex::new(r"https?://[A-Za-z0-9.:\[\]-]+/r/311-\d{6}/[0-9a-f]{32}")
        .unwrap()
        .find(text)
        .map(|m| m.as_str().to_string())
}

/// The path of a link (`/r/…`), to fetch it from the server under test.
pub fn path_of(link: &str) -> String {
    let at = link.find("/r/").expect("a status page link");
    link[at..].to_string()
}

/// The status links of every email queued for `to`, oldest first (`None` for an email without one).
pub async fn links_to(desk: &Desk, to: &str) -> Vec<Option<String>> {
    emails_to(desk, to)
        .await
        .iter()
        .map(|row| link_in(&row.payload.to_string()))
        .collect()
}

/// The page of the first email's link to `to`.
pub async fn page_of(addr: SocketAddr, desk: &Desk, to: &str) -> (String, Reply) {
    let link = links_to(desk, to).await[0].clone().expect("a link");
    let page = get(addr, &path_of(&link)).await;
    (path_of(&link), page)
}

/// The hidden CSRF token of the form posting to `…/<action>` on `html`.
pub fn form_token(html: &str, action: &str) -> Option<String> {
    let form = html.find(&format!("/{action}\""))?;
    let rest = &html[form..];
    let value = Regex::new(r#"name="csrf" value="([^"]+)""#).unwrap();
    value.captures(rest).map(|c| c[1].to_string())
}

async fn every_email_links_the_page_and_only_the_right_key_opens_it(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _clock) = backend.desk(dir.path(), WEB).await;
    let svc = serve(desk, None);
    let (addr, desk) = (svc.http_addr.unwrap(), svc.desk.clone());
    let ana = "ana@example.test";
    let r = report(
        &desk,
        ana,
        "Bache",
        "s1@x.test",
        "Hay un bache enorme en 120 N Main St.",
    )
    .await;
    let other = report(
        &desk,
        "bo@example.test",
        "Graffiti",
        "s2@x.test",
        "Graffiti on the wall of 9 Oak Ave",
    )
    .await;
    close(&desk, r, "Bache tapado.").await;

    let links = links_to(&desk, ana).await;
    assert_eq!(links.len(), 2, "acknowledgement and completion");
    let link = links[0]
        .clone()
        .expect("the acknowledgement links the page");
    assert_eq!(
        links[1].as_ref(),
        Some(&link),
        "the completion email links the same page"
    );
    assert!(
        link.starts_with(&format!("https://311.riverton.test/r/{r}/")),
        "{link}"
    );

    let page = get(addr, &path_of(&link)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    for (name, value) in [
        ("cache-control", "no-store"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
    ] {
        assert_eq!(page.header(name), Some(value), "{name}");
    }
    assert!(page.body.contains(&r.to_string()), "{}", page.body);

    // A wrong key, another request's key, an unknown request, a malformed reference: the same 404.
    let key = link.rsplit('/').next().unwrap();
    let flipped = format!(
        "{}{}",
        &key[..31],
        if key.ends_with('0') { '1' } else { '0' }
    );
    let other_key = desk.status_url(other).unwrap();
    let other_key = other_key.rsplit('/').next().unwrap();
    let unknown = RequestRef::new(999_999).unwrap();
    let unknown_link = desk.status_url(unknown).unwrap();
    let not_found = [
        format!("/r/{r}/{flipped}"),
        format!("/r/{r}/{other_key}"),
        format!("/r/{r}/{}", &key[..30]),
        path_of(&unknown_link),
        format!("/r/311-abc/{key}"),
        format!("/r/{}/{key}", r.to_string().replace("311-", "311-0")),
    ];
    let first = get(addr, &not_found[0]).await;
    for path in &not_found {
        let p = get(addr, path).await;
        assert_eq!(p.status, 404, "{path}: {}", p.body);
        assert_eq!(
            p.body, first.body,
            "{path}: the same page, whatever was wrong"
        );
        assert!(
            !p.body.contains(&r.to_string()) && !p.body.contains("Bache"),
            "{path}"
        );
    }
    assert!(first.body.contains("Page not found") && first.body.contains("Página no encontrada"));

    // Without a public address, the emails carry no link and no empty line where it would be.
    let dir2 = tempfile::tempdir().unwrap();
    let (bare, _c) = backend.desk(dir2.path(), "").await;
    let r2 = report(
        &bare,
        ana,
        "Bache",
        "s3@x.test",
        "Hay un bache enorme en 120 N Main St.",
    )
    .await;
    let mail = &emails_to(&bare, ana).await[0];
    let text = mail.payload["text"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", mail.payload));
    assert!(
        text.contains(&r2.to_string()) && !text.contains("/r/") && !text.contains("línea:"),
        "{text}"
    );
    svc.shutdown().await;
}

async fn the_page_speaks_the_residents_language_and_keeps_internal_notes_and_names_out(
    backend: Backend,
) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _clock) = backend.desk(dir.path(), WEB).await;
    let svc = serve(desk, None);
    let (addr, desk) = (svc.http_addr.unwrap(), svc.desk.clone());
    let ana = "ana@example.test";
    let r = report(
        &desk,
        ana,
        "Bache",
        "l1@x.test",
        "Hay un bache enorme en 120 N Main St.",
    )
    .await;
    let krupke = connect311::desk::Actor {
        name: "Officer Krupke".into(),
        ..operator()
    };
    let act = |a: StaffAction| {
        let (desk, krupke) = (desk.clone(), krupke.clone());
        async move { desk.act(r, &krupke, a).await.expect("staff action") }
    };
    act(StaffAction::Acknowledge).await;
    act(StaffAction::Comment {
        text: "INTERNAL-7 crew short this week".into(),
    })
    .await;
    act(StaffAction::Public {
        text: "¿Está frente a la casa o en la esquina?".into(),
    })
    .await;

    let (path, es) = page_of(addr, &desk, ana).await;
    assert_eq!(es.status, 200);
    let body = &es.body;
    assert!(body.contains("<html lang=\"es\">"), "{body}");
    assert!(body.contains("name=\"viewport\""), "{body}");
    let req = desk.store().request(r).await.unwrap().unwrap();
    let streets_es = desk.department_name(&req.department, routing::Language::Es);
    for words in [
        "Recibimos su reporte.",
        &format!("Enviado a {streets_es}."),
        "está atendiendo su solicitud.",
        "Mensaje de la ciudad:",
        "¿Está frente a la casa o en la esquina?",
        "en atención",
        &desk.human_due(req.resolution_due_at, routing::Language::Es),
    ] {
        assert!(body.contains(words), "{words:?} not on the page: {body}");
    }
    assert!(
        !body.contains("INTERNAL-7"),
        "an internal comment leaked: {body}"
    );
    assert!(
        !body.contains("Krupke"),
        "a staff name without the city's leave: {body}"
    );
    assert!(
        !body.contains("No está arreglado"),
        "an open request has nothing to reopen"
    );
    assert!(
        !body.contains(ana),
        "the page does not repeat the resident's address"
    );

    let en = get(addr, &format!("{path}?lang=en")).await;
    assert!(en.body.contains("<html lang=\"en\">") && en.body.contains("We received your report."));
    assert!(en
        .body
        .contains(&desk.human_due(req.resolution_due_at, routing::Language::En)));

    // A city that lets residents see who acted.
    let city = connect311::config::EXAMPLE_CITY
        .replace("staff_names_public = false", "staff_names_public = true");
    assert_ne!(
        city,
        connect311::config::EXAMPLE_CITY,
        "the shipped city file has the setting"
    );
    let dir2 = tempfile::tempdir().unwrap();
    std::fs::write(dir2.path().join("city.toml"), city).unwrap();
    std::fs::write(
        dir2.path().join("streets.csv"),
        connect311::city::EXAMPLE_STREETS,
    )
    .unwrap();
    let toml = format!(
        "city_file = \"{}\"\n{WEB}",
        dir2.path().join("city.toml").display()
    );
    let (named, _c) = backend.desk(dir2.path(), &toml).await;
    let svc2 = serve(named, None);
    let (addr2, named) = (svc2.http_addr.unwrap(), svc2.desk.clone());
    let r2 = report(
        &named,
        ana,
        "Bache",
        "l2@x.test",
        "Hay un bache enorme en 120 N Main St.",
    )
    .await;
    named
        .act(r2, &krupke, StaffAction::Acknowledge)
        .await
        .unwrap();
    named
        .act(
            r2,
            &krupke,
            StaffAction::Comment {
                text: "INTERNAL-8".into(),
            },
        )
        .await
        .unwrap();
    let (_, page) = page_of(addr2, &named, ana).await;
    assert!(page.body.contains("(por Officer Krupke)"), "{}", page.body);
    assert!(!page.body.contains("INTERNAL-8"), "{}", page.body);
    svc2.shutdown().await;
    svc.shutdown().await;
}
