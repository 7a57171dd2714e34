//! The command line as an MTA or an operator uses it: `ingest -` (idempotent, exit 75 when it cannot store),
//! `request list --overdue`, `request close`, `classify --jsonl`, `check-config` on a broken file and on the
//! city and templates files a settings file names; `serve`, `sweep` and `check-config` refusing a transport or
//! database that cannot start (Discord falling back to the local log only when asked).

use crate::support::cli as cli_support;

use std::process::{Command, Output, Stdio};

use cli_support::{run, text};

fn config(dir: &std::path::Path, db: &str) -> std::path::PathBuf {
    let path = dir.join("connect311.toml");
    std::fs::write(
        &path,
        format!(
            "data_dir = \"{}\"\n[database]\nurl = \"{db}\"\n",
            dir.display()
        ),
    )
    .unwrap();
    path
}

const REPORT: &[u8] = b"From: Lee <lee@example.test>\r\nTo: 311@city.test\r\nSubject: Pothole\r\nMessage-ID: <cli-1@example.test>\r\n\
Date: Mon, 2 Mar 2026 14:00:00 +0000\r\n\r\nDeep pothole in front of 120 Main St.\r\n";

#[test]
fn ingest_is_idempotent_and_operators_can_list_overdue_and_close() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &format!("sqlite://{}/cli.db", dir.path().display()),
    );
    let first = run(&["ingest", "-"], &cfg, REPORT);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert_eq!(text(&first.stdout).trim(), "311-000001");
    let again = run(&["ingest", "-"], &cfg, REPORT);
    assert!(again.status.success());
    assert_eq!(
        text(&again.stdout).trim(),
        "311-000001",
        "same Message-ID, same request"
    );
    assert!(text(&again.stderr).contains("already processed"));

    let junk = run(&["ingest", "-"], &cfg, b"\x00\x01\x02\xff");
    assert!(
        junk.status.success(),
        "kept (quarantined), so the MTA must not retry"
    );
    assert!(text(&junk.stderr).contains("quarantined"));

    // Nothing is overdue yet; a request created long ago is.
    let list = run(&["request", "list", "--overdue"], &cfg, b"");
    assert!(
        text(&list.stdout).contains("no requests"),
        "{}",
        text(&list.stdout)
    );
    let db = format!("sqlite://{}/cli.db", dir.path().display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&db).await.unwrap();
        sqlx::query("UPDATE requests SET created_at = created_at - 864000000, response_due_at = response_due_at - 864000000, resolution_due_at = resolution_due_at - 864000000")
            .execute(&mut c)
            .await
            .unwrap();
    });
    let list = run(&["request", "list", "--overdue"], &cfg, b"");
    assert!(
        text(&list.stdout).contains("311-000001"),
        "{}",
        text(&list.stdout)
    );

    let refused = run(
        &["request", "close", "311-000001", "--note", " "],
        &cfg,
        b"",
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("note"),
        "{}",
        text(&refused.stderr)
    );
    let closed = run(
        &[
            "request",
            "close",
            "311-000001",
            "--note",
            "Filled this morning.",
        ],
        &cfg,
        b"",
    );
    assert!(closed.status.success(), "{}", text(&closed.stderr));
    assert!(text(&closed.stdout).contains("closed"));
    let show = run(&["request", "show", "311-000001", "--json"], &cfg, b"");
    let v: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(v["request"]["status"], "closed");
    assert!(v["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "closed" && e["actor"].as_str().unwrap().starts_with("cli:")));
    // The completion email was delivered to the local outgoing-mail folder.
    let out = dir.path().join("outgoing-mail");
    let mails: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    assert!(
        mails.iter().any(|m| m.contains("Filled this morning.")),
        "{} mails",
        mails.len()
    );
}

#[test]
fn ingest_asks_the_mta_to_retry_when_it_cannot_store() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 9: the database is unreachable, so the message must stay with the MTA.
    let cfg = config(
        dir.path(),
        "postgres://postgres@127.0.0.1:9/none?connect_timeout=2",
    );
    let out = run(&["ingest", "-"], &cfg, REPORT);
    assert_eq!(out.status.code(), Some(75), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("connect311 ingest"));
}

#[test]
fn classify_jsonl_answers_one_line_per_input_and_bad_config_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &format!("sqlite://{}/c.db", dir.path().display()),
    );
    let input = b"{\"id\":1,\"text\":\"Streetlight out at 5th and Main\"}\n{\"id\":\"b\",\"text\":\"Hay un bache enorme en la calle Juarez 45\"}\n";
    let out = run(&["classify", "--jsonl"], &cfg, input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (lines[0]["id"].clone(), lines[0]["department"].clone()),
        (1.into(), "streetlights".into())
    );
    assert_eq!(
        (lines[1]["id"].clone(), lines[1]["language"].clone()),
        ("b".into(), "es".into())
    );
    let bad = run(&["classify", "--jsonl"], &cfg, b"not json\n");
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("line 1"),
        "{}",
        text(&bad.stderr)
    );

    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "[mail]\naddress = 42\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_connect311"))
        .args(["check-config"])
        .arg(&broken)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("broken.toml") && err.contains("mail.address"),
        "{err}"
    );
}

/// `connect311 ARGS --config FILE` with nothing on stdin.
fn run_with(args: &[&str], config: &std::path::Path) -> Output {
    run(args, config, b"")
}

/// Runs `connect311 serve`, which must refuse to start and exit by itself; killed after a minute so that a
/// service that starts anyway fails the test instead of hanging it.
fn serve_must_refuse(config: &std::path::Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_connect311"))
        .arg("serve")
        .arg("--config")
        .arg(config)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    for _ in 0..600 {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    panic!("serve started anyway:\n{}", text(&out.stderr));
}

#[test]
fn a_transport_or_database_that_cannot_start_stops_serve_and_fails_check_config() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let cases = [
        ("[discord]\ntoken = \" \"\nguild_id = 1\n".to_string(), "discord.token: is empty"),
        ("[discord]\ntoken = \"t\"\nguild_id = 0\n".into(), "discord.guild_id"),
        (
            format!("[mail.imap]\nhost = \"127.0.0.1\"\nca_file = \"{d}/no-ca.pem\"\nusername = \"u\"\npassword = \"p\"\n"),
            "mail.imap.ca_file: reading CA certificates",
        ),
        (
            format!("[database]\nurl = \"sqlite://{d}/no/such/dir/c.db\"\n"),
            "database.url: directory",
        ),
    ];
    for (i, (section, expected)) in cases.iter().enumerate() {
        let cfg = dir.path().join(format!("broken-{i}.toml"));
        std::fs::write(&cfg, format!("data_dir = \"{d}/data-{i}\"\n{section}")).unwrap();
        let out = serve_must_refuse(&cfg);
        let err = text(&out.stderr);
        assert!(!out.status.success(), "{err}");
        assert!(
            err.contains(&format!("broken-{i}.toml: ")) && err.contains(expected),
            "{section}: {err}"
        );
        let out = Command::new(env!("CARGO_BIN_EXE_connect311"))
            .arg("check-config")
            .arg(&cfg)
            .output()
            .unwrap();
        assert!(!out.status.success(), "check-config passed {section}");
        assert!(
            text(&out.stderr).contains(expected),
            "{}",
            text(&out.stderr)
        );
    }
}

#[test]
fn a_broken_discord_set_up_falls_back_to_the_local_chat_log_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let broken = format!(
        "data_dir = \"{}\"\n[discord]\ntoken = \"\"\nguild_id = 1\n",
        dir.path().display()
    );
    let cfg = dir.path().join("settings.toml");
    std::fs::write(&cfg, &broken).unwrap();
    let out = run_with(&["sweep"], &cfg);
    assert!(!out.status.success(), "one-shot commands refuse too");
    let err = text(&out.stderr);
    assert!(
        err.contains("discord.token") && err.contains("discord.fallback_to_local = true"),
        "{err}"
    );

    std::fs::write(&cfg, format!("{broken}fallback_to_local = true\n")).unwrap();
    let out = run_with(&["sweep"], &cfg);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("chat posts go to the local log"),
        "{}",
        text(&out.stderr)
    );
    let out = run_with(&["check-config", &cfg.display().to_string()], &cfg);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("note: discord.token") && said.contains("local log"),
        "{said}"
    );
}

#[test]
fn check_config_follows_the_city_and_templates_files_a_settings_file_names() {
    let dir = tempfile::tempdir().unwrap();
    let (city, tpl) = (
        dir.path().join("city.toml"),
        dir.path().join("templates.toml"),
    );
    let settings = dir.path().join("settings.toml");
    std::fs::write(
        &settings,
        format!(
            "city_file = \"{}\"\ntemplates_file = \"{}\"\n",
            city.display(),
            tpl.display()
        ),
    )
    .unwrap();
    let check = || {
        Command::new(env!("CARGO_BIN_EXE_connect311"))
            .arg("check-config")
            .arg(&settings)
            .output()
            .unwrap()
    };
    let city_text = connect311::config::EXAMPLE_CITY;
    let tpl_text = connect311::config::EXAMPLE_TEMPLATES;
    std::fs::write(&city, city_text).unwrap();
    std::fs::write(&tpl, tpl_text).unwrap();
    // The example city names its streets file, next to it.
    std::fs::write(
        dir.path().join("streets.csv"),
        connect311::city::EXAMPLE_STREETS,
    )
    .unwrap();
    let out = check();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    for line in [
        format!("ok: {}: valid service settings", settings.display()),
        format!("ok: {}: valid city config", city.display()),
        format!("ok: {}: valid templates", tpl.display()),
    ] {
        assert!(said.contains(&line), "{line:?} in {said}");
    }

    let broken_city = [
        (
            city_text.replacen("department = \"streets\"", "department = \"stretes\"", 1),
            "unknown department `stretes`",
        ),
        (
            city_text.replacen("priority = \"normal\"", "priority = \"hihg\"", 1),
            "].priority: unknown variant `hihg`",
        ),
        (
            city_text.replacen("en = [", "en = [\"\", ", 1),
            "].en[0] (category",
        ),
    ];
    for (text_, expected) in broken_city {
        std::fs::write(&city, text_).unwrap();
        let out = check();
        assert!(!out.status.success());
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("{}: categories[", city.display())) && err.contains(expected),
            "{expected}: {err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }
    std::fs::write(&city, city_text).unwrap();
    std::fs::write(&tpl, tpl_text.replacen("{category}", "{kategorie}", 1)).unwrap();
    let out = check();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("{}: en.acknowledgement", tpl.display()))
            && err.contains("kategorie"),
        "{err}"
    );
    std::fs::remove_file(&tpl).unwrap();
    let err = text(&check().stderr);
    assert!(err.contains("templates_file: cannot read"), "{err}");
}
