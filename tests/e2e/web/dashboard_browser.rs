//! The dashboard in a real headless chromium: it loads without console errors, the filter form works from
//! the keyboard and the mouse, the language link switches to Spanish, the charts render, and a phone-sized
//! window never scrolls sideways.

use fantoccini::Locator;

use super::dashboard_fixture::fixture;
use crate::support::browser::Browser;
use crate::support::Backend;

async fn listed(b: &Browser) -> Vec<String> {
    let mut out = Vec::new();
    for row in b
        .client()
        .find_all(Locator::Css("tr[data-ref]"))
        .await
        .unwrap()
    {
        out.push(row.attr("data-ref").await.unwrap().unwrap());
    }
    out
}

/// The browser's URL once it contains `part` (after a form's submission has navigated), or the last one seen
/// after 30 s.
async fn until_url_has(b: &Browser, part: &str) -> String {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let url = b.client().current_url().await.unwrap().to_string();
        if url.contains(part) || tokio::time::Instant::now() > deadline {
            return url;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn js(b: &Browser, script: &str) -> serde_json::Value {
    b.client().execute(script, vec![]).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_works_in_a_real_browser() {
    let f = fixture(Backend::Sqlite).await;
    let addr = f.svc.http_addr.unwrap();
    let [r0, _, _, r3, _, _, _, r7] = f.refs.map(|r| r.to_string());
    let b = Browser::start().await;
    let c = b.client();
    c.goto(&format!("http://{addr}/")).await.unwrap();
    assert!(c
        .title()
        .await
        .unwrap()
        .contains("311 performance dashboard"));
    assert_eq!(js(&b, "return document.documentElement.lang").await, "en");
    // The stylesheet loaded (the skip link is moved off screen until focused).
    let skip = c.find(Locator::Css("a.skip-link")).await.unwrap();
    let (x, ..) = skip.rectangle().await.unwrap();
    assert!(
        x < 0.0,
        "the skip link is off screen until focused: x = {x}"
    );
    // Keyboard: the first Tab reaches the skip link, which brings it on screen.
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys("\u{E004}")
        .await
        .unwrap();
    assert_eq!(
        js(&b, "return document.activeElement.className").await,
        "skip-link"
    );
    for chart in ["#chart-weekly", "#chart-backlog", "#chart-sla"] {
        assert!(
            c.find(Locator::Css(chart))
                .await
                .unwrap()
                .is_displayed()
                .await
                .unwrap(),
            "{chart}"
        );
    }

    // Filters through the form: Sanitation, open ones.
    c.find(Locator::Id("f-department"))
        .await
        .unwrap()
        .select_by_value("sanitation")
        .await
        .unwrap();
    c.find(Locator::Id("f-status"))
        .await
        .unwrap()
        .select_by_value("open")
        .await
        .unwrap();
    c.find(Locator::Id("f-apply"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_url(
            &url::Url::parse(&format!(
                "http://{addr}/?lang=en&department=sanitation&category=&status=open&from=&to="
            ))
            .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(listed(&b).await, [r7.as_str(), r3.as_str()]);
    // The form shows what was chosen.
    let chosen = js(&b, "return document.getElementById('f-department').value").await;
    assert_eq!(chosen, "sanitation");

    // A date typed into the date field, from the keyboard (the field reads the locale's order: MM/DD/YYYY).
    c.goto(&format!("http://{addr}/")).await.unwrap();
    let to = c.find(Locator::Id("f-to")).await.unwrap();
    to.send_keys("09302026").await.unwrap();
    c.find(Locator::Id("f-apply"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The rows of the page before are there at once: wait for the submitted filter's page itself.
    let url = until_url_has(&b, "to=2026-09-30").await;
    assert!(url.contains("to=2026-09-30"), "{url}");
    c.wait()
        .for_element(Locator::Css("tr[data-ref]"))
        .await
        .unwrap();
    assert_eq!(listed(&b).await, [r0.as_str()]);

    // The language link: the same filters, in Spanish.
    c.find(Locator::Css("a[hreflang=es]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("html[lang=es]"))
        .await
        .unwrap();
    assert!(c
        .title()
        .await
        .unwrap()
        .contains("Panel de desempeño del 311"));
    assert_eq!(listed(&b).await, [r0.as_str()]);
    let label = c
        .find(Locator::Css("label[for=f-department]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(label, "Departamento");

    // A phone-sized window: nothing wider than the screen (tables scroll in their own box).
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!("http://{addr}/?lang=es")).await.unwrap();
    let overflow = js(
        &b,
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
    )
    .await;
    assert_eq!(
        overflow.as_i64(),
        Some(0),
        "the page scrolls sideways on a phone"
    );

    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    b.close().await;
    f.svc.shutdown().await;
}
