//! How a work order looks in Discord: the embed, its buttons, its thread name, and the custom ids
//! that carry a reference through buttons, modals and selects.

use serenity::all::{
    ButtonStyle, Colour, CreateActionRow, CreateButton, CreateEmbed, CreateEmbedFooter,
    CreateInputText, CreateSelectMenu, CreateSelectMenuKind, CreateSelectMenuOption,
    InputTextStyle, Timestamp,
};

use crate::chat::WorkOrderCard;
use crate::markdown::{escape_markdown, truncate};

/// Discord limits (characters) the card must respect.
const TITLE_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 3500;
const FIELD_MAX: usize = 1024;
const THREAD_NAME_MAX: usize = 100;
/// Discord allows at most 25 options in a select menu.
const SELECT_OPTIONS_MAX: usize = 25;
/// Discord caps an embed's title, description, field names and values, footer and author together.
const EMBED_TOTAL_MAX: usize = 6000;

/// What a component or modal custom id asks for. References never contain `:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CardAction {
    /// `wo:ack:REF` — the Acknowledge button.
    Acknowledge { reference: String },
    /// `wo:close:REF` — the Close button (answers with the closing-note modal).
    Close { reference: String },
    /// `wo:reassign:REF` — the Reassign button (answers with the department select).
    Reassign { reference: String },
    /// `wo:note:REF:MESSAGE` — the closing-note modal for the card `MESSAGE`.
    CloseNote {
        reference: String,
        card_message: String,
    },
    /// `wo:dept:REF:MESSAGE` — the department select for the card `MESSAGE`.
    PickDepartment {
        reference: String,
        card_message: String,
    },
}

impl CardAction {
    pub(crate) fn custom_id(&self) -> String {
        match self {
            Self::Acknowledge { reference } => format!("wo:ack:{reference}"),
            Self::Close { reference } => format!("wo:close:{reference}"),
            Self::Reassign { reference } => format!("wo:reassign:{reference}"),
            Self::CloseNote {
                reference,
                card_message,
            } => format!("wo:note:{reference}:{card_message}"),
            Self::PickDepartment {
                reference,
                card_message,
            } => {
                format!("wo:dept:{reference}:{card_message}")
            }
        }
    }

    pub(crate) fn parse(custom_id: &str) -> Option<Self> {
        let mut parts = custom_id.split(':');
        if parts.next()? != "wo" {
            return None;
        }
        let verb = parts.next()?;
        let reference = parts.next().filter(|r| !r.is_empty())?.to_string();
        let card_message = parts.next().map(str::to_string);
        if parts.next().is_some() {
            return None;
        }
        Some(match (verb, card_message) {
            ("ack", None) => Self::Acknowledge { reference },
            ("close", None) => Self::Close { reference },
            ("reassign", None) => Self::Reassign { reference },
            ("note", Some(card_message)) => Self::CloseNote {
                reference,
                card_message,
            },
            ("dept", Some(card_message)) => Self::PickDepartment {
                reference,
                card_message,
            },
            _ => return None,
        })
    }
}

/// The custom id of the closing-note text input inside the Close modal.
pub(crate) const NOTE_INPUT: &str = "note";

pub(crate) fn embed(card: &WorkOrderCard) -> CreateEmbed {
    let title = if card.emergency {
        format!("🚨 EMERGENCY · {} · {}", card.reference, card.title)
    } else {
        format!("{} · {}", card.reference, card.title)
    };
    let colour = if card.emergency && !card.is_closed() {
        Colour::RED
    } else if card.is_closed() {
        Colour::DARK_GREY
    } else {
        Colour::BLUE
    };
    let mut fields = vec![
        ("Status", card.status.clone()),
        ("Priority", card.priority.clone()),
        ("Department", card.department.clone()),
        ("Category", card.category.clone()),
        ("Due", card.due.clone().unwrap_or_else(|| "—".into())),
        ("Language", card.language.clone()),
        ("Requester", card.requester.clone()),
    ];
    if let Some(location) = &card.location {
        fields.push(("Location", location.clone()));
    }
    if card.reporters > 1 {
        fields.push(("Reporters", card.reporters.to_string()));
    }
    if !card.attachments.is_empty() {
        let name = if card.photo.is_some() {
            "Other attachments"
        } else {
            "Attachments"
        };
        fields.push((name, card.attachments.join(", ")));
    }
    if let Some(last) = &card.last_action {
        fields.push(("Last action", last.clone()));
    }
    let description = if card.text.trim().is_empty() {
        "*(no text)*".to_string()
    } else {
        truncate(&escape_markdown(&card.text), DESCRIPTION_MAX)
    };
    let text = EmbedText {
        title: truncate(&escape_markdown(&title), TITLE_MAX),
        description,
        fields: fields
            .into_iter()
            .map(|(name, value)| (name, field_value(&value)))
            .collect(),
        footer: card.reference.clone(),
    }
    .fit(EMBED_TOTAL_MAX);
    let embed = match &card.photo {
        // The posted file of that name (the adapter posts files under their safe names), through every edit.
        Some(photo) => CreateEmbed::new().image(format!(
            "attachment://{}",
            super::attachments::safe_name(photo)
        )),
        None => CreateEmbed::new(),
    };
    embed
        .title(text.title)
        .description(text.description)
        .colour(colour)
        .fields(
            text.fields
                .into_iter()
                .map(|(name, value)| (name, value, true)),
        )
        .footer(CreateEmbedFooter::new(text.footer))
        .timestamp(Timestamp::now())
}

/// The texts of a card's embed, each already cut to its own limit.
#[derive(Debug, Clone, PartialEq)]
struct EmbedText {
    title: String,
    description: String,
    fields: Vec<(&'static str, String)>,
    footer: String,
}

impl EmbedText {
    /// Characters Discord counts toward the embed total.
    fn total(&self) -> usize {
        let count = |s: &str| s.chars().count();
        count(&self.title)
            + count(&self.description)
            + self
                .fields
                .iter()
                .map(|(name, value)| count(name) + count(value))
                .sum::<usize>()
            + count(&self.footer)
    }

    /// Fits the embed within `max` characters in all: the description shortens first, then the longest
    /// field values, each cut marked with "…".
    fn fit(mut self, max: usize) -> Self {
        let over = self.total().saturating_sub(max);
        if over > 0 {
            let keep = self.description.chars().count().saturating_sub(over).max(1);
            self.description = truncate(&self.description, keep);
        }
        while self.total() > max {
            let over = self.total() - max;
            let Some((_, value)) = self
                .fields
                .iter_mut()
                .max_by_key(|(_, v)| v.chars().count())
                .filter(|(_, v)| v.chars().count() > 1)
            else {
                break;
            };
            let keep = value.chars().count().saturating_sub(over).max(1);
            *value = truncate(value, keep);
        }
        self
    }
}

/// Field values may not be empty on Discord.
fn field_value(value: &str) -> String {
    if value.trim().is_empty() {
        "—".into()
    } else {
        truncate(&escape_markdown(value), FIELD_MAX)
    }
}

/// The card's buttons; none once the work order is closed.
pub(crate) fn buttons(card: &WorkOrderCard) -> Vec<CreateActionRow> {
    if card.is_closed() {
        return Vec::new();
    }
    let reference = card.reference.clone();
    vec![CreateActionRow::Buttons(vec![
        CreateButton::new(
            CardAction::Acknowledge {
                reference: reference.clone(),
            }
            .custom_id(),
        )
        .label("Acknowledge")
        .style(ButtonStyle::Primary),
        CreateButton::new(
            CardAction::Close {
                reference: reference.clone(),
            }
            .custom_id(),
        )
        .label("Close")
        .style(ButtonStyle::Success),
        CreateButton::new(CardAction::Reassign { reference }.custom_id())
            .label("Reassign")
            .style(ButtonStyle::Secondary),
    ])]
}

/// Thread names are plain text (no markdown), one line, at most 100 characters.
pub(crate) fn thread_name(reference: &str, title: &str) -> String {
    let one_line: String = format!("{reference} {title}")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    truncate(one_line.trim(), THREAD_NAME_MAX)
}

pub(crate) fn close_note_input() -> CreateActionRow {
    CreateActionRow::InputText(
        CreateInputText::new(
            InputTextStyle::Paragraph,
            "Closing note (the resident reads this)",
            NOTE_INPUT,
        )
        .required(true)
        .max_length(1000),
    )
}

/// Departments on one page of the Reassign menu when they do not all fit: the last option turns the page.
const PAGE: usize = SELECT_OPTIONS_MAX - 1;
/// Prefix of the option value that turns the Reassign menu to the page starting at that department index.
const PAGE_VALUE: &str = "wo-page:";

/// What a pick in the Reassign menu means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DepartmentPick {
    Department(String),
    /// "More…": show the page starting at this index.
    Page(usize),
}

impl DepartmentPick {
    /// Reads a picked value; a value that is a known department id always means that department.
    pub(crate) fn parse(value: &str, departments: &[(String, String)]) -> Self {
        if departments.iter().any(|(id, _)| id == value) {
            return Self::Department(value.to_string());
        }
        match value.strip_prefix(PAGE_VALUE).map(str::parse) {
            Some(Ok(start)) => Self::Page(start),
            _ => Self::Department(value.to_string()),
        }
    }
}

/// The Reassign menu's page of departments starting at `start`: all of them when they fit in one menu,
/// otherwise [`PAGE`] of them and a last option that opens the next page (from the last, the first).
pub(crate) fn department_select(
    reference: &str,
    card_message: &str,
    departments: &[(String, String)],
    start: usize,
) -> CreateActionRow {
    let option = |(id, name): &(String, String)| {
        CreateSelectMenuOption::new(truncate(name, 100), id.clone())
    };
    let options = if departments.len() <= SELECT_OPTIONS_MAX {
        departments.iter().map(option).collect()
    } else {
        let start = if start < departments.len() { start } else { 0 };
        let end = (start + PAGE).min(departments.len());
        let next = if end == departments.len() { 0 } else { end };
        let label = if next == 0 {
            "Back to the first departments…".to_string()
        } else {
            format!(
                "More… ({}–{} of {})",
                next + 1,
                (next + PAGE).min(departments.len()),
                departments.len()
            )
        };
        let more = CreateSelectMenuOption::new(label, format!("{PAGE_VALUE}{next}"));
        departments[start..end]
            .iter()
            .map(option)
            .chain(std::iter::once(more))
            .collect()
    };
    let custom_id = CardAction::PickDepartment {
        reference: reference.to_string(),
        card_message: card_message.to_string(),
    }
    .custom_id();
    CreateActionRow::SelectMenu(
        CreateSelectMenu::new(custom_id, CreateSelectMenuKind::String { options })
            .placeholder("Choose the department"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_ids_round_trip() {
        let actions = [
            CardAction::Acknowledge {
                reference: "311-000123".into(),
            },
            CardAction::Close {
                reference: "311-000123".into(),
            },
            CardAction::Reassign {
                reference: "311-000123".into(),
            },
            CardAction::CloseNote {
                reference: "311-1".into(),
                card_message: "42".into(),
            },
            CardAction::PickDepartment {
                reference: "311-1".into(),
                card_message: "42".into(),
            },
        ];
        for action in actions {
            assert_eq!(CardAction::parse(&action.custom_id()), Some(action));
        }
        assert_eq!(
            CardAction::Acknowledge {
                reference: "311-000123".into()
            }
            .custom_id(),
            "wo:ack:311-000123"
        );
        for junk in [
            "",
            "wo",
            "wo:ack",
            "wo:ack:",
            "xx:ack:1",
            "wo:ack:1:2",
            "wo:note:1",
            "wo:zap:1",
        ] {
            assert_eq!(CardAction::parse(junk), None, "{junk}");
        }
    }

    fn embed_text(description: usize, values: &[usize]) -> EmbedText {
        EmbedText {
            title: "t".repeat(10),
            description: "d".repeat(description),
            fields: values.iter().map(|&n| ("Name", "v".repeat(n))).collect(),
            footer: "311-1".into(),
        }
    }

    #[test]
    fn an_embed_within_the_total_is_untouched() {
        let fits = embed_text(100, &[10, 20]);
        assert_eq!(fits.clone().fit(EMBED_TOTAL_MAX), fits);
        let exact = embed_text(EMBED_TOTAL_MAX - 15 - 2 * 1024 - 8, &[1024, 1024]);
        assert_eq!(exact.total(), EMBED_TOTAL_MAX);
        assert_eq!(exact.clone().fit(EMBED_TOTAL_MAX), exact);
    }

    #[test]
    fn the_description_shortens_first_to_fit_the_total() {
        let one_over = embed_text(EMBED_TOTAL_MAX - 15 - 2 * 1024 - 8 + 1, &[1024, 1024]);
        let fitted = one_over.clone().fit(EMBED_TOTAL_MAX);
        assert_eq!(fitted.total(), EMBED_TOTAL_MAX);
        assert!(fitted.description.ends_with('…'));
        assert_eq!(fitted.fields, one_over.fields);
    }

    #[test]
    fn fields_shorten_longest_first_once_the_description_is_spent() {
        let fitted = embed_text(DESCRIPTION_MAX, &[1024; 7]).fit(EMBED_TOTAL_MAX);
        assert!(fitted.total() <= EMBED_TOTAL_MAX, "{}", fitted.total());
        assert_eq!(fitted.description, "…");
        assert!(fitted.fields.iter().any(|(_, v)| v.ends_with('…')));
        let tiny = embed_text(10, &[1; 3]).fit(5);
        assert_eq!(tiny.description, "…");
    }

    #[test]
    fn a_real_card_at_every_limit_fits_the_total() {
        let long = "x".repeat(5000);
        let card = WorkOrderCard {
            title: long.clone(),
            text: long.clone(),
            location: Some(long.clone()),
            attachments: vec![long.clone()],
            last_action: Some(long.clone()),
            requester: long.clone(),
            ..card()
        };
        let embed = serde_json::to_value(embed(&card)).unwrap();
        let count = |v: &serde_json::Value| v.as_str().map_or(0, |s| s.chars().count());
        let total = count(&embed["title"])
            + count(&embed["description"])
            + count(&embed["footer"]["text"])
            + embed["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| count(&f["name"]) + count(&f["value"]))
                .sum::<usize>();
        assert!(total <= EMBED_TOTAL_MAX, "{total}");
        assert!(count(&embed["title"]) <= TITLE_MAX);
    }

    fn card() -> WorkOrderCard {
        WorkOrderCard {
            reference: "311-000001".into(),
            title: "t".into(),
            department: "Roads".into(),
            category: "Pothole".into(),
            location: None,
            language: "en".into(),
            priority: "normal".into(),
            due: None,
            requester: "r".into(),
            text: "x".into(),
            attachments: Vec::new(),
            photo: None,
            status: "open".into(),
            last_action: None,
            emergency: false,
            reporters: 1,
        }
    }

    fn departments(n: usize) -> Vec<(String, String)> {
        (1..=n)
            .map(|i| (format!("d{i}"), format!("Department {i}")))
            .collect()
    }

    fn option_values(row: CreateActionRow) -> Vec<String> {
        let row = serde_json::to_value(row).unwrap();
        row["components"][0]["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["value"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn the_reassign_menu_pages_through_every_department() {
        assert_eq!(
            option_values(department_select("311-1", "9", &departments(25), 0)).len(),
            25
        );
        let forty = departments(40);
        let first = option_values(department_select("311-1", "9", &forty, 0));
        assert_eq!(first.len(), SELECT_OPTIONS_MAX);
        assert_eq!(first[23], "d24");
        assert_eq!(first[24], "wo-page:24");
        let second = option_values(department_select("311-1", "9", &forty, 24));
        assert_eq!(second.len(), 17);
        assert_eq!(second[15], "d40");
        assert_eq!(second[16], "wo-page:0");
        assert_eq!(
            DepartmentPick::parse("wo-page:24", &forty),
            DepartmentPick::Page(24)
        );
        assert_eq!(
            DepartmentPick::parse("d40", &forty),
            DepartmentPick::Department("d40".into())
        );
    }

    #[test]
    fn thread_names_are_one_short_line() {
        assert_eq!(
            thread_name("311-1", "Pothole\non Main"),
            "311-1 Pothole on Main"
        );
        assert_eq!(thread_name("311-1", &"x".repeat(300)).chars().count(), 100);
    }
}
