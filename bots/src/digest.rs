//! The sweeper's digest of one channel's overdue work, and its rendering as lines that fit one Discord
//! embed description: as many entries as fit, then "…and N more" with the count of the rest.

use serde::{Deserialize, Serialize};

use crate::markdown::{escape_markdown, truncate};

/// Discord's limit for an embed description.
pub const DESCRIPTION_MAX: usize = 4096;
/// How much of a request's title a digest line shows.
const TITLE_MAX: usize = 60;

/// One channel's overdue and escalated work, most urgent first, as one sweep saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Digest {
    /// The bot's own heading, e.g. "Overdue work: Streets".
    pub heading: String,
    pub entries: Vec<DigestEntry>,
    /// When the sweep made it, in city time (shown in the footer).
    pub updated: String,
}

/// One overdue request in a digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigestEntry {
    pub reference: String,
    /// Untrusted resident text: escaped and cut when rendered.
    pub title: String,
    /// The due time that passed, in city time.
    pub due: String,
    pub marks: Vec<DigestMark>,
}

/// Why a request is in the digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DigestMark {
    /// Not acknowledged by its response due time.
    ResponseOverdue,
    /// Not resolved by its resolution due time.
    ResolutionOverdue,
    /// Escalated to the supervisors.
    Escalated,
}

impl DigestMark {
    fn text(self) -> &'static str {
        match self {
            DigestMark::ResponseOverdue => "⏰ not acknowledged",
            DigestMark::ResolutionOverdue => "⏰ not resolved",
            DigestMark::Escalated => "⚠️ escalated",
        }
    }
}

impl Digest {
    /// The heading with the number of entries, e.g. "Overdue work: Streets (60)".
    pub fn title(&self) -> String {
        format!("{} ({})", self.heading, self.entries.len())
    }

    /// The entries as markdown lines within `max` characters; the ones that do not fit are counted in a last
    /// "…and N more" line.
    pub fn lines(&self, max: usize) -> String {
        if self.entries.is_empty() {
            return "Nothing is overdue. ✅".to_string();
        }
        let mut out = String::new();
        let mut used = 0;
        for (i, entry) in self.entries.iter().enumerate() {
            let line = entry.line();
            let rest = self.entries.len() - i - 1;
            // Room for this line, and for the "more" line should a later one not fit.
            let reserve = if rest > 0 {
                more(rest).chars().count() + 1
            } else {
                0
            };
            if used + line.chars().count() + 1 + reserve > max {
                let more = more(self.entries.len() - i);
                out.push_str(&more);
                return out;
            }
            used += line.chars().count() + 1;
            out.push_str(&line);
            out.push('\n');
        }
        out.pop();
        out
    }
}

impl DigestEntry {
    fn line(&self) -> String {
        let title = escape_markdown(&truncate(self.title.trim(), TITLE_MAX));
        let marks: Vec<&str> = self.marks.iter().map(|m| m.text()).collect();
        format!(
            "**{}** {title} · due {} · {}",
            escape_markdown(&self.reference),
            escape_markdown(&self.due),
            marks.join(" · ")
        )
    }
}

fn more(n: usize) -> String {
    format!("…and {n} more")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(n: usize, title: &str) -> Digest {
        Digest {
            heading: "Overdue work: Streets".into(),
            entries: (0..n)
                .map(|i| DigestEntry {
                    reference: format!("311-{i:06}"),
                    title: title.into(),
                    due: "Tue 1 Dec 09:00".into(),
                    marks: vec![DigestMark::ResolutionOverdue, DigestMark::Escalated],
                })
                .collect(),
            updated: "Wed 2 Dec 10:00".into(),
        }
    }

    #[test]
    fn all_entries_shown_when_they_fit() {
        let text = digest(3, "Pothole on *Main*").lines(DESCRIPTION_MAX);
        assert_eq!(text.lines().count(), 3);
        assert!(
            text.contains("**311-000002** Pothole on \\*Main\\*"),
            "{text}"
        );
        assert!(!text.contains("more"));
    }

    #[test]
    fn the_rest_is_counted_and_the_text_fits() {
        let d = digest(200, &"x".repeat(200));
        let text = d.lines(DESCRIPTION_MAX);
        assert!(text.chars().count() <= DESCRIPTION_MAX);
        let shown = text.lines().filter(|l| l.starts_with("**311-")).count();
        let last = text.lines().last().unwrap();
        assert_eq!(last, format!("…and {} more", 200 - shown));
        assert!(shown > 10 && shown < 200, "{shown}");
    }

    #[test]
    fn an_empty_digest_says_so() {
        assert!(digest(0, "")
            .lines(DESCRIPTION_MAX)
            .contains("Nothing is overdue"));
    }
}
