//! A real browser for the page tests: Debian's headless chromium, driven through its own chromedriver
//! (WebDriver) with fantoccini. A missing chromium or chromedriver fails the test loudly; `scripts/browser.sh`
//! (run by `scripts/test.sh`) installs them.

use std::process::Stdio;
use std::time::Duration;

use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::{json, Value};
use tokio::process::{Child, Command};

/// How long chromedriver may take to answer, and a page to load.
const START: Duration = Duration::from_secs(30);

/// One headless chromium session; close it with [`Browser::close`] (dropping it kills the driver too).
pub struct Browser {
    client: fantoccini::Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a headless chromium session that records the
    /// browser's console (`goog:loggingPrefs`).
    pub async fn start() -> Browser {
        for tool in ["chromium", "chromedriver"] {
            let found = std::process::Command::new(tool)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            assert!(
                found.is_ok_and(|s| s.success()),
                "`{tool}` is required for the page tests: run scripts/browser.sh (scripts/test.sh does), \
                 which installs Debian's chromium and chromium-driver"
            );
        }
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().unwrap();
        let client = connect(port, &profile).await;
        Browser {
            client,
            driver,
            _profile: profile,
        }
    }

    pub fn client(&self) -> &fantoccini::Client {
        &self.client
    }

    /// Every console message at level SEVERE (script errors, failed loads, CSP violations) since the last
    /// call, read from chromedriver's browser log.
    pub async fn console_errors(&self) -> Vec<String> {
        let session = self.client.session_id().await.unwrap().expect("a session");
        let log = self
            .client
            .issue_cmd(BrowserLog { session })
            .await
            .expect("the browser log");
        log.as_array()
            .unwrap_or_else(|| panic!("a log is a list: {log}"))
            .iter()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Ends the session and stops chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill().await;
    }
}

/// A session on chromedriver at `port`, retried while the driver starts.
async fn connect(port: u16, profile: &tempfile::TempDir) -> fantoccini::Client {
    let caps = json!({
        "goog:chromeOptions": {
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--window-size=1024,900",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        },
        "goog:loggingPrefs": { "browser": "ALL" },
    });
    let caps: serde_json::Map<String, Value> = caps.as_object().unwrap().clone();
    let url = format!("http://127.0.0.1:{port}");
    let deadline = tokio::time::Instant::now() + START;
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let attempt = fantoccini::ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await;
        match attempt {
            Ok(c) => return c,
            Err(e) => assert!(
                tokio::time::Instant::now() < deadline,
                "no chromium session from chromedriver on {url}: {e}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// chromedriver's `POST /session/{id}/se/log {"type":"browser"}`: the console messages since the last read.
#[derive(Debug)]
struct BrowserLog {
    session: String,
}

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        _session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/se/log", self.session))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.into()))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}
