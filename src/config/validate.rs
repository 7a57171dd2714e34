//! Checks of the service settings that serde cannot express — ranges, addresses, staff kept apart from our own
//! addresses — and, separately because they look at the disk, the data and database paths. Errors name the
//! dotted key and the reason.

use std::ops::RangeInclusive;

use anyhow::{bail, Context, Result};

use super::{DiscordSettings, MailSettings, OutboxSettings, Settings};

/// `outbox.poll_ms`: below this the idle worker spins on the database; above it mail waits too long.
pub const POLL_MS: RangeInclusive<u64> = 50..=60_000;
/// `outbox.backoff_base_ms`: the first retry's delay (0 would retry a failing row in a tight loop).
pub const BACKOFF_BASE_MS: RangeInclusive<u64> = 100..=3_600_000;
/// `outbox.backoff_max_ms`: at most a day between retries (and never below the base).
pub const BACKOFF_MAX_MS: u64 = 24 * 3_600_000;
/// `outbox.max_attempts`.
pub const MAX_ATTEMPTS: RangeInclusive<u32> = 1..=100;
/// `mail.trusted_received_hops`.
pub const TRUSTED_RECEIVED_HOPS: RangeInclusive<usize> = 1..=20;
/// `mail.max_processing_attempts`.
pub const MAX_PROCESSING_ATTEMPTS: RangeInclusive<u32> = 1..=100;
/// `mail.processing_timeout_ms`: how long one message's parse may take (at most 10 minutes).
pub const PROCESSING_TIMEOUT_MS: RangeInclusive<u64> = 1..=600_000;
/// `mail.processing_timeout_per_mib_ms`: the extra allowance per MiB (at most a minute).
pub const PROCESSING_TIMEOUT_PER_MIB_MS: RangeInclusive<u64> = 0..=60_000;

impl Settings {
    /// Checks what serde can't, without touching the disk; each error names its key.
    pub(super) fn validate(&self) -> Result<()> {
        check_mail(&self.mail)?;
        check_outbox(&self.outbox)?;
        if let Some(d) = &self.discord {
            check_discord_ids(d)?;
        }
        if let Some(h) = &self.http {
            h.open311.validate()?;
            h.dashboard.validate()?;
            if let Some(url) = &h.public_base_url {
                super::public_url::check_public_base_url(url)?;
            }
        }
        if let Some(url) = &self.database.url {
            if !(url.starts_with("sqlite:") || url.starts_with("postgres")) {
                bail!("database.url: `{url}` must start with sqlite: or postgres://");
            }
        }
        Ok(())
    }

    /// Checks the paths the settings name against the disk: the city and templates files must be readable
    /// files, `data_dir` must be (or become) a directory, and an explicit SQLite `database.url` must point into
    /// an existing, writable directory.
    pub fn check_paths(&self) -> Result<()> {
        for (key, file) in [
            ("city_file", &self.city_file),
            ("templates_file", &self.templates_file),
        ] {
            if let Some(p) = file {
                std::fs::File::open(p)
                    .with_context(|| format!("{key}: cannot read {}", p.display()))?;
                if !p.is_file() {
                    bail!("{key}: {} is not a file", p.display());
                }
            }
        }
        let dir = &self.data_dir;
        if dir.exists() && !dir.is_dir() {
            bail!("data_dir: {} exists and is not a directory", dir.display());
        }
        if let Some(url) = &self.database.url {
            if url.starts_with("sqlite:") {
                crate::store::check_sqlite_url(url).context("database.url")?;
            }
        }
        Ok(())
    }
}

fn check_mail(m: &MailSettings) -> Result<()> {
    check_address("mail.address", &m.address)?;
    for (key, list) in [
        ("mail.own_addresses", &m.own_addresses),
        ("mail.staff_addresses", &m.staff_addresses),
        ("mail.staff_auth_exempt", &m.staff_auth_exempt),
    ] {
        for (i, a) in list.iter().enumerate() {
            check_address(&format!("{key}[{i}]"), a)?;
        }
    }
    for (key, list) in [
        ("mail.own_domains", &m.own_domains),
        ("mail.staff_domains", &m.staff_domains),
    ] {
        for (i, d) in list.iter().enumerate() {
            let bare = domain(d);
            if bare.is_empty() || bare.contains(['@', ' ']) || !bare.contains('.') {
                bail!("{key}[{i}]: `{d}` is not a domain such as `city.example`");
            }
        }
    }
    check_staff_is_not_ours(m)?;
    if m.replies_per_sender_per_hour == 0 {
        bail!("mail.replies_per_sender_per_hour: must be at least 1 (0 would never answer anyone)");
    }
    if m.max_attachment_bytes == 0 {
        bail!("mail.max_attachment_bytes: must be at least 1");
    }
    if m.max_total_attachment_bytes < m.max_attachment_bytes {
        bail!("mail.max_total_attachment_bytes: must not be less than mail.max_attachment_bytes");
    }
    if !TRUSTED_RECEIVED_HOPS.contains(&m.trusted_received_hops) {
        bail!(
            "mail.trusted_received_hops: must be {}..={} (the Received lines the city's own servers add; 0 would \
             believe headers the sender wrote)",
            TRUSTED_RECEIVED_HOPS.start(),
            TRUSTED_RECEIVED_HOPS.end()
        );
    }
    if !MAX_PROCESSING_ATTEMPTS.contains(&m.max_processing_attempts) {
        bail!(
            "mail.max_processing_attempts: must be {}..={}",
            MAX_PROCESSING_ATTEMPTS.start(),
            MAX_PROCESSING_ATTEMPTS.end()
        );
    }
    if !PROCESSING_TIMEOUT_MS.contains(&m.processing_timeout_ms) {
        bail!(
            "mail.processing_timeout_ms: must be {}..={} (0 would fail every message)",
            PROCESSING_TIMEOUT_MS.start(),
            PROCESSING_TIMEOUT_MS.end()
        );
    }
    if !PROCESSING_TIMEOUT_PER_MIB_MS.contains(&m.processing_timeout_per_mib_ms) {
        bail!(
            "mail.processing_timeout_per_mib_ms: must be {}..={}",
            PROCESSING_TIMEOUT_PER_MIB_MS.start(),
            PROCESSING_TIMEOUT_PER_MIB_MS.end()
        );
    }
    super::validate_transport::check_transports(m)
}

/// A staff sender that is also "ours" is taken for our own automated mail and never heard.
fn check_staff_is_not_ours(m: &MailSettings) -> Result<()> {
    const WHY: &str = "mail from staff would be taken for our own automated mail";
    for (i, staff) in m.staff_domains.iter().enumerate() {
        for (j, own) in m.own_domains.iter().enumerate() {
            if let Some(rel) = overlap(&domain(staff), &domain(own)) {
                bail!(
                    "mail.staff_domains[{i}]: `{staff}` {rel} mail.own_domains[{j}] `{own}`: {WHY}"
                );
            }
        }
    }
    let own = std::iter::once(("mail.address".to_string(), &m.address)).chain(
        m.own_addresses
            .iter()
            .enumerate()
            .map(|(j, a)| (format!("mail.own_addresses[{j}]"), a)),
    );
    let own: Vec<(String, String)> = own.map(|(k, a)| (k, base_address(a))).collect();
    for (i, staff) in m.staff_addresses.iter().enumerate() {
        let base = base_address(staff);
        if let Some((key, _)) = own.iter().find(|(_, a)| *a == base) {
            bail!("mail.staff_addresses[{i}]: `{staff}` is also {key}: {WHY}");
        }
        let at = base.rsplit_once('@').map_or("", |(_, d)| d);
        for (j, own) in m.own_domains.iter().enumerate() {
            if matches!(overlap(at, &domain(own)), Some(SAME | SUBDOMAIN)) {
                bail!("mail.staff_addresses[{i}]: `{staff}` is at mail.own_domains[{j}] `{own}`: {WHY}");
            }
        }
    }
    Ok(())
}

const SAME: &str = "is the same domain as";
const SUBDOMAIN: &str = "is a subdomain of";
const PARENT: &str = "is a parent domain of";

/// How staff domain `a` overlaps own domain `b`, if it does.
fn overlap(a: &str, b: &str) -> Option<&'static str> {
    if a == b {
        Some(SAME)
    } else if a.ends_with(&format!(".{b}")) {
        Some(SUBDOMAIN)
    } else if b.ends_with(&format!(".{a}")) {
        Some(PARENT)
    } else {
        None
    }
}

/// A domain as the guard compares it: lowercase, without a leading `@` or a trailing dot.
pub(super) fn domain(d: &str) -> String {
    d.trim()
        .trim_start_matches('@')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// An address as the guard compares it: lowercase, without `+detail`.
pub(super) fn base_address(a: &str) -> String {
    let a = a.trim().to_ascii_lowercase();
    match a.rsplit_once('@') {
        Some((local, d)) => format!("{}@{d}", local.split('+').next().unwrap_or(local)),
        None => a,
    }
}

fn check_address(key: &str, a: &str) -> Result<()> {
    match a.trim().rsplit_once('@') {
        Some((local, d)) if !local.is_empty() && d.contains('.') && !a.contains(' ') => Ok(()),
        _ => bail!("{key}: `{a}` is not an email address"),
    }
}

fn check_outbox(o: &OutboxSettings) -> Result<()> {
    if !MAX_ATTEMPTS.contains(&o.max_attempts) {
        bail!(
            "outbox.max_attempts: must be {} to {}",
            MAX_ATTEMPTS.start(),
            MAX_ATTEMPTS.end()
        );
    }
    if !POLL_MS.contains(&o.poll_ms) {
        bail!(
            "outbox.poll_ms: must be {} to {} ms (a shorter poll spins on the database)",
            POLL_MS.start(),
            POLL_MS.end()
        );
    }
    if !BACKOFF_BASE_MS.contains(&o.backoff_base_ms) {
        bail!(
            "outbox.backoff_base_ms: must be {} to {} ms (a shorter backoff retries in a tight loop)",
            BACKOFF_BASE_MS.start(),
            BACKOFF_BASE_MS.end()
        );
    }
    if o.backoff_max_ms < o.backoff_base_ms || o.backoff_max_ms > BACKOFF_MAX_MS {
        bail!(
            "outbox.backoff_max_ms: must be from outbox.backoff_base_ms ({}) to {BACKOFF_MAX_MS} ms",
            o.backoff_base_ms
        );
    }
    Ok(())
}

/// Ids must look like Discord snowflakes, and the stand-in URL like a URL: typos, whatever the fallback says.
fn check_discord_ids(d: &DiscordSettings) -> Result<()> {
    for (key, id) in [
        ("intake_channel", &d.intake_channel),
        ("supervisor_role", &d.supervisor_role),
        ("oncall_role", &d.oncall_role),
    ] {
        if let Some(id) = id {
            if !id.parse::<u64>().is_ok_and(|n| n != 0) {
                bail!("discord.{key}: `{id}` is not a Discord id (digits, in a string)");
            }
        }
    }
    if let Some(url) = &d.api_proxy {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            bail!("discord.api_proxy: `{url}` must start with http:// or https://");
        }
    }
    Ok(())
}
