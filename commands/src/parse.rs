//! From words (or Discord options) to a checked [`Invocation`], driven by the command table.
//!
//! Both surfaces meet in [`build`]: text goes words → [`RawArg`]s via [`parse_words`], Discord
//! goes options → [`RawArg`]s in [`crate::discord`]. Everything after that is shared, so the two
//! give equal commands for equal input.

use crate::address::AddressFilter;
use crate::choices::{
    AttachmentResult, ImpersonationAction, OutputFormat, RejectReason, Route, SummaryKind,
    UrlResult, find_choice,
};
use crate::command::{
    ArchiveSearch, AttachmentLogs, Audit, Command, HeldList, Help, ImpersonationLogs, Invocation,
    MessageSearch, Reject, Release, Summary, UrlDecode, UrlLogs,
};
use crate::dates::{DateBound, DateRange};
use crate::error::ParseError;
use crate::spec::{
    self, COMMANDS, CommandId, CommandSpec, GROUPS, GroupSpec, OptionSpec, ValueKind,
};
use crate::suggest::closest;
use crate::text::{MessageId, parse_text, parse_url};

/// An option value before checking.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawValue {
    /// Text as typed (or a Discord string/number).
    Text(String),
    /// A boolean (a bare text flag, or a Discord boolean).
    Flag(bool),
}

/// One option as given, matched to its table row.
#[derive(Debug, Clone)]
pub(crate) struct RawArg {
    /// The table row.
    pub option: &'static OptionSpec,
    /// The value.
    pub value: RawValue,
}

/// What the first words of a line name.
enum Target {
    /// A command, with the index of the first word after its name.
    Command(&'static CommandSpec, usize),
    /// A group named without its subcommand.
    Group(&'static GroupSpec),
}

/// Parses already-split words (no program name, no `/mimecast`).
pub(crate) fn parse_words(words: &[String]) -> Result<Invocation, ParseError> {
    let Some(first) = words.first() else {
        return Err(ParseError::Empty);
    };
    if first.starts_with('-') {
        if is_help_flag(first) {
            return Ok(help(None));
        }
        return Err(ParseError::OptionBeforeCommand {
            option: first.clone(),
        });
    }
    let wants_help = words.iter().any(|w| is_help_flag(w));
    let (spec, rest) = match lookup(words)? {
        Target::Group(group) if wants_help => return Ok(help(Some(group.name.to_string()))),
        Target::Group(group) => return Err(missing_subcommand(group)),
        Target::Command(spec, consumed) => (spec, words.get(consumed..).unwrap_or_default()),
    };
    if wants_help {
        return Ok(help(Some(spec.path())));
    }
    build(spec, collect_args(spec, rest)?)
}

fn help(topic: Option<String>) -> Invocation {
    Invocation {
        command: Command::Help(Help { topic }),
        output: OutputFormat::default(),
        yes: false,
        page: None,
    }
}

fn is_help_flag(word: &str) -> bool {
    word.eq_ignore_ascii_case("--help") || word == "-h"
}

/// Resolves the command words at the start of `words` (groups, commands, short forms).
fn lookup(words: &[String]) -> Result<Target, ParseError> {
    let first = words.first().map(|w| w.to_lowercase()).unwrap_or_default();
    if let Some(group) = spec::group(&first) {
        let Some(second) = words.get(1).filter(|w| !w.starts_with('-')) else {
            return Ok(Target::Group(group));
        };
        let second = second.to_lowercase();
        if let Some(command) = spec::find(Some(group.name), &second) {
            return Ok(Target::Command(command, 2));
        }
        let names: Vec<&str> = spec::commands_in(group.name).map(|c| c.name).collect();
        let hint = match closest(&second, names.iter().copied()) {
            Some(name) => format!("did you mean '{} {name}'?", group.name),
            None => format!("{} takes: {}", group.name, names.join(", ")),
        };
        return Err(ParseError::UnknownCommand {
            given: format!("{} {second}", group.name),
            hint,
        });
    }
    if let Some(command) = spec::find(None, &first).or_else(|| spec::find_short(&first)) {
        return Ok(Target::Command(command, 1));
    }
    let hint = match closest(&first, top_level_words()) {
        Some(word) => format!("did you mean '{word}'? type help to list the commands"),
        None => "type help to list the commands".to_string(),
    };
    Err(ParseError::UnknownCommand { given: first, hint })
}

/// Every word that can start a command.
fn top_level_words() -> impl Iterator<Item = &'static str> {
    GROUPS
        .iter()
        .map(|g| g.name)
        .chain(
            COMMANDS
                .iter()
                .filter(|c| c.group.is_none())
                .map(|c| c.name),
        )
        .chain(COMMANDS.iter().filter_map(|c| c.short))
}

fn missing_subcommand(group: &GroupSpec) -> ParseError {
    let commands: Vec<&CommandSpec> = spec::commands_in(group.name).collect();
    ParseError::MissingSubcommand {
        group: group.name.to_string(),
        choices: commands
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(", "),
        example: commands
            .first()
            .map_or_else(String::new, |c| c.example().to_string()),
    }
}

/// Resolves a help topic to its canonical form (`held` → `messages held`).
pub(crate) fn resolve_topic(text: &str) -> Result<Option<String>, ParseError> {
    let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return Ok(None);
    }
    match lookup(&words)? {
        Target::Group(group) if words.len() == 1 => Ok(Some(group.name.to_string())),
        Target::Command(command, consumed) if consumed == words.len() => Ok(Some(command.path())),
        _ => Err(ParseError::UnknownCommand {
            given: words.join(" "),
            hint: "type help to list the commands".to_string(),
        }),
    }
}

/// A word that reads as an option name rather than a value: `--` then a letter.
fn looks_like_option(word: &str) -> bool {
    word.strip_prefix("--")
        .and_then(|rest| rest.chars().next())
        .is_some_and(char::is_alphabetic)
}

/// Matches the words after the command name to the command's options.
fn collect_args(spec: &'static CommandSpec, words: &[String]) -> Result<Vec<RawArg>, ParseError> {
    let mut args: Vec<RawArg> = Vec::new();
    let mut topic_words: Vec<&str> = Vec::new();
    let mut index = 0;
    while let Some(word) = words.get(index) {
        index += 1;
        if let Some(body) = word.strip_prefix("--").filter(|_| looks_like_option(word)) {
            let (name, inline) = match body.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (body, None),
            };
            let option = find_option(spec, name)?;
            let value = match (option.kind, inline) {
                (ValueKind::Flag, None) => RawValue::Flag(true),
                (_, Some(value)) => RawValue::Text(value.to_string()),
                (_, None) => match words.get(index).filter(|next| !looks_like_option(next)) {
                    Some(next) => {
                        index += 1;
                        RawValue::Text(next.clone())
                    }
                    None => {
                        return Err(ParseError::MissingValue {
                            option: format!("--{}", option.name),
                            example: option.example.to_string(),
                        });
                    }
                },
            };
            push_arg(&mut args, option, value)?;
        } else if word.starts_with('-') && word.chars().nth(1).is_some_and(char::is_alphabetic) {
            let name = word.trim_start_matches('-');
            let hint = match find_option(spec, name) {
                Ok(option) => format!("options start with two dashes, e.g. --{}", option.name),
                Err(ParseError::UnknownOption { hint, .. }) => hint,
                Err(other) => return Err(other),
            };
            return Err(ParseError::UnknownOption {
                command: spec.path(),
                option: word.clone(),
                hint,
            });
        } else if let Some((option, value)) = colon_form(spec, word) {
            let value = match option.kind {
                ValueKind::Topic => {
                    topic_words.push(value);
                    continue;
                }
                _ => RawValue::Text(value.to_string()),
            };
            push_arg(&mut args, option, value)?;
        } else {
            match spec.positional.and_then(|name| spec.option(name)) {
                Some(option) if option.kind == ValueKind::Topic => topic_words.push(word),
                Some(option) if !args.iter().any(|a| a.option.name == option.name) => {
                    args.push(RawArg {
                        option,
                        value: RawValue::Text(word.clone()),
                    });
                }
                _ => {
                    return Err(ParseError::UnexpectedArgument {
                        command: spec.path(),
                        value: word.clone(),
                        example: spec.example().to_string(),
                    });
                }
            }
        }
    }
    if !topic_words.is_empty()
        && let Some(option) = spec.positional.and_then(|name| spec.option(name))
    {
        push_arg(&mut args, option, RawValue::Text(topic_words.join(" ")))?;
    }
    Ok(args)
}

/// `name:value` as Discord shows options (`start:2024-01-01`), when `name` is this command's.
fn colon_form<'w>(
    spec: &'static CommandSpec,
    word: &'w str,
) -> Option<(&'static OptionSpec, &'w str)> {
    let (name, value) = word.split_once(':')?;
    let option = spec.option(&name.to_lowercase())?;
    Some((option, value))
}

/// The option called `name` (case-insensitive), or an error suggesting the closest.
pub(crate) fn find_option(
    spec: &'static CommandSpec,
    name: &str,
) -> Result<&'static OptionSpec, ParseError> {
    let lower = name.to_lowercase();
    if let Some(option) = spec.option(&lower) {
        return Ok(option);
    }
    let names = spec.options.iter().map(|o| o.name);
    let hint = match closest(&lower, names.clone()) {
        Some(best) => format!("did you mean --{best}?"),
        None => format!(
            "use one of: {}",
            names
                .map(|n| format!("--{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Err(ParseError::UnknownOption {
        command: spec.path(),
        option: format!("--{name}"),
        hint,
    })
}

/// Adds an option, refusing a second occurrence.
pub(crate) fn push_arg(
    args: &mut Vec<RawArg>,
    option: &'static OptionSpec,
    value: RawValue,
) -> Result<(), ParseError> {
    if args.iter().any(|a| a.option.name == option.name) {
        return Err(ParseError::DuplicateOption {
            option: format!("--{}", option.name),
        });
    }
    args.push(RawArg { option, value });
    Ok(())
}

/// A checked option value.
#[derive(Debug, Clone)]
enum Value {
    Flag(bool),
    Text(String),
    Id(MessageId),
    Address(AddressFilter),
    Date(DateBound),
    Choice(&'static str),
    Topic(Option<String>),
    Count(u32),
}

/// The checked values of one invocation, by option name.
#[derive(Debug, Default)]
struct Values(Vec<(&'static str, Value)>);

impl Values {
    fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), Some(Value::Flag(true)))
    }

    fn text(&self, name: &str) -> Option<String> {
        match self.get(name) {
            Some(Value::Text(text)) => Some(text.clone()),
            _ => None,
        }
    }

    fn address(&self, name: &str) -> Option<AddressFilter> {
        match self.get(name) {
            Some(Value::Address(address)) => Some(address.clone()),
            _ => None,
        }
    }

    fn date(&self, name: &str) -> Option<DateBound> {
        match self.get(name) {
            Some(Value::Date(date)) => Some(*date),
            _ => None,
        }
    }

    fn range(&self) -> DateRange {
        DateRange {
            start: self.date("start"),
            end: self.date("end"),
        }
    }

    fn count(&self, name: &str) -> Option<u32> {
        match self.get(name) {
            Some(Value::Count(n)) => Some(*n),
            _ => None,
        }
    }

    fn choice<T>(&self, name: &str, from_value: fn(&str) -> Option<T>) -> Option<T> {
        match self.get(name) {
            Some(Value::Choice(value)) => from_value(value),
            _ => None,
        }
    }

    /// A required id; the required check has already run, this only keeps the code total.
    fn id(&self, spec: &CommandSpec, name: &'static str) -> Result<MessageId, ParseError> {
        match self.get(name) {
            Some(Value::Id(id)) => Ok(id.clone()),
            _ => Err(missing(spec, name)),
        }
    }

    fn required_text(&self, spec: &CommandSpec, name: &'static str) -> Result<String, ParseError> {
        self.text(name).ok_or_else(|| missing(spec, name))
    }
}

fn missing(spec: &CommandSpec, name: &str) -> ParseError {
    let example = spec.option(name).map_or("", |o| o.example);
    ParseError::MissingRequired {
        option: format!("--{name}"),
        example: format!("{} --{name} {example}", spec.path()),
    }
}

/// Checks one raw value against its option's kind (`spec` is the command, for hints).
fn check(spec: &CommandSpec, option: &OptionSpec, raw: RawValue) -> Result<Value, ParseError> {
    let shown = format!("--{}", option.name);
    let text = match raw {
        RawValue::Flag(on) if option.kind == ValueKind::Flag => return Ok(Value::Flag(on)),
        RawValue::Flag(on) => on.to_string(),
        RawValue::Text(text) => text,
    };
    Ok(match option.kind {
        ValueKind::Flag => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Value::Flag(true),
            "false" | "no" | "off" | "0" => Value::Flag(false),
            _ => {
                return Err(ParseError::InvalidFlag {
                    option: shown,
                    value: text,
                });
            }
        },
        ValueKind::Text => Value::Text(parse_text(&text, &shown, option.example)?),
        ValueKind::Id => Value::Id(MessageId::parse(&text, &shown)?),
        ValueKind::Address => Value::Address(AddressFilter::parse(&text, &shown)?),
        ValueKind::Url => Value::Text(parse_url(&text, &shown)?),
        ValueKind::Date => Value::Date(DateBound::parse(&text, &shown)?),
        ValueKind::Day => Value::Date(DateBound::parse_day(&text, &shown)?),
        ValueKind::Choice(choices) => match find_choice(choices, text.trim()) {
            Some(choice) => Value::Choice(choice.value),
            None => {
                return Err(ParseError::InvalidChoice {
                    option: shown,
                    value: text,
                    choices: choices
                        .iter()
                        .map(|c| c.value)
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        },
        ValueKind::Topic => Value::Topic(resolve_topic(&text)?),
        ValueKind::Count { min, max } => match parse_count(&text, min, max) {
            Some(n) => Value::Count(n),
            None => {
                return Err(ParseError::InvalidCount {
                    option: shown,
                    min,
                    max,
                    example: format!("{} --{} {}", spec.path(), option.name, option.example),
                });
            }
        },
    })
}

/// A whole number from `min` to `max`: ASCII digits only (no sign, point or exponent), so
/// `-3`, `+5`, `1.5` and `1e2` are refused rather than read loosely.
fn parse_count(text: &str, min: u32, max: u32) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Digits beyond u32 fail to parse: out of range as well.
    text.parse::<u32>().ok().filter(|n| (min..=max).contains(n))
}

/// Checks the options of `spec` and builds the typed invocation. Shared by text and Discord.
pub(crate) fn build(
    spec: &'static CommandSpec,
    args: Vec<RawArg>,
) -> Result<Invocation, ParseError> {
    let mut values = Values::default();
    for arg in args {
        let value = check(spec, arg.option, arg.value)?;
        values.0.push((arg.option.name, value));
    }
    for option in spec.options.iter().filter(|o| o.required) {
        if values.get(option.name).is_none() {
            return Err(missing(spec, option.name));
        }
    }
    if !spec.one_of.is_empty() && !spec.one_of.iter().any(|name| values.get(name).is_some()) {
        let first = spec.one_of.first().and_then(|name| spec.option(name));
        return Err(ParseError::MissingOneOf {
            command: spec.path(),
            options: spec
                .one_of
                .iter()
                .map(|n| format!("--{n}"))
                .collect::<Vec<_>>()
                .join(", "),
            example: first.map_or_else(
                || spec.example().to_string(),
                |o| format!("{} --{} {}", spec.path(), o.name, o.example),
            ),
        });
    }
    for option in spec.options {
        if let (Some(default), None) = (option.default, values.get(option.name)) {
            values.0.push((
                option.name,
                check(spec, option, RawValue::Text(default.to_string()))?,
            ));
        }
    }

    let command = build_command(spec, &values)?;
    if let Some(range) = command.range() {
        range.check_absolute()?;
    }
    Ok(Invocation {
        command,
        output: values
            .choice("output", OutputFormat::from_value)
            .unwrap_or_default(),
        yes: values.flag("yes"),
        page: values.text("page"),
    })
}

/// The per-command step: typed values into the command's struct.
fn build_command(spec: &CommandSpec, v: &Values) -> Result<Command, ParseError> {
    Ok(match spec.id {
        CommandId::MessagesSearch => Command::MessagesSearch(MessageSearch {
            from: v.address("from"),
            to: v.address("to"),
            subject: v.text("subject"),
            range: v.range(),
        }),
        CommandId::MessagesHeld => Command::MessagesHeld(HeldList {
            admin: v.flag("admin"),
            range: v.range(),
        }),
        CommandId::MessagesRelease => Command::MessagesRelease(Release {
            id: v.id(spec, "id")?,
            reason: v.text("reason"),
        }),
        CommandId::MessagesReject => Command::MessagesReject(Reject {
            id: v.id(spec, "id")?,
            reason_type: v.choice("reason-type", RejectReason::from_value),
            message: v.text("message"),
            notify: v.flag("notify"),
        }),
        CommandId::TtpUrls => Command::TtpUrls(UrlLogs {
            range: v.range(),
            route: v.choice("route", Route::from_value).unwrap_or(Route::All),
            result: v
                .choice("result", UrlResult::from_value)
                .unwrap_or(UrlResult::All),
        }),
        CommandId::TtpAttachments => Command::TtpAttachments(AttachmentLogs {
            range: v.range(),
            result: v
                .choice("result", AttachmentResult::from_value)
                .unwrap_or(AttachmentResult::All),
        }),
        CommandId::TtpImpersonation => Command::TtpImpersonation(ImpersonationLogs {
            range: v.range(),
            action: v
                .choice("action", ImpersonationAction::from_value)
                .unwrap_or(ImpersonationAction::All),
        }),
        CommandId::ArchiveSearch => Command::ArchiveSearch(ArchiveSearch {
            query: v.required_text(spec, "query")?,
            range: v.range(),
        }),
        CommandId::UrlDecode => Command::UrlDecode(UrlDecode {
            url: v.required_text(spec, "url")?,
        }),
        CommandId::Summary => Command::Summary(Summary {
            kind: v
                .choice("kind", SummaryKind::from_value)
                .unwrap_or(SummaryKind::All),
            date: v.date("date"),
        }),
        CommandId::Audit => Command::Audit(Audit {
            limit: v.count("limit").unwrap_or(Audit::DEFAULT_LIMIT),
        }),
        CommandId::Help => Command::Help(Help {
            topic: match v.get("topic") {
                Some(Value::Topic(topic)) => topic.clone(),
                _ => None,
            },
        }),
    })
}
