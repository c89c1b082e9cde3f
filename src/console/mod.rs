//! The console: a line-by-line adapter for a terminal or a script. Each line is a command in
//! the chat language (`/mimecast held --admin`, `held`, `help`); `next` shows the next page of
//! the last listing; `exit` ends. Release and reject show the evidence and ask for `yes` on the
//! next line.

pub mod demo;

use mimecast_commands::{Command, Invocation, OutputFormat, parse_line};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt, Lines};

use crate::cli::{confirm, execute, format_reply};
use crate::engine::error::Refusal;
use crate::engine::{Engine, EngineError, Reply};
use crate::render;

/// Longest input line accepted; longer lines are refused, not parsed.
pub const MAX_LINE: usize = 8 * 1024;

/// Runs a console on stdin/stdout against the Mimecast configured in the environment.
pub async fn run_configured() -> std::process::ExitCode {
    use std::io::IsTerminal;
    let config = match crate::mimecast::ClientConfig::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let client = match crate::mimecast::MimecastClient::new(config) {
        Ok(client) => client,
        Err(e) => {
            eprintln!("error: {}", e.user_message());
            return std::process::ExitCode::from(1);
        }
    };
    let interactive = std::io::stdin().is_terminal();
    let input = tokio::io::BufReader::new(tokio::io::stdin());
    match Console::new(Engine::new(client), input, tokio::io::stdout(), interactive)
        .run()
        .await
    {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: console I/O failed: {e}");
            std::process::ExitCode::from(1)
        }
    }
}

/// A console session over any line source and sink.
pub struct Console<R, W> {
    engine: Engine,
    lines: Lines<R>,
    out: W,
    interactive: bool,
    /// The last listing and its next-page token, for `next`.
    last: Option<(Invocation, String)>,
}

impl<R: AsyncBufRead + Unpin, W: AsyncWrite + Unpin> Console<R, W> {
    /// A console reading commands from `input` and writing answers to `out`. `interactive`
    /// shows a prompt before each line.
    pub fn new(engine: Engine, input: R, out: W, interactive: bool) -> Self {
        Self {
            engine,
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
                self.write("mimecast> ").await?;
            }
            let Some(line) = self.lines.next_line().await? else {
                break;
            };
            let line = line.trim();
            match line {
                "" => continue,
                "exit" | "quit" | "/exit" | "/quit" => break,
                "next" | "more" | "/mimecast next" => self.next_page().await?,
                _ if line.len() > MAX_LINE => {
                    self.error(&format!("line longer than {MAX_LINE} bytes; shorten it"))
                        .await?
                }
                _ => self.command(line).await?,
            }
        }
        self.out.flush().await
    }

    async fn command(&mut self, line: &str) -> std::io::Result<()> {
        let invocation = match parse_line(line) {
            Ok(invocation) => invocation,
            Err(e) => return self.error(&e.to_string()).await,
        };
        let result = if invocation.command.changes_mail() {
            self.confirmed_action(&invocation).await
        } else {
            self.engine.execute(&invocation, None).await
        };
        match result {
            Ok(reply) => {
                self.last = reply
                    .next_page
                    .clone()
                    .filter(|_| is_listing(&invocation.command))
                    .map(|t| (invocation.clone(), t));
                self.show(&reply, &invocation).await
            }
            Err(e) => self.error(&e.user_message()).await,
        }
    }

    /// Release or reject: evidence, then `yes` on the next line (or `--yes` on the command).
    async fn confirmed_action(&mut self, invocation: &Invocation) -> Result<Reply, EngineError> {
        let engine = self.engine.clone();
        let yes = invocation.yes;
        let out = &mut self.out;
        let lines = &mut self.lines;
        let interactive = self.interactive;
        let ask = async |evidence: &Reply, action: &'static str| -> Result<(), EngineError> {
            if yes {
                return Ok(());
            }
            let declined = || EngineError::Refused(Refusal::Declined(action.to_owned()));
            let mut prompt = render::text::render(evidence);
            prompt.push('\n');
            prompt.push_str(&confirm::question(action));
            if !interactive {
                prompt.push('\n');
            }
            out.write_all(prompt.as_bytes())
                .await
                .map_err(|_| declined())?;
            out.flush().await.map_err(|_| declined())?;
            let answer = lines
                .next_line()
                .await
                .map_err(|_| declined())?
                .unwrap_or_default();
            confirm::answer_is_yes(&answer, action)
        };
        execute(&engine, invocation, ask).await
    }

    async fn next_page(&mut self) -> std::io::Result<()> {
        let Some((invocation, token)) = self.last.take() else {
            return self
                .error("no further page; run a listing command first")
                .await;
        };
        match self.engine.execute(&invocation, Some(token)).await {
            Ok(reply) => {
                self.last = reply.next_page.clone().map(|t| (invocation.clone(), t));
                self.show(&reply, &invocation).await
            }
            Err(e) => self.error(&e.user_message()).await,
        }
    }

    async fn show(&mut self, reply: &Reply, invocation: &Invocation) -> std::io::Result<()> {
        let mut text = format_reply(reply, invocation.output);
        if !text.ends_with('\n') {
            text.push('\n');
        }
        if reply.next_page.is_some() && invocation.output == OutputFormat::Text {
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

fn is_listing(command: &Command) -> bool {
    command.range().is_some()
}
