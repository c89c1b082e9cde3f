//! The one-shot CLI end to end: the real binary against the sandbox, for every command line of
//! the command reference, plus JSON fields, exit codes and the confirmation rule.

mod common;

use std::process::Output;

use chrono::{TimeZone, Utc};
use common::sandbox;
use mimecast_bot::engine::refs::short_ref;
use mimecast_bot::sandbox::data::Dataset;
use mimecast_bot::sandbox::{SandboxConfig, SandboxHandle};
use serde_json::Value;

/// The sandbox's "now": the reference's 2024 dates then fall inside its 30 days of data.
fn january_sandbox() -> SandboxConfig {
    SandboxConfig {
        now: Utc
            .with_ymd_and_hms(2024, 1, 31, 12, 0, 0)
            .single()
            .expect("valid date"),
        ..SandboxConfig::default()
    }
}

/// A config file whose store lives in a fresh temporary folder (removed on drop).
struct TempConfig {
    dir: std::path::PathBuf,
    file: std::path::PathBuf,
}

impl TempConfig {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("mimecast-bot-cli-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("mimecast-bot.toml");
        let store = dir.join("audit.db");
        std::fs::write(
            &file,
            format!("[store]\npath = {:?}\n", store.display().to_string()),
        )
        .expect("config written");
        Self { dir, file }
    }
}

impl Drop for TempConfig {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

thread_local! {
    static CONFIG: TempConfig = TempConfig::new();
}

async fn run(sb: &SandboxHandle, args: &[&str]) -> Output {
    let config = CONFIG.with(|c| c.file.clone());
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_mimecast-bot"))
        .args(args)
        .env_clear()
        .env("MIMECAST_BOT_CONFIG", config)
        .env("USER", "operator-ann")
        .env("MIMECAST_BASE_URL", sb.base_url())
        .env("MIMECAST_CLIENT_ID", "sandbox-client-id")
        .env("MIMECAST_CLIENT_SECRET", "sandbox-client-secret")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(std::time::Duration::from_secs(60), output)
        .await
        .expect("the CLI finishes within 60 s")
        .expect("the CLI runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `$(date +%Y-%m-%d)` as the shell would expand it.
fn shell_today() -> String {
    chrono::Local::now().format("%Y-%m-%d").to_string()
}

/// Every read command line of the reference, as the shell splits it, with the title its answer
/// must carry.
fn reference_reads(today: &str) -> Vec<(Vec<String>, &'static str)> {
    let lines: Vec<(&str, &str)> = vec![
        (
            "messages search --from sender@example.com",
            "Message tracking",
        ),
        (
            "messages search --to recipient@example.com",
            "Message tracking",
        ),
        ("messages search --subject invoice", "Message tracking"),
        (
            "messages search --from sender@example.com --start 2024-01-01 --end 2024-01-31",
            "Message tracking",
        ),
        ("messages held", "Held messages (your queue)"),
        ("messages held --admin", "Held messages (all recipients)"),
        (
            "messages held --start 2024-01-01 --end 2024-01-31",
            "Held messages",
        ),
        ("ttp urls --start 2024-01-01", "URL Protect clicks"),
        (
            "ttp urls --start 2024-01-01 --route inbound",
            "URL Protect clicks",
        ),
        (
            "ttp urls --start 2024-01-01 --result malicious",
            "URL Protect clicks",
        ),
        (
            "ttp attachments --start 2024-01-01",
            "Attachment Protect scans",
        ),
        (
            "ttp attachments --start 2024-01-01 --result malicious",
            "Attachment Protect scans",
        ),
        (
            "ttp impersonation --start 2024-01-01",
            "Impersonation attempts",
        ),
        (
            "ttp impersonation --start 2024-01-01 --action blocked",
            "Impersonation attempts",
        ),
        ("archive search --query project_report", "Archive search"),
        (
            "archive search --query invoice --start 2024-01-01 --end 2024-06-30",
            "Archive search",
        ),
        (
            "messages search --from suspicious@sender.com --output json",
            "\"command\": \"messages search\"",
        ),
        (
            "ttp urls --start TODAY --output json",
            "\"command\": \"ttp urls\"",
        ),
        ("ttp attachments --start TODAY", "Attachment Protect scans"),
        ("ttp impersonation --start TODAY", "Impersonation attempts"),
    ];
    lines
        .into_iter()
        .map(|(line, title)| {
            let args = line
                .split(' ')
                .map(|w| match w {
                    "TODAY" => today.to_owned(),
                    // The reference quotes these; the shell hands them over as one word.
                    "project_report" => "project report".to_owned(),
                    other => other.to_owned(),
                })
                .collect();
            (args, title)
        })
        .collect()
}

#[tokio::test]
async fn every_reference_read_line_runs_against_the_sandbox() {
    let sb = sandbox(january_sandbox()).await;
    let today = shell_today();
    for (args, title) in reference_reads(&today) {
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&sb, &argv).await;
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{argv:?}: {}", stderr(&out));
        assert!(text.contains(title), "{argv:?} lacks {title:?}:\n{text}");
        if argv.contains(&"json") {
            let doc: Value = serde_json::from_str(&text).expect("valid JSON");
            assert!(doc["results"].is_array(), "{argv:?}");
        }
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn listings_show_the_sandbox_data_defanged() {
    let sb = sandbox(january_sandbox()).await;
    let out = run(
        &sb,
        &[
            "ttp",
            "urls",
            "--start",
            "2024-01-01",
            "--result",
            "malicious",
        ],
    )
    .await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(text.contains("malicious"), "{text}");
    assert!(text.contains("hxxp"), "URLs are defanged:\n{text}");
    assert!(
        !text.contains("https://") && !text.contains("http://"),
        "{text}"
    );
    assert!(
        text.lines()
            .all(|l| unicode_width::UnicodeWidthStr::width(l) <= 100),
        "{text}"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn json_output_carries_the_reference_fields() {
    let sb = sandbox(january_sandbox()).await;
    let data = sb.data();
    let from = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single();
    let cases: [(&[&str], &[&str], Dataset); 3] = [
        (
            &["ttp", "urls", "--start", "2024-01-01", "--output", "json"],
            &[
                "url",
                "action",
                "scanResult",
                "category",
                "userEmailAddress",
                "date",
            ],
            Dataset::Clicks,
        ),
        (
            &[
                "ttp",
                "attachments",
                "--start",
                "2024-01-01",
                "--output",
                "json",
            ],
            &["fileName", "fileType", "result", "senderAddress", "date"],
            Dataset::Attachments,
        ),
        (
            &[
                "ttp",
                "impersonation",
                "--start",
                "2024-01-01",
                "--output",
                "json",
            ],
            &[
                "subject",
                "senderAddress",
                "action",
                "impersonationType",
                "eventTime",
            ],
            Dataset::Impersonation,
        ),
    ];
    for (argv, fields, dataset) in cases {
        let out = run(&sb, argv).await;
        assert_eq!(out.status.code(), Some(0), "{argv:?}: {}", stderr(&out));
        let doc: Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
        let results = doc["results"].as_array().expect("results");
        let expected = data.range(dataset, from, None).len().min(100);
        assert_eq!(results.len(), expected, "{argv:?}");
        for row in results {
            for field in fields {
                assert!(
                    row.get(*field).is_some_and(|v| !v.is_null()),
                    "{argv:?}: {field} in {row}"
                );
            }
        }
        assert!(
            doc["nextPage"].is_string(),
            "more than 100 rows: a next page"
        );
    }

    let out = run(&sb, &["messages", "held", "--admin", "--output", "json"]).await;
    let doc: Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
    let first = &doc["results"][0];
    for field in ["id", "from", "to", "subject", "status", "received"] {
        assert!(
            first.get(field).is_some_and(|v| !v.is_null()),
            "held: {field}"
        );
    }
    assert_eq!(first["id"], Value::String(data.held_message(0).id.clone()));

    let out = run(
        &sb,
        &[
            "messages",
            "search",
            "--to",
            "example-corp.com",
            "--output",
            "json",
        ],
    )
    .await;
    let doc: Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
    let first = &doc["results"][0];
    for field in ["id", "from", "to", "subject", "status", "received"] {
        assert!(
            first.get(field).is_some_and(|v| !v.is_null()),
            "search: {field}"
        );
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn release_lines_refuse_without_confirmation_and_run_once_with_yes() {
    let sb = sandbox(january_sandbox()).await;
    // Verbatim, with the reference's placeholder ids: nothing is held under those ids.
    for argv in [
        vec!["messages", "release", "--id", "MESSAGE_ID"],
        vec![
            "messages",
            "release",
            "--id",
            "MESSAGE_ID",
            "--reason",
            "REASON_ID",
        ],
        vec!["messages", "release", "--id", "MSG123"],
    ] {
        let out = run(&sb, &argv).await;
        assert_eq!(out.status.code(), Some(1), "{argv:?}");
        assert!(
            stderr(&out).contains("not in the held queue"),
            "{}",
            stderr(&out)
        );
    }

    let held = sb.data().held_message(0);
    let reference = short_ref(&held.id);
    // A real message, no terminal, no --yes: refused with a hint, nothing sent to Mimecast.
    let out = run(
        &sb,
        &[
            "messages",
            "release",
            "--id",
            &held.id,
            "--reason",
            "REASON_ID",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("add --yes"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(
        sb.requests()
            .iter()
            .all(|r| r.path != "/api/gateway/hold-release")
    );

    // With --yes, by short reference: released once, and gone from the queue.
    let out = run(
        &sb,
        &[
            "messages",
            "release",
            "--id",
            &reference,
            "--reason",
            "false positive",
            "--yes",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("Released"));
    let releases: Vec<_> = sb
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/gateway/hold-release")
        .collect();
    assert_eq!(releases.len(), 1);
    assert_eq!(
        releases[0].body["data"][0]["id"],
        Value::String(held.id.clone())
    );
    let out = run(&sb, &["messages", "held", "--admin", "--output", "json"]).await;
    let doc: Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
    assert!(
        doc["results"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r["id"] != Value::String(held.id.clone()))
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn reject_sends_reason_type_and_notify() {
    let sb = sandbox(january_sandbox()).await;
    let held = sb.data().held_message(1);
    let argv = [
        "messages",
        "reject",
        "--id",
        &held.id,
        "--reason-type",
        "against-email-policies",
        "--message",
        "Blocked by security",
        "--notify",
        "--yes",
    ];
    let out = run(&sb, &argv).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("Rejected"));
    let sent = sb
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/gateway/hold-reject")
        .expect("sent");
    assert_eq!(
        sent.body["data"][0]["reasonType"],
        "MESSAGE GOES AGAINST EMAIL POLICIES"
    );
    assert_eq!(sent.body["data"][0]["notify"], true);
    sb.shutdown().await;
}

#[tokio::test]
async fn bad_input_exits_2_with_one_helpful_line() {
    let sb = sandbox(january_sandbox()).await;
    let cases: [(&[&str], &str); 5] = [
        (
            &["ttp", "urls", "--result", "evil"],
            "use one of: clean, malicious, all",
        ),
        (&["messages", "search", "--from", "bob@"], "--from"),
        (
            &[
                "ttp",
                "urls",
                "--start",
                "2024-02-01",
                "--end",
                "2024-01-01",
            ],
            "after",
        ),
        (&["messages", "release"], "--id"),
        (&["mesages", "held"], "messages"),
    ];
    for (argv, hint) in cases {
        let out = run(&sb, argv).await;
        assert_eq!(out.status.code(), Some(2), "{argv:?}");
        let err = stderr(&out);
        assert_eq!(err.trim().lines().count(), 1, "{argv:?}: {err}");
        assert!(err.contains(hint), "{argv:?}: {err}");
        assert!(out.stdout.is_empty());
    }
    assert!(sb.requests().is_empty(), "bad input never reaches Mimecast");
    sb.shutdown().await;
}

#[tokio::test]
async fn mimecast_errors_exit_1_without_leaking_the_secret() {
    let sb = sandbox(january_sandbox()).await;
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_mimecast-bot"))
        .args(["messages", "held", "--admin"])
        .env_clear()
        .env("MIMECAST_BASE_URL", sb.base_url())
        .env("MIMECAST_CLIENT_ID", "sandbox-client-id")
        .env("MIMECAST_CLIENT_SECRET", "wrong-secret-value-42")
        .env("RUST_LOG", "trace")
        .output()
        .await
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("MIMECAST_CLIENT_SECRET"), "{err}");
    assert!(
        !err.contains("wrong-secret-value-42") && !stdout(&out).contains("wrong-secret-value-42")
    );

    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_mimecast-bot"))
        .args(["messages", "held"])
        .env_clear()
        .output()
        .await
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "no credentials is a configuration error"
    );
    assert!(stderr(&out).contains("MIMECAST_CLIENT_ID"));
    sb.shutdown().await;
}

#[tokio::test]
async fn next_page_token_fetches_the_following_rows() {
    let sb = sandbox(january_sandbox()).await;
    let first = run(
        &sb,
        &["ttp", "urls", "--start", "2024-01-01", "--output", "json"],
    )
    .await;
    let doc: Value = serde_json::from_str(&stdout(&first)).expect("JSON");
    let token = doc["nextPage"].as_str().expect("a next page").to_owned();
    let second = run(
        &sb,
        &[
            "ttp",
            "urls",
            "--start",
            "2024-01-01",
            "--output",
            "json",
            "--page",
            &token,
        ],
    )
    .await;
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    let doc2: Value = serde_json::from_str(&stdout(&second)).expect("JSON");
    assert_ne!(doc["results"][0], doc2["results"][0]);
    let text = run(&sb, &["ttp", "urls", "--start", "2024-01-01"]).await;
    assert!(
        stdout(&text).contains("--page "),
        "text output says how to get more"
    );
    sb.shutdown().await;
}
