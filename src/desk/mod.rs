//! The desk: the service's core. It turns inbound messages and staff actions into requests, events and outbox
//! rows, using the pure routing crate for decisions and the store for one-transaction persistence.

mod compose;
mod counter;
mod intake;
mod internal;
mod journal;
mod merge;
mod new_notices;
mod open311;
mod release;
mod resident;
pub mod sla;
pub mod staff;
mod work_order_mail;

use std::sync::Arc;

use anyhow::{Context, Result};
use routing::{CityConfig, Router};
use secrecy::ExposeSecret;

use crate::clock::Clock;
use crate::config::Settings;
use crate::routing_model::SharedRouter;
use crate::store::Store;
use crate::templates::Templates;

pub use compose::mask_email;
pub use counter::{CounterFiled, CounterReport};
pub use intake::{CountedEmail, Decided, GroupItem, IngestOutcome, PreparedEmail, ReplyAction};
pub use internal::{InternalFiling, InternalList, ListKind};
pub use open311::{Open311Filed, Open311Once, Open311Submission};
pub use release::Released;
pub use resident::{ResidentAction, ResidentError, ResidentOutcome};
pub use staff::{ActionError, Actor, ChatDesk, StaffAction};

/// Everything the desk needs, shared by the workers. Cheap to clone.
#[derive(Clone)]
pub struct Desk {
    store: Store,
    city: Arc<CityConfig>,
    /// The rules and, with `[routing] model`, the learned model; replaced on SIGHUP.
    router: SharedRouter,
    templates: Arc<Templates>,
    settings: Arc<Settings>,
    clock: Arc<dyn Clock>,
    reply_secret: Arc<Vec<u8>>,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk")
            .field("store", &self.store.dialect())
            .finish()
    }
}

impl Desk {
    /// Loads the city and templates named by `settings` and checks them.
    pub fn new(settings: Settings, store: Store, clock: Arc<dyn Clock>) -> Result<Desk> {
        let (city, city_origin) = crate::city::load(&settings)?;
        let rules = Router::new(&city).map_err(|e| anyhow::anyhow!("{city_origin}: {e}"))?;
        let router = crate::routing_model::configured(&rules, &settings)?;
        let (tpl_text, tpl_origin) = settings.templates_toml()?;
        let templates = Templates::from_toml_str(&tpl_text, &tpl_origin)?;
        let reply_secret = reply_secret(&settings)?;
        if let Some(h) = &settings.http {
            let known = |code: &str| {
                code == "other" || city.categories.iter().any(|c| c.id.as_str() == code)
            };
            h.open311
                .check_services(&known)
                .map_err(|e| settings.in_file(e))?;
        }
        Ok(Desk {
            store,
            city: Arc::new(city),
            router: SharedRouter::new(router),
            templates: Arc::new(templates),
            settings: Arc::new(settings),
            clock,
            reply_secret: Arc::new(reply_secret),
        })
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The city: departments, categories, calendar, policy.
    pub fn city(&self) -> &Arc<CityConfig> {
        &self.city
    }

    /// The router every decision comes from (swapped in place on SIGHUP).
    pub fn router(&self) -> &SharedRouter {
        &self.router
    }

    /// The outbound texts and the word lists replies are read with.
    pub fn templates(&self) -> &Arc<Templates> {
        &self.templates
    }

    /// The settings the desk was started with.
    pub fn settings(&self) -> &Arc<Settings> {
        &self.settings
    }

    /// The clock (the wall clock, or a test's hand-moved one).
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Response and resolution due times from `now`: business hours on the city calendar, or the wall clock
    /// for urgent items.
    pub fn due_times(&self, d: &routing::Decision, now: i64) -> (i64, i64) {
        let cal = &self.city.calendar;
        (
            routing::sla::due_at(cal, now, d.response_hours, d.priority),
            routing::sla::due_at(cal, now, d.resolution_hours, d.priority),
        )
    }

    /// A request to store from a routing decision: department, category, language, priority, emergency kind,
    /// place and due times all come from the decision.
    pub(crate) fn new_request(
        &self,
        d: &routing::Decision,
        now: i64,
        f: Filing,
    ) -> crate::store::NewRequest {
        let (response_due_at, resolution_due_at) = self.due_times(d, now);
        let location = d.location.as_ref();
        crate::store::NewRequest {
            department: d.department.clone(),
            category: d.category.clone(),
            language: d.language,
            priority: d.priority,
            emergency: d.emergency.as_ref().map(|e| e.kind),
            location_text: location.map(|l| l.text.clone()),
            location_norm: location.map(|l| l.normalized.clone()),
            lat: location.and_then(|l| l.lat),
            lon: location.and_then(|l| l.lon),
            source: f.source,
            requester: f.requester,
            requester_name: f.requester_name,
            subject: f.subject,
            description: f.description,
            decision: serde_json::to_value(d).unwrap_or_default(),
            linked_to: None,
            response_due_at,
            resolution_due_at,
        }
    }

    /// An instant as staff and residents read it: the city's time zone, with its abbreviation
    /// (`2026-03-02 09:00 EST`).
    pub fn human_time(&self, ms: i64) -> String {
        crate::clock::human(&self.city.calendar, ms)
    }

    /// A due time as a resident reads it, in the city's time zone (with its abbreviation) and the resident's
    /// language.
    pub fn human_due(&self, ms: i64, lang: routing::Language) -> String {
        use chrono::{Datelike, Timelike};
        let t = self.city.calendar.local(ms);
        let (h, m) = (t.hour(), t.minute());
        let wd = t.weekday().num_days_from_monday() as usize;
        let mo = t.month0() as usize;
        if lang == routing::Language::Es {
            const D: [&str; 7] = [
                "lunes",
                "martes",
                "miércoles",
                "jueves",
                "viernes",
                "sábado",
                "domingo",
            ];
            const M: [&str; 12] = [
                "enero",
                "febrero",
                "marzo",
                "abril",
                "mayo",
                "junio",
                "julio",
                "agosto",
                "septiembre",
                "octubre",
                "noviembre",
                "diciembre",
            ];
            format!(
                "el {} {} de {} a las {h:02}:{m:02} ({})",
                D[wd],
                t.day(),
                M[mo],
                t.format("%Z")
            )
        } else {
            const D: [&str; 7] = [
                "Monday",
                "Tuesday",
                "Wednesday",
                "Thursday",
                "Friday",
                "Saturday",
                "Sunday",
            ];
            const M: [&str; 12] = [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ];
            let (h12, ampm) = match h {
                0 => (12, "AM"),
                1..=11 => (h, "AM"),
                12 => (12, "PM"),
                _ => (h - 12, "PM"),
            };
            format!(
                "by {}, {} {} at {h12}:{m:02} {ampm} {}",
                D[wd],
                M[mo],
                t.day(),
                t.format("%Z")
            )
        }
    }

    /// The domain of the city's 311 address.
    pub fn mail_domain(&self) -> &str {
        self.settings
            .mail
            .address
            .rsplit_once('@')
            .map(|(_, d)| d)
            .unwrap_or("localhost")
    }

    /// Whether an address belongs to city staff: by list or domain (staff of every department), or a
    /// department's own (its staff addresses, its mailbox when it works by email).
    pub fn is_staff_address(&self, email: &str) -> bool {
        self.is_city_staff_address(email) || self.is_any_department_address(email)
    }

    /// Whether an address is staff of every department (`mail.staff_addresses`, `mail.staff_domains`).
    pub fn is_city_staff_address(&self, email: &str) -> bool {
        let email = email.to_ascii_lowercase();
        let m = &self.settings.mail;
        m.staff_addresses
            .iter()
            .any(|a| a.eq_ignore_ascii_case(&email))
            || email
                .rsplit_once('@')
                .is_some_and(|(_, d)| m.staff_domains.iter().any(|s| s.eq_ignore_ascii_case(d)))
    }

    /// The city's own addresses and domains: never auto-replied to. Exact addresses (the 311 address, those of
    /// departments working by chat only, `mail.own_addresses`) plus only the domains configured in
    /// `mail.own_domains`: the 311 address's domain is not implicitly ours, since staff and departments write
    /// from it.
    pub fn own_addresses(&self) -> mail::guard::OwnAddresses {
        let m = &self.settings.mail;
        let mut addresses = vec![m.address.to_ascii_lowercase()];
        addresses.extend(m.own_addresses.iter().map(|a| a.to_ascii_lowercase()));
        addresses.extend(
            // A department working by email writes to us from its mailbox: it is staff, not us.
            self.city
                .departments
                .iter()
                .filter(|d| !d.notifies(routing::Notify::Email))
                .map(|d| d.email.to_ascii_lowercase()),
        );
        let domains = m
            .own_domains
            .iter()
            .map(|d| d.to_ascii_lowercase())
            .collect();
        mail::guard::OwnAddresses { addresses, domains }
    }

    pub(crate) fn reply_secret(&self) -> &[u8] {
        &self.reply_secret
    }
}

/// Who filed a request, through which channel, and what they wrote.
pub(crate) struct Filing {
    pub source: routing::Source,
    pub requester: String,
    pub requester_name: Option<String>,
    pub subject: String,
    pub description: String,
}

/// The configured reply-address key, or one generated once and kept in the data dir.
fn reply_secret(settings: &Settings) -> Result<Vec<u8>> {
    if let Some(s) = &settings.mail.reply_secret {
        return Ok(s.expose_secret().as_bytes().to_vec());
    }
    let path = settings.data_dir.join("reply-secret");
    if let Ok(existing) = std::fs::read(&path) {
        if existing.len() >= 16 {
            return Ok(existing);
        }
    }
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("creating data dir {}", settings.data_dir.display()))?;
    let mut key = vec![0u8; 32];
    use std::io::Read;
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut key))
        .context("reading /dev/urandom for the reply-address key")?;
    let hexkey = hex::encode(&key).into_bytes();
    std::fs::write(&path, &hexkey).with_context(|| format!("writing {}", path.display()))?;
    Ok(hexkey)
}
