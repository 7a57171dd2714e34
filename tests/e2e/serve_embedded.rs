//! The README's first command: `connect311 serve` on embedded defaults (no config) in an empty directory. A
//! message dropped into the local Maildir becomes a request, an acknowledgement .eml and a chat post in the
//! department's file; SIGTERM stops it cleanly.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

#[test]
fn serve_on_embedded_defaults_handles_a_dropped_message_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_connect311"))
        .arg("serve")
        .current_dir(dir.path())
        .env_remove("CONNECT311_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let new = dir.path().join("data/inbox/new");
    wait_for("the Maildir inbox", || new.is_dir());
    let msg = "From: Ana <ana@example.test>\r\nTo: 311@city.test\r\nSubject: Graffiti\r\nMessage-ID: <emb-1@example.test>\r\n\r\n\
               Graffiti on the library wall at 200 Oak Ave.\r\n";
    std::fs::write(dir.path().join("data/inbox/tmp-msg"), msg).unwrap();
    std::fs::rename(dir.path().join("data/inbox/tmp-msg"), new.join("1.eml")).unwrap();

    let out = dir.path().join("data/outgoing-mail");
    wait_for("the acknowledgement", || !files(&out).is_empty());
    let ack = std::fs::read_to_string(&files(&out)[0]).unwrap();
    assert!(
        ack.contains("To: ana@example.test") && ack.contains("311-000001"),
        "{ack}"
    );
    let chat = dir.path().join("data/chat/graffiti.jsonl");
    wait_for("the work order in the graffiti channel file", || {
        chat.exists()
    });
    assert!(std::fs::read_to_string(&chat)
        .unwrap()
        .contains("311-000001"));
    wait_for("the message to leave new/", || files(&new).is_empty());

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut log = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(exit.success(), "exit {exit:?}; log:\n{log}");
    assert!(log.contains("connect311 serving"), "{log}");
}
