//! The bot's counters and its one latency histogram, rendered in the Prometheus text
//! exposition format 0.0.4 for `GET /metrics`.
//!
//! Hand-written rather than built on the `prometheus` or `metrics` crates: the bot exports a
//! handful of counters, one gauge and one histogram, which take a few mutex-guarded maps and
//! atomics to keep and a page of code to render, while those crates bring their own dependency
//! trees (protobuf, exporters, global recorders) for features the bot does not use.
//!
//! Every label value comes from a fixed table, so the number of series is bounded and no label
//! carries a secret or text someone typed: command names are the canonical command words of
//! the command table (`messages held`), endpoints are the API paths of
//! [`crate::mimecast::endpoints`], statuses are HTTP codes, outcomes and platforms are enums.
//!
//! One registry serves the process ([`metrics`]); [`Metrics::new`] makes a private one (tests).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::Duration;

use crate::approvals::Platform;

/// Upper bounds (seconds) of the Mimecast call latency histogram's buckets; `+Inf` is implied.
pub const LATENCY_BUCKETS: [f64; 8] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The `Content-Type` of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// How a chat command ended (label `outcome` of `mimecast_bot_commands_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CommandOutcome {
    /// A reply was produced (for release and reject: the approval request was created).
    Ok,
    /// Turned down before anything broke, for a reason the person can fix: bad input, an
    /// approval rule, an unknown or ambiguous held message, an unknown page.
    Refused,
    /// Something failed: Mimecast, the network or the approvals database.
    Error,
}

impl CommandOutcome {
    /// The label value: `ok`, `refused` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Refused => "refused",
            Self::Error => "error",
        }
    }
}

/// What one Mimecast HTTP attempt got back (label `status` of the call counter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CallStatus {
    /// An HTTP answer with this status code.
    Http(u16),
    /// No answer: a transport failure or a timeout.
    Error,
}

impl CallStatus {
    fn label(self) -> String {
        match self {
            Self::Http(code) => code.to_string(),
            Self::Error => "error".to_owned(),
        }
    }
}

/// What happened to an approval request (label `outcome` of `mimecast_bot_approvals_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApprovalOutcome {
    /// A release or reject request was created (state `pending`).
    Requested,
    /// Approved, and Mimecast confirmed the action.
    Executed,
    /// Approved, but the Mimecast call failed.
    Failed,
    /// Denied by an approver or withdrawn by the requester.
    Denied,
    /// Nobody decided before the expiry.
    Expired,
    /// A request, approval or denial the approval rule turned down (audited as `refused`).
    Refused,
}

impl ApprovalOutcome {
    /// Every outcome, in label order; each is exported from the start (at 0).
    pub const ALL: [Self; 6] = [
        Self::Requested,
        Self::Executed,
        Self::Failed,
        Self::Denied,
        Self::Expired,
        Self::Refused,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Executed => "executed",
            Self::Failed => "failed",
            Self::Denied => "denied",
            Self::Expired => "expired",
            Self::Refused => "refused",
        }
    }
}

/// How a scheduled summary run ended (label `outcome` of `mimecast_bot_summary_runs_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SummaryOutcome {
    /// Built and posted (on time or late).
    Posted,
    /// Due but not posted: the runs store, Mimecast or the post failed (retried later).
    Failed,
}

impl SummaryOutcome {
    /// Every outcome, in label order; each is exported from the start (at 0).
    pub const ALL: [Self; 2] = [Self::Posted, Self::Failed];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Posted => "posted",
            Self::Failed => "failed",
        }
    }
}

/// Observations of one endpoint's latency.
#[derive(Debug, Clone, Default, PartialEq)]
struct Histogram {
    /// Per bucket of [`LATENCY_BUCKETS`], the observations at or below its bound and above
    /// the previous one (made cumulative when rendered).
    buckets: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        if let Some(i) = LATENCY_BUCKETS.iter().position(|le| seconds <= *le) {
            self.buckets[i] += 1;
        }
        self.count += 1;
        self.sum += seconds;
    }
}

/// The registry: thread-safe, updated from any task, rendered on demand.
#[derive(Debug, Default)]
pub struct Metrics {
    commands: Mutex<BTreeMap<(String, CommandOutcome), u64>>,
    calls: Mutex<BTreeMap<(&'static str, CallStatus), u64>>,
    latency: Mutex<BTreeMap<&'static str, Histogram>>,
    rate_limit_waits: AtomicU64,
    rate_limit_wait_nanos: AtomicU64,
    approvals: Mutex<BTreeMap<ApprovalOutcome, u64>>,
    summary_runs: Mutex<BTreeMap<SummaryOutcome, u64>>,
    connected: Mutex<BTreeMap<&'static str, bool>>,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// The process-wide registry that the bot's instrumentation updates and `/metrics` renders.
pub fn metrics() -> &'static Metrics {
    &METRICS
}

/// Locks `m`, carrying on after a panic elsewhere: a counter map is sound at any point.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Metrics {
    /// An empty registry (the process uses [`metrics`]; this is for tests).
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one chat command, by its canonical words (`messages held`), with its outcome.
    pub fn command(&self, command: impl Into<String>, outcome: CommandOutcome) {
        *lock(&self.commands)
            .entry((command.into(), outcome))
            .or_default() += 1;
    }

    /// Counts one Mimecast HTTP attempt to `endpoint` (an API path) and records its latency.
    pub fn mimecast_call(&self, endpoint: &'static str, status: CallStatus, latency: Duration) {
        *lock(&self.calls).entry((endpoint, status)).or_default() += 1;
        lock(&self.latency)
            .entry(endpoint)
            .or_default()
            .observe(latency.as_secs_f64());
    }

    /// Counts one 429 waited out, and the time waited.
    pub fn rate_limit_wait(&self, wait: Duration) {
        self.rate_limit_waits.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX);
        self.rate_limit_wait_nanos
            .fetch_add(nanos, Ordering::Relaxed);
    }

    /// Counts one approval event.
    pub fn approval(&self, outcome: ApprovalOutcome) {
        self.approvals_add(outcome, 1);
    }

    /// Counts `n` approval events of one kind (a sweep that expired several requests).
    pub fn approvals_add(&self, outcome: ApprovalOutcome, n: u64) {
        *lock(&self.approvals).entry(outcome).or_default() += n;
    }

    /// Counts one scheduled summary run.
    pub fn summary_run(&self, outcome: SummaryOutcome) {
        *lock(&self.summary_runs).entry(outcome).or_default() += 1;
    }

    /// Sets whether the chat adapter of `platform` is connected (its gateway session is up,
    /// or its last call to the platform succeeded). Adapters call this on connect and drop.
    pub fn set_connected(&self, platform: Platform, connected: bool) {
        lock(&self.connected).insert(platform.as_str(), connected);
    }

    /// Exports `platform`'s connection gauge, at 0 unless it was already set: for adapters
    /// that are enabled but have not connected yet.
    pub fn register_platform(&self, platform: Platform) {
        lock(&self.connected)
            .entry(platform.as_str())
            .or_insert(false);
    }

    /// Whether `platform`'s adapter last said it is connected (false if it never said).
    pub fn connected(&self, platform: Platform) -> bool {
        lock(&self.connected)
            .get(platform.as_str())
            .copied()
            .unwrap_or(false)
    }

    /// The count of `command` with `outcome` so far.
    pub fn command_count(&self, command: &str, outcome: CommandOutcome) -> u64 {
        lock(&self.commands)
            .get(&(command.to_owned(), outcome))
            .copied()
            .unwrap_or(0)
    }

    /// The count of attempts to `endpoint` that got `status` so far.
    pub fn call_count(&self, endpoint: &str, status: CallStatus) -> u64 {
        lock(&self.calls)
            .iter()
            .filter(|((e, s), _)| *e == endpoint && *s == status)
            .map(|(_, n)| *n)
            .sum()
    }

    /// The number of 429s waited out so far.
    pub fn rate_limit_waits(&self) -> u64 {
        self.rate_limit_waits.load(Ordering::Relaxed)
    }

    /// The count of approval events of one kind so far.
    pub fn approval_count(&self, outcome: ApprovalOutcome) -> u64 {
        lock(&self.approvals).get(&outcome).copied().unwrap_or(0)
    }

    /// The count of summary runs with `outcome` so far.
    pub fn summary_run_count(&self, outcome: SummaryOutcome) -> u64 {
        lock(&self.summary_runs).get(&outcome).copied().unwrap_or(0)
    }

    /// Every series in the Prometheus text exposition format 0.0.4: each family once, with
    /// its `# HELP` and `# TYPE`, series in a stable order.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);

        family(
            &mut out,
            "mimecast_bot_commands_total",
            "counter",
            "Chat commands run, by canonical command words and outcome (ok, refused, error).",
        );
        for ((command, outcome), n) in lock(&self.commands).iter() {
            sample(
                &mut out,
                "mimecast_bot_commands_total",
                &[("command", command), ("outcome", outcome.as_str())],
                &n.to_string(),
            );
        }

        family(
            &mut out,
            "mimecast_bot_mimecast_calls_total",
            "counter",
            "Mimecast HTTP attempts, by API path and HTTP status (error: no answer).",
        );
        for ((endpoint, status), n) in lock(&self.calls).iter() {
            sample(
                &mut out,
                "mimecast_bot_mimecast_calls_total",
                &[("endpoint", endpoint), ("status", &status.label())],
                &n.to_string(),
            );
        }

        let name = "mimecast_bot_mimecast_call_duration_seconds";
        family(
            &mut out,
            name,
            "histogram",
            "Time from sending a Mimecast request to its answer's status line, by API path.",
        );
        for (endpoint, h) in lock(&self.latency).iter() {
            let mut cumulative = 0;
            for (le, n) in LATENCY_BUCKETS.iter().zip(h.buckets) {
                cumulative += n;
                sample(
                    &mut out,
                    &format!("{name}_bucket"),
                    &[("endpoint", endpoint), ("le", &float(*le))],
                    &cumulative.to_string(),
                );
            }
            sample(
                &mut out,
                &format!("{name}_bucket"),
                &[("endpoint", endpoint), ("le", "+Inf")],
                &h.count.to_string(),
            );
            sample(
                &mut out,
                &format!("{name}_sum"),
                &[("endpoint", endpoint)],
                &float(h.sum),
            );
            sample(
                &mut out,
                &format!("{name}_count"),
                &[("endpoint", endpoint)],
                &h.count.to_string(),
            );
        }

        family(
            &mut out,
            "mimecast_bot_rate_limit_waits_total",
            "counter",
            "Mimecast 429 answers waited out before retrying.",
        );
        sample(
            &mut out,
            "mimecast_bot_rate_limit_waits_total",
            &[],
            &self.rate_limit_waits().to_string(),
        );
        family(
            &mut out,
            "mimecast_bot_rate_limit_wait_seconds_total",
            "counter",
            "Time spent waiting out Mimecast 429 answers.",
        );
        let waited = Duration::from_nanos(self.rate_limit_wait_nanos.load(Ordering::Relaxed));
        sample(
            &mut out,
            "mimecast_bot_rate_limit_wait_seconds_total",
            &[],
            &float(waited.as_secs_f64()),
        );

        family(
            &mut out,
            "mimecast_bot_approvals_total",
            "counter",
            "Release and reject approval events, by outcome.",
        );
        {
            let approvals = lock(&self.approvals);
            for outcome in ApprovalOutcome::ALL {
                let n = approvals.get(&outcome).copied().unwrap_or(0);
                sample(
                    &mut out,
                    "mimecast_bot_approvals_total",
                    &[("outcome", outcome.as_str())],
                    &n.to_string(),
                );
            }
        }

        family(
            &mut out,
            "mimecast_bot_summary_runs_total",
            "counter",
            "Scheduled daily summary runs, by outcome.",
        );
        {
            let runs = lock(&self.summary_runs);
            for outcome in SummaryOutcome::ALL {
                let n = runs.get(&outcome).copied().unwrap_or(0);
                sample(
                    &mut out,
                    "mimecast_bot_summary_runs_total",
                    &[("outcome", outcome.as_str())],
                    &n.to_string(),
                );
            }
        }

        family(
            &mut out,
            "mimecast_bot_chat_connected",
            "gauge",
            "Whether the chat adapter of a platform is connected (1) or not (0).",
        );
        for (platform, up) in lock(&self.connected).iter() {
            sample(
                &mut out,
                "mimecast_bot_chat_connected",
                &[("platform", platform)],
                if *up { "1" } else { "0" },
            );
        }
        out
    }
}

/// Writes a family's `# HELP` and `# TYPE` lines.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {}", escape_help(help));
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Writes one sample line: `name{label="value",…} value`.
fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: &str) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (label, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{label}=\"{}\"", escape_label(v));
        }
        out.push('}');
    }
    out.push(' ');
    out.push_str(value);
    out.push('\n');
}

/// A label value with backslash, double quote and line feed escaped, as the format requires.
pub fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Help text with backslash and line feed escaped.
fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

/// A sample or bucket value: Rust's shortest round-trip decimal form (never an exponent).
fn float(value: f64) -> String {
    if value.is_finite() {
        format!("{value}")
    } else if value.is_nan() {
        "NaN".to_owned()
    } else if value > 0.0 {
        "+Inf".to_owned()
    } else {
        "-Inf".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_starting<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
        text.lines().filter(|l| l.starts_with(prefix)).collect()
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label(r#"a\b"c"#), r#"a\\b\"c"#);
        assert_eq!(escape_label("line\nnext"), "line\\nnext");
        assert_eq!(escape_label("messages held"), "messages held");
        let m = Metrics::new();
        m.command("odd \"name\"\\\n", CommandOutcome::Ok);
        let text = m.render();
        assert!(
            text.contains(
                r#"mimecast_bot_commands_total{command="odd \"name\"\\\n",outcome="ok"} 1"#
            ),
            "{text}"
        );
    }

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::new();
        let ep = "/api/gateway/get-hold-message-list";
        for ms in [10, 60, 60, 300, 20_000] {
            m.mimecast_call(ep, CallStatus::Http(200), Duration::from_millis(ms));
        }
        let text = m.render();
        let bucket = |le: &str| {
            format!(
                "mimecast_bot_mimecast_call_duration_seconds_bucket{{endpoint=\"{ep}\",le=\"{le}\"}}"
            )
        };
        for (le, n) in [
            ("0.05", 1),
            ("0.1", 3),
            ("0.25", 3),
            ("0.5", 4),
            ("1", 4),
            ("2.5", 4),
            ("5", 4),
            ("10", 4),
            ("+Inf", 5),
        ] {
            assert!(
                text.contains(&format!("{} {n}\n", bucket(le))),
                "bucket {le} should be {n}:\n{text}"
            );
        }
        assert!(text.contains(&format!(
            "mimecast_bot_mimecast_call_duration_seconds_count{{endpoint=\"{ep}\"}} 5\n"
        )));
        let sum_line = lines_starting(&text, "mimecast_bot_mimecast_call_duration_seconds_sum");
        assert_eq!(sum_line.len(), 1);
        let sum: f64 = sum_line[0]
            .rsplit(' ')
            .next()
            .and_then(|v| v.parse().ok())
            .expect("a number");
        assert!((sum - 20.43).abs() < 1e-9, "{sum}");
        // Buckets never decrease, in the order written.
        let values: Vec<u64> =
            lines_starting(&text, "mimecast_bot_mimecast_call_duration_seconds_bucket")
                .iter()
                .filter_map(|l| l.rsplit(' ').next()?.parse().ok())
                .collect();
        assert_eq!(values.len(), LATENCY_BUCKETS.len() + 1);
        assert!(values.windows(2).all(|w| w[0] <= w[1]), "{values:?}");
    }

    #[test]
    fn help_and_type_appear_once_per_family() {
        let m = Metrics::new();
        m.command("messages held", CommandOutcome::Ok);
        m.command("messages held", CommandOutcome::Error);
        m.command("summary", CommandOutcome::Refused);
        m.mimecast_call("/api/a", CallStatus::Http(200), Duration::from_millis(5));
        m.mimecast_call("/api/a", CallStatus::Error, Duration::from_millis(5));
        m.mimecast_call("/api/b", CallStatus::Http(403), Duration::from_millis(5));
        m.set_connected(Platform::Discord, true);
        m.register_platform(Platform::Slack);
        let text = m.render();
        let families = [
            ("mimecast_bot_commands_total", "counter"),
            ("mimecast_bot_mimecast_calls_total", "counter"),
            ("mimecast_bot_mimecast_call_duration_seconds", "histogram"),
            ("mimecast_bot_rate_limit_waits_total", "counter"),
            ("mimecast_bot_rate_limit_wait_seconds_total", "counter"),
            ("mimecast_bot_approvals_total", "counter"),
            ("mimecast_bot_summary_runs_total", "counter"),
            ("mimecast_bot_chat_connected", "gauge"),
        ];
        for (name, kind) in families {
            assert_eq!(
                lines_starting(&text, &format!("# HELP {name} ")).len(),
                1,
                "{name}"
            );
            assert_eq!(
                lines_starting(&text, &format!("# TYPE {name} ")),
                vec![format!("# TYPE {name} {kind}")],
            );
        }
        let comments = text.lines().filter(|l| l.starts_with('#')).count();
        assert_eq!(comments, 2 * families.len(), "{text}");
        assert!(text.contains("mimecast_bot_chat_connected{platform=\"discord\"} 1\n"));
        assert!(text.contains("mimecast_bot_chat_connected{platform=\"slack\"} 0\n"));
        // Registering does not reset a platform that already said it is connected.
        m.register_platform(Platform::Discord);
        assert!(m.connected(Platform::Discord));
        assert!(!m.connected(Platform::Slack));
        // Each sample line follows its family's TYPE line, before the next family starts.
        let mut current = "";
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                current = rest.split(' ').next().unwrap_or_default();
            } else if !line.starts_with('#') {
                assert!(line.starts_with(current), "{line} outside {current}");
            }
        }
        assert!(text.contains(
            "mimecast_bot_mimecast_calls_total{endpoint=\"/api/a\",status=\"error\"} 1\n"
        ));
        assert!(
            text.contains(
                "mimecast_bot_mimecast_calls_total{endpoint=\"/api/b\",status=\"403\"} 1\n"
            )
        );
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn fixed_outcomes_start_at_zero_and_count() {
        let m = Metrics::new();
        let text = m.render();
        for outcome in ApprovalOutcome::ALL {
            assert!(text.contains(&format!(
                "mimecast_bot_approvals_total{{outcome=\"{}\"}} 0\n",
                outcome.as_str()
            )));
        }
        assert!(text.contains("mimecast_bot_summary_runs_total{outcome=\"posted\"} 0\n"));
        assert!(text.contains("mimecast_bot_rate_limit_waits_total 0\n"));
        m.approval(ApprovalOutcome::Requested);
        m.approvals_add(ApprovalOutcome::Expired, 3);
        m.summary_run(SummaryOutcome::Failed);
        m.rate_limit_wait(Duration::from_millis(250));
        m.rate_limit_wait(Duration::from_millis(500));
        let text = m.render();
        assert!(text.contains("mimecast_bot_approvals_total{outcome=\"requested\"} 1\n"));
        assert!(text.contains("mimecast_bot_approvals_total{outcome=\"expired\"} 3\n"));
        assert!(text.contains("mimecast_bot_summary_runs_total{outcome=\"failed\"} 1\n"));
        assert!(text.contains("mimecast_bot_rate_limit_waits_total 2\n"));
        assert!(text.contains("mimecast_bot_rate_limit_wait_seconds_total 0.75\n"));
        assert_eq!(m.approval_count(ApprovalOutcome::Expired), 3);
        assert_eq!(m.summary_run_count(SummaryOutcome::Failed), 1);
    }

    #[test]
    fn floats_are_plain_decimals() {
        assert_eq!(float(0.05), "0.05");
        assert_eq!(float(1.0), "1");
        assert_eq!(float(1e-7), "0.0000001");
        assert_eq!(float(f64::INFINITY), "+Inf");
    }
}
