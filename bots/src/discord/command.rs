//! The `/311` slash command: its definition (registered per guild) and parsing into [`Command`].

use serenity::all::{
    CommandData, CommandDataOptionValue, CommandOptionType, CreateCommand, CreateCommandOption,
};

use crate::chat::Command;
use crate::markdown::truncate;
/// Discord allows at most 25 choices on an option.
const CHOICES_MAX: usize = 25;

/// `/311` and its subcommands. Department options offer the handler's departments as choices.
pub(crate) fn command_definition(departments: &[(String, String)]) -> CreateCommand {
    let text = |name: &str, description: &str, required: bool| {
        CreateCommandOption::new(CommandOptionType::String, name, description).required(required)
    };
    let department = |required: bool| {
        departments.iter().take(CHOICES_MAX).fold(
            text("department", "Department", required),
            |option, (id, name)| option.add_string_choice(truncate(name, 100), id.clone()),
        )
    };
    let reference = || {
        text(
            "reference",
            "Work order reference, e.g. 311-000123 (default: this thread's)",
            false,
        )
    };
    let sub = |name: &str, description: &str, options: Vec<CreateCommandOption>| {
        options.into_iter().fold(
            CreateCommandOption::new(CommandOptionType::SubCommand, name, description),
            CreateCommandOption::add_sub_option,
        )
    };
    CreateCommand::new("311")
        .description("City 311 desk")
        .dm_permission(false)
        .add_option(sub(
            "new",
            "File a new request",
            vec![text("text", "What is wrong, and where", true)],
        ))
        .add_option(sub(
            "close",
            "Close a work order (the resident reads the note)",
            vec![
                text("note", "Closing note for the resident", true),
                reference(),
            ],
        ))
        .add_option(sub(
            "reassign",
            "Move a work order to another department",
            vec![department(true), reference(), text("reason", "Why", false)],
        ))
        .add_option(sub(
            "status",
            "Show a work order",
            vec![text("reference", "Work order reference", true)],
        ))
        .add_option(sub(
            "find",
            "Search work orders",
            vec![text("query", "Words to look for", true)],
        ))
        .add_option(sub(
            "public",
            "Send a public update to the requester",
            vec![text("text", "Update for the resident", true), reference()],
        ))
        .add_option(sub(
            "overdue",
            "List overdue work orders",
            vec![department(false)],
        ))
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
    fn subcommands_parse_into_commands() {
        let cases = [
            (
                data("new", &[("text", " Broken light ")]),
                Ok(Command::New {
                    text: "Broken light".into(),
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
