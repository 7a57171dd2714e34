//! Reading a staff member's email command: a first line such as `close: filled the pothole`, `cerrar: …`,
//! `status: acknowledged` or `reassign: parks`, in English or Spanish. Pure: whether the sender may give it is
//! the desk's business.

use crate::types::DepartmentId;

/// A command a staff member gave by email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffCommand {
    /// Close as resolved; the note is everything after the verb (the resident reads it).
    Close {
        note: String,
    },
    Acknowledge,
    /// Move to the department with this (lower-cased) id.
    Reassign {
        to: DepartmentId,
    },
}

// Command verbs are a fixed vocabulary staff are taught (like `STATUS` for residents), not wording to translate.
const CLOSE_VERBS: &[&str] = &["close", "cerrar", "closed", "cerrado"];
const STATUS_VERBS: &[&str] = &["status", "estado"];
const ACKNOWLEDGED_STATES: &[&str] = &[
    "acknowledged",
    "ack",
    "received",
    "recibido",
    "en atención",
    "en atencion",
];
const ACKNOWLEDGE_VERBS: &[&str] = &["ack", "acknowledge"];
const REASSIGN_VERBS: &[&str] = &["reassign", "reasignar"];

/// The command on the first non-empty line of `text` (`verb: rest`, or a bare `ack` as a work-order email
/// teaches), or `None` when it carries none.
pub fn parse_command(text: &str) -> Option<StaffCommand> {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let bare = first.trim_end_matches(['.', '!']).trim().to_lowercase();
    if ACKNOWLEDGE_VERBS.contains(&bare.as_str()) || ACKNOWLEDGED_STATES.contains(&bare.as_str()) {
        return Some(StaffCommand::Acknowledge);
    }
    let (verb, rest) = first.split_once(':')?;
    let rest = rest.trim();
    let verb = verb.trim().to_lowercase();
    let verb = verb.as_str();
    if CLOSE_VERBS.contains(&verb) {
        Some(StaffCommand::Close {
            note: close_note(text, rest),
        })
    } else if STATUS_VERBS.contains(&verb) {
        ACKNOWLEDGED_STATES
            .contains(&rest.to_lowercase().as_str())
            .then_some(StaffCommand::Acknowledge)
    } else if ACKNOWLEDGE_VERBS.contains(&verb) {
        Some(StaffCommand::Acknowledge)
    } else if REASSIGN_VERBS.contains(&verb) {
        Some(StaffCommand::Reassign {
            to: DepartmentId::new(rest.split_whitespace().next()?.to_lowercase()),
        })
    } else {
        None
    }
}

/// The whole reply after the command line is the note the resident reads, joined to the command line's rest.
fn close_note(text: &str, rest: &str) -> String {
    let tail: Vec<&str> = text
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .skip(1)
        .collect();
    let tail = tail.join("\n");
    let tail = tail.trim();
    if tail.is_empty() {
        rest.to_string()
    } else {
        format!("{rest}\n{tail}").trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(note: &str) -> Option<StaffCommand> {
        Some(StaffCommand::Close { note: note.into() })
    }

    fn reassign(to: &str) -> Option<StaffCommand> {
        Some(StaffCommand::Reassign {
            to: DepartmentId::new(to),
        })
    }

    #[test]
    fn commands() {
        assert_eq!(
            parse_command("close: filled the pothole\n\nthanks"),
            close("filled the pothole\nthanks")
        );
        assert!(matches!(
            parse_command("Cerrar: bache reparado"),
            Some(StaffCommand::Close { .. })
        ));
        assert_eq!(
            parse_command("status: acknowledged"),
            Some(StaffCommand::Acknowledge)
        );
        assert_eq!(parse_command("reassign: Parks please"), reassign("parks"));
        assert_eq!(parse_command("We will close it: soon"), None);
        assert_eq!(parse_command("status"), None);
    }

    #[test]
    fn english_and_spanish_forms_table() {
        let ack = Some(StaffCommand::Acknowledge);
        let cases: &[(&str, Option<StaffCommand>)] = &[
            ("close: filled", close("filled")),
            ("CLOSED: filled", close("filled")),
            ("cerrar: bache reparado", close("bache reparado")),
            ("Cerrado: listo", close("listo")),
            ("\n\n  close:  patched  \n", close("patched")),
            (
                "close:\nfilled the hole\ncold patch",
                close("filled the hole\ncold patch"),
            ),
            ("close:", close("")),
            ("status: acknowledged", ack.clone()),
            ("Status: ACK", ack.clone()),
            ("status: received", ack.clone()),
            ("estado: recibido", ack.clone()),
            ("estado: en atención", ack.clone()),
            ("estado: En Atencion", ack.clone()),
            ("ack: on it", ack.clone()),
            ("acknowledge:", ack.clone()),
            ("ack", ack.clone()),
            ("Ack.\nOn our list for Thursday", ack.clone()),
            ("  Acknowledged!  ", ack.clone()),
            ("recibido", ack.clone()),
            ("ack the pothole", None),
            ("reassign: parks", reassign("parks")),
            ("reasignar: PARKS por favor", reassign("parks")),
            ("status: closed", None),
            ("estado: cerrado", None),
            ("reassign:", None),
            ("reasignar:   ", None),
            ("acknowledged: yes", None),
            ("close it please", None),
            ("thanks\nclose: filled", None),
            ("", None),
            ("   \n  ", None),
        ];
        for (text, expected) in cases {
            assert_eq!(&parse_command(text), expected, "{text:?}");
        }
    }
}
