//! Discord's documented limits on what a bot sends, refused as Discord refuses them: HTTP 400,
//! code 50035 "Invalid Form Body", with an `errors` tree naming each offending field.

use serde_json::{json, Map, Value};

/// Why a field was refused (Discord's error codes inside `_errors`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    MaxLength,
    BadLength,
    Regex,
    EmbedSize,
}

impl Rule {
    fn code(self) -> &'static str {
        match self {
            Rule::MaxLength => "BASE_TYPE_MAX_LENGTH",
            Rule::BadLength => "BASE_TYPE_BAD_LENGTH",
            Rule::Regex => "STRING_TYPE_REGEX",
            Rule::EmbedSize => "MAX_EMBED_SIZE_EXCEEDED",
        }
    }
}

#[derive(Debug)]
struct Problem {
    /// Dotted field path, e.g. `embeds.0.title`.
    path: String,
    rule: Rule,
    message: String,
}

/// The problems found in one request body; empty means Discord would accept it.
#[derive(Debug, Default)]
pub(crate) struct Invalid {
    problems: Vec<Problem>,
}

const MESSAGE_CONTENT: usize = 2000;
const EMBEDS: usize = 10;
const EMBED_TITLE: usize = 256;
const EMBED_DESCRIPTION: usize = 4096;
const EMBED_FIELDS: usize = 25;
const FIELD_NAME: usize = 256;
const FIELD_VALUE: usize = 1024;
const FOOTER_TEXT: usize = 2048;
const AUTHOR_NAME: usize = 256;
const EMBED_TOTAL: usize = 6000;
const ACTION_ROWS: usize = 5;
const ROW_COMPONENTS: usize = 5;
const CUSTOM_ID: usize = 100;
const BUTTON_LABEL: usize = 80;
const SELECT_OPTIONS: usize = 25;
const SELECT_OPTION_TEXT: usize = 100;
const SELECT_PLACEHOLDER: usize = 150;
const MODAL_TITLE: usize = 45;
const TEXT_INPUT_LABEL: usize = 45;
const THREAD_NAME: usize = 100;
const COMMAND_NAME: usize = 32;
const COMMAND_DESCRIPTION: usize = 100;
const COMMAND_OPTIONS: usize = 25;
const OPTION_CHOICES: usize = 25;
const CHOICE_NAME: usize = 100;

/// Discord counts characters (Unicode scalar values), not bytes.
fn chars(value: &Value) -> usize {
    value.as_str().map_or(0, |s| s.chars().count())
}

fn items(value: &Value) -> &[Value] {
    value.as_array().map_or(&[], Vec::as_slice)
}

fn join(at: &str, key: impl std::fmt::Display) -> String {
    if at.is_empty() {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}

impl Invalid {
    pub(crate) fn into_result(self) -> Result<(), Invalid> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }

    /// Discord's answer body: `{"code": 50035, "message": "Invalid Form Body", "errors": {…}}`.
    pub(crate) fn body(&self) -> Value {
        let mut errors = Map::new();
        for problem in &self.problems {
            let mut node = &mut errors;
            for segment in problem.path.split('.') {
                node = node
                    .entry(segment)
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
                    .expect("error tree nodes are objects");
            }
            let list = node.entry("_errors").or_insert_with(|| json!([]));
            if let Some(list) = list.as_array_mut() {
                list.push(json!({"code": problem.rule.code(), "message": problem.message}));
            }
        }
        json!({"code": 50035, "message": "Invalid Form Body", "errors": errors})
    }

    fn push(&mut self, path: String, rule: Rule, message: String) {
        self.problems.push(Problem {
            path,
            rule,
            message,
        });
    }

    /// A string field or an array of at most `max` characters / entries.
    fn max(&mut self, parent: &Value, at: &str, key: &str, max: usize) {
        let value = &parent[key];
        let len = value.as_array().map_or_else(|| chars(value), Vec::len);
        if len > max {
            let message = format!("Must be {max} or fewer in length.");
            self.push(join(at, key), Rule::MaxLength, message);
        }
    }

    /// A required string of 1..=`max` characters.
    fn between(&mut self, parent: &Value, at: &str, key: &str, max: usize) {
        let len = chars(&parent[key]);
        if !(1..=max).contains(&len) {
            let message = format!("Must be between 1 and {max} in length.");
            self.push(join(at, key), Rule::BadLength, message);
        }
    }
}

/// The files of a multipart message: at most [`MESSAGE_FILES`].
pub(crate) fn files(count: usize, found: &mut Invalid) {
    if count > MESSAGE_FILES {
        let message = format!("Must be {MESSAGE_FILES} or fewer in length.");
        found.push("attachments".into(), Rule::MaxLength, message);
    }
}

/// A channel history's `limit` outside 1–100.
pub(crate) fn history_limit(found: &mut Invalid) {
    let message = "int value should be less than or equal to 100.".to_string();
    found.push("limit".into(), Rule::MaxLength, message);
}

/// Discord: "up to 10 files" per message.
pub(crate) const MESSAGE_FILES: usize = 10;

/// A message body (create, edit, interaction answer, follow-up); `at` prefixes field paths.
pub(crate) fn message(body: &Value, at: &str, found: &mut Invalid) {
    found.max(body, at, "content", MESSAGE_CONTENT);
    found.max(body, at, "embeds", EMBEDS);
    let embeds = join(at, "embeds");
    let mut total = 0;
    for (i, embed) in items(&body["embeds"]).iter().enumerate() {
        total += self::embed(embed, &join(&embeds, i), found);
    }
    if total > EMBED_TOTAL {
        let message = format!("Embed size exceeds maximum size of {EMBED_TOTAL}");
        found.push(embeds, Rule::EmbedSize, message);
    }
    components(body, at, found);
}

/// Checks one embed and returns its text's share of the 6000-character total.
fn embed(embed: &Value, at: &str, found: &mut Invalid) -> usize {
    found.max(embed, at, "title", EMBED_TITLE);
    found.max(embed, at, "description", EMBED_DESCRIPTION);
    found.max(embed, at, "fields", EMBED_FIELDS);
    found.max(&embed["footer"], &join(at, "footer"), "text", FOOTER_TEXT);
    found.max(&embed["author"], &join(at, "author"), "name", AUTHOR_NAME);
    let mut total = chars(&embed["title"])
        + chars(&embed["description"])
        + chars(&embed["footer"]["text"])
        + chars(&embed["author"]["name"]);
    for (i, field) in items(&embed["fields"]).iter().enumerate() {
        let at = join(at, format!("fields.{i}"));
        found.max(field, &at, "name", FIELD_NAME);
        found.max(field, &at, "value", FIELD_VALUE);
        total += chars(&field["name"]) + chars(&field["value"]);
    }
    total
}

fn components(body: &Value, at: &str, found: &mut Invalid) {
    found.max(body, at, "components", ACTION_ROWS);
    for (r, row) in items(&body["components"]).iter().enumerate() {
        let row_at = join(at, format!("components.{r}"));
        found.max(row, &row_at, "components", ROW_COMPONENTS);
        for (c, component) in items(&row["components"]).iter().enumerate() {
            self::component(component, &join(&row_at, format!("components.{c}")), found);
        }
    }
}

fn component(component: &Value, at: &str, found: &mut Invalid) {
    found.max(component, at, "custom_id", CUSTOM_ID);
    match component["type"].as_u64() {
        Some(2) => found.max(component, at, "label", BUTTON_LABEL),
        Some(4) => found.max(component, at, "label", TEXT_INPUT_LABEL),
        Some(3) => {
            found.max(component, at, "placeholder", SELECT_PLACEHOLDER);
            found.max(component, at, "options", SELECT_OPTIONS);
            for (i, option) in items(&component["options"]).iter().enumerate() {
                let at = join(at, format!("options.{i}"));
                for key in ["label", "value", "description"] {
                    found.max(option, &at, key, SELECT_OPTION_TEXT);
                }
            }
        }
        _ => {}
    }
}

/// An interaction callback: message answers (4, 7) and modals (9) carry payloads in `data`.
pub(crate) fn interaction_response(body: &Value, found: &mut Invalid) {
    let data = &body["data"];
    match body["type"].as_u64() {
        Some(4 | 7) => message(data, "data", found),
        Some(9) => {
            found.max(data, "data", "custom_id", CUSTOM_ID);
            found.max(data, "data", "title", MODAL_TITLE);
            components(data, "data", found);
        }
        _ => {}
    }
}

/// Start-thread bodies.
pub(crate) fn thread(body: &Value, found: &mut Invalid) {
    found.between(body, "", "name", THREAD_NAME);
}

/// One application command; `at` is `""` for a single command or its index in a bulk overwrite.
pub(crate) fn command(body: &Value, at: &str, found: &mut Invalid) {
    name_and_description(body, at, found);
    found.max(body, at, "options", COMMAND_OPTIONS);
    for (i, option) in items(&body["options"]).iter().enumerate() {
        self::option(option, &join(at, format!("options.{i}")), found);
    }
}

fn option(option: &Value, at: &str, found: &mut Invalid) {
    command(option, at, found);
    found.max(option, at, "choices", OPTION_CHOICES);
    for (i, choice) in items(&option["choices"]).iter().enumerate() {
        found.between(
            choice,
            &join(at, format!("choices.{i}")),
            "name",
            CHOICE_NAME,
        );
    }
}

fn name_and_description(body: &Value, at: &str, found: &mut Invalid) {
    found.between(body, at, "name", COMMAND_NAME);
    // Chat-input command names: `^[-_\p{L}\p{N}]{1,32}$`, lowercase where the letter has a case.
    let name = body["name"].as_str().unwrap_or("");
    let fits = name
        .chars()
        .all(|c| (c.is_alphanumeric() || c == '-' || c == '_') && !c.is_uppercase());
    if !fits {
        let message = "String value did not match validation regex.".to_string();
        found.push(join(at, "name"), Rule::Regex, message);
    }
    found.between(body, at, "description", COMMAND_DESCRIPTION);
}
