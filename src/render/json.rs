//! `Reply` as JSON, for `--output json`: the result document the command produced (the
//! reference's response fields, raw values as Mimecast sent them), or the reply itself.

use crate::engine::reply::Reply;

/// Pretty-printed JSON for `reply`.
pub fn render(reply: &Reply) -> String {
    let value = match &reply.json {
        Some(document) => document.clone(),
        None => serde_json::to_value(reply).unwrap_or(serde_json::Value::Null),
    };
    serde_json::to_string_pretty(&value).unwrap_or_else(|_| "null".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::reply::Severity;

    #[test]
    fn prints_the_document_when_there_is_one() {
        let mut reply = Reply::new("t", "s", Severity::Info);
        let parsed: serde_json::Value = serde_json::from_str(&render(&reply)).expect("valid JSON");
        assert_eq!(parsed["title"], "t");
        reply.json = Some(serde_json::json!([{"id": "1"}]));
        let parsed: serde_json::Value = serde_json::from_str(&render(&reply)).expect("valid JSON");
        assert_eq!(parsed[0]["id"], "1");
    }
}
