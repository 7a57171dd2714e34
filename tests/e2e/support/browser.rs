//! A real headless chromium for the web pages' tests, driven over WebDriver: chromedriver on a free loopback
//! port, chromium headless with `--no-sandbox` (the tests run as root), and the browser's console log read
//! back through chromedriver's log endpoint. A missing chromium or chromedriver fails the test loudly
//! (`scripts/test.sh` installs Debian's `chromium` and `chromium-driver` through `scripts/browser.sh`).

use std::process::Stdio;
use std::time::Duration;

use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::json;
use tokio::process::{Child, Command};

/// One browser session and the chromedriver behind it.
pub struct Browser {
    client: fantoccini::Client,
    driver: Child,
}

/// chromedriver's `POST /session/{id}/se/log {"type":"browser"}`: the console messages since the last read.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "type": "browser" }).to_string()),
        )
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

fn chromium_binary() -> String {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or_else(|| {
            panic!("chromium is required for the browser tests: run scripts/browser.sh (scripts/test.sh does)")
        })
        .to_string()
}

impl Browser {
    /// Starts chromedriver and opens a headless chromium session; panics with the reason when either is missing.
    pub async fn start() -> Browser {
        // Two crypto providers are compiled in (ring for the service, aws-lc-rs for fantoccini): choose one.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let binary = chromium_binary();
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("chromedriver is required for the browser tests ({e}): run scripts/browser.sh (scripts/test.sh does)")
            });
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": binary, "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--window-size=1280,900"] }),
        );
        caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
        let url = format!("http://127.0.0.1:{port}");
        let mut last = String::new();
        for _ in 0..100 {
            match fantoccini::ClientBuilder::rustls()
                .expect("TLS roots")
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => return Browser { client, driver },
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver on {url} did not open a chromium session: {last}");
    }

    pub fn client(&self) -> &fantoccini::Client {
        &self.client
    }

    /// The console's error messages (level SEVERE) logged since the last call.
    pub async fn console_errors(&self) -> Vec<String> {
        let log = self
            .client
            .issue_cmd(BrowserLog)
            .await
            .expect("the browser log");
        log.as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| e["level"] == "SEVERE")
                    .map(|e| e["message"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Ends the session and stops chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill().await;
    }
}
