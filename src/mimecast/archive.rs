//! Archive search: `POST /api/archive/search` with an XML query.
//!
//! Every value a user typed is XML-escaped before it is placed in the query, so text such as
//! `</text><sent select="to">` stays text and cannot change the query's structure.

use chrono::{DateTime, Utc};
use quick_xml::escape::escape;
use serde::{Deserialize, Serialize};

use super::dates;
use super::endpoints::{self, Endpoint};
use super::mailbox::Mailbox;
use super::paging::Listing;

/// Largest page the XML asks for.
pub const MAX_PAGE_SIZE: u32 = 500;

/// An archive search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveSearch {
    /// Free text (Mimecast's search syntax, e.g. `subject: invoice`), matched against the mail.
    pub text: String,
    /// Oldest received time.
    pub start: Option<DateTime<Utc>>,
    /// Newest received time.
    pub end: Option<DateTime<Utc>>,
    /// Only mail sent by this address.
    pub sender: Option<String>,
    /// Only mail sent to this address.
    pub recipient: Option<String>,
    /// Search every mailbox (`true`) or only the API user's.
    pub admin: bool,
    /// Rows per page, 1 to [`MAX_PAGE_SIZE`].
    pub page_size: u32,
}

impl Default for ArchiveSearch {
    fn default() -> Self {
        Self {
            text: String::new(),
            start: None,
            end: None,
            sender: None,
            recipient: None,
            admin: true,
            page_size: 25,
        }
    }
}

/// The fields the search asks Mimecast to return.
const RETURN_FIELDS: [&str; 10] = [
    "attachmentcount",
    "status",
    "subject",
    "size",
    "receiveddate",
    "displayfrom",
    "displayfromaddress",
    "id",
    "displayto",
    "displaytoaddresslist",
];

impl ArchiveSearch {
    /// The XML query document, every user value escaped.
    pub fn to_xml(&self) -> Result<String, String> {
        let text = self.text.trim();
        if text.is_empty() {
            return Err("give the text to search the archive for".into());
        }
        dates::check_order(self.start, self.end)?;
        let page_size = self.page_size.clamp(1, MAX_PAGE_SIZE);
        let mut xml = String::with_capacity(768);
        xml.push_str("<?xml version=\"1.0\"?><xmlquery trace=\"iql,muse\">");
        xml.push_str(&format!(
            "<metadata query-type=\"emailarchive\" archive=\"true\" active=\"false\" page-size=\"{page_size}\" startrow=\"0\">"
        ));
        xml.push_str("<smartfolders/><return-fields>");
        for field in RETURN_FIELDS {
            xml.push_str(&format!("<return-field>{field}</return-field>"));
        }
        xml.push_str("</return-fields></metadata><muse>");
        xml.push_str(&format!("<text>{}</text>", escape(text)));
        match (self.start, self.end) {
            (None, None) => {}
            (start, end) => {
                let from = start
                    .map(iso)
                    .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned());
                let to = end.map(iso).unwrap_or_else(|| iso(Utc::now()));
                xml.push_str(&format!(
                    "<date select=\"between\" from=\"{}\" to=\"{}\"/>",
                    escape(&from),
                    escape(&to)
                ));
            }
        }
        if let Some(sender) = self
            .sender
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            xml.push_str(&format!("<sent select=\"from\">{}</sent>", escape(sender)));
        }
        if let Some(to) = self
            .recipient
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            xml.push_str(&format!("<sent select=\"to\">{}</sent>", escape(to)));
        }
        xml.push_str("<docs select=\"optional\"></docs><route/></muse></xmlquery>");
        Ok(xml)
    }
}

fn iso(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Wire form of [`ArchiveSearch`].
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveSearchItem {
    admin: bool,
    query: String,
}

/// One archived message.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(default)]
pub struct ArchiveItem {
    /// Archive id.
    pub id: String,
    /// Subject.
    pub subject: String,
    /// Sender's display text.
    pub displayfrom: String,
    /// Sender address.
    pub displayfromaddress: String,
    /// Recipients' display text.
    pub displayto: String,
    /// Recipients.
    pub displaytoaddresslist: Vec<Mailbox>,
    /// When it was received.
    #[serde(with = "dates::lenient")]
    pub receiveddate: Option<DateTime<Utc>>,
    /// Size in bytes.
    pub size: Option<u64>,
    /// Number of attachments.
    pub attachmentcount: Option<u32>,
    /// ARCHIVED, …
    pub status: String,
}

/// `data[]` element: real answers nest rows under `items`; the documentation shows them flat.
/// Both are read.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ArchiveData {
    /// `{"items":[…],"queryDuration":n}`.
    Wrapped {
        /// The rows.
        items: Vec<ArchiveItem>,
    },
    /// A row directly in `data[]`.
    Flat(ArchiveItem),
}

impl Listing for ArchiveSearch {
    type Item = ArchiveSearchItem;
    type Data = ArchiveData;
    type Row = ArchiveItem;
    const ENDPOINT: Endpoint = endpoints::ARCHIVE_SEARCH;

    fn item(&self) -> Result<ArchiveSearchItem, String> {
        Ok(ArchiveSearchItem {
            admin: self.admin,
            query: self.to_xml()?,
        })
    }

    fn rows(data: Vec<ArchiveData>) -> Vec<ArchiveItem> {
        data.into_iter()
            .flat_map(|d| match d {
                ArchiveData::Wrapped { items } => items,
                ArchiveData::Flat(item) => vec![item],
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn user_text_cannot_change_the_query_structure() {
        let search = ArchiveSearch {
            text: "</text><sent select=\"to\">ceo@corp.com</sent><text>".into(),
            sender: Some("a&b@x.com\"><x/>".into()),
            ..Default::default()
        };
        let xml = search.to_xml().unwrap();
        assert_eq!(xml.matches("<text>").count(), 1);
        assert_eq!(xml.matches("<sent ").count(), 1);
        assert!(xml.contains("&lt;/text&gt;&lt;sent select=&quot;to&quot;&gt;"));
        assert!(xml.contains("a&amp;b@x.com&quot;&gt;&lt;x/&gt;"));
        // The document still parses, and has exactly one <text> and one <sent> element.
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut elements = Vec::new();
        loop {
            match reader.read_event().expect("well-formed") {
                quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                    elements.push(e.name().0.to_owned())
                }
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(elements.iter().filter(|e| *e == "text").count(), 1);
        assert_eq!(elements.iter().filter(|e| *e == "sent").count(), 1);
        assert!(!elements.iter().any(|e| e == "x"));
    }

    #[test]
    fn dates_become_a_between_clause() {
        let search = ArchiveSearch {
            text: "invoice".into(),
            start: dates::parse("2024-01-01T00:00:00Z"),
            end: dates::parse("2024-06-30T23:59:59Z"),
            ..Default::default()
        };
        let xml = search.to_xml().unwrap();
        assert!(xml.contains(
            "<date select=\"between\" from=\"2024-01-01T00:00:00Z\" to=\"2024-06-30T23:59:59Z\"/>"
        ));
        assert!(ArchiveSearch::default().to_xml().is_err());
    }

    #[test]
    fn reads_wrapped_and_flat_answers() {
        let wrapped: Vec<ArchiveData> = serde_json::from_value(json!([{
            "items": [{"id": "1", "subject": "a", "receiveddate": "2023-08-06T07:23:00+0000", "status": "ARCHIVED"}],
            "queryDuration": 12
        }]))
        .unwrap();
        let flat: Vec<ArchiveData> =
            serde_json::from_value(json!([{"id": "2", "subject": "b"}, {"id": "3"}])).unwrap();
        assert_eq!(ArchiveSearch::rows(wrapped)[0].id, "1");
        assert_eq!(ArchiveSearch::rows(flat).len(), 2);
    }
}
