//! `impersonationType`: a name for what an impersonation attempt imitated.
//!
//! Mimecast's logs do not carry such a field; they list the `identifiers` that matched and the
//! `definition` that fired. The bot derives a readable type from those, strongest signal first.

/// Identifier names Mimecast uses, with what each means to a responder, strongest first.
const IDENTIFIERS: [(&str, &str); 6] = [
    ("internal_user_name", "display name of an internal user"),
    (
        "similar_internal_domain",
        "look-alike of an internal domain",
    ),
    (
        "similar_monitored_external_domain",
        "look-alike of a partner domain",
    ),
    ("reply_address_mismatch", "reply-to address mismatch"),
    ("newly_observed_domain", "newly observed domain"),
    ("targeted_threat_dictionary", "targeted-threat wording"),
];

/// The derived type: the matched identifiers in plain words joined by ` + `, or the definition
/// name when no identifier is known, or `unclassified`.
pub fn impersonation_type(identifiers: &[String], definition: &str) -> String {
    let mut names: Vec<&str> = IDENTIFIERS
        .iter()
        .filter(|(wire, _)| identifiers.iter().any(|i| i.eq_ignore_ascii_case(wire)))
        .map(|(_, name)| *name)
        .collect();
    let unknown: Vec<&String> = identifiers
        .iter()
        .filter(|i| {
            !IDENTIFIERS
                .iter()
                .any(|(wire, _)| i.eq_ignore_ascii_case(wire))
        })
        .collect();
    for other in &unknown {
        names.push(other.as_str());
    }
    if !names.is_empty() {
        return names.join(" + ");
    }
    let definition = definition.trim();
    if definition.is_empty() {
        "unclassified".to_owned()
    } else {
        definition.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strongest_signal_first_then_definition_fallback() {
        let ids = vec![
            "newly_observed_domain".to_owned(),
            "internal_user_name".to_owned(),
        ];
        assert_eq!(
            impersonation_type(&ids, "Default"),
            "display name of an internal user + newly observed domain"
        );
        assert_eq!(impersonation_type(&["custom_x".into()], ""), "custom_x");
        assert_eq!(impersonation_type(&[], "VIP protection"), "VIP protection");
        assert_eq!(impersonation_type(&[], " "), "unclassified");
    }
}
