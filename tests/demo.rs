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

#[tokio::test]
async fn release_asks_then_the_message_leaves_the_queue() {
    let script = "held --admin --output json\n";
    let (_, out, _) = demo(script).await;
    let doc: serde_json::Value = serde_json::from_str(&out).expect("JSON listing");
    let reference = doc["results"][0]["ref"].as_str().expect("ref").to_owned();
    let count = doc["results"].as_array().expect("rows").len();

    let script =
        format!("release {reference}\nno\nrelease {reference}\nyes\nheld --admin --output json\n");
    let (code, out, _) = demo(&script).await;
    assert_eq!(code, Some(0));
    assert!(out.contains("Type yes to release this message"));
    assert!(
        out.contains("release cancelled; nothing was changed"),
        "{out}"
    );
    assert!(out.contains("Released"), "{out}");
    // The last document starts at the last line that is a lone `{` (nested ones are indented).
    let json_start = out
        .rfind("\n{\n")
        .map(|i| i + 1)
        .expect("a JSON document last");
    let after: serde_json::Value = serde_json::from_str(&out[json_start..]).expect("JSON listing");
    let rows = after["results"].as_array().expect("rows");
    assert_eq!(rows.len(), count - 1);
    assert!(
        rows.iter()
            .all(|r| r["ref"] != serde_json::Value::String(reference.clone()))
    );
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
