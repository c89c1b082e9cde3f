//! Benchmark of the summary builder: the impersonation aggregation over every row of a sandbox,
//! through the real client (API 2.0, loopback HTTP, page size 500).
//!
//! ```text
//! cargo bench --bench summary -- [--url http://127.0.0.1:PORT] [--bin PATH] [--scale N]
//! ```
//!
//! With `--url`, it summarises that running sandbox (started by `benches/summary.sh` with
//! `--scale N`). Without it, it starts `PATH sandbox --listen 127.0.0.1:0 --scale N` itself
//! (default `target/release/mimecast-bot`, 100000), waits at most 30 s for its first line
//! (`sandbox listening on http://ADDR`) and stops it at the end.
//!
//! It prints one line: rows, seconds, rows/s and this process's peak RSS (`VmHWM` of
//! `/proc/self/status`), against the targets (≥ 50,000 rows/s, < 64 MiB). The rows must be
//! exactly the sandbox's scale (every row of its 30 days), or it exits 1.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::Utc;
use mimecast_bot::mimecast::{ClientConfig, Credentials, MimecastClient};
use mimecast_bot::secret::Secret;
use mimecast_bot::summaries::{self, Day, Kinds, PAGE_SIZE};

const TARGET_ROWS_PER_S: f64 = 50_000.0;
const TARGET_RSS_MIB: f64 = 64.0;
const START_TIMEOUT: Duration = Duration::from_secs(30);

struct Args {
    url: Option<String>,
    bin: String,
    scale: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        url: None,
        bin: concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/mimecast-bot").to_owned(),
        scale: 100_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--url" => args.url = Some(value("--url")?),
            "--bin" => args.bin = value("--bin")?,
            "--scale" => {
                args.scale = value("--scale")?
                    .parse()
                    .map_err(|_| "--scale must be a number".to_owned())?;
            }
            // Passed by `cargo bench` to harness-less targets.
            "--bench" => {}
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

/// A sandbox process this benchmark started; killed when dropped.
struct OwnSandbox(Child);

impl Drop for OwnSandbox {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_sandbox(bin: &str, scale: u64) -> Result<(OwnSandbox, String), String> {
    let mut child = Command::new(bin)
        .args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--scale",
            &scale.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start {bin}: {e} (build it with cargo build --release)"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let sandbox = OwnSandbox(child);
    let (tx, rx) = mpsc::channel();
    // Reads the first line, then drains the banner so the sandbox never blocks on the pipe.
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let _ = tx.send(lines.next());
        for _ in lines {}
    });
    let line = match rx.recv_timeout(START_TIMEOUT) {
        Ok(Some(Ok(line))) => line,
        Ok(_) => return Err("the sandbox exited before printing its address".into()),
        Err(_) => {
            return Err(format!(
                "no address from the sandbox within {START_TIMEOUT:?}"
            ));
        }
    };
    let url = line
        .strip_prefix("sandbox listening on ")
        .filter(|u| u.starts_with("http://127.0.0.1:"))
        .ok_or(format!("unexpected first line from the sandbox: {line:?}"))?
        .trim()
        .to_owned();
    Ok((sandbox, url))
}

/// `VmHWM` (peak resident set) of this process, in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

async fn run(url: &str, scale: u64) -> Result<(), String> {
    let credentials = Credentials::OAuth2 {
        client_id: "sandbox-client-id".to_owned(),
        client_secret: Secret::new("sandbox-client-secret".to_owned()),
    };
    let config = ClientConfig::new(url, credentials).map_err(|e| e.to_string())?;
    let client = MimecastClient::new(config).map_err(|e| e.to_string())?;
    // The sandbox's data spans the 30 days before it started (before now): 31 days up to a
    // minute ahead covers every row. The previous window (compared with) is empty.
    let now = Utc::now();
    let window = Day::between(
        now - chrono::Duration::days(31),
        now + chrono::Duration::minutes(1),
    );
    let started = Instant::now();
    let summary = summaries::build(&client, window, Kinds::IMPERSONATION)
        .await
        .map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    let imp = summary.impersonation.ok_or("no impersonation figures")?;
    let rows = imp.total;
    let rss_mib = peak_rss_kib().map_or(f64::NAN, |k| k as f64 / 1024.0);
    let rate = rows as f64 / seconds;
    println!(
        "rows {rows}  seconds {seconds:.3}  rows/s {rate:.0}  peak RSS {rss_mib:.1} MiB  \
         (page size {PAGE_SIZE}; targets: rows/s >= {TARGET_ROWS_PER_S:.0} {}, RSS < {TARGET_RSS_MIB:.0} MiB {})",
        if rate >= TARGET_ROWS_PER_S {
            "met"
        } else {
            "MISSED"
        },
        if rss_mib < TARGET_RSS_MIB {
            "met"
        } else {
            "MISSED"
        },
    );
    if rows != scale {
        return Err(format!(
            "expected {scale} rows (the sandbox's scale), read {rows}"
        ));
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let (own, url) = match args.url.clone() {
        Some(url) => (None, url),
        None => match start_sandbox(&args.bin, args.scale) {
            Ok((sandbox, url)) => (Some(sandbox), url),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(&url, args.scale));
    drop(own);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
