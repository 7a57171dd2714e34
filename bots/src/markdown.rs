//! Making untrusted text inert in Discord: markdown escaped, mass mentions and mention syntax defused.

/// Characters that are markdown anywhere in a line (emphasis, code, spoilers, masked links, mentions).
const INLINE: &[char] = &['\\', '*', '_', '~', '`', '|', '[', ']', '<', '>'];
/// Characters that are markdown only as the first non-blank character of a line (headers, lists, quotes).
const LINE_START: &[char] = &['#', '-', '+', '>'];
const ZERO_WIDTH_SPACE: char = '\u{200B}';

/// Discord markdown ready to post: the bot's own formatting renders, and every piece of untrusted text was
/// escaped where it was embedded. Converting a `String`/`&str` treats it as untrusted (escapes it all).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Markdown(String);

impl Markdown {
    /// Untrusted text, escaped so it renders literally.
    pub fn plain(text: &str) -> Self {
        Markdown(escape_markdown(text))
    }

    /// The bot's own markdown: `text` must hold no untrusted content.
    pub fn bot(text: impl Into<String>) -> Self {
        Markdown(text.into())
    }

    /// Appends the bot's own markdown.
    pub fn push_bot(&mut self, text: &str) {
        self.0.push_str(text);
    }

    /// Appends untrusted text, escaped.
    pub fn push_plain(&mut self, text: &str) {
        self.0.push_str(&escape_markdown(text));
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Markdown {
    fn from(text: &str) -> Self {
        Markdown::plain(text)
    }
}

impl From<String> for Markdown {
    fn from(text: String) -> Self {
        Markdown::plain(&text)
    }
}

impl std::fmt::Display for Markdown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Escapes Discord markdown so untrusted text renders literally, and neutralises `@everyone`,
/// `@here` and `<@..>` / `<@&..>` / `<#..>` visually too (a zero-width space after `@`, an escaped
/// `<`). Posts also go out with mentions disabled; this keeps the text from even looking like a ping.
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        escape_line(line, &mut out);
    }
    out
}

fn escape_line(line: &str, out: &mut String) {
    let indent = line.len() - line.trim_start().len();
    out.push_str(&line[..indent]);
    let rest = &line[indent..];
    let mut chars = rest.chars().peekable();
    if let Some(&first) = chars.peek() {
        if LINE_START.contains(&first) && !INLINE.contains(&first) {
            out.push('\\');
        }
    }
    // "1. item" is an ordered list: escape the dot after a leading number.
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let numbered = digits > 0 && rest[digits..].starts_with(". ");
    let mut pos = 0usize;
    while let Some(c) = chars.next() {
        if numbered && pos == digits {
            out.push('\\');
        }
        if INLINE.contains(&c) {
            out.push('\\');
        }
        out.push(c);
        let defuse = match c {
            '@' => starts_with_mass_mention(chars.clone()),
            // `<@id>`, `<@&id>`, `<#id>`: the escaped `<` already stops Discord parsing a mention;
            // the zero-width space keeps the raw text from matching mention syntax anywhere else.
            '<' => matches!(chars.peek(), Some('@' | '#')),
            _ => false,
        };
        if defuse {
            out.push(ZERO_WIDTH_SPACE);
        }
        pos += c.len_utf8();
    }
}

fn starts_with_mass_mention(rest: impl Iterator<Item = char>) -> bool {
    let word: String = rest.take(8).collect::<String>().to_ascii_lowercase();
    word.starts_with("everyone") || word.starts_with("here")
}

/// Cuts `s` to at most `max` characters, marking the cut with an ellipsis.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    // Never leave a dangling escape backslash at the cut.
    let trailing = out.chars().rev().take_while(|&c| c == '\\').count();
    if trailing % 2 == 1 {
        out.pop();
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_defused() {
        let out = escape_markdown("hi @everyone and @here, <@123> <@&9> <#5>");
        assert!(!out.contains("@everyone"));
        assert!(!out.contains("@here"));
        assert!(!out.contains("<@"));
        assert!(!out.contains("<#"));
        assert!(out.contains("\\<\u{200B}@123\\>"));
    }

    #[test]
    fn markdown_is_escaped() {
        assert_eq!(
            escape_markdown("**bold** _it_ `code`"),
            "\\*\\*bold\\*\\* \\_it\\_ \\`code\\`"
        );
        assert_eq!(escape_markdown("[x](http://e)"), "\\[x\\](http://e)");
        assert_eq!(
            escape_markdown("# big\n- item\n> quote"),
            "\\# big\n\\- item\n\\> quote"
        );
        assert_eq!(escape_markdown("1. one"), "1\\. one");
        assert_eq!(escape_markdown("311-000123 a-b"), "311-000123 a-b");
        assert_eq!(escape_markdown("||spoiler||"), "\\|\\|spoiler\\|\\|");
        assert_eq!(escape_markdown("back\\slash"), "back\\\\slash");
    }

    #[test]
    fn markdown_escapes_only_what_is_embedded_as_plain() {
        let mut m = Markdown::bot("Filed as **311-000007**: ");
        m.push_plain("*wow* @everyone");
        assert_eq!(
            m.as_str(),
            "Filed as **311-000007**: \\*wow\\* @\u{200B}everyone"
        );
        assert_eq!(Markdown::from("a_b").as_str(), "a\\_b");
    }

    #[test]
    fn plain_text_is_untouched() {
        assert_eq!(
            escape_markdown("Pothole on Main St. near 5th, ñandú"),
            "Pothole on Main St. near 5th, ñandú"
        );
    }

    #[test]
    fn truncate_counts_chars_and_never_splits_an_escape() {
        assert_eq!(truncate("abc", 5), "abc");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("ab\\*cd", 4), "ab…");
        assert_eq!(truncate("ñññññ", 3), "ññ…");
    }
}
