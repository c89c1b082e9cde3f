//! What can be wrong with a command, worded for the person who typed it.
//!
//! Every message is one line that says what is wrong and what to type instead. Adapters show
//! `to_string()` as is (the CLI on stderr with exit code 2, chat as an ephemeral reply).

use thiserror::Error;

/// A command line or interaction that does not parse. `Display` is the user-facing message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    /// Nothing but whitespace (or just `/mimecast`).
    #[error("no command given; type help to list the commands")]
    Empty,

    /// A quote opened and never closed.
    #[error(
        "unterminated {open} quote; close it with {close}, or put a backslash before a quote meant literally"
    )]
    UnterminatedQuote {
        /// The quote character that opened.
        open: char,
        /// The character that would close it.
        close: char,
    },

    /// A line ending in a lone backslash.
    #[error("the line ends with a lone backslash; remove it, or type \\\\ for a backslash")]
    TrailingBackslash,

    /// `$(` without its `)`.
    #[error(
        "unterminated $( ; type the date itself instead, e.g. --start today or --start 2024-01-01"
    )]
    UnterminatedSubstitution,

    /// A shell command substitution other than the reference's `$(date +%Y-%m-%d)`.
    #[error(
        "$({text}) cannot run here; type the value itself, e.g. --start today or --start 2024-01-01"
    )]
    UnsupportedSubstitution {
        /// What was inside `$( )`.
        text: String,
    },

    /// An option where the command name should be.
    #[error(
        "expected a command, found {option}; put the command first, e.g. messages held --admin"
    )]
    OptionBeforeCommand {
        /// The option as typed.
        option: String,
    },

    /// A command (or `group subcommand`) the table does not have.
    #[error("unknown command '{given}'; {hint}")]
    UnknownCommand {
        /// What was typed, e.g. `mesages` or `messages hled`.
        given: String,
        /// `did you mean '…'?` or where to find the list.
        hint: String,
    },

    /// A group name without its subcommand, e.g. `messages`.
    #[error("{group} needs a subcommand; use one of: {choices} (e.g. {example})")]
    MissingSubcommand {
        /// The group, e.g. `messages`.
        group: String,
        /// Its subcommands, comma-separated.
        choices: String,
        /// A full command line to copy.
        example: String,
    },

    /// An option the command does not take.
    #[error("unknown option {option} for {command}; {hint}")]
    UnknownOption {
        /// The command path, e.g. `messages search`.
        command: String,
        /// The option as typed, e.g. `--form`.
        option: String,
        /// `did you mean --from?` or the list of options.
        hint: String,
    },

    /// An option that needs a value came last or was followed by another option.
    #[error("{option} needs a value; type e.g. {option} {example}")]
    MissingValue {
        /// The option, e.g. `--from`.
        option: String,
        /// A value to copy.
        example: String,
    },

    /// A flag given a value other than true/false.
    #[error(
        "'{value}' is not a value for {option}; type {option} alone to turn it on, or {option}=false"
    )]
    InvalidFlag {
        /// The flag, e.g. `--admin`.
        option: String,
        /// The value given.
        value: String,
    },

    /// The same option twice.
    #[error("{option} is given twice; give it once")]
    DuplicateOption {
        /// The option, e.g. `--from`.
        option: String,
    },

    /// A word the command has no place for.
    #[error("unexpected argument '{value}' for {command}; type e.g. {example}")]
    UnexpectedArgument {
        /// The command path.
        command: String,
        /// The stray word.
        value: String,
        /// A full command line to copy.
        example: String,
    },

    /// A required option is absent.
    #[error("missing {option}; type e.g. {example}")]
    MissingRequired {
        /// The option, e.g. `--id`.
        option: String,
        /// A full command line to copy.
        example: String,
    },

    /// None of a set of options of which one is needed.
    #[error("{command} needs at least one of {options}; type e.g. {example}")]
    MissingOneOf {
        /// The command path.
        command: String,
        /// The options, comma-separated.
        options: String,
        /// A full command line to copy.
        example: String,
    },

    /// A value outside an option's choices.
    #[error("unknown value '{value}' for {option}; use one of: {choices}")]
    InvalidChoice {
        /// The option, e.g. `--result`.
        option: String,
        /// The value given.
        value: String,
        /// The valid values, comma-separated.
        choices: String,
    },

    /// Not a whole number within an option's bounds (`audit --limit 0`).
    #[error("{option} must be a whole number from {min} to {max}; type e.g. {example}")]
    InvalidCount {
        /// The option, e.g. `--limit`.
        option: String,
        /// The smallest value accepted.
        min: u32,
        /// The largest value accepted.
        max: u32,
        /// A full command line to copy, e.g. `audit --limit 20`.
        example: String,
    },

    /// Text with an `@` that is not an email address.
    #[error("'{value}' is not an email address; type e.g. {option} alice@example.com")]
    InvalidAddress {
        /// The option, e.g. `--from`.
        option: String,
        /// The value given.
        value: String,
    },

    /// Text without an `@` that is not a domain either.
    #[error(
        "'{value}' is not an email address or domain; type e.g. {option} alice@example.com or {option} example.com"
    )]
    InvalidAddressOrDomain {
        /// The option, e.g. `--to`.
        option: String,
        /// The value given.
        value: String,
    },

    /// Not one of the date forms.
    #[error(
        "'{value}' is not a date for {option}; type e.g. {option} 2024-01-01 (or 2024-01-01T09:00:00Z, today, yesterday, 7d, 24h)"
    )]
    InvalidDate {
        /// The option, e.g. `--start`.
        option: String,
        /// The value given.
        value: String,
    },

    /// A date and time without a zone.
    #[error("'{value}' has no time zone for {option}; add one, e.g. {option} {value}Z for UTC")]
    DateWithoutZone {
        /// The option.
        option: String,
        /// The value given.
        value: String,
    },

    /// `Nd` / `Nh` beyond ten years.
    #[error(
        "'{value}' is too far back for {option}; use at most 3650d or 87600h, or a date such as 2024-01-01"
    )]
    RelativeTooFar {
        /// The option.
        option: String,
        /// The value given.
        value: String,
    },

    /// Not a day form (for `summary --date`).
    #[error(
        "'{value}' is not a day for {option}; type e.g. {option} 2024-01-01 (or today, yesterday, 3d)"
    )]
    InvalidDay {
        /// The option, e.g. `--date`.
        option: String,
        /// The value given.
        value: String,
    },

    /// `--start` after `--end`.
    #[error("--start {start} is after --end {end}; give a --start on or before the --end")]
    StartAfterEnd {
        /// The start as typed.
        start: String,
        /// The end as typed.
        end: String,
    },

    /// An id with spaces or control characters, or an empty one.
    #[error(
        "'{value}' is not a message id; ids are one word, e.g. {option} MSG123 (see messages held)"
    )]
    InvalidId {
        /// The option, e.g. `--id`.
        option: String,
        /// The value given.
        value: String,
    },

    /// An empty text value.
    #[error("{option} is empty; type e.g. {option} {example}")]
    EmptyValue {
        /// The option, e.g. `--query`.
        option: String,
        /// A value to copy.
        example: String,
    },

    /// Text containing a line break or other control character.
    #[error("{option} contains a line break or control character; type it on one line")]
    ControlCharacter {
        /// The option.
        option: String,
    },

    /// A value longer than [`crate::MAX_VALUE_CHARS`].
    #[error("{option} is longer than {max} characters; shorten it")]
    TooLong {
        /// The option.
        option: String,
        /// The limit.
        max: usize,
    },

    /// Not an http(s) URL.
    #[error("'{value}' is not a URL; type e.g. {option} https://protect-eu.mimecast.com/s/AbCdEf")]
    InvalidUrl {
        /// The option, e.g. `--url`.
        option: String,
        /// The value given.
        value: String,
    },

    /// A Discord interaction for another application command.
    #[error("/{name} is not this bot's command; use /mimecast")]
    NotMimecast {
        /// The command name received.
        name: String,
    },

    /// Discord interaction data that does not fit the registered schema.
    #[error(
        "unexpected Discord command data ({detail}); run mimecast-bot register to update the commands"
    )]
    DiscordShape {
        /// What did not fit.
        detail: String,
    },
}
