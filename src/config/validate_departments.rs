//! The city's departments checked against the mail settings: a department that works by email must be
//! reachable and heard, so its mailbox is neither the 311 address nor one of the addresses taken for our own;
//! nor may a department's staff address be one of ours.

use anyhow::{bail, Result};
use routing::{CityConfig, Notify};

use super::validate::{base_address, domain};
use super::MailSettings;

/// Fails with the department's key and why when an email department's mailbox would loop or go unheard, or a
/// department's staff address would go unheard.
pub fn check_department_mail(city: &CityConfig, m: &MailSettings) -> Result<()> {
    for (i, d) in city.departments.iter().enumerate() {
        if d.notifies(Notify::Email) {
            let key = format!("departments[{i}].email");
            if base_address(&d.email) == base_address(&m.address) {
                bail!(
                    "{key}: `{}` is the 311 address (mail.address): its work orders would come back as new mail",
                    d.email
                );
            }
            check_not_ours(&key, &d.email, m)?;
        }
        for (j, a) in d.staff_emails.iter().enumerate() {
            check_not_ours(&format!("departments[{i}].staff_emails[{j}]"), a, m)?;
        }
    }
    Ok(())
}

/// A department address that is one of ours would be taken for our own automated mail.
fn check_not_ours(key: &str, address: &str, m: &MailSettings) -> Result<()> {
    const UNHEARD: &str = "its replies would be taken for our own automated mail and never heard";
    let base = base_address(address);
    if let Some(j) = m.own_addresses.iter().position(|a| base_address(a) == base) {
        bail!("{key}: `{address}` is also mail.own_addresses[{j}]: {UNHEARD}");
    }
    let at = base.rsplit_once('@').map_or("", |(_, d)| d);
    for (j, own) in m.own_domains.iter().enumerate() {
        let own = domain(own);
        if at == own || at.ends_with(&format!(".{own}")) {
            bail!("{key}: `{address}` is at mail.own_domains[{j}] `{own}`: {UNHEARD}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    fn check(mail: &str, streets: &str) -> Result<()> {
        let city = crate::config::EXAMPLE_CITY.replace(
            "email = \"streets@city.test\"\nchat_channel = \"1000000000000000101\"\n",
            &format!("email = \"{streets}\"\nnotify = [\"email\"]\n"),
        );
        let city = CityConfig::from_toml_str(&city).expect("edited example city");
        assert!(!city.departments[0].notifies(Notify::Chat), "the edit took");
        let s = Settings::from_toml_str(&format!("[mail]\n{mail}")).unwrap();
        check_department_mail(&city, &s.mail)
    }

    #[test]
    fn an_email_department_must_not_be_our_inbox_or_one_of_our_own() {
        let cases = [
            (
                "address = \"311@city.test\"",
                "311+x@City.test",
                "departments[0].email: `311+x@City.test` is the 311 address",
            ),
            (
                "own_addresses = [\"streets@city.test\"]",
                "streets@city.test",
                "is also mail.own_addresses[0]",
            ),
            (
                "own_domains = [\"works.city.test\"]",
                "streets@crew.works.city.test",
                "is at mail.own_domains[0] `works.city.test`",
            ),
        ];
        for (mail, streets, needle) in cases {
            let err = check(mail, streets).expect_err(mail).to_string();
            assert!(err.contains(needle), "{mail}: {err}");
        }
        check("address = \"311@city.test\"", "streets@city.test")
            .expect("a mailbox of its own is fine");
    }

    #[test]
    fn a_chat_departments_mailbox_may_be_ours_but_not_its_staff() {
        let city = CityConfig::from_toml_str(crate::config::EXAMPLE_CITY).unwrap();
        let s = Settings::from_toml_str("[mail]\nown_addresses = [\"parks@city.test\"]\n").unwrap();
        check_department_mail(&city, &s.mail).expect("parks works in chat: its mailbox is ours");
        let s = Settings::from_toml_str("[mail]\nown_domains = [\"staff.city.test\"]\n").unwrap();
        let err = check_department_mail(&city, &s.mail)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("departments[3].staff_emails[0]: `parks.crew@staff.city.test` is at mail.own_domains[0]"),
            "{err}"
        );
    }
}
