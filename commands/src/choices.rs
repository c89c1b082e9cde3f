//! The closed sets of values an option can take (routes, results, actions, reason types, ...).
//!
//! Each enum is declared once with `choice_enum!`: the variant, the value the user types, the
//! string Mimecast expects on the wire and any extra spellings accepted. The command table
//! ([`crate::spec`]) takes its choice lists from these enums, so help text, Discord choices and
//! parsing cannot drift apart.

use std::fmt;

/// One value of an enum option as the command table describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChoiceSpec {
    /// What the user types (`malicious`, `undesirable-content`). Lowercase, Discord-safe.
    pub value: &'static str,
    /// What Mimecast expects on the wire, when it differs from `value`; empty when the value is
    /// the bot's own word (`all`, `blocked`) and has no single wire form.
    pub wire: &'static str,
    /// Other spellings accepted when parsing (case-insensitive), e.g. the wire string itself.
    pub aliases: &'static [&'static str],
}

impl ChoiceSpec {
    /// True when `text` is this value or one of its aliases, ignoring ASCII case.
    pub fn matches(&self, text: &str) -> bool {
        self.value.eq_ignore_ascii_case(text)
            || self
                .aliases
                .iter()
                .any(|alias| alias.eq_ignore_ascii_case(text))
    }
}

/// Finds the choice `text` names in `choices` (value or alias, ASCII case-insensitive).
pub fn find_choice(choices: &'static [ChoiceSpec], text: &str) -> Option<&'static ChoiceSpec> {
    choices.iter().find(|choice| choice.matches(text))
}

/// Declares an enum of option values together with its [`ChoiceSpec`] list.
macro_rules! choice_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $value:literal => $wire:literal $(| $alias:literal)*
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in the order help and Discord list them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The choice list the command table uses for this option.
            pub const CHOICES: &'static [ChoiceSpec] = &[
                $( ChoiceSpec { value: $value, wire: $wire, aliases: &[$($alias),*] }, )+
            ];

            /// The value as the user types it.
            pub fn value(self) -> &'static str {
                match self { $( $name::$variant => $value, )+ }
            }

            /// The string Mimecast expects; empty for the bot's own words (`all`, `blocked`).
            pub fn wire(self) -> &'static str {
                match self { $( $name::$variant => $wire, )+ }
            }

            /// Parses a typed value or alias (ASCII case-insensitive).
            pub fn from_value(text: &str) -> Option<Self> {
                Self::CHOICES
                    .iter()
                    .position(|choice| choice.matches(text))
                    .and_then(|index| Self::ALL.get(index).copied())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.value())
            }
        }
    };
}

choice_enum! {
    /// `--output`: how the answer is printed.
    #[derive(Default)]
    OutputFormat {
        /// Readable text (the default).
        #[default]
        Text = "text" => "",
        /// JSON carrying the reference's response fields.
        Json = "json" => "",
    }
}

choice_enum! {
    /// `ttp urls --route`: which mail flow the click log covers (Mimecast `route`).
    Route {
        /// Mail from outside to the organisation.
        Inbound = "inbound" => "inbound",
        /// Mail from the organisation to outside.
        Outbound = "outbound" => "outbound",
        /// Mail inside the organisation.
        Internal = "internal" => "internal",
        /// Every route (Mimecast's default).
        All = "all" => "all",
    }
}

choice_enum! {
    /// `ttp urls --result`: the scan verdict of a clicked URL (Mimecast `scanResult`).
    UrlResult {
        /// The URL scanned clean.
        Clean = "clean" => "clean",
        /// The URL scanned malicious.
        Malicious = "malicious" => "malicious",
        /// Every verdict (Mimecast's default).
        All = "all" => "all",
    }
}

choice_enum! {
    /// `ttp attachments --result`: the sandbox verdict of an attachment (Mimecast `result`).
    AttachmentResult {
        /// The file was safe.
        Safe = "safe" => "safe",
        /// The file was malicious.
        Malicious = "malicious" => "malicious",
        /// The scan timed out.
        Timeout = "timeout" => "timeout",
        /// The scan failed.
        Error = "error" => "error",
        /// The file was judged unsafe.
        Unsafe = "unsafe" => "unsafe",
        /// Every verdict (Mimecast's default).
        All = "all" => "all",
    }
}

choice_enum! {
    /// `ttp impersonation --action`: which impersonation log rows to show.
    ///
    /// `blocked` and `all` are the bot's words; the others are Mimecast's `actions[]` values.
    /// Use [`ImpersonationAction::wire_actions`] to get what to send.
    ImpersonationAction {
        /// The actions that stop mail: see [`ImpersonationAction::BLOCKING`].
        Blocked = "blocked" => "",
        /// No filter.
        All = "all" => "",
        /// Mimecast `hold`.
        Hold = "hold" => "hold",
        /// Mimecast `bounce`.
        Bounce = "bounce" => "bounce",
        /// Mimecast `delete`.
        Delete = "delete" => "delete",
        /// Mimecast `remove_email`.
        RemoveEmail = "remove_email" => "remove_email" | "remove-email",
        /// Mimecast `smart_folder`.
        SmartFolder = "smart_folder" => "smart_folder" | "smart-folder",
        /// Mimecast `disable_smart_folder`.
        DisableSmartFolder = "disable_smart_folder" => "disable_smart_folder" | "disable-smart-folder",
        /// Mimecast `content_expire`.
        ContentExpire = "content_expire" => "content_expire" | "content-expire",
        /// Mimecast `meta_expire`.
        MetaExpire = "meta_expire" => "meta_expire" | "meta-expire",
        /// Mimecast `stationery`.
        Stationery = "stationery" => "stationery",
        /// Mimecast `gcc`.
        Gcc = "gcc" => "gcc",
        /// Mimecast `secure_delivery`.
        SecureDelivery = "secure_delivery" => "secure_delivery" | "secure-delivery",
        /// Mimecast `delivery_route`.
        DeliveryRoute = "delivery_route" => "delivery_route" | "delivery-route",
        /// Mimecast `document_policy`.
        DocumentPolicy = "document_policy" => "document_policy" | "document-policy",
        /// Mimecast `disable_document_policy`.
        DisableDocumentPolicy = "disable_document_policy" => "disable_document_policy" | "disable-document-policy",
        /// Mimecast `attach_set_policy`.
        AttachSetPolicy = "attach_set_policy" => "attach_set_policy" | "attach-set-policy",
    }
}

impl ImpersonationAction {
    /// The Mimecast actions that stop a message reaching the recipient: what `blocked` selects.
    pub const BLOCKING: &'static [ImpersonationAction] = &[
        ImpersonationAction::Hold,
        ImpersonationAction::Bounce,
        ImpersonationAction::Delete,
        ImpersonationAction::RemoveEmail,
    ];

    /// The Mimecast `actions[]` filter to send: `None` for no filter (`all`), otherwise the wire
    /// values (`blocked` expands to [`ImpersonationAction::BLOCKING`]).
    pub fn wire_actions(self) -> Option<Vec<&'static str>> {
        match self {
            ImpersonationAction::All => None,
            ImpersonationAction::Blocked => Some(Self::BLOCKING.iter().map(|a| a.wire()).collect()),
            other => Some(vec![other.wire()]),
        }
    }

    /// True when a log row whose Mimecast `action` is `row_action` passes this filter
    /// (ASCII case-insensitive; rows say e.g. `hold` or `none`).
    pub fn matches_row(self, row_action: &str) -> bool {
        match self.wire_actions() {
            None => true,
            Some(wires) => wires
                .iter()
                .any(|w| w.eq_ignore_ascii_case(row_action.trim())),
        }
    }
}

choice_enum! {
    /// `messages reject --reason-type`: Mimecast's five reject reason types.
    RejectReason {
        /// `MESSAGE CONTAINS UNDESIRABLE CONTENT`.
        UndesirableContent = "undesirable-content" => "MESSAGE CONTAINS UNDESIRABLE CONTENT"
            | "MESSAGE CONTAINS UNDESIRABLE CONTENT" | "undesirable_content",
        /// `MESSAGE CONTAINS CONFIDENTIAL INFORMATION`.
        ConfidentialInformation = "confidential-information" => "MESSAGE CONTAINS CONFIDENTIAL INFORMATION"
            | "MESSAGE CONTAINS CONFIDENTIAL INFORMATION" | "confidential_information",
        /// `REVIEWER DISAPPROVES OF CONTENT`.
        ReviewerDisapproves = "reviewer-disapproves" => "REVIEWER DISAPPROVES OF CONTENT"
            | "REVIEWER DISAPPROVES OF CONTENT" | "disapproves_of_content" | "reviewer_disapproves",
        /// `INAPPROPRIATE COMMUNICATION`.
        InappropriateCommunication = "inappropriate-communication" => "INAPPROPRIATE COMMUNICATION"
            | "INAPPROPRIATE COMMUNICATION" | "inappropriate_communication",
        /// `MESSAGE GOES AGAINST EMAIL POLICIES`.
        AgainstEmailPolicies = "against-email-policies" => "MESSAGE GOES AGAINST EMAIL POLICIES"
            | "MESSAGE GOES AGAINST EMAIL POLICIES" | "against_email_policies",
    }
}

choice_enum! {
    /// `summary --kind`: which daily summary to build.
    SummaryKind {
        /// Every kind, impersonation first (the default).
        All = "all" => "",
        /// Impersonation attempts (the summary channels get first).
        Impersonation = "impersonation" => "",
        /// URL clicks.
        Urls = "urls" => "",
        /// Attachment scans.
        Attachments = "attachments" => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_aliases_parse_case_insensitively() {
        assert_eq!(Route::from_value("Inbound"), Some(Route::Inbound));
        assert_eq!(
            UrlResult::from_value("MALICIOUS"),
            Some(UrlResult::Malicious)
        );
        assert_eq!(
            RejectReason::from_value("message contains confidential information"),
            Some(RejectReason::ConfidentialInformation)
        );
        assert_eq!(
            ImpersonationAction::from_value("smart-folder"),
            Some(ImpersonationAction::SmartFolder)
        );
        assert_eq!(Route::from_value("evil"), None);
    }

    #[test]
    fn reject_reasons_carry_the_five_wire_strings() {
        let wires: Vec<&str> = RejectReason::ALL.iter().map(|r| r.wire()).collect();
        assert_eq!(
            wires,
            [
                "MESSAGE CONTAINS UNDESIRABLE CONTENT",
                "MESSAGE CONTAINS CONFIDENTIAL INFORMATION",
                "REVIEWER DISAPPROVES OF CONTENT",
                "INAPPROPRIATE COMMUNICATION",
                "MESSAGE GOES AGAINST EMAIL POLICIES",
            ]
        );
    }

    #[test]
    fn blocked_expands_to_the_stopping_actions() {
        assert_eq!(
            ImpersonationAction::Blocked.wire_actions(),
            Some(vec!["hold", "bounce", "delete", "remove_email"])
        );
        assert_eq!(ImpersonationAction::All.wire_actions(), None);
        assert_eq!(ImpersonationAction::Gcc.wire_actions(), Some(vec!["gcc"]));
        assert!(ImpersonationAction::Blocked.matches_row("Hold"));
        assert!(!ImpersonationAction::Blocked.matches_row("none"));
        assert!(ImpersonationAction::All.matches_row("none"));
    }

    #[test]
    fn every_enum_lists_as_many_choices_as_variants() {
        assert_eq!(Route::ALL.len(), Route::CHOICES.len());
        assert_eq!(
            ImpersonationAction::ALL.len(),
            ImpersonationAction::CHOICES.len()
        );
        for action in ImpersonationAction::ALL {
            assert_eq!(
                ImpersonationAction::from_value(action.value()),
                Some(*action)
            );
        }
    }
}
