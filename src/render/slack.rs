//! `Reply` as a Slack Block Kit message: the body of `chat.postMessage`, `chat.update` or a
//! `response_url` POST, built from slack-morphism's block models so any HTTP layer can send it.
//!
//! Layout: a header block (severity emoji and title), the summary, the fields ten to a section,
//! the table's rows packed into sections (`*first cell* · … · From → To · …` under a line of
//! column headings), the preformatted text in a code block, the footer in a context block, and
//! one actions block with the buttons and "Next page".
//!
//! Every Slack limit is enforced here ([`limits::slack`]), counted in Unicode scalar values
//! (`str::chars`) after escaping, including the undocumented total of text across all blocks
//! ([`limit::BLOCKS_TEXT_TOTAL`]). Cut text says how much was cut ([`super::truncate`]); rows and
//! fields that do not fit end with `… and N more`.
//!
//! Untrusted text is defanged and stripped of control and bidi characters
//! ([`super::cell_text`], [`super::value_text`]) and then escaped ([`escape_mrkdwn`]), so no
//! `<!channel>`, `<@U…>` or `<url|label>` can form. Every `mrkdwn` object is `verbatim`, so
//! Slack does not auto-link bare names or URLs either, and link unfurling is off.
//!
//! [`limits::slack`]: super::limits::slack

use std::collections::HashSet;

use serde::Serialize;
use slack_morphism::SlackActionId;
use slack_morphism::blocks::{
    SlackActionsBlock, SlackBlock, SlackBlockButtonElement, SlackBlockButtonStyle,
    SlackBlockMarkDownText, SlackBlockPlainText, SlackBlockText, SlackContextBlock,
    SlackHeaderBlock, SlackSectionBlock,
};

use super::limits::slack as limit;
use super::truncate::{group_thousands, truncate};
use super::{cell_text, defang, sanitize, value_text};
use crate::engine::reply::{ButtonStyle, Field, Reply, Severity, Table};

/// Action id of the Next page button; its `value` is the page id given to `render`.
pub const NEXT_PAGE_ACTION: &str = "page";

/// Label of the button that fetches the next page.
pub const NEXT_PAGE_LABEL: &str = "Next page";

/// Most characters of the summary section.
const SUMMARY_SHARE: usize = 2000;
/// Most characters of the footer.
const FOOTER_SHARE: usize = 1000;
/// Characters kept free for table rows while the preformatted block and the fields are placed.
/// Header, summary, footer and buttons take at most 5025, so this room always exists.
const ROWS_RESERVE: usize = 1500;
/// Most characters of one table cell (after escaping), so one long subject cannot take a row.
const CELL_MAX: usize = 100;
/// Most characters of a field's name.
const FIELD_NAME_MAX: usize = 200;
/// A field value shorter than this is not worth showing cut; the field is counted as not shown.
const MIN_FIELD_VALUE: usize = 16;
/// A code block with less room than this is left out.
const MIN_CODE_BLOCK: usize = 40;
/// Shown for an empty value: Slack refuses empty text objects.
const BLANK: &str = "—";

/// A message body for chat.postMessage / chat.update / a response_url POST.
#[derive(Debug, Clone, Serialize)]
pub struct SlackMessage {
    /// Notification and screen-reader fallback text (plain, escaped, ≤ 3000 chars).
    pub text: String,
    /// The blocks (≤ 50).
    pub blocks: Vec<SlackBlock>,
    /// Always false.
    pub unfurl_links: bool,
    /// Always false.
    pub unfurl_media: bool,
}

impl SlackMessage {
    fn new(text: String, blocks: Vec<SlackBlock>) -> Self {
        Self {
            text,
            blocks,
            unfurl_links: false,
            unfurl_media: false,
        }
    }
}

/// Renders `reply` as Block Kit blocks with a fallback `text` (title and summary).
///
/// `next_page` is the short id under which the adapter stored `reply.next_page`; when given, a
/// "Next page" button with action id [`NEXT_PAGE_ACTION`] and that id as its value is added
/// last. Each of `reply.buttons` becomes a button whose action id and value are its `id`;
/// a button Slack would refuse (id empty or over 255 characters, repeated id, no label) is
/// dropped and logged. Rows and fields that do not fit are counted in a closing note.
pub fn render(reply: &Reply, next_page: Option<&str>) -> SlackMessage {
    let mut budget = limit::BLOCKS_TEXT_TOTAL;
    let spend = |text: &str, budget: &mut usize| *budget = budget.saturating_sub(count(text));

    let header = header_text(reply);
    if let Some(header) = &header {
        spend(header, &mut budget);
    }
    let summary = non_empty(fit(
        sanitize::one_line(&reply.summary).trim(),
        SUMMARY_SHARE.min(limit::SECTION_TEXT),
    ));
    if let Some(summary) = &summary {
        spend(summary, &mut budget);
    }
    let footer = reply.footer.as_deref().and_then(|footer| {
        non_empty(fit(
            sanitize::one_line(footer).trim(),
            FOOTER_SHARE.min(limit::TEXT_OBJECT),
        ))
    });
    if let Some(footer) = &footer {
        spend(footer, &mut budget);
    }
    let buttons = buttons(reply, next_page);
    for button in &buttons {
        spend(&button.label, &mut budget);
    }

    let fixed = usize::from(header.is_some())
        + usize::from(summary.is_some())
        + usize::from(footer.is_some())
        + usize::from(!buttons.is_empty());
    let mut blocks_left = limit::BLOCKS_PER_MESSAGE - fixed;

    let table = reply.table.as_ref().filter(|t| !t.rows.is_empty());
    // A table needs at least one section and its closing note.
    let (rows_reserve, rows_blocks) = if table.is_some() {
        (ROWS_RESERVE, 2)
    } else {
        (0, 0)
    };

    let code = reply.preformatted.as_deref().and_then(|pre| {
        let room = budget.saturating_sub(rows_reserve).min(limit::SECTION_TEXT);
        code_block(pre, room)
    });
    if let Some(code) = &code {
        spend(code, &mut budget);
        blocks_left -= 1;
    }

    let fields = field_sections(
        &reply.fields,
        blocks_left.saturating_sub(rows_blocks),
        &mut budget,
        rows_reserve,
    );
    blocks_left -= fields.len();

    let rows = table.map_or_else(Vec::new, |t| table_blocks(t, blocks_left, &mut budget));

    let mut blocks: Vec<SlackBlock> = Vec::new();
    if let Some(header) = header {
        blocks.push(SlackHeaderBlock::new(plain(header).into()).into());
    }
    if let Some(summary) = summary {
        blocks.push(section(summary));
    }
    blocks.extend(fields);
    blocks.extend(rows);
    if let Some(code) = code {
        blocks.push(section(code));
    }
    if let Some(footer) = footer {
        blocks.push(context(footer));
    }
    if let Some(actions) = actions_block(buttons) {
        blocks.push(actions);
    }
    if blocks.is_empty() {
        blocks.push(section(BLANK.to_owned()));
    }

    SlackMessage::new(fallback_text(reply), blocks)
}

/// A one-line error message (no buttons).
///
/// The message often quotes Mimecast, and Slack links bare URLs in a message's `text`, so it
/// is defanged as well as escaped.
pub fn render_error(message: &str) -> SlackMessage {
    let line = defang::defang(&sanitize::one_line(message));
    let line = line.trim();
    let line = if line.is_empty() {
        "Something went wrong."
    } else {
        line
    };
    let prefix = "❌ ";
    let text = format!("{prefix}{}", fit(line, limit::SECTION_TEXT - count(prefix)));
    let fallback = format!(
        "Error: {}",
        fit(line, limit::TEXT_OBJECT - count("Error: "))
    );
    SlackMessage::new(fallback, vec![section(text)])
}

/// Escapes Slack mrkdwn control characters: & < > (so nothing becomes a link or mention).
pub fn escape_mrkdwn(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

fn count(text: &str) -> usize {
    text.chars().count()
}

/// `text` (already sanitized) escaped and cut so the escaped result has at most `max`
/// characters. The cut is made on the unescaped text, so an entity is never split, and the
/// marker counts the characters of `text` that were cut.
fn fit(text: &str, max: usize) -> String {
    let escaped = escape_mrkdwn(text);
    if count(&escaped) <= max {
        return escaped;
    }
    let mut keep = max;
    loop {
        let candidate = escape_mrkdwn(&truncate(text, keep));
        let n = count(&candidate);
        if n <= max || keep == 0 {
            return candidate;
        }
        keep = keep.saturating_sub(n - max);
    }
}

/// Already escaped `text` cut to at most `max` characters with a plain `…`, never inside a
/// character or an `&…;` entity (every `&` in escaped text starts one).
fn cut_escaped(text: &str, max: usize) -> String {
    if count(text) <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    if let Some(amp) = out.rfind('&')
        && !out[amp..].contains(';')
    {
        out.truncate(amp);
    }
    if max > 0 {
        out.push('…');
    }
    out
}

fn non_empty(text: String) -> Option<String> {
    (!text.trim().is_empty()).then_some(text)
}

fn non_blank(text: String) -> String {
    non_empty(text).unwrap_or_else(|| BLANK.to_owned())
}

/// A `plain_text` object; shortcodes stay as typed.
fn plain(text: String) -> SlackBlockPlainText {
    SlackBlockPlainText::new(text).with_emoji(false)
}

/// A `verbatim` `mrkdwn` object: formatting applies, but nothing is auto-linked.
fn mrkdwn(text: String) -> SlackBlockMarkDownText {
    SlackBlockMarkDownText::new(text).with_verbatim(true)
}

fn section(text: String) -> SlackBlock {
    SlackSectionBlock::new()
        .with_text(SlackBlockText::from(mrkdwn(text)))
        .into()
}

fn context(text: String) -> SlackBlock {
    SlackContextBlock::new(vec![mrkdwn(text).into()]).into()
}

/// A Unicode emoji for the severity (shown whatever `emoji` says), or none for Info.
fn severity_mark(severity: Severity) -> Option<&'static str> {
    match severity {
        Severity::Info => None,
        Severity::Success => Some("✅"),
        Severity::Warning => Some("⚠️"),
        Severity::Danger => Some("🚨"),
        Severity::Error => Some("❌"),
    }
}

/// The header text: severity emoji and title, or nothing when the title is blank.
fn header_text(reply: &Reply) -> Option<String> {
    let title = sanitize::one_line(&reply.title);
    let title = title.trim();
    if title.is_empty() {
        return None;
    }
    let prefix = severity_mark(reply.severity).map_or(String::new(), |mark| format!("{mark} "));
    let room = limit::HEADER_TEXT - count(&prefix);
    Some(format!("{prefix}{}", fit(title, room)))
}

/// The notification text: title and summary on one line.
fn fallback_text(reply: &Reply) -> String {
    let title = sanitize::one_line(&reply.title);
    let summary = sanitize::one_line(&reply.summary);
    let line = match (title.trim(), summary.trim()) {
        ("", "") => BLANK.to_owned(),
        (title, "") => title.to_owned(),
        ("", summary) => summary.to_owned(),
        (title, summary) => format!("{title}: {summary}"),
    };
    fit(&line, limit::TEXT_OBJECT)
}

/// `text` in a fenced code block of at most `max` characters, lines kept, control characters
/// made visible, `& < >` escaped. Backticks become `ˋ` (U+02CB) so they cannot close the fence.
fn code_block(text: &str, max: usize) -> Option<String> {
    const FENCES: usize = "```\n\n```".len();
    let body: Vec<String> = text
        .lines()
        .map(|line| sanitize::one_line(line).replace('`', "\u{2CB}"))
        .collect();
    let body = body.join("\n");
    let body = body.trim_end().trim_start_matches('\n');
    if body.trim().is_empty() || max < MIN_CODE_BLOCK {
        return None;
    }
    Some(format!("```\n{}\n```", fit(body, max - FENCES)))
}

/// `fields` as sections of at most ten fields, in at most `max_sections` sections, keeping
/// `reserve` of `budget` free for the table. Fields that do not fit are counted in a last
/// field `… and N more fields`.
fn field_sections(
    fields: &[Field],
    max_sections: usize,
    budget: &mut usize,
    reserve: usize,
) -> Vec<SlackBlock> {
    let total = fields.len();
    if total == 0 || max_sections == 0 {
        return Vec::new();
    }
    let more_note = |n: usize| format!("_… and {} more fields_", group_thousands(n));
    let note_cost = count(&more_note(total));
    let slots = max_sections * limit::SECTION_FIELDS;
    let max_shown = if total > slots { slots - 1 } else { total };
    let mut available = budget.saturating_sub(reserve);

    let mut texts: Vec<String> = Vec::new();
    for (i, field) in fields.iter().take(max_shown).enumerate() {
        let tail = if i + 1 < total { note_cost } else { 0 };
        let name = non_blank(fit(sanitize::one_line(&field.name).trim(), FIELD_NAME_MAX));
        let overhead = count(&name) + "**\n".len();
        let room = available
            .saturating_sub(tail + overhead)
            .min(limit::SECTION_FIELD_TEXT - overhead);
        if room < MIN_FIELD_VALUE {
            break;
        }
        let value = non_blank(fit(value_text(&field.value).trim(), room));
        let text = format!("*{name}*\n{value}");
        available = available.saturating_sub(count(&text));
        texts.push(text);
    }
    let left_out = total - texts.len();
    if left_out > 0 {
        let note = more_note(left_out);
        // Reserved above whenever a field could be left out, so it fits unless nothing did.
        if count(&note) <= available {
            available -= count(&note);
            texts.push(note);
        }
    }
    *budget = available + reserve.min(*budget);
    texts
        .chunks(limit::SECTION_FIELDS)
        .map(|chunk| {
            SlackSectionBlock::new()
                .with_fields(
                    chunk
                        .iter()
                        .map(|text| SlackBlockText::from(mrkdwn(text.clone())))
                        .collect(),
                )
                .into()
        })
        .collect()
}

/// True when the columns `before` and `column` are a sender and a recipient, shown `A → B`.
fn is_from_to(before: &str, column: &str) -> bool {
    let lower = |s: &str| s.trim().to_ascii_lowercase();
    matches!(lower(before).as_str(), "from" | "sender")
        && matches!(lower(column).as_str(), "to" | "recipient" | "recipients")
}

/// Already escaped cells as one line: ` · ` between cells, ` → ` from a sender to a recipient.
fn join_cells(cells: &[String], columns: &[String]) -> String {
    let mut out = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            let joined = columns
                .get(i - 1)
                .zip(columns.get(i))
                .is_some_and(|(a, b)| is_from_to(a, b));
            out.push_str(if joined { " → " } else { " · " });
        }
        out.push_str(cell);
    }
    out
}

/// The table as sections of packed lines (a line of italic column headings, then one line per
/// row with the first cell in bold), in at most `max_blocks` blocks and `budget` characters;
/// rows that do not fit are counted in a closing context block `… and N more rows`.
fn table_blocks(table: &Table, max_blocks: usize, budget: &mut usize) -> Vec<SlackBlock> {
    let total = table.rows.len();
    if total == 0 || max_blocks == 0 {
        return Vec::new();
    }
    let more = |n: usize| format!("… and {} more rows", group_thousands(n));
    let note_cost = count(&more(total));
    let width = table
        .columns
        .len()
        .max(table.rows.iter().map(|r| r.cells.len()).max().unwrap_or(0))
        .max(1);
    // Room for every cell and its separator in one section, so a row is never cut mid-cell.
    let cell_max = CELL_MAX
        .min(limit::SECTION_TEXT / width)
        .saturating_sub(5)
        .max(1);
    let cell = |text: String| non_blank(fit(text.trim(), cell_max));

    let headings: Vec<String> = (0..width)
        .map(|i| {
            table
                .columns
                .get(i)
                .map_or_else(|| BLANK.to_owned(), |c| cell(sanitize::one_line(c)))
        })
        .collect();
    let heading = format!("_{}_", join_cells(&headings, &table.columns));

    // Sections being filled, with their lengths in characters.
    let mut sections: Vec<(String, usize)> = Vec::new();
    let mut used = 0;
    let mut shown = 0;
    for (i, row) in table.rows.iter().enumerate() {
        let mut cells: Vec<String> = (0..width)
            .map(|c| {
                row.cells
                    .get(c)
                    .map_or_else(|| BLANK.to_owned(), |t| cell(cell_text(t)))
            })
            .collect();
        if let Some(first) = cells.first_mut() {
            *first = format!("*{first}*");
        }
        let mut line = join_cells(&cells, &table.columns);
        if i == 0 {
            line = format!("{heading}\n{line}");
        }
        let line = cut_escaped(&line, limit::SECTION_TEXT);
        let n = count(&line);
        let joins_last = sections
            .last()
            .is_some_and(|(_, len)| len + 1 + n <= limit::SECTION_TEXT);
        let cost = n + usize::from(joins_last);
        let more_after = i + 1 < total;
        let blocks = sections.len() + usize::from(!joins_last) + usize::from(more_after);
        let tail = if more_after { note_cost } else { 0 };
        if used + cost + tail > *budget || blocks > max_blocks {
            break;
        }
        match sections.last_mut() {
            Some((text, len)) if joins_last => {
                text.push('\n');
                text.push_str(&line);
                *len += cost;
            }
            _ => sections.push((line, n)),
        }
        used += cost;
        shown += 1;
    }

    let mut blocks: Vec<SlackBlock> = sections.into_iter().map(|(s, _)| section(s)).collect();
    if shown < total {
        let note = more(total - shown);
        if used + count(&note) <= *budget && blocks.len() < max_blocks {
            used += count(&note);
            blocks.push(context(note));
        }
    }
    *budget = budget.saturating_sub(used);
    blocks
}

/// A button on its way into the actions block.
struct Button {
    action_id: String,
    value: String,
    label: String,
    style: Option<SlackBlockButtonStyle>,
}

/// The buttons Slack will accept, "Next page" last, at most 25.
fn buttons(reply: &Reply, next_page: Option<&str>) -> Vec<Button> {
    let next = next_page.and_then(|id| {
        if (1..=limit::BUTTON_VALUE).contains(&count(id)) {
            Some(Button {
                action_id: NEXT_PAGE_ACTION.to_owned(),
                value: id.to_owned(),
                label: NEXT_PAGE_LABEL.to_owned(),
                style: None,
            })
        } else {
            tracing::warn!(
                value_chars = count(id),
                "dropping the Next page button: Slack refuses a value that is not 1..=2000 characters"
            );
            None
        }
    });
    // The Next page action id is reserved, whether or not there is a next page.
    let mut seen: HashSet<String> = HashSet::from([NEXT_PAGE_ACTION.to_owned()]);
    let room = limit::ACTIONS_ELEMENTS - usize::from(next.is_some());

    let mut out: Vec<Button> = Vec::new();
    for b in &reply.buttons {
        let id_chars = count(&b.id);
        if !(1..=limit::ACTION_ID.min(limit::BUTTON_VALUE)).contains(&id_chars) {
            tracing::warn!(
                action_id_chars = id_chars,
                label = %b.label,
                "dropping a button: Slack refuses an action_id that is not 1..=255 characters"
            );
            continue;
        }
        let label = cut_escaped(
            &escape_mrkdwn(sanitize::one_line(&b.label).trim()),
            limit::BUTTON_TEXT,
        );
        if label.trim().is_empty() {
            tracing::warn!(
                action_id_chars = id_chars,
                "dropping a button without a label"
            );
            continue;
        }
        if !seen.insert(b.id.clone()) {
            tracing::warn!(label = %b.label, "dropping a button: its action_id repeats another's");
            continue;
        }
        if out.len() >= room {
            tracing::warn!(label = %b.label, "dropping a button: an actions block holds at most 25");
            continue;
        }
        let style = match b.style {
            ButtonStyle::Primary | ButtonStyle::Success => Some(SlackBlockButtonStyle::Primary),
            ButtonStyle::Danger => Some(SlackBlockButtonStyle::Danger),
            ButtonStyle::Secondary => None,
        };
        out.push(Button {
            action_id: b.id.clone(),
            value: b.id.clone(),
            label,
            style,
        });
    }
    out.extend(next);
    out
}

fn actions_block(buttons: Vec<Button>) -> Option<SlackBlock> {
    if buttons.is_empty() {
        return None;
    }
    let elements = buttons
        .into_iter()
        .map(|b| {
            SlackBlockButtonElement::new(plain(b.label).into())
                .with_action_id(SlackActionId(b.action_id))
                .with_value(b.value)
                .opt_style(b.style)
                .into()
        })
        .collect();
    Some(SlackActionsBlock::new(elements).into())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use serde_json::{Value, json};

    use super::*;
    use crate::engine::reply::{self, Row, Text};

    fn wire(message: &SlackMessage) -> Value {
        serde_json::to_value(message).expect("serializes")
    }

    fn chars(value: &Value) -> usize {
        value.as_str().map_or(0, |s| s.chars().count())
    }

    /// Every text object in a block, as JSON.
    fn texts(block: &Value) -> Vec<&Value> {
        let mut out = Vec::new();
        if !block["text"].is_null() {
            out.push(&block["text"]);
        }
        for key in ["fields", "elements"] {
            if let Some(items) = block[key].as_array() {
                for item in items {
                    if item["type"] == "button" {
                        out.push(&item["text"]);
                    } else {
                        out.push(item);
                    }
                }
            }
        }
        out
    }

    /// Every limit Slack checks, on the JSON Slack receives, with the numbers written out
    /// rather than taken from the constants the renderer uses.
    fn assert_within_limits(message: &SlackMessage) -> Value {
        let value = wire(message);
        assert_eq!(value["unfurl_links"], json!(false));
        assert_eq!(value["unfurl_media"], json!(false));
        assert!((1..=3000).contains(&chars(&value["text"])), "text");
        let blocks = value["blocks"].as_array().expect("blocks");
        assert!((1..=50).contains(&blocks.len()), "{} blocks", blocks.len());
        let mut total = 0;
        let mut ids = HashSet::new();
        for block in blocks {
            for text in texts(block) {
                let n = chars(&text["text"]);
                assert!((1..=3000).contains(&n), "text object of {n}: {block}");
                assert!(text["text"].as_str().is_some_and(|t| !t.trim().is_empty()));
                assert!(matches!(
                    text["type"].as_str(),
                    Some("plain_text" | "mrkdwn")
                ));
                if text["type"] == "mrkdwn" {
                    assert_eq!(text["verbatim"], json!(true));
                } else {
                    assert_eq!(text["emoji"], json!(false));
                }
                total += n;
            }
            match block["type"].as_str() {
                Some("header") => {
                    assert_eq!(block["text"]["type"], "plain_text");
                    assert!(chars(&block["text"]["text"]) <= 150);
                }
                Some("section") => {
                    if let Some(fields) = block["fields"].as_array() {
                        assert!((1..=10).contains(&fields.len()), "{} fields", fields.len());
                        for f in fields {
                            assert!(chars(&f["text"]) <= 2000);
                        }
                    } else {
                        assert!(block["text"].is_object());
                    }
                }
                Some("context") => {
                    let elements = block["elements"].as_array().expect("elements");
                    assert!((1..=10).contains(&elements.len()));
                }
                Some("actions") => {
                    let elements = block["elements"].as_array().expect("elements");
                    assert!((1..=25).contains(&elements.len()));
                    for b in elements {
                        assert_eq!(b["type"], "button");
                        assert!((1..=75).contains(&chars(&b["text"]["text"])));
                        assert!((1..=255).contains(&chars(&b["action_id"])));
                        assert!((1..=2000).contains(&chars(&b["value"])));
                        assert!(ids.insert(b["action_id"].clone()), "duplicate action_id");
                        assert!(
                            b["style"].is_null()
                                || b["style"] == "primary"
                                || b["style"] == "danger"
                        );
                    }
                }
                other => panic!("unexpected block {other:?}"),
            }
        }
        assert!(total <= 9000, "{total} characters of block text");
        // Nothing unescaped that Slack parses: every `&` starts an entity and no `<` or `>`.
        for text in
            std::iter::once(&value["text"]).chain(blocks.iter().flat_map(texts).map(|t| &t["text"]))
        {
            let s = text.as_str().unwrap_or_default();
            assert!(!s.contains('<') && !s.contains('>'), "{s}");
            for (i, _) in s.match_indices('&') {
                let rest = &s[i..];
                assert!(
                    ["&amp;", "&lt;", "&gt;"]
                        .iter()
                        .any(|e| rest.starts_with(e)),
                    "bare & in {s}"
                );
            }
        }
        value
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

    /// The mrkdwn text of every section that holds rows, joined.
    fn row_text(value: &Value) -> String {
        value["blocks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| b["text"]["text"].as_str())
            .filter(|t| t.starts_with("_Ref") || t.starts_with("*R"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn shown_rows(value: &Value) -> usize {
        row_text(value)
            .lines()
            .filter(|l| l.starts_with("*R"))
            .count()
    }

    fn last_note(value: &Value) -> String {
        value["blocks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|b| b["type"] == "context")
            .filter_map(|b| b["elements"][0]["text"].as_str())
            .find(|t| t.starts_with("… and"))
            .unwrap_or_default()
            .to_owned()
    }

    #[test]
    fn five_hundred_rows_stay_within_fifty_blocks_and_count_the_rest() {
        let subject = "URGENT: wire transfer for the quarterly invoice settlement ".repeat(6);
        let reply = held_reply(500, &subject);
        let message = render(&reply, Some("page:abc123"));
        let value = assert_within_limits(&message);

        let shown = shown_rows(&value);
        assert!(shown >= 10, "only {shown} rows shown");
        assert_eq!(
            last_note(&value),
            format!("… and {} more rows", 500 - shown)
        );
        let rows = row_text(&value);
        assert!(rows.starts_with("_Ref · Reason · From → To · Subject · Received (UTC)_\n*R000000000* · Policy: Attachment Protect · billing0[@]paypa1-secure[.]com → cfo[@]example[.]com · "), "{rows}");
        assert!(rows.contains(&format!("*R{:09}*", shown - 1)));
        assert!(!rows.contains(&format!("*R{shown:09}*")));
        // The long subject is cut in its cell and says so.
        assert!(rows.contains("chars)"), "{rows}");

        // Header first; footer and buttons kept at the end, Next page last.
        let blocks = value["blocks"].as_array().expect("blocks");
        assert_eq!(blocks[0]["type"], "header");
        assert_eq!(
            blocks[0]["text"]["text"],
            "⚠️ Held messages (all recipients)"
        );
        let n = blocks.len();
        assert_eq!(blocks[n - 2]["type"], "context");
        assert_eq!(blocks[n - 1]["type"], "actions");
        let next = &blocks[n - 1]["elements"][0];
        assert_eq!(next["action_id"], NEXT_PAGE_ACTION);
        assert_eq!(next["value"], "page:abc123");
        assert_eq!(next["text"]["text"], "Next page");
    }

    #[test]
    fn short_rows_are_packed_until_the_total_text_limit() {
        let mut reply = held_reply(2000, "x");
        reply.fields.clear();
        let value = assert_within_limits(&render(&reply, None));
        let shown = shown_rows(&value);
        assert!(shown > 50, "{shown}");
        assert_eq!(
            last_note(&value),
            format!("… and {} more rows", group_thousands(2000 - shown))
        );
        // Rows share sections rather than taking a block each.
        let sections = value["blocks"]
            .as_array()
            .expect("blocks")
            .iter()
            .filter(|b| b["type"] == "section")
            .count();
        assert!(sections < 10, "{sections}");
    }

    #[test]
    fn wide_rows_take_a_section_each_within_limits() {
        // Rows of nearly 3000 characters each, every character escaped: one section per row.
        let mut reply = Reply::new("Wide", "", Severity::Info);
        reply.table = Some(Table {
            columns: (0..30).map(|i| format!("C{i}")).collect(),
            rows: (0..200)
                .map(|_| Row {
                    cells: (0..30)
                        .map(|_| Text::untrusted("<&>".repeat(200)))
                        .collect(),
                })
                .collect(),
        });
        let value = assert_within_limits(&render(&reply, None));
        assert!(last_note(&value).starts_with("… and "));
    }

    #[test]
    fn all_rows_that_fit_are_shown_without_a_note() {
        let value = assert_within_limits(&render(&held_reply(3, "Invoice"), None));
        assert_eq!(shown_rows(&value), 3);
        assert_eq!(last_note(&value), "");
        // No page id given: no Next page button, and no button at all.
        assert!(
            value["blocks"]
                .as_array()
                .expect("blocks")
                .iter()
                .all(|b| b["type"] != "actions")
        );
    }

    #[test]
    fn long_multibyte_subject_is_cut_on_a_character_boundary_and_announced() {
        let raw = "é漢🙂".repeat(1667); // 5001 characters, 15,006 bytes
        let mut reply = held_reply(2, &raw);
        reply.title = raw.clone();
        reply.summary = raw.clone();
        reply.footer = Some(raw.clone());
        reply.preformatted = Some(raw.clone());
        reply.fields.push(Field {
            name: raw.clone(),
            value: Text::untrusted(raw.clone()),
        });
        let message = render(&reply, Some("page:1"));
        let value = assert_within_limits(&message);
        assert!(message.text.chars().count() <= 3000);

        let blocks = value["blocks"].as_array().expect("blocks");
        // Every cut piece is a prefix of the original, ends in the marker and counts the cut.
        let check = |shown: &str, max: usize| {
            assert!(shown.chars().count() <= max, "{}", shown.chars().count());
            let (kept, marker) = shown.split_once('…').expect("cut announced");
            assert!(raw.starts_with(kept), "not a prefix");
            let cut = raw.chars().count() - kept.chars().count();
            assert_eq!(marker, format!(" (+{} chars)", group_thousands(cut)));
        };
        let summary = blocks[1]["text"]["text"].as_str().expect("summary");
        check(summary, 3000);
        assert!(summary.chars().count() > 1900, "too much cut");
        let field = blocks
            .iter()
            .filter_map(|b| b["fields"].as_array())
            .flatten()
            .filter_map(|f| f["text"].as_str())
            .find(|t| t.contains("🙂"))
            .expect("field shown");
        let (name, field_value) = field.split_once('\n').expect("name and value");
        assert!(field.chars().count() <= 2000);
        check(name.trim_matches('*'), 200);
        check(field_value, 2000);
        let header = blocks[0]["text"]["text"].as_str().expect("header");
        check(header.trim_start_matches("⚠️ "), 150);
        let code = blocks
            .iter()
            .filter_map(|b| b["text"]["text"].as_str())
            .find(|t| t.starts_with("```"));
        if let Some(code) = code {
            check(
                code.trim_start_matches("```\n").trim_end_matches("\n```"),
                3000,
            );
        }
        // The table cell is cut too.
        assert!(row_text(&value).contains("chars)"));

        // Valid UTF-8 on the wire.
        let bytes = serde_json::to_vec(&message).expect("serializes");
        assert!(std::str::from_utf8(&bytes).is_ok());
    }

    #[test]
    fn forty_fields_go_at_most_ten_to_a_section() {
        let mut reply = Reply::new("Summary", "Today", Severity::Info);
        reply.fields = (0..40)
            .map(|i| Field {
                name: format!("Field {i}"),
                value: Text::plain(format!("value {i}")),
            })
            .collect();
        let value = assert_within_limits(&render(&reply, None));
        let sections: Vec<&Vec<Value>> = value["blocks"]
            .as_array()
            .expect("blocks")
            .iter()
            .filter_map(|b| b["fields"].as_array())
            .collect();
        assert_eq!(sections.len(), 4);
        assert!(sections.iter().all(|s| s.len() == 10));
        assert_eq!(sections[3][9]["text"], "*Field 39*\nvalue 39");
        assert_eq!(sections[0][0]["type"], "mrkdwn");
    }

    #[test]
    fn huge_and_many_fields_stay_within_limits_and_say_how_many_more() {
        // Long values: the total text limit binds; each field stays within 2000.
        let mut reply = held_reply(50, "Invoice");
        reply.fields = (0..40)
            .map(|i| Field {
                name: format!("Field {i}"),
                value: Text::untrusted("evil.com & more ".repeat(200)),
            })
            .collect();
        let value = assert_within_limits(&render(&reply, None));
        let fields: Vec<&str> = value["blocks"]
            .as_array()
            .expect("blocks")
            .iter()
            .filter_map(|b| b["fields"].as_array())
            .flatten()
            .filter_map(|f| f["text"].as_str())
            .collect();
        assert!(fields.len() < 40);
        assert_eq!(
            fields.last().copied(),
            Some(format!("_… and {} more fields_", 40 - (fields.len() - 1)).as_str())
        );
        assert!(shown_rows(&value) >= 3, "rows crowded out");

        // Many short fields and rows: the 50-block limit binds for both.
        let mut reply = held_reply(500, "Invoice");
        reply.fields = (0..800)
            .map(|i| Field {
                name: format!("F{i}"),
                value: Text::plain("v"),
            })
            .collect();
        let value = assert_within_limits(&render(&reply, Some("p")));
        let blocks = value["blocks"].as_array().expect("blocks");
        assert_eq!(blocks.len(), 50);
        assert_eq!(blocks[49]["type"], "actions");
        let fields: Vec<&str> = blocks
            .iter()
            .filter_map(|b| b["fields"].as_array())
            .flatten()
            .filter_map(|f| f["text"].as_str())
            .collect();
        assert_eq!(
            fields.last().copied(),
            Some(format!("_… and {} more fields_", 800 - (fields.len() - 1)).as_str())
        );
        let shown = shown_rows(&value);
        assert!(shown >= 1, "rows crowded out");
        assert_eq!(
            last_note(&value),
            format!("… and {} more rows", 500 - shown)
        );
    }

    #[test]
    fn buttons_slack_refuses_are_dropped_and_the_rest_keep_their_id_as_value() {
        let mut reply = Reply::new("Approval needed", "", Severity::Warning);
        let button = |id: String, style| reply::Button {
            id,
            label: "Approve & release ".repeat(10),
            style,
        };
        reply.buttons = vec![
            button("a".repeat(256), ButtonStyle::Success),
            button("approve:ABCDEF123456".into(), ButtonStyle::Success),
            button(String::new(), ButtonStyle::Danger),
            button("é".repeat(255), ButtonStyle::Danger), // 255 characters, 510 bytes
            button("approve:ABCDEF123456".into(), ButtonStyle::Danger), // duplicate
            button(NEXT_PAGE_ACTION.into(), ButtonStyle::Primary), // taken by Next page
            button("deny:ABCDEF123456".into(), ButtonStyle::Secondary),
        ];
        let value = assert_within_limits(&render(&reply, Some("page:xyz")));
        let blocks = value["blocks"].as_array().expect("blocks");
        let actions = blocks
            .iter()
            .find(|b| b["type"] == "actions")
            .expect("actions");
        let elements = actions["elements"].as_array().expect("elements");
        let ids: Vec<&str> = elements
            .iter()
            .filter_map(|b| b["action_id"].as_str())
            .collect();
        let long = "é".repeat(255);
        assert_eq!(
            ids,
            vec![
                "approve:ABCDEF123456",
                long.as_str(),
                "deny:ABCDEF123456",
                NEXT_PAGE_ACTION
            ]
        );
        for b in elements {
            if b["action_id"] != NEXT_PAGE_ACTION {
                assert_eq!(b["value"], b["action_id"]);
            }
        }
        assert_eq!(elements[0]["style"], "primary");
        assert_eq!(elements[1]["style"], "danger");
        assert!(elements[2].get("style").is_none());
        assert_eq!(elements[3]["value"], "page:xyz");
        let label = elements[0]["text"]["text"].as_str().expect("label");
        assert!(
            label.chars().count() <= 75 && label.ends_with('…'),
            "{label}"
        );
        assert!(label.starts_with("Approve &amp; release"));

        // A page id Slack would refuse as a value gives no Next page button.
        let value = wire(&render(&reply, Some(&"p".repeat(2001))));
        let json = value.to_string();
        assert!(!json.contains(&"p".repeat(2001)));
        assert!(!json.contains(r#""action_id":"page""#));
    }

    #[test]
    fn at_most_twenty_five_buttons_and_next_page_is_kept() {
        let mut reply = Reply::new("Many", "", Severity::Info);
        reply.buttons = (0..30)
            .map(|i| reply::Button {
                id: format!("b{i}"),
                label: format!("B{i}"),
                style: ButtonStyle::Secondary,
            })
            .collect();
        let value = assert_within_limits(&render(&reply, Some("page:1")));
        let blocks = value["blocks"].as_array().expect("blocks");
        let elements = blocks[blocks.len() - 1]["elements"]
            .as_array()
            .expect("elements");
        assert_eq!(elements.len(), 25);
        assert_eq!(elements[23]["action_id"], "b23");
        assert_eq!(elements[24]["action_id"], NEXT_PAGE_ACTION);
    }

    #[test]
    fn mentions_and_links_in_data_are_inert() {
        let evil = "<!channel> <!here> <@U1> <#C1> <!subteam^S1> <https://evil.example|click> https://evil.example/x ceo@evil.example & &amp;";
        let mut reply = Reply::new(
            "Results <!channel>",
            "<@U1> found <!here>",
            Severity::Danger,
        );
        reply.fields.push(Field {
            name: "Subject <@U1>".into(),
            value: Text::untrusted(evil),
        });
        reply.table = Some(Table {
            columns: vec!["From".into(), "Subject".into()],
            rows: vec![Row {
                cells: vec![Text::untrusted("<!everyone>"), Text::untrusted(evil)],
            }],
        });
        // Preformatted text and the footer are the bot's own words: escaped, not defanged.
        reply.preformatted = Some("help\n```\n<!channel> <@U1> & `x`".into());
        reply.footer = Some("<!channel> <@U1> &".into());
        reply.buttons.push(reply::Button {
            id: "approve:1".into(),
            label: "<!channel> go".into(),
            style: ButtonStyle::Danger,
        });
        let message = render(&reply, None);
        let value = assert_within_limits(&message);
        let json = value.to_string();
        for raw in [
            "<!channel>",
            "<!here>",
            "<!everyone>",
            "<@U1>",
            "<#C1>",
            "<!subteam",
            "<https://",
            "https://",
            "evil.example",
            "|click>",
            "<",
            ">",
        ] {
            assert!(!json.contains(raw), "{raw} in {json}");
        }
        let field = value["blocks"][2]["fields"][0]["text"]
            .as_str()
            .expect("field");
        assert_eq!(
            field,
            "*Subject &lt;@U1&gt;*\n&lt;!channel&gt; &lt;!here&gt; &lt;@U1&gt; &lt;#C1&gt; &lt;!subteam^S1&gt; &lt;hxxps[://]evil[.]example|click&gt; hxxps[://]evil[.]example/x ceo[@]evil[.]example &amp; &amp;amp;"
        );
        assert!(json.contains("hxxps[://]evil[.]example/x"));
        assert_eq!(
            value["blocks"][0]["text"]["text"],
            "🚨 Results &lt;!channel&gt;"
        );
        let code = value["blocks"]
            .as_array()
            .expect("blocks")
            .iter()
            .filter_map(|b| b["text"]["text"].as_str())
            .find(|t| t.starts_with("```\n"))
            .expect("code block");
        assert_eq!(code.matches("```").count(), 2, "{code}");
        assert_eq!(
            message.text,
            "Results &lt;!channel&gt;: &lt;@U1&gt; found &lt;!here&gt;"
        );
        // render_error too.
        let error = wire(&render_error(evil)).to_string();
        for raw in ["<!channel>", "<@U1>", "https://", "<"] {
            assert!(!error.contains(raw), "{raw} in {error}");
        }
    }

    #[test]
    fn serializes_to_block_kit_json_with_unfurls_off() {
        let mut reply = Reply::new("Approval needed", "Waiting for *you*", Severity::Info);
        reply.fields.push(Field {
            name: "From".into(),
            value: Text::untrusted("a@b.com"),
        });
        reply.footer = Some("small print".into());
        reply.buttons.push(reply::Button {
            id: "approve:ABCDEF123456".into(),
            label: "Approve".into(),
            style: ButtonStyle::Primary,
        });
        let value = assert_within_limits(&render(&reply, Some("page:z")));
        assert_eq!(
            value,
            json!({
                "text": "Approval needed: Waiting for *you*",
                "blocks": [
                    {"type": "header", "text": {"type": "plain_text", "text": "Approval needed", "emoji": false}},
                    {"type": "section", "text": {"type": "mrkdwn", "text": "Waiting for *you*", "verbatim": true}},
                    {"type": "section", "fields": [
                        {"type": "mrkdwn", "text": "*From*\na[@]b[.]com", "verbatim": true},
                    ]},
                    {"type": "context", "elements": [
                        {"type": "mrkdwn", "text": "small print", "verbatim": true},
                    ]},
                    {"type": "actions", "elements": [
                        {"type": "button", "action_id": "approve:ABCDEF123456", "value": "approve:ABCDEF123456",
                         "text": {"type": "plain_text", "text": "Approve", "emoji": false}, "style": "primary"},
                        {"type": "button", "action_id": "page", "value": "page:z",
                         "text": {"type": "plain_text", "text": "Next page", "emoji": false}},
                    ]},
                ],
                "unfurl_links": false,
                "unfurl_media": false,
            })
        );
        assert_eq!(value["blocks"][0]["type"], "header");
    }

    #[test]
    fn errors_are_one_escaped_line_without_buttons() {
        let message = render_error("Mimecast said: <no>\nTry `held` & retry");
        let value = assert_within_limits(&message);
        assert_eq!(
            value["blocks"],
            json!([{"type": "section", "text": {"type": "mrkdwn",
                "text": "❌ Mimecast said: &lt;no&gt; Try `held` &amp; retry", "verbatim": true}}])
        );
        assert_eq!(
            message.text,
            "Error: Mimecast said: &lt;no&gt; Try `held` &amp; retry"
        );

        let long = render_error(&"Mimecast failed & <badly> ".repeat(500));
        let value = assert_within_limits(&long);
        assert!(chars(&value["blocks"][0]["text"]["text"]) <= 3000);
        assert!(
            value["blocks"][0]["text"]["text"]
                .as_str()
                .unwrap_or_default()
                .ends_with("chars)")
        );
        // A blank message still gives Slack non-empty text.
        assert_within_limits(&render_error("  \n "));
    }

    #[test]
    fn preformatted_text_keeps_its_lines_in_one_code_block() {
        let mut reply = Reply::new("mimecast-bot help", "", Severity::Info);
        reply.preformatted = Some("usage:\n  held --admin <n>\n```\n@channel `x`\u{202E}".into());
        let value = assert_within_limits(&render(&reply, None));
        assert_eq!(
            value["blocks"][1]["text"]["text"],
            "```\nusage:\n  held --admin &lt;n&gt;\nˋˋˋ\n@channel ˋxˋ[U+202E]\n```"
        );

        reply.preformatted = Some("a very long help line with `ticks` & <angles>\n".repeat(400));
        let value = assert_within_limits(&render(&reply, None));
        let code = value["blocks"][1]["text"]["text"].as_str().expect("code");
        assert!(code.starts_with("```\n") && code.ends_with("\n```"));
        assert_eq!(code.matches("```").count(), 2);
        assert!(code.contains("chars)"));
    }

    #[test]
    fn blank_parts_never_reach_slack() {
        let mut reply = Reply::new("  ", "", Severity::Info);
        let value = assert_within_limits(&render(&reply, None));
        assert_eq!(value["blocks"][0]["text"]["text"], "—");
        reply.fields.push(Field {
            name: " ".into(),
            value: Text::Untrusted("   ".into()),
        });
        reply.table = Some(Table {
            columns: vec!["Status".into()],
            rows: vec![Row {
                cells: vec![Text::Plain(String::new())],
            }],
        });
        reply.buttons.push(reply::Button {
            id: "x".into(),
            label: "  ".into(),
            style: ButtonStyle::Primary,
        });
        let value = assert_within_limits(&render(&reply, None));
        assert_eq!(value["blocks"][0]["fields"][0]["text"], "*—*\n—");
        assert_eq!(value["blocks"][1]["text"]["text"], "_Status_\n*—*");
    }

    #[test]
    fn escape_mrkdwn_escapes_only_the_three_control_characters() {
        assert_eq!(
            escape_mrkdwn("a & b <@U1> *c* 請求書 &amp;"),
            "a &amp; b &lt;@U1&gt; *c* 請求書 &amp;amp;"
        );
        assert_eq!(cut_escaped("ab &amp; c", 5), "ab …");
        assert_eq!(cut_escaped("ab &amp; c", 9), "ab &amp;…");
        for max in [0, 1, 2, 3, 7, 10, 11, 12, 100] {
            let out = fit(&"<&>é".repeat(50), max);
            assert!(out.chars().count() <= max, "{max}: {out}");
            assert!(!out.contains('<') && !out.contains('>'));
        }
    }

    #[test]
    fn severity_sets_the_header_emoji() {
        for (severity, header) in [
            (Severity::Info, "Title"),
            (Severity::Success, "✅ Title"),
            (Severity::Warning, "⚠️ Title"),
            (Severity::Danger, "🚨 Title"),
            (Severity::Error, "❌ Title"),
        ] {
            let value = assert_within_limits(&render(&Reply::new("Title", "s", severity), None));
            assert_eq!(value["blocks"][0]["text"]["text"], header, "{severity:?}");
        }
    }
}
