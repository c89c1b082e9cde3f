//! Email addresses as Mimecast sends them: `{"emailAddress":…,"displayableName":…}`.

use serde::{Deserialize, Deserializer, Serialize};

/// An address with its display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct Mailbox {
    /// The address.
    pub email_address: String,
    /// The display name, often empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub displayable_name: Option<String>,
}

/// Deserializes a field that is a single mailbox in some answers and a list in others
/// (held messages' `to` is an object, tracked emails' `to` an array).
pub fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Mailbox>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        Many(Vec<Mailbox>),
        One(Mailbox),
        Text(String),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::Many(list)) => list,
        Some(OneOrMany::One(one)) => vec![one],
        Some(OneOrMany::Text(address)) => {
            vec![Mailbox {
                email_address: address,
                displayable_name: None,
            }]
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Deserialize)]
    struct Row {
        #[serde(default, deserialize_with = "one_or_many")]
        to: Vec<Mailbox>,
    }

    #[test]
    fn takes_an_object_an_array_a_string_or_nothing() {
        let one: Row = serde_json::from_value(json!({"to": {"emailAddress": "a@x.com"}})).unwrap();
        assert_eq!(one.to[0].email_address, "a@x.com");
        let many: Row = serde_json::from_value(
            json!({"to": [{"emailAddress": "a@x.com"}, {"emailAddress": "b@x.com", "displayableName": "B"}]}),
        )
        .unwrap();
        assert_eq!(many.to.len(), 2);
        let text: Row = serde_json::from_value(json!({"to": "c@x.com"})).unwrap();
        assert_eq!(text.to[0].email_address, "c@x.com");
        let none: Row = serde_json::from_value(json!({"to": null})).unwrap();
        assert!(none.to.is_empty());
    }
}
