//! Reading and validating fields of a request item, with Mimecast-style validation errors.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::sandbox::envelope::ApiError;

/// A string field: absent or `null` → `None`; a non-string is a validation error.
pub(crate) fn opt_str<'a>(item: &'a Value, field: &str) -> Result<Option<&'a str>, ApiError> {
    match item.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(ApiError::invalid(
            field,
            format!("{field} must be a string"),
        )),
    }
}

/// A string field with surrounding blanks removed; empty counts as absent.
pub(crate) fn opt_text(item: &Value, field: &str) -> Result<Option<String>, ApiError> {
    Ok(opt_str(item, field)?
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned))
}

/// A boolean field (`true`/`false`, or the strings "true"/"false").
pub(crate) fn opt_bool(item: &Value, field: &str) -> Result<Option<bool>, ApiError> {
    match item.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(ApiError::invalid(
            field,
            format!("{field} must be true or false"),
        )),
    }
}

/// A date field in Mimecast's format (`2024-01-31T23:59:59+0000`; `Z` and `+00:00` accepted).
pub(crate) fn opt_date(item: &Value, field: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(text) = opt_str(item, field)?.filter(|s| !s.trim().is_empty()) else {
        return Ok(None);
    };
    crate::mimecast::dates::parse(text)
        .map(Some)
        .ok_or_else(|| {
            ApiError::new(
                "err_validation_invalid_date",
                format!("{field} must be a date like 2024-01-31T23:59:59+0000, not `{text}`"),
            )
            .field(field)
        })
}

/// An enumerated string field; matching is case-insensitive and returns the canonical value.
pub(crate) fn opt_enum(
    item: &Value,
    field: &str,
    allowed: &[&'static str],
) -> Result<Option<&'static str>, ApiError> {
    let Some(text) = opt_str(item, field)? else {
        return Ok(None);
    };
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(text.trim()))
        .copied()
        .map(Some)
        .ok_or_else(|| {
            ApiError::invalid(
                field,
                format!(
                    "{field} must be one of {}, not `{text}`",
                    allowed.join(", ")
                ),
            )
        })
}

/// A list of enumerated strings (a single string is taken as a one-element list).
pub(crate) fn enum_list(
    item: &Value,
    field: &str,
    allowed: &[&'static str],
) -> Result<Vec<&'static str>, ApiError> {
    let values: Vec<&Value> = match item.get(field) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(values)) => values.iter().collect(),
        Some(one @ Value::String(_)) => vec![one],
        Some(_) => {
            return Err(ApiError::invalid(
                field,
                format!("{field} must be an array of strings"),
            ));
        }
    };
    let mut out = Vec::with_capacity(values.len());
    for value in values {
        let text = value.as_str().unwrap_or_default();
        let canonical = allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| {
                ApiError::invalid(
                    field,
                    format!(
                        "{field} values must be among {}, not `{value}`",
                        allowed.join(", ")
                    ),
                )
            })?;
        if !out.contains(canonical) {
            out.push(*canonical);
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// Case-insensitive substring test (`needle` already lowercased).
pub(crate) fn contains_ci(haystack: &str, needle_lower: &str) -> bool {
    if haystack.is_ascii() && needle_lower.is_ascii() {
        haystack
            .as_bytes()
            .windows(needle_lower.len().max(1))
            .any(|w| w.eq_ignore_ascii_case(needle_lower.as_bytes()))
            || needle_lower.is_empty()
    } else {
        haystack.to_lowercase().contains(needle_lower)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn field_readers_validate() {
        let item = json!({"s": "x", "n": 3, "b": true, "d": "2024-01-31T23:59:59+0000", "e": "INBOUND",
                          "l": ["hold", "none"], "bad": "2024-13-01"});
        assert_eq!(opt_str(&item, "s"), Ok(Some("x")));
        assert_eq!(opt_str(&item, "missing"), Ok(None));
        assert_eq!(
            opt_str(&item, "n").map_err(|e| e.field),
            Err(Some("n".into()))
        );
        assert_eq!(opt_bool(&item, "b"), Ok(Some(true)));
        assert!(opt_bool(&item, "s").is_err());
        assert!(opt_date(&item, "d").expect("valid").is_some());
        assert_eq!(
            opt_date(&item, "bad").map_err(|e| e.code),
            Err("err_validation_invalid_date".into())
        );
        assert_eq!(
            opt_enum(&item, "e", &["inbound", "all"]),
            Ok(Some("inbound"))
        );
        assert!(opt_enum(&item, "s", &["inbound", "all"]).is_err());
        assert_eq!(
            enum_list(&item, "l", &["none", "hold"]),
            Ok(vec!["hold", "none"])
        );
        assert!(enum_list(&item, "l", &["none"]).is_err());
    }

    #[test]
    fn substring_is_case_insensitive() {
        assert!(contains_ci("Invoice INV-1", "invoice"));
        assert!(contains_ci("Überweisung bestätigt", "überweisung"));
        assert!(contains_ci("請求書送付", "請求書"));
        assert!(!contains_ci("Invoice", "payroll"));
        assert!(contains_ci("abc", ""));
    }
}
