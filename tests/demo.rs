//! `mimecast-bot demo` driven through stdin, as a script would.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;

async fn demo(input: &str) -> (Option<i32>, String, String) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_mimecast-bot"))
        .arg("demo")
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("demo starts");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input.as_bytes()).await.expect("write");
    drop(stdin);
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("demo ends at end of input")
        .expect("demo output");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn held_queue_and_help_through_stdin_without_credentials() {
    let (code, out, err) = demo("/mimecast held --admin\nhelp\n").await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("Held messages (all recipients)"), "{out}");
    assert!(out.contains("25 held messages shown"), "{out}");
    assert!(out.contains("[@]"), "addresses are defanged");
    for command in [
        "messages search",
        "messages held",
        "messages release",
        "ttp urls",
        "archive search",
        "summary",
    ] {
        assert!(out.contains(command), "help lists {command}");
    }
    assert!(
        !out.contains("mimecast> "),
        "no prompt when stdin is not a terminal"
    );
}

/// A demo process driven line by line: each command's answer is read before the next is sent
/// (request ids are random, so the walkthrough must read them).
struct Session {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    stdout: tokio::io::BufReader<tokio::process::ChildStdout>,
}

/// Printed after every answer, so the reader knows where an answer ends.
const MARK: &str = "whoami";

impl Session {
    fn start() -> Self {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_mimecast-bot"))
            .arg("demo")
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("demo starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = tokio::io::BufReader::new(child.stdout.take().expect("stdout"));
        Self {
            child,
            stdin,
            stdout,
        }
    }

    /// Sends `line`, then `whoami`, and returns everything printed before whoami's answer.
    async fn send(&mut self, line: &str) -> String {
        use tokio::io::AsyncBufReadExt;
        let payload = format!("{line}\n{MARK}\n");
        self.stdin
            .write_all(payload.as_bytes())
            .await
            .expect("write");
        self.stdin.flush().await.expect("flush");
        let mut answer = String::new();
        for _ in 0..2000 {
            let mut next = String::new();
            let read =
                tokio::time::timeout(Duration::from_secs(30), self.stdout.read_line(&mut next))
                    .await
                    .expect("the demo answers within 30 s")
                    .expect("read");
            assert!(read > 0, "the demo ended early; so far:\n{answer}");
            if next.starts_with("You are ")
                && next.trim_end().ends_with('.')
                && !next.starts_with("You are now")
            {
                return answer;
            }
            answer.push_str(&next);
        }
        panic!("no end of answer after 2000 lines:\n{answer}");
    }

    async fn end(mut self) -> Option<i32> {
        self.stdin.write_all(b"exit\n").await.expect("write");
        drop(self.stdin);
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("the demo exits")
            .expect("status");
        status.code()
    }
}

fn request_id(answer: &str) -> String {
    answer
        .lines()
        .find_map(|l| {
            l.strip_prefix("Request ")
                .map(|rest| rest.trim().to_owned())
        })
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| panic!("no request id in:\n{answer}"))
}

#[tokio::test]
async fn the_two_person_rule_walkthrough() {
    let mut demo = Session::start();
    let listing = demo.send("held --admin --output json").await;
    let doc: serde_json::Value = serde_json::from_str(&listing).expect("JSON listing");
    let reference = doc["results"][0]["ref"].as_str().expect("ref").to_owned();
    let count = doc["results"].as_array().expect("rows").len();

    let asked = demo
        .send(&format!("release {reference} --reason \"false positive\""))
        .await;
    assert!(
        asked.contains("Approval needed: release held message"),
        "{asked}"
    );
    assert!(asked.contains("[Approve release] [Deny]"), "{asked}");
    let request = request_id(&asked);

    let own = demo.send(&format!("approve {request}")).await;
    assert!(own.starts_with("error: "), "self-approval refused: {own}");

    let still = demo.send("held --admin --output json").await;
    let doc: serde_json::Value = serde_json::from_str(&still).expect("JSON listing");
    assert_eq!(
        doc["results"].as_array().expect("rows").len(),
        count,
        "nothing released yet"
    );

    assert!(demo.send("/as lead").await.contains("You are now lead."));
    let approved = demo.send(&format!("approve {request}")).await;
    assert!(approved.contains("Released held message"), "{approved}");
    assert!(
        approved.contains("released by lead (console)"),
        "{approved}"
    );
    assert!(
        !approved.contains("[Approve"),
        "buttons removed: {approved}"
    );

    let again = demo.send(&format!("approve {request}")).await;
    assert!(
        again.starts_with("error: "),
        "a second approval is refused: {again}"
    );

    let after = demo.send("held --admin --output json").await;
    let doc: serde_json::Value = serde_json::from_str(&after).expect("JSON listing");
    let rows = doc["results"].as_array().expect("rows");
    assert_eq!(rows.len(), count - 1);
    assert!(
        rows.iter()
            .all(|r| r["ref"] != serde_json::Value::String(reference.clone()))
    );

    let audit = demo.send("/mimecast audit").await;
    for event in ["requested", "refused", "approved", "executed"] {
        assert!(audit.contains(event), "audit shows {event}:\n{audit}");
    }
    assert!(
        demo.send("/as analyst")
            .await
            .contains("You are now analyst.")
    );
    let hidden = demo.send("/mimecast audit").await;
    assert!(
        hidden.starts_with("error: "),
        "the audit log is for approvers: {hidden}"
    );
    assert_eq!(demo.end().await, Some(0));
}

#[tokio::test]
async fn bad_lines_get_one_line_errors_and_the_session_goes_on() {
    let (code, out, _) = demo("ttp urls --result evil\nfrobnicate\nnext\nheld --admin\n").await;
    assert_eq!(code, Some(0));
    assert!(
        out.contains("error: unknown value 'evil' for --result; use one of: clean, malicious, all"),
        "{out}"
    );
    assert!(out.contains("error: no further page"), "{out}");
    assert!(
        out.contains("Held messages (all recipients)"),
        "the session continued: {out}"
    );
}
