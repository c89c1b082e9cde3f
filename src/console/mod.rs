//! The console: a line-by-line adapter for a terminal or a script. Each line is a command in
//! the chat language (`/mimecast held --admin`, `held`, `help`). As in chat, release and reject
//! create an approval request that another person approves:
//!
//! - `/as NAME` switches identity (console user names are what the config's console rules
//!   name); `whoami` shows it;
//! - `approve ID` and `deny ID` decide a request (the console's Approve and Deny buttons);
//! - `next` shows the next page of the last listing; `exit` ends.

pub mod demo;

use std::process::ExitCode;

use mimecast_commands::{Invocation, OutputFormat, parse_line};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt, Lines};

use crate::approvals::{Actor, Approvals, Platform, Store};
use crate::bot::Bot;
use crate::cli::format_reply;
use crate::config::Config;
use crate::engine::{Engine, Reply};

/// Longest input line accepted; longer lines are refused, not parsed.
pub const MAX_LINE: usize = 8 * 1024;

/// The channel name pending actions record for the console.
pub const CHANNEL: &str = "console";

/// A console user.
pub fn console_actor(name: &str) -> Actor {
    Actor::new(Platform::Console, name, name)
}

/// Runs a console on stdin/stdout against the Mimecast configured in the environment, with the
/// store and console rules of the config file; the identity starts as the OS user.
pub async fn run_configured() -> ExitCode {
    use std::io::IsTerminal;
    let config = match Config::load(None) {
        Ok(config) => config,
        Err(e) => return fail(&e.to_string(), 2),
    };
    let client_config = match crate::mimecast::ClientConfig::from_env() {
        Ok(config) => config,
        Err(e) => return fail(&e.to_string(), 2),
    };
    let client = match crate::mimecast::MimecastClient::new(client_config) {
        Ok(client) => client,
        Err(e) => return fail(&e.user_message(), 1),
    };
    let store = match Store::open(&config.store.path).await {
        Ok(store) => store,
        Err(e) => {
            return fail(
                &format!("cannot open the store {}: {e}", config.store.path.display()),
                1,
            );
        }
    };
    let approvals = Approvals::new(store, config.policies()).with_expiry(to_delta(config.expiry()));
    let bot = Bot::new(Engine::new(client), approvals);
    let me = crate::cli::operator().user_id;
    let interactive = std::io::stdin().is_terminal();
    let input = tokio::io::BufReader::new(tokio::io::stdin());
    match Console::new(
        bot,
        console_actor(&me),
        input,
        tokio::io::stdout(),
        interactive,
    )
    .run()
    .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&format!("console I/O failed: {e}"), 1),
    }
}

/// A `std::time::Duration` as a chrono delta (saturating).
pub fn to_delta(d: std::time::Duration) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(d).unwrap_or(chrono::TimeDelta::MAX)
}

fn fail(message: &str, code: u8) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(code)
}

/// A console session over any line source and sink.
pub struct Console<R, W> {
    bot: Bot,
    actor: Actor,
    lines: Lines<R>,
    out: W,
    interactive: bool,
    /// The last listing and its next-page token, for `next`.
    last: Option<(Invocation, String)>,
}

impl<R: AsyncBufRead + Unpin, W: AsyncWrite + Unpin> Console<R, W> {
    /// A console acting as `actor`, reading commands from `input` and writing answers to
    /// `out`. `interactive` shows a prompt before each line.
    pub fn new(bot: Bot, actor: Actor, input: R, out: W, interactive: bool) -> Self {
        Self {
            bot,
            actor,
            lines: input.lines(),
            out,
            interactive,
            last: None,
        }
    }

    /// Reads and answers lines until end of input or `exit`.
    pub async fn run(mut self) -> std::io::Result<()> {
        loop {
            if self.interactive {
                let prompt = format!("{}@mimecast> ", self.actor.display);
                self.write(&prompt).await?;
            }
            let Some(line) = self.lines.next_line().await? else {
                break;
            };
            self.announce_expired().await?;
            let line = line.trim();
            let mut words = line.split_whitespace();
            let first = words.next().unwrap_or_default();
            let second = words.next();
            match (first, second) {
                ("", _) => continue,
                ("exit" | "quit" | "/exit" | "/quit", None) => break,
                ("next" | "more", None) => self.next_page().await?,
                ("whoami", None) => {
                    let text = format!("You are {}.\n", self.actor.display);
                    self.write(&text).await?
                }
                ("/as", Some(name)) if words.next().is_none() => self.switch(name).await?,
                ("approve", Some(id)) if words.next().is_none() => {
                    let result = self.bot.approve(self.actor.clone(), id).await;
                    self.show_result(result.map_err(|e| e.user_message()), OutputFormat::Text)
                        .await?
                }
                ("deny", Some(id)) if words.next().is_none() => {
                    let result = self.bot.deny(self.actor.clone(), id).await;
                    self.show_result(result.map_err(|e| e.user_message()), OutputFormat::Text)
                        .await?
                }
                _ if line.len() > MAX_LINE => {
                    self.error(&format!("line longer than {MAX_LINE} bytes; shorten it"))
                        .await?
                }
                _ => self.command(line).await?,
            }
        }
        self.out.flush().await
    }

    async fn switch(&mut self, name: &str) -> std::io::Result<()> {
        let valid = name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if !valid {
            return self
                .error("a console name is letters, digits, '.', '_' or '-'; type e.g. /as lead")
                .await;
        }
        self.actor = console_actor(name);
        let text = format!("You are now {name}.\n");
        self.write(&text).await
    }

    async fn command(&mut self, line: &str) -> std::io::Result<()> {
        let invocation = match parse_line(line) {
            Ok(invocation) => invocation,
            Err(e) => return self.error(&e.to_string()).await,
        };
        let result = self
            .bot
            .command(&self.actor, CHANNEL, &invocation, None)
            .await;
        if let Ok(reply) = &result {
            self.last = reply
                .next_page
                .clone()
                .filter(|_| invocation.command.range().is_some())
                .map(|t| (invocation.clone(), t));
        }
        let is_request = invocation.command.changes_mail();
        self.show_result(result.map_err(|e| e.user_message()), invocation.output)
            .await?;
        if is_request {
            self.hint_decision().await?;
        }
        Ok(())
    }

    async fn hint_decision(&mut self) -> std::io::Result<()> {
        self.write(
            "An approver types: approve REQUEST (or deny REQUEST); /as NAME switches user.\n",
        )
        .await
    }

    async fn next_page(&mut self) -> std::io::Result<()> {
        let Some((invocation, token)) = self.last.take() else {
            return self
                .error("no further page; run a listing command first")
                .await;
        };
        let result = self.bot.engine().execute(&invocation, Some(token)).await;
        if let Ok(reply) = &result {
            self.last = reply.next_page.clone().map(|t| (invocation.clone(), t));
        }
        self.show_result(result.map_err(|e| e.user_message()), invocation.output)
            .await
    }

    async fn announce_expired(&mut self) -> std::io::Result<()> {
        match self.bot.expire_due().await {
            Ok(expired) => {
                for (_, reply) in expired {
                    self.show(&reply, OutputFormat::Text).await?;
                }
                Ok(())
            }
            Err(e) => self.error(&e.user_message()).await,
        }
    }

    async fn show_result(
        &mut self,
        result: Result<Reply, String>,
        output: OutputFormat,
    ) -> std::io::Result<()> {
        match result {
            Ok(reply) => self.show(&reply, output).await,
            Err(message) => self.error(&message).await,
        }
    }

    async fn show(&mut self, reply: &Reply, output: OutputFormat) -> std::io::Result<()> {
        let mut text = format_reply(reply, output);
        if !text.ends_with('\n') {
            text.push('\n');
        }
        if reply.next_page.is_some() && output == OutputFormat::Text {
            text.push_str("More results: type next\n");
        }
        self.write(&text).await
    }

    async fn error(&mut self, message: &str) -> std::io::Result<()> {
        self.write(&format!("error: {message}\n")).await
    }

    async fn write(&mut self, text: &str) -> std::io::Result<()> {
        self.out.write_all(text.as_bytes()).await?;
        self.out.flush().await
    }
}
