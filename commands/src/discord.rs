//! Discord: the `/mimecast` application-command schema, and structured options → [`Invocation`].
//!
//! Layout: groups (`messages`, `ttp`, `archive`, `url`) are SUB_COMMAND_GROUPs (type 2) holding
//! SUB_COMMANDs (type 1); top-level commands (`summary`, `audit`, `help`) and the chat short forms
//! (`held`, `search`, `release`, `reject`) are SUB_COMMANDs directly under `/mimecast`. Flags are
//! BOOLEAN (5) options, counts (`--limit`) INTEGER (4) with `min_value` / `max_value`, every other
//! value a STRING (3) with `choices` when it is an enum of ≤25 values. `--yes` is not offered (chat
//! always goes through approval).

use serde_json::{Map, Value, json};

use crate::command::{ArgValue, Invocation};
use crate::error::ParseError;
use crate::parse::{RawValue, build, find_option, push_arg};
use crate::spec::{self, COMMANDS, CommandSpec, GROUPS, OptionSpec, ValueKind};

/// The application command's name.
pub const COMMAND_NAME: &str = "mimecast";
/// Description of `/mimecast` itself.
pub const COMMAND_DESCRIPTION: &str = "Investigate and contain email threats on Mimecast";

/// Discord's limit on name length (1-32).
pub const NAME_MAX: usize = 32;
/// Discord's limit on description length (1-100).
pub const DESCRIPTION_MAX: usize = 100;
/// Discord's limit on options per level and on choices per option.
pub const OPTIONS_MAX: usize = 25;
/// Discord's limit on choices per option.
pub const CHOICES_MAX: usize = 25;
/// Discord's limit on the characters of all names, descriptions and choice names/values.
pub const TOTAL_CHARS_MAX: usize = 4000;

/// Application command option types used here (Discord's numbering).
pub mod option_type {
    /// SUB_COMMAND
    pub const SUB_COMMAND: u8 = 1;
    /// SUB_COMMAND_GROUP
    pub const SUB_COMMAND_GROUP: u8 = 2;
    /// STRING
    pub const STRING: u8 = 3;
    /// INTEGER
    pub const INTEGER: u8 = 4;
    /// BOOLEAN
    pub const BOOLEAN: u8 = 5;
    /// NUMBER
    pub const NUMBER: u8 = 10;
}

/// The data of a `/mimecast` interaction, free of any Discord library: the command name and
/// the options tree as Discord sends it (`data.name`, `data.options`).
#[derive(Debug, Clone, PartialEq)]
pub struct DiscordInvocation {
    /// The application command name (`mimecast`).
    pub name: String,
    /// Top-level options: one subcommand group or subcommand.
    pub options: Vec<DiscordOption>,
}

/// One option of an interaction.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscordOption {
    /// The option name as registered (`messages`, `held`, `start`).
    pub name: String,
    /// Its value (or nested options for groups and subcommands).
    pub value: DiscordValue,
}

/// An option value, mirroring Discord's option types.
#[derive(Debug, Clone, PartialEq)]
pub enum DiscordValue {
    /// SUB_COMMAND_GROUP (2) with its subcommand.
    SubcommandGroup(Vec<DiscordOption>),
    /// SUB_COMMAND (1) with its options.
    Subcommand(Vec<DiscordOption>),
    /// STRING (3).
    String(String),
    /// INTEGER (4).
    Integer(i64),
    /// BOOLEAN (5).
    Boolean(bool),
    /// NUMBER (10).
    Number(f64),
}

impl DiscordOption {
    /// A scalar or nested option.
    pub fn new(name: impl Into<String>, value: DiscordValue) -> DiscordOption {
        DiscordOption {
            name: name.into(),
            value,
        }
    }
}

impl DiscordInvocation {
    /// Reads an interaction's `data` object (`{"name":…,"options":[{"name","type","value"|"options"}]}`).
    pub fn from_json(data: &Value) -> Result<DiscordInvocation, ParseError> {
        let name = data
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| shape("no command name"))?;
        Ok(DiscordInvocation {
            name: name.to_string(),
            options: options_from_json(data.get("options"))?,
        })
    }

    /// Writes the interaction `data` object Discord would send for these options.
    pub fn to_json(&self) -> Value {
        json!({ "name": self.name, "type": 1, "options": options_to_json(&self.options) })
    }
}

fn shape(detail: &str) -> ParseError {
    ParseError::DiscordShape {
        detail: detail.to_string(),
    }
}

fn options_from_json(options: Option<&Value>) -> Result<Vec<DiscordOption>, ParseError> {
    let Some(options) = options else {
        return Ok(Vec::new());
    };
    let items = options
        .as_array()
        .ok_or_else(|| shape("options is not a list"))?;
    items
        .iter()
        .map(|item| {
            let name = item
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| shape("an option has no name"))?;
            let kind = item
                .get("type")
                .and_then(Value::as_u64)
                .ok_or_else(|| shape("an option has no type"))?;
            let value = item.get("value");
            let bad = || {
                shape(&format!(
                    "option {name} has a value that does not match its type"
                ))
            };
            let value = match u8::try_from(kind).unwrap_or(0) {
                option_type::SUB_COMMAND_GROUP => {
                    DiscordValue::SubcommandGroup(options_from_json(item.get("options"))?)
                }
                option_type::SUB_COMMAND => {
                    DiscordValue::Subcommand(options_from_json(item.get("options"))?)
                }
                option_type::STRING => {
                    DiscordValue::String(value.and_then(Value::as_str).ok_or_else(bad)?.to_string())
                }
                option_type::INTEGER => {
                    DiscordValue::Integer(value.and_then(Value::as_i64).ok_or_else(bad)?)
                }
                option_type::BOOLEAN => {
                    DiscordValue::Boolean(value.and_then(Value::as_bool).ok_or_else(bad)?)
                }
                option_type::NUMBER => {
                    DiscordValue::Number(value.and_then(Value::as_f64).ok_or_else(bad)?)
                }
                _ => return Err(shape(&format!("option {name} has unsupported type {kind}"))),
            };
            Ok(DiscordOption {
                name: name.to_string(),
                value,
            })
        })
        .collect()
}

fn options_to_json(options: &[DiscordOption]) -> Vec<Value> {
    options
        .iter()
        .map(|option| match &option.value {
            DiscordValue::SubcommandGroup(inner) => {
                json!({"name": option.name, "type": option_type::SUB_COMMAND_GROUP, "options": options_to_json(inner)})
            }
            DiscordValue::Subcommand(inner) => {
                json!({"name": option.name, "type": option_type::SUB_COMMAND, "options": options_to_json(inner)})
            }
            DiscordValue::String(s) => json!({"name": option.name, "type": option_type::STRING, "value": s}),
            DiscordValue::Integer(i) => json!({"name": option.name, "type": option_type::INTEGER, "value": i}),
            DiscordValue::Boolean(b) => json!({"name": option.name, "type": option_type::BOOLEAN, "value": b}),
            DiscordValue::Number(n) => json!({"name": option.name, "type": option_type::NUMBER, "value": n}),
        })
        .collect()
}

/// Parses a `/mimecast` interaction into the same [`Invocation`] the equivalent text line gives.
pub fn from_discord(invocation: &DiscordInvocation) -> Result<Invocation, ParseError> {
    if invocation.name != COMMAND_NAME {
        return Err(ParseError::NotMimecast {
            name: invocation.name.clone(),
        });
    }
    let [top] = invocation.options.as_slice() else {
        return Err(shape("expected exactly one subcommand under /mimecast"));
    };
    let (spec, options) = match &top.value {
        DiscordValue::SubcommandGroup(inner) => {
            let group = spec::group(&top.name).ok_or_else(|| unknown(&top.name))?;
            let [sub] = inner.as_slice() else {
                return Err(shape(&format!(
                    "expected exactly one subcommand under {}",
                    group.name
                )));
            };
            let DiscordValue::Subcommand(options) = &sub.value else {
                return Err(shape(&format!(
                    "{} {} is not a subcommand",
                    group.name, sub.name
                )));
            };
            let spec = spec::find(Some(group.name), &sub.name)
                .ok_or_else(|| unknown(&format!("{} {}", top.name, sub.name)))?;
            (spec, options)
        }
        DiscordValue::Subcommand(options) => {
            let spec = spec::find(None, &top.name)
                .or_else(|| spec::find_short(&top.name))
                .ok_or_else(|| unknown(&top.name))?;
            (spec, options)
        }
        _ => return Err(shape(&format!("{} is not a subcommand", top.name))),
    };
    let mut args = Vec::new();
    for option in options {
        let spec_option = find_option(spec, &option.name)?;
        if !spec_option.discord {
            return Err(find_option_error(spec, &option.name));
        }
        let value = match &option.value {
            DiscordValue::String(s) => RawValue::Text(s.clone()),
            DiscordValue::Integer(i) => RawValue::Text(i.to_string()),
            DiscordValue::Number(n) => RawValue::Text(n.to_string()),
            DiscordValue::Boolean(b) => RawValue::Flag(*b),
            DiscordValue::SubcommandGroup(_) | DiscordValue::Subcommand(_) => {
                return Err(shape(&format!(
                    "{} is nested under {}",
                    option.name,
                    spec.path()
                )));
            }
        };
        push_arg(&mut args, spec_option, value)?;
    }
    build(spec, args)
}

fn unknown(given: &str) -> ParseError {
    ParseError::UnknownCommand {
        given: given.to_string(),
        hint: "type help to list the commands".to_string(),
    }
}

fn find_option_error(spec: &'static CommandSpec, name: &str) -> ParseError {
    ParseError::UnknownOption {
        command: spec.path(),
        option: format!("--{name}"),
        hint: "it is for the one-shot CLI only".to_string(),
    }
}

impl Invocation {
    /// The Discord interaction options that give this invocation back through
    /// [`from_discord`], using the group form (`/mimecast messages held`). `--yes` has no
    /// Discord form and is dropped.
    pub fn to_discord(&self) -> DiscordInvocation {
        let spec = self.command.id().spec();
        let mut leaf: Vec<DiscordOption> = self
            .command
            .options()
            .into_iter()
            .map(|(name, value)| match value {
                ArgValue::Flag => DiscordOption::new(name, DiscordValue::Boolean(true)),
                ArgValue::Text(text) => DiscordOption::new(name, DiscordValue::String(text)),
                ArgValue::Integer(n) => DiscordOption::new(name, DiscordValue::Integer(n.into())),
            })
            .collect();
        if self.output != crate::OutputFormat::default() {
            leaf.push(DiscordOption::new(
                "output",
                DiscordValue::String(self.output.value().to_string()),
            ));
        }
        let sub = DiscordOption::new(spec.name, DiscordValue::Subcommand(leaf));
        let top = match spec.group {
            Some(group) => DiscordOption::new(group, DiscordValue::SubcommandGroup(vec![sub])),
            None => sub,
        };
        DiscordInvocation {
            name: COMMAND_NAME.to_string(),
            options: vec![top],
        }
    }
}

/// The application-command JSON for `/mimecast` (CHAT_INPUT), ready for Discord's bulk
/// overwrite (`PUT /applications/{id}/commands` takes a list of these).
pub fn discord_commands_json() -> Value {
    let mut top: Vec<Value> = Vec::new();
    for group in GROUPS {
        let subcommands: Vec<Value> = spec::commands_in(group.name)
            .map(|c| subcommand_json(c.name, c))
            .collect();
        top.push(json!({
            "type": option_type::SUB_COMMAND_GROUP,
            "name": group.name,
            "description": group.about,
            "options": subcommands,
        }));
    }
    for command in COMMANDS.iter().filter(|c| c.group.is_none()) {
        top.push(subcommand_json(command.name, command));
    }
    for command in COMMANDS {
        if let Some(short) = command.short {
            top.push(subcommand_json(short, command));
        }
    }
    json!({
        "type": 1,
        "name": COMMAND_NAME,
        "description": COMMAND_DESCRIPTION,
        "options": top,
    })
}

fn subcommand_json(name: &str, command: &CommandSpec) -> Value {
    let mut options: Vec<&OptionSpec> = command.options.iter().filter(|o| o.discord).collect();
    // Discord wants required options first; the sort is stable so table order holds otherwise.
    options.sort_by_key(|o| !o.required);
    json!({
        "type": option_type::SUB_COMMAND,
        "name": name,
        "description": command.about,
        "options": options.into_iter().map(option_json).collect::<Vec<_>>(),
    })
}

fn option_json(option: &OptionSpec) -> Value {
    let mut object = Map::new();
    let kind = match option.kind {
        ValueKind::Flag => option_type::BOOLEAN,
        ValueKind::Count { .. } => option_type::INTEGER,
        _ => option_type::STRING,
    };
    object.insert("type".into(), json!(kind));
    object.insert("name".into(), json!(option.name));
    object.insert("description".into(), json!(option.about));
    object.insert("required".into(), json!(option.required));
    if let ValueKind::Choice(choices) = option.kind
        && choices.len() <= CHOICES_MAX
    {
        let list: Vec<Value> = choices
            .iter()
            .map(|c| json!({"name": c.value, "value": c.value}))
            .collect();
        object.insert("choices".into(), Value::Array(list));
    }
    if let ValueKind::Count { min, max } = option.kind {
        object.insert("min_value".into(), json!(min));
        object.insert("max_value".into(), json!(max));
    }
    if kind == option_type::STRING {
        object.insert("max_length".into(), json!(crate::text::MAX_VALUE_CHARS));
    }
    Value::Object(object)
}
