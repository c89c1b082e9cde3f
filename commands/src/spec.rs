//! The command table: every group, command and option, once.
//!
//! Parsing ([`crate::parse_args`], [`crate::parse_line`], [`crate::from_discord`]), help text
//! ([`crate::help_text`]), the Discord schema ([`crate::discord_commands_json`]) and the Slack
//! slash command's usage hint ([`crate::slack_manifest`]) are all generated from [`COMMANDS`]
//! and [`GROUPS`]. Descriptions here are at most 100 characters
//! (Discord's limit); a test checks it.

use crate::choices::{
    AttachmentResult, ChoiceSpec, ImpersonationAction, OutputFormat, RejectReason, Route,
    SummaryKind, UrlResult,
};
use crate::command::Audit;

/// What an option's value is, which decides how it is checked and how Discord shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// On when present (`--admin`); Discord boolean.
    Flag,
    /// One line of free text.
    Text,
    /// An opaque Mimecast message id.
    Id,
    /// An email address or a bare domain.
    Address,
    /// An http(s) URL.
    Url,
    /// A date bound: `YYYY-MM-DD`, an instant with a zone, `today`, `yesterday`, `Nd`, `Nh`.
    Date,
    /// A day: `YYYY-MM-DD`, `today`, `yesterday`, `Nd`.
    Day,
    /// One of a fixed list.
    Choice(&'static [ChoiceSpec]),
    /// A help topic: a command or group name (several words).
    Topic,
    /// A whole number from `min` to `max` inclusive (`--limit 20`); Discord INTEGER with
    /// `min_value` / `max_value`.
    Count {
        /// The smallest value accepted.
        min: u32,
        /// The largest value accepted.
        max: u32,
    },
}

impl ValueKind {
    /// The placeholder help shows after the option name (`ADDRESS`, `clean|malicious|all`).
    pub fn metavar(&self) -> String {
        match self {
            ValueKind::Flag => String::new(),
            ValueKind::Text => "TEXT".into(),
            ValueKind::Id => "ID".into(),
            ValueKind::Address => "ADDRESS".into(),
            ValueKind::Url => "URL".into(),
            ValueKind::Date => "DATE".into(),
            ValueKind::Day => "DAY".into(),
            ValueKind::Choice(choices) => choices
                .iter()
                .map(|c| c.value)
                .collect::<Vec<_>>()
                .join("|"),
            ValueKind::Topic => "COMMAND".into(),
            ValueKind::Count { .. } => "N".into(),
        }
    }
}

/// One option of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionSpec {
    /// The name without dashes (`from`, `reason-type`); `--name` in text, `name` in Discord.
    pub name: &'static str,
    /// What the value is.
    pub kind: ValueKind,
    /// One-line description (≤100 characters).
    pub about: &'static str,
    /// Whether the command refuses to run without it.
    pub required: bool,
    /// The value used when the option is absent, if any (shown in help).
    pub default: Option<&'static str>,
    /// A value to copy, used in help and in error hints.
    pub example: &'static str,
    /// Whether the option is offered in Discord (`--yes` is for the one-shot CLI only).
    pub discord: bool,
}

/// A subcommand group (`messages`, `ttp`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupSpec {
    /// The group word.
    pub name: &'static str,
    /// One-line description (≤100 characters).
    pub about: &'static str,
}

/// Which command a [`CommandSpec`] describes; one per [`crate::Command`] variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandId {
    /// `messages search`
    MessagesSearch,
    /// `messages held`
    MessagesHeld,
    /// `messages release`
    MessagesRelease,
    /// `messages reject`
    MessagesReject,
    /// `ttp urls`
    TtpUrls,
    /// `ttp attachments`
    TtpAttachments,
    /// `ttp impersonation`
    TtpImpersonation,
    /// `archive search`
    ArchiveSearch,
    /// `url decode`
    UrlDecode,
    /// `summary`
    Summary,
    /// `audit`
    Audit,
    /// `help`
    Help,
}

impl CommandId {
    /// This command's row in [`COMMANDS`].
    pub fn spec(self) -> &'static CommandSpec {
        // Every id has exactly one row (tested); the fallback only keeps this total.
        COMMANDS
            .iter()
            .find(|c| c.id == self)
            .unwrap_or(&COMMANDS[COMMANDS.len() - 1])
    }

    /// The canonical command words, e.g. `messages release`.
    pub fn path(self) -> String {
        self.spec().path()
    }
}

/// One command: its words, short form, options, examples and bridging notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandSpec {
    /// Which command this is.
    pub id: CommandId,
    /// The group word, for two-word commands.
    pub group: Option<&'static str>,
    /// The command word (within the group, if any).
    pub name: &'static str,
    /// A one-word chat short form (`held` for `messages held`), also a top-level Discord subcommand.
    pub short: Option<&'static str>,
    /// One-line description (≤100 characters).
    pub about: &'static str,
    /// The options, in help order.
    pub options: &'static [OptionSpec],
    /// The option a bare word fills (`release ID` fills `--id`).
    pub positional: Option<&'static str>,
    /// Options of which at least one must be given.
    pub one_of: &'static [&'static str],
    /// Command lines to copy (without the program name).
    pub examples: &'static [&'static str],
    /// Where the bot bridges the reference's words to Mimecast's, and other caveats.
    pub notes: &'static [&'static str],
}

impl CommandSpec {
    /// The canonical command words, e.g. `messages search` or `summary`.
    pub fn path(&self) -> String {
        match self.group {
            Some(group) => format!("{group} {}", self.name),
            None => self.name.to_string(),
        }
    }

    /// The option called `name` (without dashes).
    pub fn option(&self, name: &str) -> Option<&'static OptionSpec> {
        self.options.iter().find(|o| o.name == name)
    }

    /// The first example, for error hints.
    pub fn example(&self) -> &'static str {
        self.examples.first().copied().unwrap_or(self.name)
    }
}

/// `audit --limit` when absent: [`Audit::DEFAULT_LIMIT`] as text (a test checks they agree).
const AUDIT_LIMIT_DEFAULT: &str = "20";

/// `--start`, shared by every command that takes a range.
const START: OptionSpec = OptionSpec {
    name: "start",
    kind: ValueKind::Date,
    about: "From: 2024-01-01, today, 7d or 24h",
    required: false,
    default: None,
    example: "2024-01-01",
    discord: true,
};

/// `--end`, shared by every command that takes a range.
const END: OptionSpec = OptionSpec {
    name: "end",
    kind: ValueKind::Date,
    about: "Until; a date counts in full",
    required: false,
    default: None,
    example: "2024-01-31",
    discord: true,
};

/// `--output`, on every command.
const OUTPUT: OptionSpec = OptionSpec {
    name: "output",
    kind: ValueKind::Choice(OutputFormat::CHOICES),
    about: "Reply format",
    required: false,
    default: Some("text"),
    example: "json",
    discord: true,
};

/// `--yes`, on the commands that change mail (one-shot CLI only).
const YES: OptionSpec = OptionSpec {
    name: "yes",
    kind: ValueKind::Flag,
    about: "Skip the one-shot CLI's confirmation prompt",
    required: false,
    default: None,
    example: "",
    discord: false,
};

/// `--page`, on the listing commands (one-shot CLI; chat uses a Next button instead).
const PAGE: OptionSpec = OptionSpec {
    name: "page",
    kind: ValueKind::Text,
    about: "Page token printed by the previous page",
    required: false,
    default: None,
    example: "TOKEN",
    discord: false,
};

/// `--id` of release and reject.
const ID: OptionSpec = OptionSpec {
    name: "id",
    kind: ValueKind::Id,
    about: "Held message id",
    required: true,
    default: None,
    example: "MESSAGE_ID",
    discord: true,
};

const fn text(name: &'static str, about: &'static str, example: &'static str) -> OptionSpec {
    OptionSpec {
        name,
        kind: ValueKind::Text,
        about,
        required: false,
        default: None,
        example,
        discord: true,
    }
}

const fn flag(name: &'static str, about: &'static str) -> OptionSpec {
    OptionSpec {
        name,
        kind: ValueKind::Flag,
        about,
        required: false,
        default: None,
        example: "",
        discord: true,
    }
}

const fn choice(
    name: &'static str,
    choices: &'static [ChoiceSpec],
    about: &'static str,
    default: Option<&'static str>,
    example: &'static str,
) -> OptionSpec {
    OptionSpec {
        name,
        kind: ValueKind::Choice(choices),
        about,
        required: false,
        default,
        example,
        discord: true,
    }
}

/// The subcommand groups, in help and Discord order.
pub static GROUPS: &[GroupSpec] = &[
    GroupSpec {
        name: "messages",
        about: "Search, list, release and reject messages",
    },
    GroupSpec {
        name: "ttp",
        about: "Targeted Threat Protection logs",
    },
    GroupSpec {
        name: "archive",
        about: "The email archive",
    },
    GroupSpec {
        name: "url",
        about: "Mimecast-protected URLs",
    },
];

/// Every command, in help and Discord order.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        id: CommandId::MessagesSearch,
        group: Some("messages"),
        name: "search",
        short: Some("search"),
        about: "Search message tracking by sender, recipient or subject",
        options: &[
            OptionSpec {
                kind: ValueKind::Address,
                ..text("from", "Sender address or domain", "alice@example.com")
            },
            OptionSpec {
                kind: ValueKind::Address,
                ..text("to", "Recipient address or domain", "bob@example.com")
            },
            text("subject", "Words in the subject", "invoice"),
            START,
            END,
            OUTPUT,
            PAGE,
        ],
        positional: None,
        one_of: &["from", "to", "subject"],
        examples: &[
            "messages search --from sender@example.com",
            "messages search --to recipient@example.com",
            "messages search --subject \"invoice\"",
            "messages search --from sender@example.com --start 2024-01-01 --end 2024-01-31",
            "messages search --from suspicious@sender.com --output json",
        ],
        notes: &[
            "--from and --to take an address (alice@example.com) or a whole domain (example.com); \
             --from matches the envelope or header sender.",
        ],
    },
    CommandSpec {
        id: CommandId::MessagesHeld,
        group: Some("messages"),
        name: "held",
        short: Some("held"),
        about: "List messages held for review",
        options: &[
            flag("admin", "Every recipient's held mail, not just the bot's"),
            START,
            END,
            OUTPUT,
            PAGE,
        ],
        positional: None,
        one_of: &[],
        examples: &[
            "messages held --admin",
            "messages held",
            "messages held --start 2024-01-01 --end 2024-01-31",
        ],
        notes: &[
            "Without --admin Mimecast lists only the held mail of the account the bot signs in as.",
        ],
    },
    CommandSpec {
        id: CommandId::MessagesRelease,
        group: Some("messages"),
        name: "release",
        short: Some("release"),
        about: "Release a held message (needs approval)",
        options: &[
            ID,
            text("reason", "Why; kept with the request", "REASON_ID"),
            OUTPUT,
            YES,
        ],
        positional: Some("id"),
        one_of: &[],
        examples: &[
            "messages release --id MESSAGE_ID",
            "messages release --id MESSAGE_ID --reason REASON_ID",
            "release MSG123",
        ],
        notes: &[
            "--reason is recorded with the release request and in the audit log: Mimecast's release call \
             takes no reason.",
            "In chat a release is a request that an approver confirms with a button; the one-shot CLI shows \
             the message and asks on a terminal, and needs --yes without one.",
        ],
    },
    CommandSpec {
        id: CommandId::MessagesReject,
        group: Some("messages"),
        name: "reject",
        short: Some("reject"),
        about: "Reject a held message (needs approval)",
        options: &[
            ID,
            choice(
                "reason-type",
                RejectReason::CHOICES,
                "Reason Mimecast records",
                None,
                "undesirable-content",
            ),
            text("message", "Note for the sender", "\"Blocked by security\""),
            flag("notify", "Notify the sender"),
            OUTPUT,
            YES,
        ],
        positional: Some("id"),
        one_of: &[],
        examples: &[
            "messages reject --id MESSAGE_ID --reason-type against-email-policies",
            "reject MSG123 --reason-type undesirable-content --notify",
        ],
        notes: &[
            "In chat a reject is a request that an approver confirms with a button; the one-shot CLI shows \
             the message and asks on a terminal, and needs --yes without one.",
        ],
    },
    CommandSpec {
        id: CommandId::TtpUrls,
        group: Some("ttp"),
        name: "urls",
        short: None,
        about: "URL click logs (Targeted Threat Protection)",
        options: &[
            START,
            END,
            choice(
                "route",
                Route::CHOICES,
                "Mail route",
                Some("all"),
                "inbound",
            ),
            choice(
                "result",
                UrlResult::CHOICES,
                "Scan verdict",
                Some("all"),
                "malicious",
            ),
            OUTPUT,
            PAGE,
        ],
        positional: None,
        one_of: &[],
        examples: &[
            "ttp urls --start 2024-01-01",
            "ttp urls --start 2024-01-01 --route inbound",
            "ttp urls --start 2024-01-01 --result malicious",
            "ttp urls --start today --output json",
        ],
        notes: &[],
    },
    CommandSpec {
        id: CommandId::TtpAttachments,
        group: Some("ttp"),
        name: "attachments",
        short: None,
        about: "Attachment scan logs (Targeted Threat Protection)",
        options: &[
            START,
            END,
            choice(
                "result",
                AttachmentResult::CHOICES,
                "Scan verdict",
                Some("all"),
                "malicious",
            ),
            OUTPUT,
            PAGE,
        ],
        positional: None,
        one_of: &[],
        examples: &[
            "ttp attachments --start 2024-01-01",
            "ttp attachments --start 2024-01-01 --result malicious",
        ],
        notes: &[],
    },
    CommandSpec {
        id: CommandId::TtpImpersonation,
        group: Some("ttp"),
        name: "impersonation",
        short: None,
        about: "Impersonation detection logs (Targeted Threat Protection)",
        options: &[
            START,
            END,
            choice(
                "action",
                ImpersonationAction::CHOICES,
                "blocked = stopped mail; else a Mimecast action",
                Some("all"),
                "blocked",
            ),
            OUTPUT,
            PAGE,
        ],
        positional: None,
        one_of: &[],
        examples: &[
            "ttp impersonation --start 2024-01-01",
            "ttp impersonation --start 2024-01-01 --action blocked",
        ],
        notes: &[
            "--action blocked is the bot's word, not a Mimecast action: it selects the actions that stop mail \
             (hold, bounce, delete, remove_email). The other values are Mimecast's own.",
            "impersonationType in the output is not a Mimecast field: the bot derives it from each log's \
             identifiers and definition.",
        ],
    },
    CommandSpec {
        id: CommandId::ArchiveSearch,
        group: Some("archive"),
        name: "search",
        short: None,
        about: "Search the email archive",
        options: &[
            OptionSpec {
                required: true,
                ..text("query", "Words to search the archive for", "invoice")
            },
            START,
            END,
            OUTPUT,
            PAGE,
        ],
        positional: None,
        one_of: &[],
        examples: &[
            "archive search --query \"project report\"",
            "archive search --query \"invoice\" --start 2024-01-01 --end 2024-06-30",
        ],
        notes: &[],
    },
    CommandSpec {
        id: CommandId::UrlDecode,
        group: Some("url"),
        name: "decode",
        short: None,
        about: "Decode a Mimecast-rewritten URL",
        options: &[
            OptionSpec {
                name: "url",
                kind: ValueKind::Url,
                about: "The rewritten URL",
                required: true,
                default: None,
                example: "https://protect-eu.mimecast.com/s/AbCdEf",
                discord: true,
            },
            OUTPUT,
        ],
        positional: Some("url"),
        one_of: &[],
        examples: &["url decode --url https://protect-eu.mimecast.com/s/AbCdEf"],
        notes: &[],
    },
    CommandSpec {
        id: CommandId::Summary,
        group: None,
        name: "summary",
        short: None,
        about: "Daily security summary, impersonation first",
        options: &[
            choice(
                "kind",
                SummaryKind::CHOICES,
                "Which summary, or all",
                Some("all"),
                "impersonation",
            ),
            OptionSpec {
                name: "date",
                kind: ValueKind::Day,
                about: "Day: YYYY-MM-DD, today, yesterday or 3d (default: today)",
                required: false,
                default: None,
                example: "yesterday",
                discord: true,
            },
            OUTPUT,
        ],
        positional: None,
        one_of: &[],
        examples: &["summary --kind impersonation --date yesterday", "summary"],
        notes: &[],
    },
    CommandSpec {
        id: CommandId::Audit,
        group: None,
        name: "audit",
        short: None,
        about: "Recent approval audit entries (approvers only)",
        options: &[
            OptionSpec {
                name: "limit",
                kind: ValueKind::Count {
                    min: Audit::MIN_LIMIT,
                    max: Audit::MAX_LIMIT,
                },
                about: "Number of entries",
                required: false,
                default: Some(AUDIT_LIMIT_DEFAULT),
                example: AUDIT_LIMIT_DEFAULT,
                discord: true,
            },
            OUTPUT,
        ],
        positional: None,
        one_of: &[],
        examples: &["audit --limit 50", "audit"],
        notes: &["Shown only to approvers; the audit log is append-only."],
    },
    CommandSpec {
        id: CommandId::Help,
        group: None,
        name: "help",
        short: None,
        about: "List the commands, or explain one",
        options: &[
            OptionSpec {
                name: "topic",
                kind: ValueKind::Topic,
                about: "A command, e.g. ttp urls",
                required: false,
                default: None,
                example: "ttp urls",
                discord: true,
            },
            OUTPUT,
        ],
        positional: Some("topic"),
        one_of: &[],
        examples: &["help ttp urls", "help"],
        notes: &[],
    },
];

/// The command with `group` and `name` (`None` group for top-level commands).
pub fn find(group: Option<&str>, name: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| c.group == group && c.name == name)
}

/// The command whose chat short form is `word` (`held`, `search`, `release`, `reject`).
pub fn find_short(word: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| c.short == Some(word))
}

/// The group called `name`.
pub fn group(name: &str) -> Option<&'static GroupSpec> {
    GROUPS.iter().find(|g| g.name == name)
}

/// The commands of a group, in table order.
pub fn commands_in(group: &str) -> impl Iterator<Item = &'static CommandSpec> + '_ {
    COMMANDS.iter().filter(move |c| c.group == Some(group))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_IDS: [CommandId; 12] = [
        CommandId::MessagesSearch,
        CommandId::MessagesHeld,
        CommandId::MessagesRelease,
        CommandId::MessagesReject,
        CommandId::TtpUrls,
        CommandId::TtpAttachments,
        CommandId::TtpImpersonation,
        CommandId::ArchiveSearch,
        CommandId::UrlDecode,
        CommandId::Summary,
        CommandId::Audit,
        CommandId::Help,
    ];

    #[test]
    fn every_id_has_exactly_one_row() {
        assert_eq!(COMMANDS.len(), ALL_IDS.len());
        for id in ALL_IDS {
            assert_eq!(COMMANDS.iter().filter(|c| c.id == id).count(), 1, "{id:?}");
            assert_eq!(id.spec().id, id);
        }
    }

    #[test]
    fn every_command_takes_output_and_names_are_unique() {
        for command in COMMANDS {
            assert!(command.option("output").is_some(), "{}", command.path());
            let mut names: Vec<&str> = command.options.iter().map(|o| o.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), command.options.len(), "{}", command.path());
            if let Some(positional) = command.positional {
                assert!(command.option(positional).is_some(), "{}", command.path());
            }
            for name in command.one_of {
                assert!(command.option(name).is_some(), "{}: {name}", command.path());
            }
            if let Some(group) = command.group {
                assert!(super::group(group).is_some(), "{}", command.path());
            }
        }
    }

    #[test]
    fn short_forms_and_top_level_words_do_not_collide() {
        let mut words: Vec<&str> = GROUPS.iter().map(|g| g.name).collect();
        words.extend(
            COMMANDS
                .iter()
                .filter(|c| c.group.is_none())
                .map(|c| c.name),
        );
        words.extend(COMMANDS.iter().filter_map(|c| c.short));
        let count = words.len();
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), count);
    }

    #[test]
    fn defaults_and_examples_are_valid_choices() {
        for command in COMMANDS {
            for option in command.options {
                if let ValueKind::Choice(choices) = option.kind {
                    for value in option.default.iter().chain([&option.example]) {
                        assert!(
                            choices.iter().any(|c| c.value == *value),
                            "{} --{}: {value}",
                            command.path(),
                            option.name
                        );
                    }
                }
                if let ValueKind::Count { min, max } = option.kind {
                    assert!(min <= max, "{} --{}", command.path(), option.name);
                    for value in option.default.iter().chain([&option.example]) {
                        let n: u32 = value.parse().unwrap_or(0);
                        assert!(
                            value.bytes().all(|b| b.is_ascii_digit()) && (min..=max).contains(&n),
                            "{} --{}: {value}",
                            command.path(),
                            option.name
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_audit_limit_default_matches_the_typed_default() {
        assert_eq!(AUDIT_LIMIT_DEFAULT.parse::<u32>(), Ok(Audit::DEFAULT_LIMIT));
        assert_eq!(
            CommandId::Audit.spec().option("limit").map(|o| o.default),
            Some(Some(AUDIT_LIMIT_DEFAULT))
        );
    }

    #[test]
    fn release_and_reject_alone_take_yes() {
        for command in COMMANDS {
            let takes_yes = command.option("yes").is_some();
            let changes_mail = matches!(
                command.id,
                CommandId::MessagesRelease | CommandId::MessagesReject
            );
            assert_eq!(takes_yes, changes_mail, "{}", command.path());
        }
    }
}
