//! Rendering a [`Reply`](crate::engine::reply::Reply) for a platform, safely: untrusted text is
//! defanged and stripped of dangerous characters, limits are respected, cuts are announced.

pub mod defang;
pub mod discord;
pub mod json;
pub mod limits;
pub mod sanitize;
pub mod slack;
pub mod text;
pub mod truncate;

use chrono::{DateTime, Utc};

use crate::engine::reply::Text;

/// A value as inert one-line text: untrusted values defanged, dangerous characters made
/// visible, times as `2024-01-31 23:59 UTC`. Platform markup escaping is applied on top of this
/// by each renderer.
pub fn value_text(text: &Text) -> String {
    match text {
        Text::Time(at) => time_text(*at),
        other => cell_text(other),
    }
}

/// Like [`value_text`], for a table cell under a heading that already says `(UTC)`: times
/// without the zone suffix.
pub fn cell_text(text: &Text) -> String {
    match text {
        Text::Plain(value) => sanitize::one_line(value),
        Text::Untrusted(value) => defang::defang(&sanitize::one_line(value)),
        Text::Time(at) => at.format("%Y-%m-%d %H:%M").to_string(),
        Text::Empty => "—".to_owned(),
    }
}

/// An instant as `2024-01-31 23:59 UTC`.
pub fn time_text(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}
