#!/usr/bin/env python3
"""Benchmark of the one-shot CLI against the local Mimecast sandbox.

Starts `mimecast-bot sandbox --listen 127.0.0.1:0 --scale 1000`, runs each one-shot command
`--runs` times (after 3 warm-up calls) with the sandbox's API 2.0 credentials, and prints, per
command, the median and p95 wall time and the largest peak RSS of the CLI process, against the
targets (median wall < 50 ms, peak RSS < 20 MiB). Exits 0 whether or not the targets are met (it
is a measurement, not a test), 1 if any call fails or the sandbox cannot be started, 2 on bad
arguments. Linux only; Python 3 standard library only. Usually run through `benches/run.sh`,
which builds the release binary first.

How a call is measured:

- wall time: `time.perf_counter()` from the spawn (the moment the launcher below is released to
  `execve` the CLI) until `os.wait4` has reaped it: loading, runtime start-up, the OAuth token
  request, the API call, rendering, and exit;
- peak RSS: `ru_maxrss` (KiB on Linux) of the `os.wait4` answer for the CLI process.

Why the CLI is started through `/bin/sh`: Linux carries the peak RSS of the address space a
process replaces at `execve` over into that process's `ru_maxrss`. A child spawned straight from
Python (`os.posix_spawn` and `subprocess` use vfork, which shares Python's address space until
the exec) therefore reports at least Python's own peak RSS (~14 MiB here), whatever the CLI
uses. So each call goes through a small `sh` launcher: dash forks a subshell (a fresh ~1 MiB
address space), prints its pid and exits; this script is a child subreaper (prctl
PR_SET_CHILD_SUBREAPER), so the subshell is re-parented to it. The subshell waits on a gate
pipe; the clock starts when the gate is closed, the subshell then execs the CLI, and `os.wait4`
on that pid gives the CLI's own exit status and peak RSS. (The gate also keeps sh from ever
reaping the CLI itself.) The same path is calibrated with `/bin/true` and printed as the launcher
baseline: its time (exec, dynamic loading, exit, reaping) is part of every wall time, and its RSS
is the floor below which a peak RSS cannot be measured.
"""

from __future__ import annotations

import argparse
import ctypes
import math
import os
import platform
import re
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_BIN = REPO / "target" / "release" / "mimecast-bot"

COMMANDS: list[list[str]] = [
    ["messages", "held", "--admin"],
    ["ttp", "urls", "--start", "7d"],
    ["messages", "held", "--admin", "--output", "json"],
]
WARMUP = 3
SCALE = 1000
SANDBOX_START_TIMEOUT_S = 30.0
TARGET_MEDIAN_MS = 50.0
TARGET_RSS_MIB = 20.0
LISTENING = re.compile(r"^sandbox listening on http://(127\.0\.0\.1:\d{1,5})\s*$")
PR_SET_CHILD_SUBREAPER = 36
# The launcher, run by /bin/sh with stdin = the read end of a "gate" pipe and stdout = a pipe to
# us. In the background it forks a subshell that waits for the gate to close, then execs "$@"
# with stdin from /dev/null and stdout/stderr to the two files named first; it prints that
# subshell's pid and exits. The gate keeps the CLI from starting (and so from exiting) before sh
# has exited: sh can never reap it, and the clock starts when we open the gate, not at sh's
# start-up.
LAUNCHER = (
    'o=$1; e=$2; shift 2; exec 3<&0\n'
    '{ read _ <&3; exec "$@" 3<&- </dev/null >"$o" 2>"$e"; } >/dev/null &\n'
    'echo $!'
)


class BenchError(Exception):
    """A failure that makes the measurement meaningless: reported, exit code 1."""


@dataclass
class Sample:
    wall_ms: float
    maxrss_kib: int


@dataclass
class Result:
    name: str
    samples: list[Sample] = field(default_factory=list)

    def walls(self) -> list[float]:
        return sorted(s.wall_ms for s in self.samples)

    def median_ms(self) -> float:
        return statistics.median(self.walls())

    def p95_ms(self) -> float:
        # Nearest-rank percentile: the smallest sample with at least 95% of samples <= it.
        walls = self.walls()
        return walls[max(0, math.ceil(0.95 * len(walls)) - 1)]

    def max_rss_mib(self) -> float:
        return max(s.maxrss_kib for s in self.samples) / 1024.0


# ---------------------------------------------------------------------------------------------
# One measured call


def become_subreaper() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise BenchError(f"prctl(PR_SET_CHILD_SUBREAPER) failed: {os.strerror(err)}")


def _kill_after(pid: int, deadline: float) -> bool:
    """Waits until `pid` (a child of ours) has exited or `deadline` has passed; on the
    deadline kills it. Returns whether it had to be killed. Never reaps."""
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:
        pidfd = None
    if pidfd is not None:
        try:
            ready, _, _ = select.select([pidfd], [], [], max(0.0, deadline - time.monotonic()))
            if ready:
                return False
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            return True
        finally:
            os.close(pidfd)
    # No pidfd (kernel < 5.3): poll without reaping, in bounded steps.
    while time.monotonic() < deadline:
        try:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return False
        except ChildProcessError:
            return False
        time.sleep(0.0005)
    os.kill(pid, signal.SIGKILL)
    return True


def run_once(argv: list[str], env: dict[str, str], workdir: str, timeout_s: float) -> tuple[Sample, bytes]:
    """Runs `argv` once; returns its timing and peak RSS, and its stdout. Raises BenchError if
    it times out, exits non-zero or prints nothing."""
    out_path = os.path.join(workdir, "stdout")
    err_path = os.path.join(workdir, "stderr")
    deadline = time.monotonic() + timeout_s
    gate_r, gate_w = os.pipe()
    pid_r, pid_w = os.pipe()
    unreaped: list[int] = []  # our children, killed and reaped if we leave early
    try:
        sh_pid = os.posix_spawn(
            "/bin/sh",
            ["sh", "-c", LAUNCHER, "sh", out_path, err_path, *argv],
            env,
            file_actions=[(os.POSIX_SPAWN_DUP2, gate_r, 0), (os.POSIX_SPAWN_DUP2, pid_w, 1)],
        )
        unreaped.append(sh_pid)
        os.close(gate_r)
        gate_r = -1
        os.close(pid_w)
        pid_w = -1
        # The pid line, then EOF once sh has exited (the subshell's stdout is /dev/null).
        chunks = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([pid_r], [], [], left)[0]:
                raise BenchError(f"the launcher for `{' '.join(argv)}` did not report a pid")
            chunk = os.read(pid_r, 64)
            if not chunk:
                break
            chunks.append(chunk)
        # Once sh is reaped, the waiting subshell has been re-parented to us (subreaper).
        _, sh_status, _ = os.wait4(sh_pid, 0)
        unreaped.remove(sh_pid)
        text = b"".join(chunks).decode().strip()
        if os.waitstatus_to_exitcode(sh_status) != 0 or not text.isdigit():
            raise BenchError(f"the launcher failed (status {sh_status}, output {text!r})")
        pid = int(text)
        unreaped.append(pid)
        t0 = time.perf_counter()
        os.close(gate_w)  # open the gate: the subshell execs the CLI
        gate_w = -1
        killed = _kill_after(pid, deadline)
        _, status, rusage = os.wait4(pid, 0)
        t1 = time.perf_counter()
        unreaped.remove(pid)
    finally:
        for child in unreaped:
            try:
                os.kill(child, signal.SIGKILL)
                os.waitpid(child, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        for fd in (gate_r, gate_w, pid_r, pid_w):
            if fd >= 0:
                os.close(fd)

    stdout = Path(out_path).read_bytes()
    stderr = Path(err_path).read_bytes()
    code = os.waitstatus_to_exitcode(status)
    problem = None
    if killed:
        problem = f"timed out after {timeout_s:g} s and was killed"
    elif code != 0:
        problem = f"exited with {code}" if code > 0 else f"died of signal {-code}"
    elif not stdout.strip() and argv[0] != "/bin/true":
        problem = "exited 0 but printed nothing on stdout"
    if problem:
        raise BenchError(
            f"`{' '.join(argv[1:]) or argv[0]}` {problem}\n"
            f"--- stderr ---\n{stderr.decode(errors='replace').strip()}\n"
            f"--- stdout (first 500 bytes) ---\n{stdout[:500].decode(errors='replace').strip()}"
        )
    return Sample((t1 - t0) * 1000.0, rusage.ru_maxrss), stdout


# ---------------------------------------------------------------------------------------------
# The sandbox


class Sandbox:
    """`mimecast-bot sandbox` on a loopback port the OS picks; stopped by `stop()`."""

    def __init__(self, binary: Path, workdir: str):
        self.stderr_path = os.path.join(workdir, "sandbox.stderr")
        self.stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            [str(binary), "sandbox", "--listen", "127.0.0.1:0", "--scale", str(SCALE)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
        )
        self.addr = None

    def wait_ready(self, timeout_s: float) -> str:
        """Reads the first stdout line, `sandbox listening on http://ADDR`, within `timeout_s`."""
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout_s
        buf = b""
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BenchError(f"sandbox printed no address within {timeout_s:g} s{self._tail()}")
            if not select.select([fd], [], [], min(left, 0.5))[0]:
                if self.proc.poll() is not None:
                    raise BenchError(f"sandbox exited with {self.proc.returncode}{self._tail()}")
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                raise BenchError(f"sandbox closed stdout (exit {self.proc.wait(5)}){self._tail()}")
            buf += chunk
            if len(buf) > 65536:
                raise BenchError("sandbox's first line is too long")
        line = buf.split(b"\n", 1)[0].decode(errors="replace")
        match = LISTENING.match(line)
        if not match:
            raise BenchError(f"unexpected first line from the sandbox: {line!r}")
        self.addr = match.group(1)
        # Keep reading the rest of its output (the banner) so it can never block on a full pipe;
        # the loop ends at EOF, when the sandbox exits.
        threading.Thread(target=self._drain, args=(fd,), daemon=True).start()
        return self.addr

    def _drain(self, fd: int) -> None:
        try:
            while os.read(fd, 65536):
                pass
        except OSError:
            pass

    def _tail(self) -> str:
        self.stderr.flush()
        text = Path(self.stderr_path).read_text(errors="replace").strip()
        return f"\n--- sandbox stderr ---\n{text[-2000:]}" if text else ""

    def stop(self) -> None:
        """Ctrl-C (its documented way to stop), then SIGKILL if it is still there after 5 s."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.stderr.close()


# ---------------------------------------------------------------------------------------------
# Report


def machine() -> list[str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return [
        f"machine: nproc {len(os.sched_getaffinity(0))}, model name: {model}, "
        f"kernel {platform.release()}",
    ]


def table(results: list[Result]) -> str:
    header = ["command", "runs", "median ms", "p95 ms", "max RSS MiB", "median<50ms", "RSS<20MiB"]
    rows = [header]
    for r in results:
        rows.append([
            r.name,
            str(len(r.samples)),
            f"{r.median_ms():.1f}",
            f"{r.p95_ms():.1f}",
            f"{r.max_rss_mib():.1f}",
            "yes" if r.median_ms() < TARGET_MEDIAN_MS else "NO",
            "yes" if r.max_rss_mib() < TARGET_RSS_MIB else "NO",
        ])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="measured calls per command (default 30)")
    parser.add_argument("--bin", type=Path, default=DEFAULT_BIN, help=f"binary (default {DEFAULT_BIN})")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds allowed per call (default 30)")
    args = parser.parse_args()
    if not 1 <= args.runs <= 100_000:
        parser.error("--runs must be between 1 and 100000")
    if not 0 < args.timeout <= 3600:
        parser.error("--timeout must be in (0, 3600]")
    args.bin = args.bin.resolve()
    if not os.access(args.bin, os.X_OK):
        parser.error(f"{args.bin} is not an executable; build it with `cargo build --release --locked`")
    return args


def main() -> int:
    args = parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    # SIGTERM unwinds like Ctrl-C, so the sandbox is stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    become_subreaper()

    print(*machine(), sep="\n")
    size = args.bin.stat().st_size
    print(f"binary: {args.bin} ({size} bytes, {size / 1048576:.1f} MiB)")

    with tempfile.TemporaryDirectory(prefix="mimecast-bench-") as workdir:
        # Launcher baseline: the same spawn path running /bin/true.
        base = Result("/bin/true")
        for _ in range(WARMUP + args.runs):
            base.samples.append(run_once(["/bin/true"], dict(os.environ), workdir, args.timeout)[0])
        base.samples = base.samples[WARMUP:]
        print(
            f"launcher baseline (/bin/true through the same path; part of every wall time): "
            f"median {base.median_ms():.2f} ms, RSS floor {base.max_rss_mib():.1f} MiB"
        )

        sandbox = Sandbox(args.bin, workdir)
        try:
            addr = sandbox.wait_ready(SANDBOX_START_TIMEOUT_S)
            print(f"sandbox: http://{addr} (--scale {SCALE}); {WARMUP} warm-up calls per command, "
                  f"then {args.runs} measured; p95 is nearest-rank")
            env = dict(os.environ)
            env.pop("RUST_LOG", None)
            env.update(
                MIMECAST_BASE_URL=f"http://{addr}",
                MIMECAST_CLIENT_ID="sandbox-client-id",
                MIMECAST_CLIENT_SECRET="sandbox-client-secret",
            )
            for var in ("MIMECAST_APP_ID", "MIMECAST_APP_KEY", "MIMECAST_ACCESS_KEY", "MIMECAST_SECRET_KEY"):
                env.pop(var, None)
            results = []
            for command in COMMANDS:
                result = Result(" ".join(command))
                argv = [str(args.bin), *command]
                for _ in range(WARMUP):
                    run_once(argv, env, workdir, args.timeout)
                for _ in range(args.runs):
                    result.samples.append(run_once(argv, env, workdir, args.timeout)[0])
                results.append(result)
        finally:
            sandbox.stop()

    print()
    print(table(results))
    print(f"\ntargets: median wall < {TARGET_MEDIAN_MS:g} ms, peak RSS < {TARGET_RSS_MIB:g} MiB "
          f"(reported, not enforced)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"\nbenchmark FAILED: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
