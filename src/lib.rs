//! mimecast-bot: a chat-ops bot for investigating and containing email threats on Mimecast
//! from Discord, Slack or a terminal.
//!
//! Data flows one way: an adapter parses a command, the engine calls [`mimecast`], the result is
//! rendered for the adapter's platform.

pub mod approvals;
pub mod bot;
pub mod chat;
pub mod check_config;
pub mod cli;
pub mod config;
pub mod console;
pub mod discord;
pub mod engine;
pub mod logging;
pub mod mimecast;
pub mod ops;
pub mod render;
pub mod run;
pub mod sandbox;
pub mod secret;
pub mod slack;
pub mod summaries;
