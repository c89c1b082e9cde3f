//! The platform-neutral answer to a command, which each adapter renders its own way.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// How a reply should be coloured or flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Neutral information.
    Info,
    /// An action succeeded.
    Success,
    /// Something needs attention (held mail, a pending approval).
    Warning,
    /// Malicious findings.
    Danger,
    /// The command failed.
    Error,
}

/// A piece of text together with how far it can be trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum Text {
    /// The bot's own words: shown as they are (still escaped for the platform).
    Plain(String),
    /// Data from Mimecast (subjects, addresses, URLs, file names): defanged and escaped.
    Untrusted(String),
    /// An instant, shown in UTC.
    Time(DateTime<Utc>),
    /// Nothing to show.
    Empty,
}

impl Text {
    /// Untrusted text, or [`Text::Empty`] when blank.
    pub fn untrusted(value: impl Into<String>) -> Self {
        let value = value.into();
        if value.trim().is_empty() {
            Text::Empty
        } else {
            Text::Untrusted(value)
        }
    }

    /// The bot's own text.
    pub fn plain(value: impl Into<String>) -> Self {
        Text::Plain(value.into())
    }

    /// A time, or [`Text::Empty`].
    pub fn time(at: Option<DateTime<Utc>>) -> Self {
        at.map_or(Text::Empty, Text::Time)
    }
}

/// A labelled value (Discord embed field, Slack section field, a `name: value` line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    /// The label, the bot's own words.
    pub name: String,
    /// The value.
    pub value: Text,
}

/// One result row: a headline and its facts, most important first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Cells in the order of [`Table::columns`].
    pub cells: Vec<Text>,
}

/// Results in columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Table {
    /// Column headings, the bot's own words; the first columns matter most.
    pub columns: Vec<String>,
    /// The rows.
    pub rows: Vec<Row>,
}

/// Visual weight of a button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ButtonStyle {
    /// The expected choice.
    Primary,
    /// A neutral choice.
    Secondary,
    /// Confirms something that succeeds quietly.
    Success,
    /// Destructive or risky.
    Danger,
}

/// A button. `id` is short and carries no Mimecast data (the pending action holds that).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Button {
    /// The custom id sent back when pressed.
    pub id: String,
    /// The label.
    pub label: String,
    /// The style.
    pub style: ButtonStyle,
}

/// The answer to one command.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reply {
    /// Short title, the bot's own words.
    pub title: String,
    /// One line that says what was found or done.
    pub summary: String,
    /// Colour / flag.
    pub severity: Severity,
    /// Labelled values.
    pub fields: Vec<Field>,
    /// Result rows, if the command lists things.
    pub table: Option<Table>,
    /// Small print: time range, counts, where the data came from.
    pub footer: Option<String>,
    /// Buttons (approve, deny, next page).
    pub buttons: Vec<Button>,
    /// The handle that fetches the next page, when there is one.
    pub next_page: Option<String>,
    /// Text whose lines and spacing must be kept (help), shown in a code block where supported.
    pub preformatted: Option<String>,
    /// Machine-readable result (the `--output json` document, or a file attachment in chat).
    #[serde(skip)]
    pub json: Option<serde_json::Value>,
}

impl Reply {
    /// A reply with a title, summary and severity and nothing else.
    pub fn new(title: impl Into<String>, summary: impl Into<String>, severity: Severity) -> Self {
        Self {
            title: title.into(),
            summary: summary.into(),
            severity,
            fields: Vec::new(),
            table: None,
            footer: None,
            buttons: Vec::new(),
            next_page: None,
            preformatted: None,
            json: None,
        }
    }

    /// An error reply carrying a one-line message for the user.
    pub fn error(message: impl Into<String>) -> Self {
        Self::new("Error", message, Severity::Error)
    }
}
