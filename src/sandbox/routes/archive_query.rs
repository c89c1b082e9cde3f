//! The archive search query language: Mimecast's `<xmlquery>` XML, parsed with quick-xml.
//!
//! Understood: `metadata@page-size`, `metadata@startrow`, `mailboxes/mailbox`, `muse/text`
//! (free text, or `subject:`, `from:`, `to:` prefixes), `muse/date@select` (today, yesterday,
//! last_week, last_month, last_year, between with `from`/`to`), `muse/sent@select` (from|to)
//! with an address or domain. Other elements are accepted and ignored. Entity and character
//! references are unescaped in text and attributes.

use chrono::{DateTime, Duration, Utc};
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use serde::{Deserialize, Serialize};

/// The filters of an archive query (what a page token must keep constant).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ArchiveFilter {
    /// `data[0].admin`.
    pub admin: bool,
    /// any, subject, from or to.
    pub text_field: Option<String>,
    /// Lowercased free text.
    pub text: Option<String>,
    /// Window start (epoch seconds).
    pub from: Option<i64>,
    /// Window end (epoch seconds).
    pub to: Option<i64>,
    /// `<sent select="from">`.
    pub sent_from: Option<String>,
    /// `<sent select="to">`.
    pub sent_to: Option<String>,
    /// `<mailboxes>`.
    pub mailboxes: Vec<String>,
}

/// A parsed query: filters plus paging attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedQuery {
    pub filter: ArchiveFilter,
    pub page_size: Option<usize>,
    pub startrow: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Capture {
    Text,
    Mailbox,
    Sent(String),
}

fn attr(e: &BytesStart<'_>, name: &str) -> Result<Option<String>, String> {
    for a in e.attributes() {
        let a = a.map_err(|err| format!("malformed attribute: {err}"))?;
        if a.key.local_name().as_ref() == name {
            let value = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|err| format!("malformed attribute `{name}`: {err}"))?;
            return Ok(Some(value.trim().to_owned()));
        }
    }
    Ok(None)
}

fn number(e: &BytesStart<'_>, name: &str) -> Result<Option<usize>, String> {
    attr(e, name)?
        .map(|v| {
            v.parse::<usize>()
                .map_err(|_| format!("metadata {name}=\"{v}\" is not a number"))
        })
        .transpose()
}

fn date_attr(e: &BytesStart<'_>, name: &str) -> Result<Option<i64>, String> {
    attr(e, name)?
        .filter(|v| !v.is_empty())
        .map(|v| {
            crate::mimecast::dates::parse(&v)
                .map(|d| d.timestamp())
                .ok_or_else(|| {
                    format!("date {name}=\"{v}\" is not a date like 2024-01-01T00:00:00Z")
                })
        })
        .transpose()
}

fn window(select: &str, now: DateTime<Utc>) -> Result<(i64, i64), String> {
    let midnight = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or(now, |t| t.and_utc());
    let (from, to) = match select {
        "today" => (midnight, now),
        "yesterday" => (
            midnight - Duration::days(1),
            midnight - Duration::seconds(1),
        ),
        "last_week" => (now - Duration::days(7), now),
        "last_month" => (now - Duration::days(30), now),
        "last_year" => (now - Duration::days(365), now),
        other => {
            return Err(format!(
                "date select=\"{other}\" must be today, yesterday, last_week, last_month, last_year or between"
            ));
        }
    };
    Ok((from.timestamp(), to.timestamp()))
}

fn text_query(raw: &str) -> (Option<String>, Option<String>) {
    let text = raw
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim();
    if text.is_empty() {
        return (None, None);
    }
    for field in ["subject", "from", "to"] {
        if let Some(rest) = text
            .get(..field.len() + 1)
            .filter(|head| head.eq_ignore_ascii_case(&format!("{field}:")))
            .and_then(|_| text.get(field.len() + 1..))
        {
            let value = rest.trim().trim_matches('"').trim();
            if value.is_empty() {
                return (None, None);
            }
            return (Some(field.to_owned()), Some(value.to_lowercase()));
        }
    }
    (
        Some("any".to_owned()),
        Some(text.trim_matches('"').to_lowercase()),
    )
}

fn finish(capture: Capture, text: &str, out: &mut ParsedQuery) {
    let text = text.trim().to_owned();
    match capture {
        Capture::Text => {
            let (field, value) = text_query(&text);
            out.filter.text_field = field;
            out.filter.text = value;
        }
        Capture::Mailbox | Capture::Sent(_) if text.is_empty() => {}
        Capture::Mailbox => out.filter.mailboxes.push(text),
        Capture::Sent(select) if select == "to" => out.filter.sent_to = Some(text),
        Capture::Sent(_) => out.filter.sent_from = Some(text),
    }
}

/// Parses an archive search query; the error text explains what is wrong.
pub(crate) fn parse(xml: &str, now: DateTime<Utc>) -> Result<ParsedQuery, String> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let mut capture: Option<(Capture, usize, String)> = None;
    let mut seen_root = false;
    let mut out = ParsedQuery {
        filter: ArchiveFilter::default(),
        page_size: None,
        startrow: None,
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|err| format!("malformed XML at byte {}: {err}", reader.error_position()))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                if stack.is_empty() && seen_root {
                    return Err("the query has more than one root element".to_owned());
                }
                seen_root = true;
                let name = e.local_name().as_ref().to_owned();
                let parent = stack.last().map(String::as_str).unwrap_or("");
                let opened = match (parent, name.as_str()) {
                    (_, "metadata") => {
                        out.page_size = number(e, "page-size")?;
                        out.startrow = number(e, "startrow")?;
                        None
                    }
                    ("mailboxes", "mailbox") => Some(Capture::Mailbox),
                    ("muse", "text") => Some(Capture::Text),
                    ("muse", "date") => {
                        match attr(e, "select")?.as_deref() {
                            None | Some("") => {}
                            Some("between") => {
                                out.filter.from = date_attr(e, "from")?;
                                out.filter.to = date_attr(e, "to")?;
                            }
                            Some(select) => {
                                let (from, to) = window(select, now)?;
                                out.filter.from = Some(from);
                                out.filter.to = Some(to);
                            }
                        }
                        None
                    }
                    ("muse", "sent") => {
                        let select = attr(e, "select")?.unwrap_or_else(|| "from".to_owned());
                        if select != "from" && select != "to" {
                            return Err(format!("sent select=\"{select}\" must be from or to"));
                        }
                        Some(Capture::Sent(select))
                    }
                    _ => None,
                };
                if matches!(event, Event::Empty(_)) {
                    if let Some(c) = opened {
                        finish(c, "", &mut out);
                    }
                } else {
                    if let Some(c) = opened {
                        capture = Some((c, stack.len(), String::new()));
                    }
                    stack.push(name);
                }
            }
            Event::End(_) => {
                stack.pop();
                if capture
                    .as_ref()
                    .is_some_and(|(_, depth, _)| *depth == stack.len())
                    && let Some((c, _, text)) = capture.take()
                {
                    finish(c, &text, &mut out);
                }
            }
            Event::Text(t) => {
                if let Some((_, _, text)) = capture.as_mut() {
                    text.push_str(&t.xml10_content());
                }
            }
            Event::CData(c) => {
                if let Some((_, _, text)) = capture.as_mut() {
                    text.push_str(&c);
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(ch)) => ch.to_string(),
                    Ok(None) => resolve_predefined_entity(&r)
                        .ok_or_else(|| format!("unknown entity &{};", &*r))?
                        .to_owned(),
                    Err(err) => return Err(format!("bad character reference &{};: {err}", &*r)),
                };
                if let Some((_, _, text)) = capture.as_mut() {
                    text.push_str(&resolved);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!("unexpected end of query: <{open}> is not closed"));
    }
    if !seen_root {
        return Err("the query is empty".to_owned());
    }
    if out.page_size == Some(0) {
        return Err("metadata page-size must be at least 1".to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 6, 14, 12, 0, 0).unwrap()
    }

    #[test]
    fn parses_the_documented_query() {
        let xml = r#"<?xml version="1.0"?>
<xmlquery trace="iql,muse">
  <metadata query-type="emailarchive" archive="true" active="false" page-size="10" startrow="5">
    <mailboxes><mailbox include-aliases="true">zoe.muller@example-corp.com</mailbox></mailboxes>
    <smartfolders/>
    <return-fields><return-field>attachmentcount</return-field></return-fields>
  </metadata>
  <muse>
    <text>subject: Invoice &amp; Payment &lt;Q3&gt; &#x4E2D;</text>
    <date select="between" from="2024-01-01T00:00:00Z" to="2024-06-30T23:59:59+0000"/>
    <sent select="to">Example-Corp.com</sent>
    <docs select="optional"></docs>
    <route/>
  </muse>
</xmlquery>"#;
        let q = parse(xml, now()).expect("valid query");
        assert_eq!(q.page_size, Some(10));
        assert_eq!(q.startrow, Some(5));
        assert_eq!(q.filter.text_field.as_deref(), Some("subject"));
        assert_eq!(q.filter.text.as_deref(), Some("invoice & payment <q3> 中"));
        assert_eq!(
            q.filter.from,
            Some(
                Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
                    .unwrap()
                    .timestamp()
            )
        );
        assert_eq!(
            q.filter.to,
            Some(
                Utc.with_ymd_and_hms(2024, 6, 30, 23, 59, 59)
                    .unwrap()
                    .timestamp()
            )
        );
        assert_eq!(q.filter.sent_to.as_deref(), Some("Example-Corp.com"));
        assert_eq!(
            q.filter.mailboxes,
            vec!["zoe.muller@example-corp.com".to_owned()]
        );
    }

    #[test]
    fn relative_dates_and_free_text() {
        let q = parse(
            r#"<xmlquery><muse><text> Q3 budget </text><date select="yesterday"/></muse></xmlquery>"#,
            now(),
        )
        .expect("valid");
        assert_eq!(q.filter.text_field.as_deref(), Some("any"));
        assert_eq!(q.filter.text.as_deref(), Some("q3 budget"));
        let midnight = Utc
            .with_ymd_and_hms(2024, 6, 14, 0, 0, 0)
            .unwrap()
            .timestamp();
        assert_eq!(q.filter.from, Some(midnight - 86_400));
        assert_eq!(q.filter.to, Some(midnight - 1));
        let q = parse(r#"<xmlquery><muse><text/></muse></xmlquery>"#, now()).expect("valid");
        assert_eq!(q.filter.text, None);
    }

    #[test]
    fn malformed_queries_are_explained() {
        for (xml, fragment) in [
            ("<xmlquery><muse><text>x</muse></xmlquery>", "malformed XML"),
            ("<xmlquery><muse>", "not closed"),
            ("", "empty"),
            (
                "<xmlquery><muse><text>&bogus;</text></muse></xmlquery>",
                "entity",
            ),
            (
                r#"<xmlquery><muse><date select="someday"/></muse></xmlquery>"#,
                "select",
            ),
            (
                r#"<xmlquery><muse><date select="between" from="June"/></muse></xmlquery>"#,
                "not a date",
            ),
            (
                r#"<xmlquery><metadata page-size="ten"/></xmlquery>"#,
                "not a number",
            ),
            (
                r#"<xmlquery><muse><sent select="cc">a@b.c</sent></muse></xmlquery>"#,
                "from or to",
            ),
            ("<a/><b/>", "more than one root"),
        ] {
            let err = parse(xml, now()).expect_err(xml);
            assert!(err.contains(fragment), "{xml}: {err}");
        }
    }
}
