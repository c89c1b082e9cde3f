#!/usr/bin/env bash
# Smoke test of a built mimecast-bot image (see docs/docker.md):
#
#   docker build -t mimecast-bot . && scripts/docker-smoke.sh [IMAGE]
#
# Starts the image's own Mimecast sandbox (`mimecast-bot sandbox`) and the bot (`run`, Slack
# only) in two containers on the host network, with a local stand-in for Slack's Web API and
# response_url, all on 127.0.0.1 ports the OS picks. Then checks, failing on the first miss:
#   - the process runs as uid 10001 and the image's HEALTHCHECK turns the container healthy;
#   - a signed `/mimecast held` is acknowledged and answered through response_url with blocks;
#   - a request signed with the wrong secret is refused with 401;
#   - /metrics counts the command;
#   - `docker stop` ends it with exit code 0 and "stopped cleanly", the SQLite file on the
#     volume checkpointed (no -wal left);
#   - nothing logged holds a configured secret or a colour escape code.
# Needs docker and python3. Removes its containers, volume and files when it ends.
set -euo pipefail

IMAGE=${1:-mimecast-bot}
DOCKER=${DOCKER:-docker}
RUN_ID=mimecast-bot-smoke-$$
SIGNING_SECRET=smoke-signing-secret-$RANDOM$RANDOM
BOT_TOKEN=xoxb-smoke-$RANDOM$RANDOM
WORK=$(mktemp -d)
HELPER_PID=

cleanup() {
    if [[ -n $HELPER_PID ]]; then
        kill "$HELPER_PID" 2>/dev/null || true
    fi
    "$DOCKER" rm -f -v "$RUN_ID-sandbox" "$RUN_ID-bot" >/dev/null 2>&1 || true
    "$DOCKER" volume rm "$RUN_ID-data" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    "$DOCKER" logs "$RUN_ID-bot" 2>&1 | tail -20 | sed 's/^/  bot log: /' >&2 || true
    exit 1
}
ok() { echo "ok: $*"; }

# A free 127.0.0.1 port, picked by the OS.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The Slack stand-in: records each POST as a JSON line and answers {"ok": true}.
cat >"$WORK/standin.py" <<'PY'
import http.server, json, sys
port, out = int(sys.argv[1]), sys.argv[2]
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0))).decode("utf-8", "replace")
        with open(out, "a") as f:
            f.write(json.dumps({"path": self.path, "body": body}) + "\n")
        data = b'{"ok":true,"channel":"C0SMOKE","ts":"1.0","users":[]}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
PY

# Sends a slash command signed with SECRET (v0 HMAC-SHA256); prints the HTTP status.
cat >"$WORK/slash.py" <<'PY'
import hashlib, hmac, sys, time, urllib.error, urllib.parse, urllib.request
url, secret, text, response_url = sys.argv[1:5]
body = urllib.parse.urlencode({
    "team_id": "T0SMOKE", "channel_id": "C0SMOKE", "channel_name": "soc", "user_id": "U0SMOKE",
    "user_name": "analyst", "command": "/mimecast", "text": text, "response_url": response_url,
    "trigger_id": "1.2.3", "api_app_id": "A0SMOKE"})
ts = str(int(time.time()))
sig = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
request = urllib.request.Request(url, data=body.encode(), headers={
    "x-slack-request-timestamp": ts, "x-slack-signature": sig,
    "content-type": "application/x-www-form-urlencoded"})
try:
    print(urllib.request.urlopen(request, timeout=10).status)
except urllib.error.HTTPError as e:
    print(e.code)
except OSError:
    print(0)
PY

# GET a URL; prints the status line's code and then the body.
cat >"$WORK/get.py" <<'PY'
import sys, urllib.error, urllib.request
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=10)
    print(r.status); print(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code); print(e.read().decode())
except OSError:
    print(0)
PY

SANDBOX_PORT=$(free_port)
STANDIN_PORT=$(free_port)
SLACK_PORT=$(free_port)
OPS_PORT=$(free_port)
CALLS=$WORK/calls.jsonl
touch "$CALLS"

python3 "$WORK/standin.py" "$STANDIN_PORT" "$CALLS" &
HELPER_PID=$!

"$DOCKER" run -d --name "$RUN_ID-sandbox" --network host "$IMAGE" \
    sandbox --listen "127.0.0.1:$SANDBOX_PORT" >/dev/null
for _ in $(seq 1 100); do
    "$DOCKER" logs "$RUN_ID-sandbox" 2>&1 | grep -q '^sandbox listening on' && break
    sleep 0.2
done
SANDBOX_LOG=$("$DOCKER" logs "$RUN_ID-sandbox" 2>&1)
grep -q '^sandbox listening on' <<<"$SANDBOX_LOG" || fail "the sandbox container did not start"
CLIENT_ID=$(sed -n 's/^ *export MIMECAST_CLIENT_ID=//p' <<<"$SANDBOX_LOG" | head -1)
CLIENT_SECRET=$(sed -n 's/^ *export MIMECAST_CLIENT_SECRET=//p' <<<"$SANDBOX_LOG" | head -1)
[[ -n $CLIENT_ID && -n $CLIENT_SECRET ]] || fail "no credentials in the sandbox banner"
ok "sandbox on 127.0.0.1:$SANDBOX_PORT"

printf '[approvals.slack]\nrequesters = { users = ["U0SMOKE"] }\napprovers = { users = ["U0LEAD"] }\n' \
    >"$WORK/mimecast-bot.toml"
chmod 0644 "$WORK/mimecast-bot.toml"
chmod 0755 "$WORK"
"$DOCKER" volume create "$RUN_ID-data" >/dev/null

# The image's HEALTHCHECK command as built; only its interval is shortened for the test.
"$DOCKER" run -d --name "$RUN_ID-bot" --network host \
    --health-interval 2s --health-start-period 10s \
    -e MIMECAST_BASE_URL="http://127.0.0.1:$SANDBOX_PORT" \
    -e MIMECAST_CLIENT_ID="$CLIENT_ID" -e MIMECAST_CLIENT_SECRET="$CLIENT_SECRET" \
    -e SLACK_SIGNING_SECRET="$SIGNING_SECRET" -e SLACK_BOT_TOKEN="$BOT_TOKEN" \
    -e SLACK_API_URL="http://127.0.0.1:$STANDIN_PORT/api/" \
    -e SLACK_LISTEN="127.0.0.1:$SLACK_PORT" \
    -e MIMECAST_BOT_OPS_LISTEN="127.0.0.1:$OPS_PORT" \
    -e RUST_LOG=info \
    -e MIMECAST_BOT_CONFIG=/etc/mimecast-bot/mimecast-bot.toml \
    -v "$WORK/mimecast-bot.toml:/etc/mimecast-bot/mimecast-bot.toml:ro" \
    -v "$RUN_ID-data:/var/lib/mimecast-bot" \
    "$IMAGE" >/dev/null

[[ $("$DOCKER" exec "$RUN_ID-bot" id -u) == 10001 ]] || fail "the bot does not run as uid 10001"
ok "runs as uid 10001"

HEALTH=starting
for _ in $(seq 1 60); do
    HEALTH=$("$DOCKER" inspect -f '{{.State.Health.Status}}' "$RUN_ID-bot")
    [[ $HEALTH == starting ]] || break
    sleep 1
done
[[ $HEALTH == healthy ]] || fail "the container is $HEALTH, not healthy"
ok "HEALTHCHECK: healthy"

STATUS=$(python3 "$WORK/slash.py" "http://127.0.0.1:$SLACK_PORT/slack/commands" \
    "$SIGNING_SECRET" "held" "http://127.0.0.1:$STANDIN_PORT/hook/held")
[[ $STATUS == 200 ]] || fail "the signed command was answered $STATUS, not 200"
for _ in $(seq 1 100); do
    grep -q '"/hook/held"' "$CALLS" && break
    sleep 0.1
done
python3 - "$CALLS" <<'PY' || fail "no Block Kit answer of held messages through response_url"
import json, sys
calls = [json.loads(line) for line in open(sys.argv[1])]
answers = [json.loads(c["body"]) for c in calls if c["path"] == "/hook/held"]
assert answers and answers[0].get("blocks") and "Held messages" in answers[0].get("text", ""), calls
PY
ok "signed /mimecast held: acknowledged, answered through response_url"

STATUS=$(python3 "$WORK/slash.py" "http://127.0.0.1:$SLACK_PORT/slack/commands" \
    "not-the-signing-secret" "held" "http://127.0.0.1:$STANDIN_PORT/hook/forged")
[[ $STATUS == 401 ]] || fail "a forged request was answered $STATUS, not 401"
ok "forged request: 401"

METRICS=$(python3 "$WORK/get.py" "http://127.0.0.1:$OPS_PORT/metrics")
grep -q '^mimecast_bot_commands_total{command="messages held",outcome="ok"} 1$' <<<"$METRICS" \
    || fail "/metrics does not count the command"
ok "/metrics counts the command"

"$DOCKER" stop -t 30 "$RUN_ID-bot" >/dev/null
EXIT_CODE=$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$RUN_ID-bot")
LOG=$("$DOCKER" logs "$RUN_ID-bot" 2>&1)
[[ $EXIT_CODE == 0 ]] || fail "docker stop: exit code $EXIT_CODE"
grep -q 'stopped cleanly' <<<"$LOG" || fail "no 'stopped cleanly' in the log"
ok "docker stop: exit code 0, stopped cleanly"

STORE=$("$DOCKER" run --rm --network none -v "$RUN_ID-data:/var/lib/mimecast-bot" \
    --entrypoint ls "$IMAGE" -A /var/lib/mimecast-bot)
grep -qx 'mimecast-bot.db' <<<"$STORE" || fail "no mimecast-bot.db on the volume: $STORE"
! grep -q -- '-wal$' <<<"$STORE" || fail "the store was not checkpointed: $STORE"
ok "store on the volume, checkpointed"

for secret in "$SIGNING_SECRET" "$BOT_TOKEN" "$CLIENT_SECRET"; do
    ! grep -qF -- "$secret" <<<"$LOG" || fail "a configured secret is in the log"
done
! grep -q $'\e' <<<"$LOG" || fail "colour escape codes in the log"
ok "log: no secret, no escape codes"

echo "all checks passed for $IMAGE"
