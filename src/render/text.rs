//! `Reply` as terminal text: a title line, the summary, an aligned table within
//! [`limits::terminal::WIDTH`] columns, fields, buttons and the footer.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::{cell_text, value_text};
use super::{limits, sanitize};
use crate::engine::reply::{Reply, Table, Text};

/// Renders `reply` for a terminal.
pub fn render(reply: &Reply) -> String {
    let mut out = String::new();
    out.push_str(&reply.title);
    out.push('\n');
    if !reply.summary.is_empty() {
        out.push_str(&cell_text(&Text::Plain(reply.summary.clone())));
        out.push('\n');
    }
    if let Some(pre) = &reply.preformatted {
        // The bot's own preformatted text (help): lines kept, control characters still inert.
        for line in pre.lines() {
            out.push_str(&sanitize::one_line(line));
            out.push('\n');
        }
    }
    if let Some(table) = reply.table.as_ref().filter(|t| !t.rows.is_empty()) {
        out.push('\n');
        out.push_str(&render_table(table, limits::terminal::WIDTH));
    }
    if !reply.fields.is_empty() {
        out.push('\n');
        let label_width = reply
            .fields
            .iter()
            .map(|f| f.name.width())
            .max()
            .unwrap_or(0);
        for field in &reply.fields {
            let value = value_text(&field.value);
            out.push_str(&format!(
                "{}{}  {}\n",
                field.name,
                " ".repeat(label_width - field.name.width()),
                value
            ));
        }
    }
    if !reply.buttons.is_empty() {
        out.push('\n');
        let labels: Vec<String> = reply
            .buttons
            .iter()
            .map(|b| format!("[{}]", b.label))
            .collect();
        out.push_str(&labels.join(" "));
        out.push('\n');
    }
    if let Some(footer) = &reply.footer {
        out.push('\n');
        out.push_str(&cell_text(&Text::Plain(footer.clone())));
        out.push('\n');
    }
    out
}

/// Lays `table` out in at most `width` display columns. Columns share the width in proportion
/// to their content, each keeps at least its heading's width (up to a minimum), and over-long
/// cells end with `…`.
pub fn render_table(table: &Table, width: usize) -> String {
    let columns = table.columns.len();
    if columns == 0 {
        return String::new();
    }
    let cells: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|row| {
            (0..columns)
                .map(|i| row.cells.get(i).map(cell_text).unwrap_or_default())
                .collect()
        })
        .collect();
    let natural: Vec<usize> = (0..columns)
        .map(|i| {
            cells
                .iter()
                .map(|r| r[i].width())
                .chain(std::iter::once(table.columns[i].width()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let widths = fit_widths(&natural, width.saturating_sub(2 * (columns - 1)));

    let mut out = String::new();
    let line = |values: &[String], out: &mut String| {
        let parts: Vec<String> = values
            .iter()
            .zip(&widths)
            .map(|(v, w)| pad(&clip(v, *w), *w))
            .collect();
        out.push_str(parts.join("  ").trim_end());
        out.push('\n');
    };
    line(&table.columns, &mut out);
    let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
    out.push_str(&rule.join("  "));
    out.push('\n');
    for row in &cells {
        line(row, &mut out);
    }
    out
}

/// Shrinks the widest columns first until the total fits `available`.
fn fit_widths(natural: &[usize], available: usize) -> Vec<usize> {
    const MIN: usize = 6;
    let mut widths = natural.to_vec();
    while widths.iter().sum::<usize>() > available {
        let Some((widest, w)) = widths
            .iter()
            .enumerate()
            .max_by_key(|(_, w)| **w)
            .map(|(i, w)| (i, *w))
        else {
            break;
        };
        if w <= MIN {
            break;
        }
        widths[widest] = w - 1;
    }
    widths
}

fn clip(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(ch);
        used += w;
    }
    out.push('…');
    out
}

fn pad(text: &str, width: usize) -> String {
    let mut out = text.to_owned();
    out.push_str(&" ".repeat(width.saturating_sub(text.width())));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::reply::{Row, Severity};

    fn table(rows: Vec<Vec<Text>>) -> Table {
        Table {
            columns: vec![
                "Status".into(),
                "From".into(),
                "Subject".into(),
                "Received (UTC)".into(),
            ],
            rows: rows.into_iter().map(|cells| Row { cells }).collect(),
        }
    }

    #[test]
    fn lines_fit_in_100_columns_and_stay_aligned_with_wide_characters() {
        let at = crate::mimecast::dates::parse("2024-01-02T03:04:05+0000");
        let t = table(vec![
            vec![
                Text::plain("held"),
                Text::untrusted("ceo@examp1e-corp.com"),
                Text::untrusted("請求書のご確認をお願いします".repeat(5)),
                Text::time(at),
            ],
            vec![
                Text::plain("released"),
                Text::untrusted("a@b.com"),
                Text::untrusted("short"),
                Text::time(at),
            ],
        ]);
        let out = render_table(&t, 100);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 4);
        for line in &lines {
            assert!(line.width() <= 100, "{} > 100: {line}", line.width());
        }
        // The Received column starts at the same display column on every row.
        let col = |line: &str| {
            let idx = line.find("2024-01-02").expect("time shown");
            line[..idx].width()
        };
        assert_eq!(col(lines[2]), col(lines[3]));
        assert!(lines[2].contains("ceo[@]examp1e-corp[.]com"));
        assert!(lines[2].contains('…'));
    }

    #[test]
    fn reply_shows_title_summary_fields_and_footer() {
        let mut reply = Reply::new("Held messages", "2 held", Severity::Warning);
        reply.fields.push(crate::engine::reply::Field {
            name: "Sender".into(),
            value: Text::untrusted("x@evil.com"),
        });
        reply.footer = Some("Mimecast sandbox".into());
        let out = render(&reply);
        assert!(out.starts_with("Held messages\n2 held\n"));
        assert!(out.contains("Sender  x[@]evil[.]com"));
        assert!(out.trim_end().ends_with("Mimecast sandbox"));
    }
}
