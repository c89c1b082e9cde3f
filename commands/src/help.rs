//! Help text, generated from the command table. Lines stay within [`WIDTH`] columns.

use crate::choices::ChoiceSpec;
use crate::parse::resolve_topic;
use crate::spec::{self, COMMANDS, CommandSpec, GroupSpec, OptionSpec, ValueKind};

/// The widest line help produces (terminals and chat code blocks both show it unwrapped).
pub const WIDTH: usize = 100;

const DATES: &str = "Dates: YYYY-MM-DD (a whole UTC day; as --end, through its last second), an instant \
with a zone (2024-01-01T09:00:00Z), today, yesterday, or 7d / 24h back from now.";

/// The help for `topic` (a command such as `ttp urls` or `held`, or a group such as `ttp`), or
/// the overview of every command when `topic` is `None`. An unknown topic gets a line saying
/// so, then the overview.
pub fn help_text(topic: Option<&str>) -> String {
    let Some(topic) = topic else {
        return overview();
    };
    match resolve_topic(topic) {
        Ok(None) => overview(),
        Ok(Some(canonical)) => {
            if let Some(group) = spec::group(&canonical) {
                return group_help(group);
            }
            match COMMANDS.iter().find(|c| c.path() == canonical) {
                Some(command) => command_help(command),
                None => overview(),
            }
        }
        Err(error) => format!("{error}\n\n{}", overview()),
    }
}

fn overview() -> String {
    let mut out = String::new();
    out.push_str("mimecast: investigate and contain email threats on Mimecast\n");
    out.push_str("In chat, type a command after /mimecast; in a terminal, after mimecast-bot.\n\n");
    out.push_str("Commands:\n");
    list_commands(&mut out, COMMANDS.iter());
    out.push('\n');
    let shorts: Vec<String> = COMMANDS
        .iter()
        .filter_map(|c| c.short.map(|short| short_form(short, c)))
        .collect();
    push_wrapped(
        &mut out,
        &format!("Short forms: {}.", shorts.join("; ")),
        "",
        "  ",
    );
    push_wrapped(
        &mut out,
        "Every command takes --output text|json. Options work as --name value or --name=value.",
        "",
        "  ",
    );
    push_wrapped(&mut out, DATES, "", "  ");
    out.push_str("Type help COMMAND for its options and notes, e.g. help ttp impersonation.\n");
    out
}

/// `held = messages held` or `release ID = messages release --id ID`.
fn short_form(short: &str, command: &CommandSpec) -> String {
    match command.positional.and_then(|name| command.option(name)) {
        Some(option) => {
            let metavar = option.kind.metavar();
            format!(
                "{short} {metavar} = {} --{} {metavar}",
                command.path(),
                option.name
            )
        }
        None => format!("{short} = {}", command.path()),
    }
}

fn list_commands<'a>(out: &mut String, commands: impl Iterator<Item = &'a CommandSpec>) {
    let rows: Vec<(String, &CommandSpec)> = commands
        .map(|c| {
            let usage = match c.id {
                spec::CommandId::Help => format!("{} [COMMAND]", c.path()),
                _ => c.path(),
            };
            (usage, c)
        })
        .collect();
    let width = rows.iter().map(|(usage, _)| usage.len()).max().unwrap_or(0) + 3;
    for (usage, command) in rows {
        out.push_str(&format!("  {usage:<width$}{}\n", command.about));
        out.push_str(&format!("  {:<width$}e.g. {}\n", "", command.example()));
    }
}

fn group_help(group: &GroupSpec) -> String {
    let mut out = format!("{}: {}\n\nCommands:\n", group.name, group.about);
    list_commands(&mut out, spec::commands_in(group.name));
    out.push_str(&format!(
        "\nType help {} COMMAND for its options and notes.\n",
        group.name
    ));
    out
}

fn command_help(command: &CommandSpec) -> String {
    let mut out = format!("{}: {}\n\n", command.path(), command.about);
    let parts = usage(command);
    let words: Vec<&str> = parts.iter().map(String::as_str).collect();
    push_words(&mut out, &words, "Usage: ", "       ");
    if let Some(short) = command.short {
        out.push_str(&format!("Short form: {}\n", short_form(short, command)));
    }
    if !command.one_of.is_empty() {
        let names: Vec<String> = command.one_of.iter().map(|n| format!("--{n}")).collect();
        out.push_str(&format!("Give at least one of {}.\n", names.join(", ")));
    }
    out.push_str("\nOptions:\n");
    let width = command
        .options
        .iter()
        .map(|o| option_label(o).len())
        .max()
        .unwrap_or(0)
        + 3;
    for option in command.options {
        let mut about = option.about.to_string();
        if option.required {
            about.push_str(" (required)");
        }
        if let ValueKind::Count { min, max } = option.kind {
            about.push_str(&format!(" ({min} to {max})"));
        }
        if let Some(default) = option.default {
            about.push_str(&format!(" (default: {default})"));
        }
        let label = option_label(option);
        push_wrapped(
            &mut out,
            &format!("{label:<width$}{about}"),
            "  ",
            &" ".repeat(width + 2),
        );
        if let ValueKind::Choice(choices) = option.kind {
            choice_lines(&mut out, choices, width + 2);
        }
    }
    if command.options.iter().any(|o| o.kind == ValueKind::Date) {
        out.push('\n');
        push_wrapped(&mut out, DATES, "", "  ");
    }
    if !command.notes.is_empty() {
        out.push_str("\nNotes:\n");
        for note in command.notes {
            push_wrapped(&mut out, note, "  - ", "    ");
        }
    }
    out.push_str("\nExamples:\n");
    for example in command.examples {
        out.push_str(&format!("  {example}\n"));
    }
    out
}

/// The usage words: required options bare, optional ones in brackets.
fn usage(command: &CommandSpec) -> Vec<String> {
    let mut parts = vec![command.path()];
    for option in command.options {
        let label = option_label(option);
        parts.push(if option.required {
            label
        } else {
            format!("[{label}]")
        });
    }
    parts
}

/// `--from ADDRESS`, `--admin`, `--route inbound|outbound|internal|all`, `--action VALUE`.
fn option_label(option: &OptionSpec) -> String {
    let metavar = match option.kind {
        ValueKind::Flag => return format!("--{}", option.name),
        ValueKind::Choice(choices) if choice_inline(choices) => option.kind.metavar(),
        ValueKind::Choice(_) => "VALUE".to_string(),
        other => other.metavar(),
    };
    format!("--{} {metavar}", option.name)
}

/// Short lists of values without a separate wire form fit on the option's line.
fn choice_inline(choices: &[ChoiceSpec]) -> bool {
    let length: usize = choices.iter().map(|c| c.value.len() + 1).sum();
    length <= 32
        && choices
            .iter()
            .all(|c| c.wire.is_empty() || c.wire == c.value)
}

/// Lists the values of a long or mapped choice under its option.
fn choice_lines(out: &mut String, choices: &[ChoiceSpec], indent: usize) {
    if choice_inline(choices) {
        return;
    }
    let pad = " ".repeat(indent);
    let mapped: Vec<&ChoiceSpec> = choices
        .iter()
        .filter(|c| !c.wire.is_empty() && c.wire != c.value)
        .collect();
    if mapped.is_empty() {
        let values: Vec<&str> = choices.iter().map(|c| c.value).collect();
        push_wrapped(out, &format!("one of: {}", values.join(", ")), &pad, &pad);
        return;
    }
    let width = choices.iter().map(|c| c.value.len()).max().unwrap_or(0) + 2;
    for choice in choices {
        if choice.wire.is_empty() || choice.wire == choice.value {
            out.push_str(&format!("{pad}{}\n", choice.value));
        } else {
            out.push_str(&format!("{pad}{:<width$}= {}\n", choice.value, choice.wire));
        }
    }
}

/// Appends `text` wrapped at [`WIDTH`] on spaces, the first line after `first`, the others
/// after `rest`. Runs of spaces inside a line are kept.
fn push_wrapped(out: &mut String, text: &str, first: &str, rest: &str) {
    let words: Vec<&str> = text.split(' ').collect();
    push_words(out, &words, first, rest);
}

/// Appends `words` joined by spaces, breaking lines before [`WIDTH`] only between words.
fn push_words(out: &mut String, words: &[&str], first: &str, rest: &str) {
    let mut line = first.to_string();
    let mut fresh = true;
    for word in words {
        if !fresh && !word.is_empty() && line.chars().count() + 1 + word.chars().count() > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = rest.to_string();
            fresh = true;
        }
        if !fresh {
            line.push(' ');
        }
        line.push_str(word);
        fresh = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::GROUPS;

    #[test]
    fn overview_lists_every_command_with_its_description_and_an_example() {
        let text = help_text(None);
        for command in COMMANDS {
            assert!(text.contains(&command.path()), "{}", command.path());
            assert!(text.contains(command.about), "{}", command.about);
            assert!(
                text.contains(&format!("e.g. {}", command.example())),
                "{}",
                command.path()
            );
        }
        for group in GROUPS {
            assert!(text.contains(group.name));
        }
        assert!(text.contains("held = messages held"));
        assert!(text.contains("release ID = messages release --id ID"));
        assert!(text.contains("reject ID = messages reject --id ID"));
        assert!(text.contains("search = messages search"));
        assert!(text.contains("--output text|json"));
    }

    #[test]
    fn every_line_fits_the_width() {
        let mut topics: Vec<Option<String>> = vec![None];
        topics.extend(COMMANDS.iter().map(|c| Some(c.path())));
        topics.extend(GROUPS.iter().map(|g| Some(g.name.to_string())));
        for topic in topics {
            let text = help_text(topic.as_deref());
            for line in text.lines() {
                assert!(line.chars().count() <= WIDTH, "{topic:?}: {line}");
            }
        }
    }

    #[test]
    fn command_help_shows_options_choices_and_notes() {
        let text = help_text(Some("ttp urls"));
        assert!(text.starts_with("ttp urls: URL click logs"));
        assert!(
            text.contains("--route inbound|outbound|internal|all"),
            "{text}"
        );
        assert!(text.contains("--result clean|malicious|all"));
        assert!(text.contains("(default: all)"));
        assert!(text.contains("ttp urls --start 2024-01-01 --result malicious"));

        let reject = help_text(Some("reject"));
        assert!(reject.starts_with("messages reject:"), "{reject}");
        assert!(reject.contains("undesirable-content"));
        assert!(
            reject.lines().any(
                |line| line.trim_start().starts_with("against-email-policies ")
                    && line.ends_with(" = MESSAGE GOES AGAINST EMAIL POLICIES")
            ),
            "{reject}"
        );
        assert!(reject.contains("--id ID"));
        assert!(reject.contains("(required)"));
    }

    #[test]
    fn bridging_notes_are_in_the_help() {
        let impersonation = help_text(Some("ttp impersonation"));
        assert!(
            impersonation.contains("--action blocked is the bot's word"),
            "{impersonation}"
        );
        for action in crate::ImpersonationAction::BLOCKING {
            assert!(impersonation.contains(action.wire()), "{}", action.wire());
        }
        assert!(impersonation.contains("impersonationType"));
        assert!(impersonation.contains("identifiers and definition"));
        assert!(impersonation.contains("one of: blocked, all, hold"));

        let release = help_text(Some("messages release"));
        assert!(
            release.contains("--reason is recorded with the release request"),
            "{release}"
        );
        assert!(release.contains("takes no reason"));
    }

    #[test]
    fn audit_help_shows_the_limit_range_default_and_note() {
        let audit = help_text(Some("audit"));
        assert!(
            audit.starts_with("audit: Recent approval audit entries (approvers only)\n"),
            "{audit}"
        );
        assert!(
            audit.contains("Usage: audit [--limit N] [--output text|json]"),
            "{audit}"
        );
        assert!(
            audit
                .lines()
                .any(|line| line.trim_start().starts_with("--limit N ")
                    && line.ends_with("(1 to 100) (default: 20)")),
            "{audit}"
        );
        assert!(audit.contains("Shown only to approvers; the audit log is append-only."));
        assert!(audit.contains("\n  audit --limit 50\n"));
        assert!(help_text(None).contains("e.g. audit --limit 50"));
    }

    #[test]
    fn groups_aliases_and_unknown_topics() {
        let ttp = help_text(Some("ttp"));
        assert!(ttp.starts_with("ttp: "));
        assert!(ttp.contains("ttp attachments") && !ttp.contains("messages held"));
        assert_eq!(help_text(Some("held")), help_text(Some("messages held")));
        assert_eq!(help_text(Some("  ")), help_text(None));
        let unknown = help_text(Some("frobnicate"));
        assert!(
            unknown.starts_with("unknown command 'frobnicate'"),
            "{unknown}"
        );
        assert!(unknown.ends_with(&help_text(None)));
    }

    #[test]
    fn wrapping_breaks_on_spaces() {
        let mut out = String::new();
        push_wrapped(&mut out, &"word ".repeat(40), "> ", "  ");
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.len() > 1);
        assert!(lines[0].starts_with("> word"));
        assert!(lines[1].starts_with("  word"));
        assert!(lines.iter().all(|l| l.len() <= WIDTH));
    }
}
