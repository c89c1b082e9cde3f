//! `Reply` as Discord's wire JSON for a message: plain serde structs that serialize exactly to
//! the body of a create/edit message or interaction callback `data`, so any HTTP layer can send
//! them.
//!
//! Every Discord limit is enforced here ([`limits::discord`]), including the 6000-character
//! total across all embeds that serenity does not check. Characters are counted as Discord
//! counts them: Unicode scalar values (`str::chars`), because Discord's API is Python 3 and
//! counts code points (Discord staff in discord/discord-api-docs#1315). Cut text says how much
//! was cut ([`super::truncate`]), and a listing that does not fit ends with `… and N more`.
//!
//! Untrusted text is defanged and stripped of control and bidi characters
//! ([`super::cell_text`], [`super::value_text`]) and then Discord-markdown-escaped
//! ([`escape_markdown`]); the bot's own titles and labels are escaped too. No message can ping
//! anyone: `allowed_mentions` is always `{"parse":[]}`.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::limits::discord as limit;
use super::truncate::{truncate, truncate_plain};
use super::{cell_text, sanitize, value_text};
use crate::engine::reply::{self, Reply, Severity, Table, Text};

/// Message flag that shows a message (interaction response or follow-up) only to its invoker.
pub const EPHEMERAL: u64 = 1 << 6;

/// Component type of an action row.
pub const ACTION_ROW: u8 = 1;
/// Component type of a button.
pub const BUTTON: u8 = 2;

/// Label of the button that fetches the next page.
pub const NEXT_PAGE_LABEL: &str = "Next page";

/// Colours by severity (Discord's palette).
pub mod colour {
    /// Info: blurple.
    pub const INFO: u32 = 0x5865F2;
    /// Success: green.
    pub const SUCCESS: u32 = 0x57F287;
    /// Warning: yellow.
    pub const WARNING: u32 = 0xFEE75C;
    /// Danger: red.
    pub const DANGER: u32 = 0xED4245;
    /// Error: dark red.
    pub const ERROR: u32 = 0x992D22;
}

/// Most characters of the summary (the first part of the description).
const SUMMARY_SHARE: usize = 2000;
/// Most characters of the footer; leaves room in the 6000 total for the rest.
const FOOTER_SHARE: usize = 1000;
/// Characters kept free for table rows while the preformatted block and the fields are placed.
/// Title, summary and footer shares add up to 3256, so this room always exists.
const ROWS_RESERVE: usize = 1500;
/// Most characters of one table cell (after escaping), so one long subject cannot take a row.
const CELL_MAX: usize = 100;
/// A field value shorter than this is not worth showing cut; the field is counted as not shown.
const MIN_FIELD_VALUE: usize = 16;
/// Field values and names up to these lengths are shown side by side (inline).
const INLINE_VALUE_MAX: usize = 40;
const INLINE_NAME_MAX: usize = 30;
/// Shown for an empty value: Discord refuses blank field names and values.
const BLANK: &str = "—";

/// A message body: `POST /channels/{id}/messages`, `PATCH .../messages/{id}`, or the `data` of
/// an interaction callback, webhook follow-up or `@original` edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscordMessage {
    /// Plain text content (≤ 2000 characters).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub content: Option<String>,
    /// Embeds (≤ 10; 6000 characters across all of them).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub embeds: Vec<Embed>,
    /// Action rows. Always serialized, even empty: on an edit, `[]` removes the buttons of the
    /// message being replaced (a decided approval request), where an absent key would keep them.
    #[serde(default)]
    pub components: Vec<ActionRow>,
    /// Message flags, e.g. [`EPHEMERAL`].
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub flags: Option<u64>,
    /// Always `{"parse":[]}`: nothing in the message pings anyone.
    #[serde(default)]
    pub allowed_mentions: AllowedMentions,
}

/// Discord's allowed-mentions object, fixed to "parse nothing": no `@everyone`, role or user
/// ping can come out of Mimecast data. The field is private so it cannot be widened.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowedMentions {
    parse: Vec<String>,
}

impl AllowedMentions {
    /// No mention of any kind pings.
    pub fn none() -> Self {
        Self::default()
    }

    /// The mention kinds Discord will parse (always empty).
    pub fn parse(&self) -> &[String] {
        &self.parse
    }
}

/// A rich embed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Embed {
    /// Title (≤ 256).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub title: Option<String>,
    /// Description (≤ 4096).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
    /// Side colour, `0xRRGGBB`.
    pub color: u32,
    /// Fields (≤ 25).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub fields: Vec<EmbedField>,
    /// Footer (≤ 2048).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub footer: Option<EmbedFooter>,
    /// ISO 8601 timestamp shown next to the footer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub timestamp: Option<String>,
}

/// An embed field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbedField {
    /// Name (1..=256, not blank).
    pub name: String,
    /// Value (1..=1024, not blank).
    pub value: String,
    /// Shown side by side with neighbouring inline fields.
    #[serde(default)]
    pub inline: bool,
}

/// An embed footer. Discord renders no markdown here, so its text is not escaped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbedFooter {
    /// Text (≤ 2048).
    pub text: String,
}

/// An action row (component type 1) of up to five buttons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionRow {
    /// Always [`ACTION_ROW`].
    #[serde(rename = "type")]
    pub kind: u8,
    /// The buttons (1..=5).
    pub components: Vec<Button>,
}

impl ActionRow {
    /// A row holding `buttons`.
    pub fn new(buttons: Vec<Button>) -> Self {
        Self {
            kind: ACTION_ROW,
            components: buttons,
        }
    }
}

/// A button (component type 2) that sends an interaction with its `custom_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    /// Always [`BUTTON`].
    #[serde(rename = "type")]
    pub kind: u8,
    /// 1 Primary, 2 Secondary, 3 Success, 4 Danger.
    pub style: u8,
    /// Label (≤ 80; Discord renders no markdown here).
    pub label: String,
    /// The id sent back when pressed (1..=100, unique within the message).
    pub custom_id: String,
    /// Greyed out.
    #[serde(skip_serializing_if = "is_false", default)]
    pub disabled: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// Discord's style number for a button style.
pub fn style_number(style: reply::ButtonStyle) -> u8 {
    match style {
        reply::ButtonStyle::Primary => 1,
        reply::ButtonStyle::Secondary => 2,
        reply::ButtonStyle::Success => 3,
        reply::ButtonStyle::Danger => 4,
    }
}

/// The embed colour for a severity.
pub fn colour_of(severity: Severity) -> u32 {
    match severity {
        Severity::Info => colour::INFO,
        Severity::Success => colour::SUCCESS,
        Severity::Warning => colour::WARNING,
        Severity::Danger => colour::DANGER,
        Severity::Error => colour::ERROR,
    }
}

/// Renders `reply` as one embed and its buttons.
///
/// `next_button_id` is the short `custom_id` (e.g. `page:abc123`) under which the adapter
/// stored `reply.next_page`; a "Next page" button is added only when both are present (the
/// page handle itself can be far longer than the 100 characters a `custom_id` may have).
///
/// The embed holds the title, the summary, the preformatted text in a code block, the table's
/// rows one per line (`**first cell** · … · From → To · …` under a line of column headings),
/// `reply.fields` as fields (inline where short), and the footer. Rows that do not fit are
/// counted in a closing `… and N more` line; fields beyond what fits in a `More` field.
/// Buttons with a `custom_id` Discord would refuse are dropped and logged.
pub fn render(reply: &Reply, next_button_id: Option<&str>) -> DiscordMessage {
    DiscordMessage {
        content: None,
        embeds: vec![embed(reply)],
        components: components(reply, next_button_id),
        flags: None,
        allowed_mentions: AllowedMentions::none(),
    }
}

/// An error only the invoker sees: an ephemeral, dark red embed titled "Error" whose
/// description is `message` (lines kept, each sanitized and escaped, cut to 4096 characters).
pub fn render_error(message: &str) -> DiscordMessage {
    let text: Vec<String> = message
        .trim()
        .lines()
        .map(|line| sanitize::one_line(line).trim_end().to_owned())
        .collect();
    let description = non_blank(fit(&text.join("\n"), limit::EMBED_DESCRIPTION));
    DiscordMessage {
        content: None,
        embeds: vec![Embed {
            title: Some("Error".to_owned()),
            description: Some(description),
            color: colour::ERROR,
            fields: Vec::new(),
            footer: None,
            timestamp: None,
        }],
        components: Vec::new(),
        flags: Some(EPHEMERAL),
        allowed_mentions: AllowedMentions::none(),
    }
}

/// Escapes Discord markdown so `text` shows as written: `\ * _ ~ ` | > < # [ ] ( ) @` always
/// (which also defeats spoilers, quotes, headings, masked links, mentions, channel links and
/// `<t:…>` timestamps), and `-`, `+` and `1.` at the start of a line (lists, `-#` subtext).
/// Discord accepts a backslash before any ASCII punctuation and shows the character alone.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut line_start = true;
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '<' | '#' | '[' | ']' | '(' | ')' | '@' => {
                out.push('\\');
                out.push(ch);
            }
            '-' | '+' if line_start => {
                out.push('\\');
                out.push(ch);
            }
            '0'..='9' if line_start => {
                // An ordered-list marker: digits then a dot.
                out.push(ch);
                while let Some(&digit) = chars.peek().filter(|c| c.is_ascii_digit()) {
                    out.push(digit);
                    chars.next();
                }
                if chars.peek() == Some(&'.') {
                    chars.next();
                    out.push_str("\\.");
                }
                line_start = false;
                continue;
            }
            _ => out.push(ch),
        }
        line_start = ch == '\n' || (line_start && (ch == ' ' || ch == '\t'));
    }
    out
}

fn count(text: &str) -> usize {
    text.chars().count()
}

/// `text` (already sanitized) escaped and cut so the escaped result has at most `max`
/// characters. The cut is made on the unescaped text, so an escape is never split, and the
/// marker counts the characters of `text` that were cut.
fn fit(text: &str, max: usize) -> String {
    let escaped = escape_markdown(text.trim());
    if count(&escaped) <= max {
        return escaped.trim().to_owned();
    }
    let text = text.trim();
    let mut keep = max;
    loop {
        let candidate = escape_markdown(&truncate(text, keep));
        let n = count(&candidate);
        if n <= max || keep == 0 {
            return candidate.trim().to_owned();
        }
        keep = keep.saturating_sub(n - max);
    }
}

/// Discord refuses blank field names and values.
fn non_blank(text: String) -> String {
    if text.trim().is_empty() {
        BLANK.to_owned()
    } else {
        text
    }
}

/// Characters left for the embed as a whole and for its description.
struct Budget {
    total: usize,
    description: usize,
}

/// The description being built and its length in characters.
#[derive(Default)]
struct Description {
    text: String,
    chars: usize,
}

impl Description {
    /// The separator before a new section: a blank line unless this is the first.
    fn section_break(&self) -> &'static str {
        if self.text.is_empty() { "" } else { "\n\n" }
    }

    fn push(&mut self, part: &str, budget: &mut Budget) {
        let n = count(part);
        self.text.push_str(part);
        self.chars += n;
        budget.total = budget.total.saturating_sub(n);
        budget.description = budget.description.saturating_sub(n);
    }
}

fn embed(reply: &Reply) -> Embed {
    let mut budget = Budget {
        total: limit::EMBEDS_TOTAL,
        description: limit::EMBED_DESCRIPTION,
    };

    let title = fit(&sanitize::one_line(&reply.title), limit::EMBED_TITLE);
    budget.total = budget.total.saturating_sub(count(&title));

    let footer = reply
        .footer
        .as_deref()
        .map(|f| {
            truncate(
                sanitize::one_line(f).trim(),
                limit::FOOTER.min(FOOTER_SHARE),
            )
        })
        .filter(|f| !f.trim().is_empty());
    budget.total = budget
        .total
        .saturating_sub(footer.as_deref().map_or(0, count));

    let mut description = Description::default();
    let summary = fit(
        &cell_text(&Text::Plain(reply.summary.clone())),
        SUMMARY_SHARE,
    );
    description.push(&summary, &mut budget);

    let table = reply.table.as_ref().filter(|t| !t.rows.is_empty());
    let reserve = if table.is_some() { ROWS_RESERVE } else { 0 };

    if let Some(pre) = reply.preformatted.as_deref() {
        let room = budget.total.min(budget.description).saturating_sub(reserve);
        if let Some(block) = code_block(pre, room.saturating_sub(2)) {
            let part = format!("{}{block}", description.section_break());
            description.push(&part, &mut budget);
        }
    }

    let fields = fields(reply, &mut budget, reserve);

    if let Some(table) = table {
        rows(table, &mut description, &mut budget);
    }

    let mut embed = Embed {
        title: (!title.is_empty()).then_some(title),
        description: (!description.text.is_empty()).then_some(description.text),
        color: colour_of(reply.severity),
        fields,
        footer: footer.map(|text| EmbedFooter { text }),
        timestamp: None,
    };
    if embed.title.is_none()
        && embed.description.is_none()
        && embed.fields.is_empty()
        && embed.footer.is_none()
    {
        // Discord refuses an empty embed.
        embed.description = Some(BLANK.to_owned());
    }
    embed
}

/// `text` in a fenced code block of at most `max` characters, lines kept, control characters
/// made visible. Backslashes do not escape inside a code block, so backticks become `ˋ`
/// (U+02CB) and cannot close the fence.
fn code_block(text: &str, max: usize) -> Option<String> {
    const FENCES: usize = "```\n\n```".len();
    let body: Vec<String> = text
        .lines()
        .map(|line| sanitize::one_line(line).replace('`', "\u{2CB}"))
        .collect();
    let body = body.join("\n");
    let body = body.trim_end_matches([' ', '\n']).trim_start_matches('\n');
    if body.trim().is_empty() || max <= FENCES {
        return None;
    }
    Some(format!("```\n{}\n```", truncate(body, max - FENCES)))
}

/// `reply.fields`: as many as fit (at most 25, the last saying how many more were left out),
/// keeping `reserve` characters free for the table rows.
fn fields(reply: &Reply, budget: &mut Budget, reserve: usize) -> Vec<EmbedField> {
    let all = &reply.fields;
    let more_note = |n: usize| format!("… and {n} more fields");
    const MORE_NAME: &str = "More";
    let note_cost = count(MORE_NAME) + count(&more_note(all.len()));
    let mut available = budget.total.saturating_sub(reserve);
    let max_shown = if all.len() > limit::EMBED_FIELDS {
        limit::EMBED_FIELDS - 1
    } else {
        all.len()
    };
    let mut out = Vec::new();
    for (i, field) in all.iter().take(max_shown).enumerate() {
        let note = if i + 1 < all.len() { note_cost } else { 0 };
        let name = non_blank(fit(&sanitize::one_line(&field.name), limit::FIELD_NAME));
        let room = available.saturating_sub(note + count(&name));
        if room < MIN_FIELD_VALUE {
            break;
        }
        let value = non_blank(fit(&value_text(&field.value), limit::FIELD_VALUE.min(room)));
        available -= count(&name) + count(&value);
        let inline = count(&value) <= INLINE_VALUE_MAX && count(&name) <= INLINE_NAME_MAX;
        out.push(EmbedField {
            name,
            value,
            inline,
        });
    }
    let left_out = all.len() - out.len();
    // Reserved above whenever a field could be left out, so it fits.
    let value = more_note(left_out);
    let cost = count(MORE_NAME) + count(&value);
    if left_out > 0 && cost <= available {
        available -= cost;
        out.push(EmbedField {
            name: MORE_NAME.to_owned(),
            value,
            inline: false,
        });
    }
    budget.total = available + reserve.min(budget.total);
    out
}

/// True when the columns `before` and `column` are a sender and a recipient, shown `A → B`.
fn is_from_to(before: &str, column: &str) -> bool {
    let lower = |s: &str| s.trim().to_ascii_lowercase();
    matches!(lower(before).as_str(), "from" | "sender")
        && matches!(lower(column).as_str(), "to" | "recipient" | "recipients")
}

/// One row as one line: the first cell in bold, the rest joined by ` · `, a sender and the
/// recipient next to it joined by ` → `.
fn row_line(cells: &[String], columns: &[String], first_bold: bool) -> String {
    let mut out = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i == 0 {
            if first_bold {
                out.push_str(&format!("**{cell}**"));
            } else {
                out.push_str(cell);
            }
            continue;
        }
        let joined = columns
            .get(i - 1)
            .zip(columns.get(i))
            .is_some_and(|(a, b)| is_from_to(a, b));
        out.push_str(if joined { " → " } else { " · " });
        out.push_str(cell);
    }
    out
}

/// Appends the table to the description: a line of column headings, then one line per row
/// while rows fit, then `… and N more` for the rows left out.
fn rows(table: &Table, description: &mut Description, budget: &mut Budget) {
    let total = table.rows.len();
    let more = |n: usize| format!("… and {n} more");
    let note_cost = 1 + count(&more(total));
    let room = budget.total.min(budget.description);
    let width = table
        .columns
        .len()
        .max(table.rows.iter().map(|r| r.cells.len()).max().unwrap_or(0));

    let headings: Vec<String> = (0..width)
        .map(|i| {
            table
                .columns
                .get(i)
                .map(|c| non_blank(fit(&sanitize::one_line(c), CELL_MAX)))
                .unwrap_or_else(|| BLANK.to_owned())
        })
        .collect();
    let header = format!(
        "{}*{}*",
        description.section_break(),
        row_line(&headings, &table.columns, false)
    );

    let mut block = String::new();
    let mut used = 0;
    let mut shown = 0;
    for (i, row) in table.rows.iter().enumerate() {
        let cells: Vec<String> = (0..width)
            .map(|c| {
                row.cells
                    .get(c)
                    .map(|t| non_blank(fit(&cell_text(t), CELL_MAX)))
                    .unwrap_or_else(|| BLANK.to_owned())
            })
            .collect();
        let line = format!("\n{}", row_line(&cells, &table.columns, true));
        let head = if i == 0 { count(&header) } else { 0 };
        let tail = if i + 1 < total { note_cost } else { 0 };
        if used + head + count(&line) + tail > room {
            break;
        }
        if i == 0 {
            block.push_str(&header);
        }
        block.push_str(&line);
        used += head + count(&line);
        shown += 1;
    }
    if shown < total {
        let note = if shown == 0 {
            format!("{}{}", description.section_break(), more(total))
        } else {
            format!("\n{}", more(total - shown))
        };
        if used + count(&note) <= room {
            block.push_str(&note);
        }
    }
    description.push(&block, budget);
}

/// The buttons, five to a row, at most five rows; the "Next page" button last. A button whose
/// `custom_id` is not 1..=100 characters, repeats another's, or has no label is a bug upstream:
/// it is dropped and logged rather than sent for Discord to refuse the whole message.
fn components(reply: &Reply, next_button_id: Option<&str>) -> Vec<ActionRow> {
    let max = limit::ACTION_ROWS * limit::BUTTONS_PER_ROW;
    let next = reply
        .next_page
        .as_ref()
        .and(next_button_id)
        .map(|id| Button {
            kind: BUTTON,
            style: style_number(reply::ButtonStyle::Secondary),
            label: NEXT_PAGE_LABEL.to_owned(),
            custom_id: id.to_owned(),
            disabled: false,
        });
    let room = max - usize::from(next.is_some());

    let mut seen = HashSet::new();
    let mut buttons: Vec<Button> = Vec::new();
    for b in &reply.buttons {
        let button = Button {
            kind: BUTTON,
            style: style_number(b.style),
            label: truncate_plain(sanitize::one_line(&b.label).trim(), limit::BUTTON_LABEL),
            custom_id: b.id.clone(),
            disabled: false,
        };
        if !acceptable(&button, &mut seen) {
            continue;
        }
        if buttons.len() >= room {
            tracing::warn!(label = %button.label, "dropping a button: a message holds at most 25");
            continue;
        }
        buttons.push(button);
    }
    if let Some(next) = next
        && acceptable(&next, &mut seen)
    {
        buttons.push(next);
    }
    buttons
        .chunks(limit::BUTTONS_PER_ROW)
        .map(|chunk| ActionRow::new(chunk.to_vec()))
        .collect()
}

/// Whether Discord would accept `button` in a message whose other ids are `seen` (which it
/// joins); logs why not.
fn acceptable(button: &Button, seen: &mut HashSet<String>) -> bool {
    let id_chars = count(&button.custom_id);
    if !(1..=limit::CUSTOM_ID).contains(&id_chars) {
        tracing::warn!(
            custom_id_chars = id_chars,
            label = %button.label,
            "dropping a button: Discord refuses a custom_id that is not 1..=100 characters"
        );
        return false;
    }
    if button.label.is_empty() {
        tracing::warn!(
            custom_id_chars = id_chars,
            "dropping a button without a label"
        );
        return false;
    }
    if !seen.insert(button.custom_id.clone()) {
        tracing::warn!(label = %button.label, "dropping a button: its custom_id repeats another's");
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    use super::*;
    use crate::engine::reply::{ButtonStyle, Field, Row};

    /// Discord's 6000 count, computed independently of the renderer: title, description, field
    /// names and values, and footer of every embed, in Unicode scalar values.
    fn total_chars(message: &DiscordMessage) -> usize {
        message
            .embeds
            .iter()
            .map(|e| {
                e.title.as_deref().map_or(0, |t| t.chars().count())
                    + e.description.as_deref().map_or(0, |d| d.chars().count())
                    + e.fields
                        .iter()
                        .map(|f| f.name.chars().count() + f.value.chars().count())
                        .sum::<usize>()
                    + e.footer.as_ref().map_or(0, |f| f.text.chars().count())
            })
            .sum()
    }

    /// Every limit Discord checks, with the numbers written out rather than taken from the
    /// constants the renderer uses.
    fn assert_within_limits(message: &DiscordMessage) {
        assert!(
            total_chars(message) <= 6000,
            "total {}",
            total_chars(message)
        );
        assert!(message.embeds.len() <= 10);
        if let Some(content) = &message.content {
            assert!(content.chars().count() <= 2000);
        }
        for e in &message.embeds {
            let chars = |s: &str| s.chars().count();
            assert!(e.title.as_deref().map_or(0, chars) <= 256);
            assert!(e.description.as_deref().map_or(0, chars) <= 4096);
            assert!(e.fields.len() <= 25, "{} fields", e.fields.len());
            for f in &e.fields {
                assert!(
                    (1..=256).contains(&chars(f.name.trim())),
                    "name {:?}",
                    f.name
                );
                assert!(
                    (1..=1024).contains(&chars(f.value.trim())),
                    "value {}",
                    chars(&f.value)
                );
            }
            assert!(e.footer.as_ref().map_or(0, |f| chars(&f.text)) <= 2048);
            assert!(
                e.title.is_some()
                    || e.description.is_some()
                    || !e.fields.is_empty()
                    || e.footer.is_some()
            );
        }
        assert!(message.components.len() <= 5);
        let mut ids = HashSet::new();
        for row in &message.components {
            assert_eq!(row.kind, 1);
            assert!((1..=5).contains(&row.components.len()));
            for b in &row.components {
                assert_eq!(b.kind, 2);
                assert!((1..=4).contains(&b.style));
                assert!((1..=100).contains(&b.custom_id.chars().count()));
                assert!((1..=80).contains(&b.label.chars().count()));
                assert!(ids.insert(b.custom_id.clone()), "duplicate custom_id");
            }
        }
        assert!(message.allowed_mentions.parse().is_empty());
    }

    fn description(message: &DiscordMessage) -> &str {
        message.embeds[0].description.as_deref().unwrap_or_default()
    }

    fn at() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5)
            .single()
            .expect("valid time")
    }

    /// A held-messages reply like `messages held --admin` builds, with `n` rows.
    fn held_reply(n: usize, subject: &str) -> Reply {
        let mut reply = Reply::new(
            "Held messages (all recipients)",
            format!("{n} held messages shown · more available"),
            Severity::Warning,
        );
        reply.table = Some(Table {
            columns: ["Ref", "Reason", "From", "To", "Subject", "Received (UTC)"]
                .map(str::to_owned)
                .to_vec(),
            rows: (0..n)
                .map(|i| Row {
                    cells: vec![
                        Text::plain(format!("R{i:09}")),
                        Text::untrusted("Policy: Attachment Protect"),
                        Text::untrusted(format!("billing{i}@paypa1-secure.com")),
                        Text::untrusted("cfo@example.com"),
                        Text::untrusted(format!("{subject} #{i}")),
                        Text::time(Some(at())),
                    ],
                })
                .collect(),
        });
        reply.fields.push(Field {
            name: "Release".into(),
            value: Text::plain("messages release --id REF (the Ref column or the full id)"),
        });
        reply.footer = Some("2024-01-01 00:00 UTC → now (UTC) · newest first".into());
        reply.next_page = Some("x".repeat(400));
        reply
    }

    #[test]
    fn five_hundred_held_rows_stay_within_every_limit_and_count_the_rest() {
        let subject = "URGENT: wire transfer for the quarterly invoice settlement ".repeat(6);
        let reply = held_reply(500, &subject);
        let message = render(&reply, Some("page:abc123"));
        assert_within_limits(&message);

        let desc = description(&message);
        let shown = desc.lines().filter(|l| l.starts_with("**R")).count();
        assert!(shown >= 5, "only {shown} rows shown");
        assert!(
            desc.ends_with(&format!("\n… and {} more", 500 - shown)),
            "{desc}"
        );
        // The rows shown are the first ones, in order, with the sender defanged.
        assert!(desc.contains("**R000000000** · Policy: Attachment Protect · billing0\\[\\@\\]paypa1-secure\\[.\\]com → cfo\\[\\@\\]example\\[.\\]com · "));
        assert!(desc.contains(&format!("**R{:09}**", shown - 1)));
        assert!(!desc.contains(&format!("**R{shown:09}**")));
        // The long subject is cut in its cell and says so.
        assert!(desc.contains("chars\\)"), "{desc}");
        // The column headings come first.
        assert!(desc.contains(
            "\n\n*Ref · Reason · From → To · Subject · Received \\(UTC\\)*\n**R000000000**"
        ));
        // The next page button is the short id, not the page handle.
        let buttons: Vec<&Button> = message
            .components
            .iter()
            .flat_map(|r| &r.components)
            .collect();
        assert_eq!(buttons.len(), 1);
        assert_eq!(buttons[0].custom_id, "page:abc123");
        assert_eq!(buttons[0].label, "Next page");
    }

    #[test]
    fn all_rows_that_fit_are_shown_without_a_note() {
        let message = render(&held_reply(3, "Invoice"), None);
        assert_within_limits(&message);
        let desc = description(&message);
        assert_eq!(desc.lines().filter(|l| l.starts_with("**R")).count(), 3);
        assert!(!desc.contains("… and"), "{desc}");
        // No handle id given: no next button, and no button at all.
        assert!(message.components.is_empty());
    }

    #[test]
    fn rows_fill_the_description_up_to_its_own_limit() {
        // Short rows: the 4096 description limit, not the 6000 total, is the binding one.
        let mut reply = held_reply(1000, "x");
        reply.fields.clear();
        let message = render(&reply, None);
        assert_within_limits(&message);
        let desc = description(&message);
        let shown = desc.lines().filter(|l| l.starts_with("**R")).count();
        assert!(desc.ends_with(&format!("… and {} more", 1000 - shown)));
        // Nearly full: another row would not have fitted.
        let longest_row = desc.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(
            desc.chars().count() + longest_row + 1 > 4096 - 20,
            "{}",
            desc.chars().count()
        );
    }

    #[test]
    fn the_closing_note_fits_whatever_the_row_lengths() {
        // Sweep row lengths so that some row ends just short of the limit: the note must still
        // fit and count exactly the rows left out.
        for extra in 0..120 {
            let mut reply = held_reply(400, &"s".repeat(extra));
            reply.fields.clear();
            let message = render(&reply, None);
            assert_within_limits(&message);
            let desc = description(&message);
            let shown = desc.lines().filter(|l| l.starts_with("**R")).count();
            assert!(
                desc.ends_with(&format!("\n… and {} more", 400 - shown)),
                "subject length {extra}: {}",
                desc.chars().rev().take(80).collect::<String>()
            );
        }
    }

    #[test]
    fn long_multibyte_values_are_cut_on_character_boundaries_within_limits() {
        // 5000 characters, then an emoji whose zero-width joiner is made visible.
        let raw = format!("{}請求👩\u{200D}💻", "請求書".repeat(1666));
        let mut reply = held_reply(2, &raw);
        reply.summary = raw.clone();
        reply.title = raw.clone();
        reply.footer = Some(raw.clone());
        reply.fields.push(Field {
            name: raw.clone(),
            value: Text::untrusted(raw.clone()),
        });
        let message = render(&reply, None);
        assert_within_limits(&message);
        let embed = &message.embeds[0];

        let field = embed
            .fields
            .iter()
            .find(|f| f.value.starts_with('請'))
            .expect("field shown");
        assert!(field.value.chars().count() <= 1024);
        let kept = field.value.split('…').next().unwrap_or_default();
        assert!(
            kept.chars().count() > 900,
            "too much cut: {}",
            kept.chars().count()
        );
        assert!(raw.starts_with(kept));
        let shown = value_text(&Text::untrusted(raw.clone()));
        assert!(shown.ends_with("請求👩[U+200D]💻"));
        let cut = shown.chars().count() - kept.chars().count();
        let tail: String = field.value.chars().skip(1000).collect();
        assert!(
            field.value.ends_with(&format!(
                "… \\(+{} chars\\)",
                super::super::truncate::group_thousands(cut)
            )),
            "{tail}"
        );
        assert!(field.name.chars().count() <= 256);
        assert!(embed.title.as_deref().unwrap_or_default().chars().count() <= 256);
        assert!(embed.footer.as_ref().unwrap().text.chars().count() <= 2048);
        assert!(description(&message).chars().count() <= 4096);

        // Round-trips through JSON as valid UTF-8.
        let wire = serde_json::to_vec(&message).expect("serializes");
        let text = std::str::from_utf8(&wire).expect("valid UTF-8");
        let back: DiscordMessage = serde_json::from_str(text).expect("parses");
        assert_eq!(back, message);
    }

    #[test]
    fn escaping_never_splits_an_escape_and_stays_within_the_limit() {
        let raw = "*_`|[x](y)\\@<#>~".repeat(300);
        for max in [0, 1, 2, 3, 10, 17, 18, 19, 100, 1024] {
            let out = fit(&raw, max);
            assert!(out.chars().count() <= max, "{max}: {}", out.chars().count());
            // Every backslash escapes the punctuation right after it.
            let chars: Vec<char> = out.chars().collect();
            let mut i = 0;
            while i < chars.len() {
                if chars[i] == '\\' {
                    assert!(
                        chars.get(i + 1).is_some_and(|c| c.is_ascii_punctuation()),
                        "{max}: {out}"
                    );
                    i += 2;
                } else {
                    assert!(
                        !"*_`|[]()@<#>~".contains(chars[i]),
                        "{max}: unescaped {} in {out}",
                        chars[i]
                    );
                    i += 1;
                }
            }
        }
    }

    #[test]
    fn forty_fields_become_twenty_five_and_say_how_many_more() {
        let mut reply = Reply::new("Summary", "Today", Severity::Info);
        reply.fields = (0..40)
            .map(|i| Field {
                name: format!("Field {i}"),
                value: Text::plain(format!("value {i}")),
            })
            .collect();
        let message = render(&reply, None);
        assert_within_limits(&message);
        let fields = &message.embeds[0].fields;
        assert_eq!(fields.len(), 25);
        assert_eq!(fields[23].name, "Field 23");
        assert_eq!(fields[24].value, "… and 16 more fields");
        assert!(fields[0].inline);
        assert!(!fields[24].inline);
    }

    #[test]
    fn huge_fields_share_the_6000_total_and_leave_room_for_rows() {
        let mut reply = held_reply(50, "Invoice");
        reply.fields = (0..25)
            .map(|i| Field {
                name: format!("Field {i} ").repeat(40),
                value: Text::untrusted("evil.com ".repeat(200)),
            })
            .collect();
        let message = render(&reply, None);
        assert_within_limits(&message);
        let fields = &message.embeds[0].fields;
        assert!(fields.len() < 25);
        assert_eq!(
            fields.last().map(|f| f.value.clone()),
            Some(format!("… and {} more fields", 25 - (fields.len() - 1)))
        );
        let shown = description(&message)
            .lines()
            .filter(|l| l.starts_with("**R"))
            .count();
        assert!(shown >= 3, "rows crowded out: {shown}");
    }

    #[test]
    fn custom_ids_discord_refuses_are_never_sent() {
        let mut reply = Reply::new("Approval needed", "", Severity::Warning);
        let button = |id: String, style| reply::Button {
            id,
            label: "Approve release ".repeat(10),
            style,
        };
        reply.buttons = vec![
            button("a".repeat(101), ButtonStyle::Success),
            button("b".repeat(100), ButtonStyle::Success),
            button(String::new(), ButtonStyle::Danger),
            button("é".repeat(100), ButtonStyle::Danger), // 100 characters, 200 bytes
            button("b".repeat(100), ButtonStyle::Danger), // duplicate
        ];
        reply.next_page = Some("handle".into());
        let message = render(&reply, Some(&"p".repeat(101)));
        assert_within_limits(&message);
        let ids: Vec<&str> = message
            .components
            .iter()
            .flat_map(|r| &r.components)
            .map(|b| b.custom_id.as_str())
            .collect();
        assert_eq!(ids, vec!["b".repeat(100), "é".repeat(100)]);
        let label = &message.components[0].components[0].label;
        assert_eq!(label.chars().count(), 80);
        assert!(label.ends_with('…'));
    }

    #[test]
    fn buttons_go_five_to_a_row_at_most_five_rows_and_next_page_is_kept() {
        let mut reply = Reply::new("Many", "", Severity::Info);
        reply.buttons = (0..30)
            .map(|i| reply::Button {
                id: format!("b{i}"),
                label: format!("B{i}"),
                style: ButtonStyle::Secondary,
            })
            .collect();
        reply.next_page = Some("handle".into());
        let message = render(&reply, Some("page:1"));
        assert_within_limits(&message);
        assert_eq!(message.components.len(), 5);
        assert!(message.components.iter().all(|r| r.components.len() == 5));
        let last = &message.components[4].components[4];
        assert_eq!(
            (last.custom_id.as_str(), last.label.as_str()),
            ("page:1", "Next page")
        );
    }

    #[test]
    fn markdown_and_mentions_in_data_are_inert() {
        let evil = "**bold** @everyone <@123> <@&456> [x](https://evil.com) ||spoiler|| # head `code` ~~s~~ _i_";
        // The summary is the bot's own words: escaped, not defanged.
        let mut reply = Reply::new(
            "Results for **you** @here",
            "**bold** @everyone <@123> [x](y) ||s||",
            Severity::Danger,
        );
        reply.fields.push(Field {
            name: "Subject".into(),
            value: Text::untrusted(evil),
        });
        reply.fields.push(Field {
            name: "Note".into(),
            value: Text::untrusted("- list\n> quote"),
        });
        reply.table = Some(Table {
            columns: vec!["Verdict".into(), "Subject".into()],
            rows: vec![Row {
                cells: vec![Text::untrusted("# bad"), Text::untrusted(evil)],
            }],
        });
        let message = render(&reply, None);
        assert_within_limits(&message);
        let embed = &message.embeds[0];
        let field = &embed.fields[0].value;
        assert_eq!(
            field,
            "\\*\\*bold\\*\\* \\@everyone \\<\\@123\\> \\<\\@&456\\> \\[x\\]\\(hxxps\\[://\\]evil\\[.\\]com\\) \\|\\|spoiler\\|\\| \\# head \\`code\\` \\~\\~s\\~\\~ \\_i\\_"
        );
        assert_eq!(embed.fields[1].value, "\\- list \\> quote");
        assert_eq!(
            embed.title.as_deref(),
            Some("Results for \\*\\*you\\*\\* \\@here")
        );
        let desc = description(&message);
        assert!(
            desc.starts_with(
                "\\*\\*bold\\*\\* \\@everyone \\<\\@123\\> \\[x\\]\\(y\\) \\|\\|s\\|\\|\n\n"
            ),
            "{desc}"
        );
        assert!(desc.contains("**\\# bad** · \\*\\*bold"), "{desc}");

        let wire = serde_json::to_string(&message).expect("serializes");
        for raw in [
            "https://",
            "evil.com",
            "**bold**",
            " @everyone",
            "<@123>",
            "](",
            "||",
        ] {
            assert!(!wire.contains(raw), "{raw} in {wire}");
        }
        let value = serde_json::to_value(&message).expect("serializes");
        assert_eq!(value["allowed_mentions"], json!({"parse": []}));
        let value = serde_json::to_value(render_error(evil)).expect("serializes");
        assert_eq!(value["allowed_mentions"], json!({"parse": []}));
        assert!(!value.to_string().contains("<@123>"));
    }

    #[test]
    fn serializes_to_discords_json_shape() {
        let mut reply = Reply::new("Approval needed", "Waiting", Severity::Warning);
        reply.fields.push(Field {
            name: "From".into(),
            value: Text::untrusted("a@b.com"),
        });
        reply.footer = Some("small print".into());
        reply.buttons = [
            ButtonStyle::Primary,
            ButtonStyle::Secondary,
            ButtonStyle::Success,
            ButtonStyle::Danger,
        ]
        .into_iter()
        .enumerate()
        .map(|(i, style)| reply::Button {
            id: format!("id{i}"),
            label: format!("L{i}"),
            style,
        })
        .collect();
        reply.next_page = Some("long handle".into());
        let value = serde_json::to_value(render(&reply, Some("page:z"))).expect("serializes");
        assert_eq!(
            value,
            json!({
                "embeds": [{
                    "title": "Approval needed",
                    "description": "Waiting",
                    "color": 0xFEE75C,
                    "fields": [{"name": "From", "value": "a\\[\\@\\]b\\[.\\]com", "inline": true}],
                    "footer": {"text": "small print"},
                }],
                "components": [
                    {"type": 1, "components": [
                        {"type": 2, "style": 1, "label": "L0", "custom_id": "id0"},
                        {"type": 2, "style": 2, "label": "L1", "custom_id": "id1"},
                        {"type": 2, "style": 3, "label": "L2", "custom_id": "id2"},
                        {"type": 2, "style": 4, "label": "L3", "custom_id": "id3"},
                        {"type": 2, "style": 2, "label": "Next page", "custom_id": "page:z"},
                    ]},
                ],
                "allowed_mentions": {"parse": []},
            })
        );

        // No buttons: `components: []` is still sent, so an edit removes the old buttons.
        let value =
            serde_json::to_value(render(&Reply::new("Released", "", Severity::Success), None))
                .expect("serializes");
        assert_eq!(value["components"], json!([]));
        let keys: Vec<&String> = value.as_object().expect("object").keys().collect();
        assert_eq!(keys.len(), 3, "{keys:?}"); // embeds, components, allowed_mentions
        assert_eq!(
            value["embeds"][0],
            json!({"title": "Released", "color": 0x57F287})
        );

        let error = serde_json::to_value(render_error("Mimecast said: no\nTry `held`"))
            .expect("serializes");
        assert_eq!(error["flags"], 64);
        assert_eq!(EPHEMERAL, 64);
        assert_eq!(error["embeds"][0]["color"], 0x992D22);
        assert_eq!(error["embeds"][0]["title"], "Error");
        assert_eq!(
            error["embeds"][0]["description"],
            "Mimecast said: no\nTry \\`held\\`"
        );
        assert_eq!(error["components"], json!([]));
    }

    #[test]
    fn errors_are_cut_to_the_description_limit() {
        let message = render_error(&"Mimecast failed *badly* ".repeat(500));
        assert_within_limits(&message);
        assert_eq!(message.flags, Some(EPHEMERAL));
        let desc = description(&message);
        assert!(desc.chars().count() <= 4096);
        assert!(desc.ends_with("chars\\)"), "{}", &desc[desc.len() - 30..]);
        // A blank message still gives Discord a non-blank description.
        assert_eq!(description(&render_error("  \n ")), "—");
    }

    #[test]
    fn colours_follow_severity() {
        for (severity, colour) in [
            (Severity::Info, 0x5865F2),
            (Severity::Success, 0x57F287),
            (Severity::Warning, 0xFEE75C),
            (Severity::Danger, 0xED4245),
            (Severity::Error, 0x992D22),
        ] {
            let message = render(&Reply::new("t", "s", severity), None);
            assert_eq!(message.embeds[0].color, colour, "{severity:?}");
        }
    }

    #[test]
    fn preformatted_text_keeps_its_lines_in_an_unbreakable_code_block() {
        let mut reply = Reply::new("mimecast-bot help", "", Severity::Info);
        reply.preformatted = Some("usage:\n  held --admin\n```\n@everyone `x`\u{202E}".into());
        let message = render(&reply, None);
        assert_within_limits(&message);
        assert_eq!(
            description(&message),
            "```\nusage:\n  held --admin\nˋˋˋ\n@everyone ˋxˋ[U+202E]\n```"
        );

        reply.preformatted = Some("a very long help line with `ticks`\n".repeat(400));
        let message = render(&reply, None);
        assert_within_limits(&message);
        let desc = description(&message);
        assert!(desc.starts_with("```\n") && desc.ends_with("\n```"));
        assert_eq!(desc.matches("```").count(), 2);
        assert!(desc.contains("chars)"));
    }

    #[test]
    fn blank_parts_never_reach_discord() {
        let mut reply = Reply::new("", "", Severity::Info);
        let message = render(&reply, None);
        assert_within_limits(&message);
        assert_eq!(description(&message), "—");

        reply.fields.push(Field {
            name: "  ".into(),
            value: Text::Untrusted("   ".into()),
        });
        reply.table = Some(Table {
            columns: vec!["Status".into()],
            rows: vec![Row {
                cells: vec![Text::Plain(String::new())],
            }],
        });
        let message = render(&reply, None);
        assert_within_limits(&message);
        assert_eq!(message.embeds[0].fields[0].name, "—");
        assert_eq!(message.embeds[0].fields[0].value, "—");
        assert_eq!(description(&message), "*Status*\n**—**");
    }

    #[test]
    fn line_start_markers_are_escaped_only_at_line_start() {
        assert_eq!(escape_markdown("- a-b"), "\\- a-b");
        assert_eq!(escape_markdown("-# small"), "\\-\\# small");
        assert_eq!(
            escape_markdown("1. first 2. second"),
            "1\\. first 2. second"
        );
        assert_eq!(escape_markdown("x\n  + y\n10.5"), "x\n  \\+ y\n10\\.5");
        assert_eq!(escape_markdown("請求書 v2.0"), "請求書 v2.0");
    }
}
