//! Settings that would break the service are refused with their key; the shipped example stays valid.

use super::*;

fn err(text: &str) -> String {
    format!("{:#}", Settings::from_toml_str(text).unwrap_err())
}

/// Each text is refused, and the message (one line) carries each expected fragment.
fn assert_refused(cases: &[(&str, &[&str])]) {
    for (text, fragments) in cases {
        let msg = err(text);
        assert!(!msg.contains('\n'), "one line: {msg}");
        for f in *fragments {
            assert!(msg.contains(f), "{text:?}: expected {f:?} in {msg}");
        }
    }
}

#[test]
fn the_shipped_example_is_valid_and_keeps_staff_apart_from_us() {
    let s = Settings::from_toml_str(include_str!("../../config/connect311.example.toml")).unwrap();
    assert_eq!(s.mail.address, "311@city.test");
    assert_eq!(s.mail.staff_domains, ["staff.city.test"]);
    assert!(s.mail.own_domains.is_empty());
}

#[test]
fn staff_overlapping_our_own_addresses_is_refused() {
    const WHY: &str = "taken for our own automated mail";
    assert_refused(&[
        (
            "[mail]\nown_domains = [\"city.test\"]\nstaff_domains = [\"City.Test\"]\n",
            &["mail.staff_domains[0]", "same domain as mail.own_domains[0]", WHY],
        ),
        (
            "[mail]\nown_domains = [\"city.test\"]\nstaff_domains = [\"parks.org\", \"staff.city.test\"]\n",
            &["mail.staff_domains[1]", "subdomain of mail.own_domains[0]", WHY],
        ),
        (
            "[mail]\nown_domains = [\"x.org\", \"mx.city.test\"]\nstaff_domains = [\"@city.test\"]\n",
            &["mail.staff_domains[0]", "parent domain of mail.own_domains[1]", WHY],
        ),
        (
            "[mail]\nstaff_addresses = [\"311+ops@City.test\"]\n",
            &["mail.staff_addresses[0]", "is also mail.address", WHY],
        ),
        (
            "[mail]\nown_addresses = [\"noreply@city.test\"]\nstaff_addresses = [\"jo@city.test\", \"NoReply@city.test\"]\n",
            &["mail.staff_addresses[1]", "is also mail.own_addresses[0]", WHY],
        ),
        (
            "[mail]\nown_domains = [\"city.test\"]\nstaff_addresses = [\"jo@works.city.test\"]\n",
            &["mail.staff_addresses[0]", "at mail.own_domains[0]", WHY],
        ),
    ]);
    // Staff at the 311 address's domain is fine: that domain is ours only when listed in own_domains.
    let s = Settings::from_toml_str("[mail]\nstaff_domains = [\"city.test\"]\n").unwrap();
    assert_eq!(s.mail.staff_domains, ["city.test"]);
    Settings::from_toml_str(
        "[mail]\nown_domains = [\"bounce.city.test\"]\nstaff_domains = [\"staff.city.test\"]\n",
    )
    .unwrap();
}

#[test]
fn addresses_and_domains_must_look_like_them() {
    assert_refused(&[
        (
            "[mail]\naddress = \"311\"\n",
            &["mail.address", "not an email address"],
        ),
        (
            "[mail]\nstaff_addresses = [\"jo\"]\n",
            &["mail.staff_addresses[0]"],
        ),
        (
            "[mail]\nown_addresses = [\"@city.test\"]\n",
            &["mail.own_addresses[0]"],
        ),
        (
            "[mail]\nstaff_domains = [\"\"]\n",
            &["mail.staff_domains[0]", "not a domain"],
        ),
        (
            "[mail]\nown_domains = [\"jo@city.test\"]\n",
            &["mail.own_domains[0]"],
        ),
    ]);
}

#[test]
fn outbox_timing_that_spins_or_overflows_is_refused() {
    assert_refused(&[
        (
            "[outbox]\npoll_ms = 0\n",
            &["outbox.poll_ms", "50 to 60000"],
        ),
        ("[outbox]\npoll_ms = 86400000\n", &["outbox.poll_ms"]),
        (
            "[outbox]\nbackoff_base_ms = 0\n",
            &["outbox.backoff_base_ms", "tight loop"],
        ),
        (
            "[outbox]\nbackoff_base_ms = 5000\nbackoff_max_ms = 1000\n",
            &[
                "outbox.backoff_max_ms",
                "from outbox.backoff_base_ms (5000)",
            ],
        ),
        (
            "[outbox]\nbackoff_max_ms = 9223372036854775807\n",
            &["outbox.backoff_max_ms"],
        ),
        (
            "[outbox]\nmax_attempts = 0\n",
            &["outbox.max_attempts", "1 to 100"],
        ),
        (
            "[outbox]\nmax_attempts = 1000000\n",
            &["outbox.max_attempts"],
        ),
    ]);
    let s = Settings::from_toml_str(
        "[outbox]\nbackoff_base_ms = 100\nbackoff_max_ms = 86400000\npoll_ms = 50\nmax_attempts = 100\n",
    )
    .unwrap();
    assert_eq!(s.outbox.poll_ms, 50, "the bounds themselves are allowed");
}

#[test]
fn the_retry_delay_doubles_caps_and_never_wraps() {
    let o = OutboxSettings::default();
    let got: Vec<i64> = (0..=4).map(|a| o.retry_delay_ms(a)).collect();
    assert_eq!(got, [2_000, 2_000, 4_000, 8_000, 16_000]);
    assert_eq!(o.retry_delay_ms(1_000), 900_000);
    // Even settings that validation refuses cannot make the next attempt time wrap into the past.
    let absurd = OutboxSettings {
        max_attempts: u32::MAX,
        backoff_base_ms: u64::MAX / 3,
        backoff_max_ms: u64::MAX,
        poll_ms: 0,
    };
    let now = 1_790_000_000_000_i64;
    for attempts in [i64::MIN, -1, 0, 1, 2, 30, 63, 64, 65, 1_000, i64::MAX] {
        let delay = absurd.retry_delay_ms(attempts);
        assert!(delay > 0, "attempts {attempts}: {delay}");
        assert!(now.saturating_add(delay) > now, "attempts {attempts}");
    }
    assert_eq!(absurd.retry_delay_ms(i64::MAX), i64::MAX);
}

#[test]
fn limits_that_would_never_let_mail_through_are_refused() {
    assert_refused(&[
        (
            "[mail]\nreplies_per_sender_per_hour = 0\n",
            &["mail.replies_per_sender_per_hour", "never answer"],
        ),
        (
            "[mail]\nmax_attachment_bytes = 0\n",
            &["mail.max_attachment_bytes"],
        ),
        (
            "[mail]\nmax_attachment_bytes = 2000\nmax_total_attachment_bytes = 1000\n",
            &["mail.max_total_attachment_bytes"],
        ),
        (
            "[mail.imap]\nhost = \" \"\nusername = \"u\"\npassword = \"p\"\n",
            &["mail.imap.host", "empty"],
        ),
        (
            "[mail.imap]\nhost = \"h\"\nport = 0\nusername = \"u\"\npassword = \"p\"\n",
            &["mail.imap.port"],
        ),
        ("[mail.smtp]\nhost = \"\"\n", &["mail.smtp.host"]),
        ("[mail.smtp]\nhost = \"h\"\nport = 0\n", &["mail.smtp.port"]),
    ]);
}

#[test]
fn discord_ids_and_stand_in_url_must_be_well_formed() {
    let base = "[discord]\ntoken = \"t\"\nguild_id = 1\n";
    let cases = [
        ("intake_channel = \"#intake\"", "discord.intake_channel"),
        ("oncall_role = \"0\"", "discord.oncall_role"),
        ("supervisor_role = \"\"", "discord.supervisor_role"),
        ("api_proxy = \"127.0.0.1:9\"", "discord.api_proxy"),
    ];
    for (line, key) in cases {
        let msg = err(&format!("{base}{line}\n"));
        assert!(msg.contains(key), "{line}: {msg}");
    }
    let s = Settings::from_toml_str(&format!("{base}fallback_to_local = true\n")).unwrap();
    assert!(s.discord.unwrap().fallback_to_local);
}

/// Settings with `database.url` (and anything else) for the paths check.
fn paths(extra: &str) -> Settings {
    Settings::from_toml_str(extra).expect("valid without looking at the disk")
}

fn path_err(s: &Settings) -> String {
    format!("{:#}", s.check_paths().unwrap_err())
}

#[test]
fn a_sqlite_path_that_cannot_work_names_database_url() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    std::fs::write(dir.path().join("plain-file"), "x").unwrap();
    let cases = [
        (format!("sqlite://{d}/missing/c.db"), "does not exist"),
        (
            format!("sqlite://{d}/plain-file/c.db"),
            "is not a directory",
        ),
        (format!("sqlite://{d}"), "is a directory"),
        ("sqlite:///proc/connect311.db".to_string(), "not writable"),
    ];
    for (url, reason) in cases {
        let s = paths(&format!("[database]\nurl = \"{url}\"\n"));
        let msg = path_err(&s);
        assert!(msg.starts_with("database.url: "), "{url}: {msg}");
        assert!(msg.contains(reason), "{url}: {msg}");
        assert!(!msg.contains('\n'), "{msg}");
    }
    for ok in [format!("sqlite://{d}/fresh.db"), "sqlite::memory:".into()] {
        paths(&format!("[database]\nurl = \"{ok}\"\n"))
            .check_paths()
            .unwrap();
    }
}

#[test]
fn missing_city_and_templates_files_and_a_file_as_data_dir_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    std::fs::write(dir.path().join("plain-file"), "x").unwrap();
    let cases = [
        (
            format!("city_file = \"{d}/nope.toml\""),
            "city_file: cannot read",
        ),
        (format!("templates_file = \"{d}\""), "templates_file: "),
        (format!("data_dir = \"{d}/plain-file\""), "data_dir: "),
    ];
    for (line, expected) in cases {
        let msg = path_err(&paths(&format!("{line}\n")));
        assert!(msg.starts_with(expected), "{line}: {msg}");
    }
}

#[test]
fn load_names_the_file_the_key_and_the_reason_on_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("settings.toml");
    std::fs::write(&file, "[outbox]\npoll_ms = 0\n").unwrap();
    let msg = format!("{:#}", Settings::load(Some(&file)).unwrap_err());
    assert!(
        msg.starts_with(&format!("{}: outbox.poll_ms: ", file.display())),
        "{msg}"
    );
    assert!(!msg.contains('\n'), "{msg}");
    std::fs::write(
        &file,
        format!(
            "[database]\nurl = \"sqlite://{}/no/x.db\"\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let msg = format!("{:#}", Settings::load(Some(&file)).unwrap_err());
    assert!(
        msg.starts_with(&format!("{}: database.url: directory", file.display())),
        "{msg}"
    );
}

#[test]
fn intake_trust_and_poison_bounds_are_refused_out_of_range() {
    assert_refused(&[
        (
            "[mail]\ntrusted_received_hops = 0\n",
            &[
                "mail.trusted_received_hops",
                "believe headers the sender wrote",
            ],
        ),
        (
            "[mail]\nmax_processing_attempts = 0\n",
            &["mail.max_processing_attempts"],
        ),
        (
            "[mail]\nprocessing_timeout_ms = 0\n",
            &["mail.processing_timeout_ms"],
        ),
        (
            "[mail]\nprocessing_timeout_per_mib_ms = 60001\n",
            &["mail.processing_timeout_per_mib_ms"],
        ),
    ]);
    let s = Settings::from_toml_str("[mail]\ntrusted_received_hops = 2\n").unwrap();
    assert_eq!(s.mail.trusted_received_hops, 2);
}

#[test]
fn the_parse_deadline_grows_with_the_message_and_stops_at_ten_minutes() {
    let s = Settings::from_toml_str(
        "[mail]\nprocessing_timeout_ms = 4000\nprocessing_timeout_per_mib_ms = 1500\n",
    )
    .unwrap();
    let ms = |bytes: usize| s.mail.parse_deadline(bytes).as_millis();
    assert_eq!(ms(0), 4_000);
    assert_eq!(ms((1 << 20) - 1), 4_000, "a part of a MiB earns nothing");
    assert_eq!(ms(1 << 20), 5_500);
    assert_eq!(ms(40 << 20), 64_000);
    assert_eq!(ms(usize::MAX), 600_000, "never over the ceiling");
    let flat = Settings::from_toml_str("[mail]\nprocessing_timeout_per_mib_ms = 0\n").unwrap();
    assert_eq!(flat.mail.parse_deadline(40 << 20).as_millis(), 4_000);
}
