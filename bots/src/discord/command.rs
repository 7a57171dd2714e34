//! The `/311` slash command: its definition (registered per guild) and parsing into [`Command`].

use serenity::all::{
    CommandData, CommandDataOptionValue, CommandOptionType, CreateCommand, CreateCommandOption,
};

use crate::chat::Command;
use crate::markdown::truncate;
/// Discord allows at most 25 choices on an option.
const CHOICES_MAX: usize = 25;

/// `/311` and its subcommands. Department options offer the handler's departments as choices when they all
/// fit, else autocomplete them from what the member types (see [`department_matches`]).
pub(crate) fn command_definition(departments: &[(String, String)]) -> CreateCommand {
    subcommands(departments).into_iter().fold(
        CreateCommand::new("311")
            .description("City 311 desk")
            .dm_permission(false),
        CreateCommand::add_option,
    )
}

/// The subcommands of `/311`, in the order Discord lists them.
fn subcommands(departments: &[(String, String)]) -> Vec<CreateCommandOption> {
    let department =
        |required: bool| department_option(departments, "department", "Department", required);
    let filing_for = department_option(
        departments,
        "for",
        "The department you file for (when you work for several)",
        false,
    );
    let reference = || {
        text(
            "reference",
            "Work order reference, e.g. 311-000123 (default: this thread's)",
            false,
        )
    };
    vec![
        sub(
            "new",
            "File a new request",
            vec![text("text", "What is wrong, and where", true), filing_for],
        ),
        sub(
            "close",
            "Close a work order (the resident reads the note)",
            vec![
                text("note", "Closing note for the resident", true),
                reference(),
            ],
        ),
        sub(
            "reassign",
            "Move a work order to another department",
            vec![department(true), reference(), text("reason", "Why", false)],
        ),
        sub(
            "status",
            "Show a work order",
            vec![text("reference", "Work order reference", true)],
        ),
        sub(
            "find",
            "Search work orders",
            vec![text("query", "Words to look for", true)],
        ),
        sub(
            "public",
            "Send a public update to the requester",
            vec![text("text", "Update for the resident", true), reference()],
        ),
        sub(
            "overdue",
            "List overdue work orders",
            vec![department(false)],
        ),
        sub("mine", "Your open internal requests", Vec::new()),
        sub(
            "asked",
            "Open requests a department asked other departments for",
            vec![department(false)],
        ),
        sub(
            "owed",
            "Open internal requests a department owes others",
            vec![department(false)],
        ),
    ]
}

/// A text option.
fn text(name: &str, description: &str, required: bool) -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::String, name, description).required(required)
}

/// A department option: the departments as choices when they fit, else autocompleted.
fn department_option(
    departments: &[(String, String)],
    name: &str,
    description: &str,
    required: bool,
) -> CreateCommandOption {
    let option = text(name, description, required);
    if departments.len() > CHOICES_MAX {
        return option.set_autocomplete(true);
    }
    departments.iter().fold(option, |option, (id, name)| {
        option.add_string_choice(truncate(name, 100), id.clone())
    })
}

/// A subcommand with its options.
fn sub(name: &str, description: &str, options: Vec<CreateCommandOption>) -> CreateCommandOption {
    options.into_iter().fold(
        CreateCommandOption::new(CommandOptionType::SubCommand, name, description),
        CreateCommandOption::add_sub_option,
    )
}

/// The departments whose id or name contains `typed` (case-insensitive), at most as many as Discord shows.
pub(crate) fn department_matches<'a>(
    departments: &'a [(String, String)],
    typed: &str,
) -> Vec<&'a (String, String)> {
    let typed = typed.trim().to_lowercase();
    departments
        .iter()
        .filter(|(id, name)| {
            id.to_lowercase().contains(&typed) || name.to_lowercase().contains(&typed)
        })
        .take(CHOICES_MAX)
        .collect()
}

/// Reads `/311 <sub> ...` into a [`Command`]; `Err` is a message for the member.
pub(crate) fn parse_command(data: &CommandData) -> Result<Command, String> {
    let unknown = || format!("Unknown command `/{}`.", data.name);
    if data.name != "311" {
        return Err(unknown());
    }
    let sub = data.options.first().ok_or_else(unknown)?;
    let CommandDataOptionValue::SubCommand(options) = &sub.value else {
        return Err(unknown());
    };
    let get = |name: &str| {
        options
            .iter()
            .find(|o| o.name == name)
            .and_then(|o| o.value.as_str())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let need = |name: &str| get(name).ok_or_else(|| format!("`{name}` is required."));
    Ok(match sub.name.as_str() {
        "new" => Command::New {
            text: need("text")?,
            department: get("for"),
        },
        "close" => Command::Close {
            reference: get("reference"),
            note: need("note")?,
        },
        "reassign" => Command::Reassign {
            reference: get("reference"),
            department: need("department")?,
            reason: get("reason"),
        },
        "status" => Command::Status {
            reference: need("reference")?,
        },
        "find" => Command::Find {
            query: need("query")?,
        },
        "public" => Command::Public {
            reference: get("reference"),
            text: need("text")?,
        },
        "overdue" => Command::Overdue {
            department: get("department"),
        },
        "mine" => Command::Mine,
        "asked" => Command::Asked {
            department: get("department"),
        },
        "owed" => Command::Owed {
            department: get("department"),
        },
        other => return Err(format!("Unknown subcommand `{other}`.")),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn data(sub: &str, options: &[(&str, &str)]) -> CommandData {
        let options: Vec<_> = options
            .iter()
            .map(|(n, v)| json!({"name": n, "type": 3, "value": v}))
            .collect();
        let raw = json!({"id": "1", "name": "311", "type": 1, "options": [{"name": sub, "type": 1, "options": options}]});
        serde_json::from_value(raw).expect("command data")
    }

    #[test]
    fn department_matches_by_id_or_name_and_at_most_25() {
        let departments: Vec<(String, String)> = (1..=40)
            .map(|i| (format!("dept{i:02}"), format!("Department {i}")))
            .collect();
        assert_eq!(department_matches(&departments, "").len(), 25);
        let ids = |typed| -> Vec<&str> {
            department_matches(&departments, typed)
                .into_iter()
                .map(|(id, _)| id.as_str())
                .collect()
        };
        assert_eq!(ids("DEPT40"), ["dept40"]);
        assert_eq!(ids("department 40"), ["dept40"]);
        assert_eq!(ids(" 40 "), ["dept40"]);
        assert_eq!(ids("4").len(), 5);
        assert_eq!(ids("nothing"), Vec::<&str>::new());
        let small = &departments[..3];
        let registered = serde_json::to_value(command_definition(small)).unwrap();
        assert_eq!(
            registered["options"][2]["options"][0]["choices"][2]["value"],
            "dept03"
        );
        let registered = serde_json::to_value(command_definition(&departments)).unwrap();
        let option = &registered["options"][2]["options"][0];
        assert_eq!(option["autocomplete"], true);
        assert!(
            option["choices"].as_array().is_none_or(Vec::is_empty),
            "{option}"
        );
    }

    #[test]
    fn subcommands_parse_into_commands() {
        let cases = [
            (
                data("new", &[("text", " Broken light ")]),
                Ok(Command::New {
                    text: "Broken light".into(),
                    department: None,
                }),
            ),
            (
                data("close", &[("note", "done")]),
                Ok(Command::Close {
                    reference: None,
                    note: "done".into(),
                }),
            ),
            (
                data(
                    "reassign",
                    &[
                        ("department", "parks"),
                        ("reference", "311-1"),
                        ("reason", "wrong"),
                    ],
                ),
                Ok(Command::Reassign {
                    reference: Some("311-1".into()),
                    department: "parks".into(),
                    reason: Some("wrong".into()),
                }),
            ),
            (
                data("status", &[("reference", "311-1")]),
                Ok(Command::Status {
                    reference: "311-1".into(),
                }),
            ),
            (
                data("find", &[("query", "elm")]),
                Ok(Command::Find {
                    query: "elm".into(),
                }),
            ),
            (
                data("public", &[("text", "soon")]),
                Ok(Command::Public {
                    reference: None,
                    text: "soon".into(),
                }),
            ),
            (
                data("overdue", &[]),
                Ok(Command::Overdue { department: None }),
            ),
            (
                data("close", &[("note", "  ")]),
                Err("`note` is required.".to_string()),
            ),
            (
                data("zap", &[]),
                Err("Unknown subcommand `zap`.".to_string()),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_command(&input), expected);
        }
    }
}
