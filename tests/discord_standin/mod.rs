//! A loopback stand-in for Discord: the REST API under `/api/v10` and a plain `ws://` gateway,
//! both on 127.0.0.1 and ports the OS picks, speaking Discord's wire formats closely enough that
//! the real serenity 0.12 `Client` runs against it.
//!
//! Point serenity at it with
//! `HttpBuilder::new(token).proxy(standin.rest_url()).ratelimiter_disabled(true)` (with the
//! ratelimiter on, serenity ignores the proxy and calls discord.com) and `Client::start()`:
//! the client asks `GET /api/v10/gateway` for the gateway URL, connects, identifies and gets a
//! READY. Tests then push interactions with [`DiscordStandIn::send_interaction`] (built with
//! [`slash_command`] and [`button_press`]) and read what the bot sent back with
//! [`DiscordStandIn::requests`] and [`DiscordStandIn::wait_for`].
//!
//! Every REST request is recorded, including the ones it does not serve (answered 404 the way
//! Discord does). The bot token is never stored: only whether an `Authorization` header was
//! present and whether it started with `Bot `.
//!
//! Include it from a test crate with `mod discord_standin;` (or
//! `#[path = "discord_standin/mod.rs"] mod discord_standin;`).

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// The application (and OAuth2 client) id of the stand-in's bot; READY carries it, so serenity
/// uses it in `/webhooks/{app}/...` paths.
pub const APPLICATION_ID: &str = "1180000000000000001";
/// The bot user's id (READY, `GET /users/@me`, author of the messages the bot sends).
pub const BOT_USER_ID: &str = "1180000000000000002";
/// The bot user's name.
pub const BOT_USERNAME: &str = "mimecast-bot";
/// The guild every built interaction comes from.
pub const GUILD_ID: &str = "1180000000000000003";
/// The text channel every built interaction comes from.
pub const CHANNEL_ID: &str = "1180000000000000004";
/// The id of the `/mimecast` command in built slash-command interactions.
pub const COMMAND_ID: &str = "1180000000000000005";
/// The gateway session id READY hands out (RESUME is accepted for any session id).
pub const SESSION_ID: &str = "standin-session-1";

/// Longest a single bounded wait inside the stand-in lasts (shard identification, shutdown).
const WAIT_LIMIT: Duration = Duration::from_secs(10);
/// Largest request body accepted (Discord's own upload limit is 25 MiB without boosts).
const BODY_LIMIT: usize = 32 * 1024 * 1024;

/// One file uploaded in a multipart/form-data request (serenity's `files[N]` parts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedFile {
    /// The form field name, e.g. `files[0]`.
    pub field: String,
    /// The file name from `Content-Disposition`.
    pub filename: String,
    /// The part's `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The raw bytes.
    pub data: Vec<u8>,
}

/// One REST request the stand-in received, in arrival order.
#[derive(Debug, Clone)]
pub struct RecordedCall {
    /// HTTP method, upper case (`POST`).
    pub method: String,
    /// Path without the query, e.g. `/api/v10/interactions/1/tok/callback`.
    pub path: String,
    /// The raw query string, empty if none.
    pub query: String,
    /// The JSON payload: the body if JSON, the `payload_json` part if multipart, else `Null`.
    pub json: Value,
    /// Files of a multipart body.
    pub files: Vec<RecordedFile>,
    /// Whether an `Authorization` header was present (its value is never stored).
    pub has_authorization: bool,
    /// Whether the `Authorization` header started with `Bot `.
    pub bot_authorization: bool,
    /// The status the stand-in answered with.
    pub status: u16,
}

impl RecordedCall {
    /// True if this call was `method` on exactly `path`.
    pub fn is(&self, method: &str, path: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && self.path == path
    }

    /// The interaction response type (`json.type`) of a callback, e.g. 4, 5, 6 or 7.
    pub fn callback_type(&self) -> Option<u64> {
        if self.is_callback() {
            self.json.get("type").and_then(Value::as_u64)
        } else {
            None
        }
    }

    /// True for `POST /api/v10/interactions/{id}/{token}/callback`.
    pub fn is_callback(&self) -> bool {
        self.method == "POST"
            && self.path.starts_with("/api/v10/interactions/")
            && self.path.ends_with("/callback")
    }

    /// True for a callback to the interaction with this id.
    pub fn is_callback_for(&self, interaction_id: &str) -> bool {
        self.is_callback()
            && self
                .path
                .starts_with(&format!("/api/v10/interactions/{interaction_id}/"))
    }

    /// True for `PATCH /api/v10/webhooks/{app}/{token}/messages/@original` with this token.
    pub fn is_edit_original(&self, token: &str) -> bool {
        self.method == "PATCH"
            && self.path == format!("/api/v10/webhooks/{APPLICATION_ID}/{token}/messages/@original")
    }

    /// True for a follow-up, `POST /api/v10/webhooks/{app}/{token}`, with this token.
    pub fn is_followup(&self, token: &str) -> bool {
        self.method == "POST" && self.path == format!("/api/v10/webhooks/{APPLICATION_ID}/{token}")
    }
}

/// A canned failure for the next request that matches, set with [`DiscordStandIn::fail_next`].
struct Fault {
    method: String,
    path_prefix: String,
    status: u16,
    body: Value,
}

/// The connected gateway shard, if any.
struct Shard {
    conn: u64,
    tx: mpsc::UnboundedSender<WsMessage>,
    identified: bool,
}

/// State shared by the REST server, the gateway and the handle.
struct Inner {
    gateway_url: String,
    calls: Mutex<Vec<RecordedCall>>,
    calls_changed: Notify,
    faults: Mutex<Vec<Fault>>,
    /// Bot-sent messages by id, so edits return the merged message.
    messages: Mutex<HashMap<String, Value>>,
    /// Interaction token → id of its original response message.
    originals: Mutex<HashMap<String, String>>,
    /// Interaction token → channel the interaction came from.
    token_channels: Mutex<HashMap<String, String>>,
    /// Bulk-overwritten commands by scope (`global` or the guild id).
    commands: Mutex<HashMap<String, Value>>,
    next_id: AtomicU64,
    shard: Mutex<Option<Shard>>,
    shard_changed: Notify,
    next_conn: AtomicU64,
    seq: AtomicU64,
    gateway_frames: Mutex<Vec<Value>>,
    conn_tasks: Mutex<Vec<JoinHandle<()>>>,
}

/// Locks a mutex, ignoring poisoning (a panicking test thread must not hide the record).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Inner {
    /// A fresh snowflake-looking id.
    fn new_id(&self) -> String {
        (1_190_000_000_000_000_000u64 + self.next_id.fetch_add(1, Ordering::Relaxed)).to_string()
    }

    fn record(&self, call: RecordedCall) {
        lock(&self.calls).push(call);
        self.calls_changed.notify_waiters();
    }
}

/// A running Discord stand-in. Dropping it stops its servers; [`DiscordStandIn::shutdown`] does
/// the same and also closes the shard's WebSocket cleanly first.
pub struct DiscordStandIn {
    inner: Arc<Inner>,
    rest_url: String,
    rest_shutdown: Mutex<Option<oneshot::Sender<()>>>,
    rest_task: Mutex<Option<JoinHandle<()>>>,
    gateway_task: JoinHandle<()>,
}

impl DiscordStandIn {
    /// Starts the REST server and the gateway on 127.0.0.1, each on a port the OS picks.
    ///
    /// Panics if a loopback port cannot be bound (a test set-up failure).
    pub async fn start() -> DiscordStandIn {
        let gw_listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind gateway on 127.0.0.1:0");
        let gateway_url = format!("ws://{}", gw_listener.local_addr().expect("gateway addr"));
        let rest_listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind REST on 127.0.0.1:0");
        let rest_url = format!("http://{}", rest_listener.local_addr().expect("REST addr"));

        let inner = Arc::new(Inner {
            gateway_url,
            calls: Mutex::new(Vec::new()),
            calls_changed: Notify::new(),
            faults: Mutex::new(Vec::new()),
            messages: Mutex::new(HashMap::new()),
            originals: Mutex::new(HashMap::new()),
            token_channels: Mutex::new(HashMap::new()),
            commands: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            shard: Mutex::new(None),
            shard_changed: Notify::new(),
            next_conn: AtomicU64::new(1),
            seq: AtomicU64::new(0),
            gateway_frames: Mutex::new(Vec::new()),
            conn_tasks: Mutex::new(Vec::new()),
        });

        let app = Router::new()
            .fallback(rest)
            .layer(DefaultBodyLimit::max(BODY_LIMIT))
            .with_state(inner.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let rest_task = tokio::spawn(async move {
            let _ = axum::serve(rest_listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });

        let gw_inner = inner.clone();
        let gateway_task = tokio::spawn(async move {
            // One connection at a time in practice; serenity reconnects after a close.
            while let Ok((stream, _)) = gw_listener.accept().await {
                let conn_inner = gw_inner.clone();
                let task = tokio::spawn(gateway_connection(conn_inner, stream));
                let mut tasks = lock(&gw_inner.conn_tasks);
                tasks.retain(|t| !t.is_finished());
                tasks.push(task);
            }
        });

        DiscordStandIn {
            inner,
            rest_url,
            rest_shutdown: Mutex::new(Some(tx)),
            rest_task: Mutex::new(Some(rest_task)),
            gateway_task,
        }
    }

    /// The REST base without a path, e.g. `http://127.0.0.1:41234`: what
    /// serenity's `HttpBuilder::proxy` takes (it replaces `https://discord.com` with it).
    pub fn rest_url(&self) -> String {
        self.rest_url.clone()
    }

    /// The gateway URL, e.g. `ws://127.0.0.1:41235`, as `GET /api/v10/gateway` reports it.
    pub fn gateway_url(&self) -> String {
        self.inner.gateway_url.clone()
    }

    /// The bot's application id ([`APPLICATION_ID`]).
    pub fn application_id(&self) -> &'static str {
        APPLICATION_ID
    }

    /// Every REST request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedCall> {
        lock(&self.inner.calls).clone()
    }

    /// The first recorded request (earliest first) that satisfies `predicate`, waiting up to
    /// `timeout` for one to arrive. `None` if none did in time.
    pub async fn wait_for(
        &self,
        predicate: impl Fn(&RecordedCall) -> bool,
        timeout: Duration,
    ) -> Option<RecordedCall> {
        let deadline = Instant::now() + timeout;
        loop {
            let notified = self.inner.calls_changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(call) = lock(&self.inner.calls).iter().find(|c| predicate(c)) {
                return Some(call.clone());
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            // Wake on a new request, or re-check at least every 50 ms.
            let _ = tokio::time::timeout((deadline - now).min(Duration::from_millis(50)), notified)
                .await;
        }
    }

    /// Whether a shard is connected and has identified (or resumed) on the current connection.
    pub fn identified(&self) -> bool {
        lock(&self.inner.shard)
            .as_ref()
            .is_some_and(|s| s.identified)
    }

    /// Waits up to `timeout` until a shard is connected and identified; returns whether it is.
    pub async fn wait_identified(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let notified = self.inner.shard_changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.identified() {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            let _ = tokio::time::timeout((deadline - now).min(Duration::from_millis(50)), notified)
                .await;
        }
    }

    /// The IDENTIFY payloads (`d` of op 2) received so far, in order.
    pub fn identifies(&self) -> Vec<Value> {
        self.gateway_frames()
            .into_iter()
            .filter(|f| f.get("op").and_then(Value::as_u64) == Some(2))
            .filter_map(|f| f.get("d").cloned())
            .collect()
    }

    /// Every JSON frame the gateway received from shards (IDENTIFY, heartbeats, RESUME, …).
    pub fn gateway_frames(&self) -> Vec<Value> {
        lock(&self.inner.gateway_frames).clone()
    }

    /// Sends `interaction` (the `d` of an INTERACTION_CREATE, e.g. from [`slash_command`] or
    /// [`button_press`]) to the connected shard, first waiting (at most 10 s) until one is
    /// connected and identified. Returns the sequence number used.
    ///
    /// Panics if no shard identified in time.
    pub async fn send_interaction(&self, interaction: Value) -> u64 {
        if let (Some(token), Some(channel)) = (
            interaction.get("token").and_then(Value::as_str),
            interaction.get("channel_id").and_then(Value::as_str),
        ) {
            lock(&self.inner.token_channels).insert(token.to_owned(), channel.to_owned());
        }
        self.send_dispatch("INTERACTION_CREATE", interaction).await
    }

    /// Sends any dispatch (`{"op":0,"t":event,"s":N,"d":data}`) to the connected shard, waiting
    /// as [`DiscordStandIn::send_interaction`] does. Returns the sequence number used.
    ///
    /// Panics if no shard identified within 10 s.
    pub async fn send_dispatch(&self, event: &str, data: Value) -> u64 {
        assert!(
            self.wait_identified(WAIT_LIMIT).await,
            "no shard connected and identified with the Discord stand-in within {WAIT_LIMIT:?}"
        );
        let shard = lock(&self.inner.shard);
        let shard = shard.as_ref().expect("shard present after identification");
        let s = self.inner.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let frame = json!({"op": 0, "t": event, "s": s, "d": data});
        shard
            .tx
            .send(WsMessage::Text(frame.to_string()))
            .expect("shard connection open");
        s
    }

    /// Makes the next REST request whose method is `method` and whose path starts with
    /// `path_prefix` fail with `status` and the JSON `body` (it is still recorded). Each call
    /// arms one failure; failures are used in the order they were armed.
    pub fn fail_next(&self, method: &str, path_prefix: &str, status: u16, body: Value) {
        lock(&self.inner.faults).push(Fault {
            method: method.to_ascii_uppercase(),
            path_prefix: path_prefix.to_owned(),
            status,
            body,
        });
    }

    /// The commands last bulk-overwritten globally (`None` for the global scope) or for a guild,
    /// as echoed (with ids).
    pub fn commands(&self, guild_id: Option<&str>) -> Option<Value> {
        lock(&self.inner.commands)
            .get(guild_id.unwrap_or("global"))
            .cloned()
    }

    /// Closes the shard's WebSocket (close code 1000) and stops both servers. Bounded: at most
    /// about 2 s. Serenity will try to reconnect and fail; shut the client down first
    /// (`client.shard_manager.shutdown_all()`) to avoid log noise.
    pub async fn shutdown(&self) {
        if let Some(shard) = lock(&self.inner.shard).take() {
            let _ = shard.tx.send(WsMessage::Close(None));
        }
        self.inner.shard_changed.notify_waiters();
        self.gateway_task.abort();
        if let Some(tx) = lock(&self.rest_shutdown).take() {
            let _ = tx.send(());
        }
        let rest_task = lock(&self.rest_task).take();
        if let Some(mut task) = rest_task
            && tokio::time::timeout(Duration::from_secs(2), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
        // Let writers flush the close frame, then stop every connection task.
        tokio::time::sleep(Duration::from_millis(20)).await;
        for task in lock(&self.inner.conn_tasks).drain(..) {
            task.abort();
        }
    }
}

impl Drop for DiscordStandIn {
    fn drop(&mut self) {
        self.gateway_task.abort();
        if let Some(tx) = lock(&self.rest_shutdown).take() {
            let _ = tx.send(());
        }
        if let Some(task) = lock(&self.rest_task).take() {
            task.abort();
        }
        for task in lock(&self.inner.conn_tasks).drain(..) {
            task.abort();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Gateway
// ---------------------------------------------------------------------------------------------

/// Serves one gateway connection: HELLO, then IDENTIFY → READY, heartbeat → ACK,
/// RESUME → RESUMED. Dispatches pushed by the test arrive through the shard's channel.
async fn gateway_connection(inner: Arc<Inner>, stream: TcpStream) {
    let Ok(Ok(ws)) =
        tokio::time::timeout(WAIT_LIMIT, tokio_tungstenite::accept_async(stream)).await
    else {
        return;
    };
    let (mut sink, mut source) = ws.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<WsMessage>();
    let conn = inner.next_conn.fetch_add(1, Ordering::Relaxed);

    let writer = tokio::spawn(async move {
        while let Some(msg) = rx.recv().await {
            let closing = matches!(msg, WsMessage::Close(_));
            if sink.send(msg).await.is_err() || closing {
                break;
            }
        }
        let _ = sink.close().await;
    });

    *lock(&inner.shard) = Some(Shard {
        conn,
        tx: tx.clone(),
        identified: false,
    });
    inner.shard_changed.notify_waiters();
    let _ = tx.send(WsMessage::Text(
        json!({"op": 10, "d": {"heartbeat_interval": 41250}}).to_string(),
    ));

    while let Some(Ok(msg)) = source.next().await {
        let text = match msg {
            WsMessage::Text(text) => text,
            WsMessage::Close(_) => break,
            _ => continue,
        };
        let Ok(frame) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        lock(&inner.gateway_frames).push(frame.clone());
        match frame.get("op").and_then(Value::as_u64) {
            // IDENTIFY: a new session, sequence starts over.
            Some(2) => {
                inner.seq.store(1, Ordering::SeqCst);
                let ready = json!({
                    "op": 0, "t": "READY", "s": 1,
                    "d": {
                        "v": 10,
                        "user": bot_user(),
                        "guilds": [],
                        "session_id": SESSION_ID,
                        "resume_gateway_url": inner.gateway_url,
                        "shard": [0, 1],
                        "application": {"id": APPLICATION_ID, "flags": 0},
                    }
                });
                let _ = tx.send(WsMessage::Text(ready.to_string()));
                mark_identified(&inner, conn);
            }
            // Heartbeat.
            Some(1) => {
                let _ = tx.send(WsMessage::Text(json!({"op": 11}).to_string()));
            }
            // RESUME: accept any session, the sequence continues.
            Some(6) => {
                let s = inner.seq.fetch_add(1, Ordering::SeqCst) + 1;
                let resumed = json!({"op": 0, "t": "RESUMED", "s": s, "d": {}});
                let _ = tx.send(WsMessage::Text(resumed.to_string()));
                mark_identified(&inner, conn);
            }
            _ => {}
        }
    }

    {
        let mut shard = lock(&inner.shard);
        if shard.as_ref().is_some_and(|s| s.conn == conn) {
            *shard = None;
        }
    }
    inner.shard_changed.notify_waiters();
    drop(tx);
    let _ = tokio::time::timeout(Duration::from_secs(1), writer).await;
}

fn mark_identified(inner: &Inner, conn: u64) {
    if let Some(shard) = lock(&inner.shard).as_mut().filter(|s| s.conn == conn) {
        shard.identified = true;
    }
    inner.shard_changed.notify_waiters();
}

// ---------------------------------------------------------------------------------------------
// REST
// ---------------------------------------------------------------------------------------------

/// Every REST request lands here: parse, record, route.
async fn rest(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let query = uri.query().unwrap_or("").to_owned();
    let auth = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes().starts_with(b"Bot "));
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let (json, files) = parse_body(&content_type, &body);
    let method_name = method.as_str().to_ascii_uppercase();

    let fault = {
        let mut faults = lock(&inner.faults);
        faults
            .iter()
            .position(|f| f.method == method_name && path.starts_with(&f.path_prefix))
            .map(|i| faults.remove(i))
    };
    let (status, response) = match fault {
        Some(f) => (
            StatusCode::from_u16(f.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            Some(f.body),
        ),
        None => route(&inner, &method_name, &path, &json, &files),
    };

    inner.record(RecordedCall {
        method: method_name,
        path,
        query,
        json,
        files,
        has_authorization: auth.is_some(),
        bot_authorization: auth.unwrap_or(false),
        status: status.as_u16(),
    });

    match response {
        Some(body) => (status, axum::Json(body)).into_response(),
        None => status.into_response(),
    }
}

/// Answers a parsed request. `None` as body means an empty response.
fn route(
    inner: &Inner,
    method: &str,
    path: &str,
    payload: &Value,
    files: &[RecordedFile],
) -> (StatusCode, Option<Value>) {
    let Some(rest) = path.strip_prefix("/api/v10/") else {
        return not_found();
    };
    let seg: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let ok = |v: Value| (StatusCode::OK, Some(v));
    match (method, seg.as_slice()) {
        ("GET", ["gateway"]) => ok(json!({"url": inner.gateway_url})),
        ("GET", ["gateway", "bot"]) => ok(json!({
            "url": inner.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1
            }
        })),
        ("GET", ["users", "@me"]) => ok(bot_user()),
        ("GET", ["oauth2", "applications", "@me"] | ["applications", "@me"]) => ok(json!({
            "id": APPLICATION_ID,
            "name": BOT_USERNAME,
            "icon": null,
            "description": "",
            "rpc_origins": [],
            "bot_public": false,
            "bot_require_code_grant": false,
            "owner": {"id": "1180000000000000009", "username": "owner", "discriminator": "0",
                      "avatar": null},
            "verify_key": "0".repeat(64),
            "team": null,
            "flags": 0,
            "bot": bot_user(),
        })),
        ("PUT", ["applications", app, "commands"]) => {
            ok(overwrite_commands(inner, app, None, payload))
        }
        ("PUT", ["applications", app, "guilds", guild, "commands"]) => {
            ok(overwrite_commands(inner, app, Some(guild), payload))
        }
        ("GET", ["applications", _, "commands"]) => ok(lock(&inner.commands)
            .get("global")
            .cloned()
            .unwrap_or_else(|| json!([]))),
        ("GET", ["applications", _, "guilds", guild, "commands"]) => ok(lock(&inner.commands)
            .get(*guild)
            .cloned()
            .unwrap_or_else(|| json!([]))),
        ("POST", ["interactions", _id, token, "callback"]) => {
            interaction_callback(inner, token, payload, files);
            (StatusCode::NO_CONTENT, None)
        }
        ("POST", ["webhooks", _app, token]) => {
            let channel = token_channel(inner, token);
            let id = inner.new_id();
            ok(store_message(inner, &id, &channel, payload, files))
        }
        ("PATCH", ["webhooks", _app, token, "messages", "@original"]) => {
            let channel = token_channel(inner, token);
            let id = original_id(inner, token);
            ok(store_message(inner, &id, &channel, payload, files))
        }
        ("PATCH", ["webhooks", _app, token, "messages", id]) => {
            let channel = token_channel(inner, token);
            ok(store_message(inner, id, &channel, payload, files))
        }
        ("GET", ["webhooks", _app, token, "messages", which]) => {
            let id = if *which == "@original" {
                lock(&inner.originals).get(*token).cloned()
            } else {
                Some((*which).to_owned())
            };
            match id.and_then(|id| lock(&inner.messages).get(&id).cloned()) {
                Some(message) => ok(message),
                None => unknown_message(),
            }
        }
        ("DELETE", ["webhooks", _app, _token, "messages", _]) => (StatusCode::NO_CONTENT, None),
        ("POST", ["channels", channel, "messages"]) => {
            let id = inner.new_id();
            ok(store_message(inner, &id, channel, payload, files))
        }
        ("PATCH", ["channels", channel, "messages", id]) => {
            ok(store_message(inner, id, channel, payload, files))
        }
        _ => not_found(),
    }
}

fn not_found() -> (StatusCode, Option<Value>) {
    (
        StatusCode::NOT_FOUND,
        Some(json!({"message": "404: Not Found", "code": 0})),
    )
}

fn unknown_message() -> (StatusCode, Option<Value>) {
    (
        StatusCode::NOT_FOUND,
        Some(json!({"message": "Unknown Message", "code": 10008})),
    )
}

/// Stores and echoes a bulk overwrite, adding what Discord adds (ids, version, defaults).
fn overwrite_commands(inner: &Inner, app: &str, guild: Option<&str>, payload: &Value) -> Value {
    let commands: Vec<Value> = payload
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|mut cmd| {
            if let Some(obj) = cmd.as_object_mut() {
                obj.insert("id".into(), json!(inner.new_id()));
                obj.insert("application_id".into(), json!(app));
                obj.insert("version".into(), json!(inner.new_id()));
                obj.entry("type").or_insert(json!(1));
                obj.entry("description").or_insert(json!(""));
                obj.entry("default_member_permissions")
                    .or_insert(Value::Null);
                if let Some(guild) = guild {
                    obj.insert("guild_id".into(), json!(guild));
                }
            }
            cmd
        })
        .collect();
    let echoed = Value::Array(commands);
    lock(&inner.commands).insert(guild.unwrap_or("global").to_owned(), echoed.clone());
    echoed
}

/// Types 4 (message) and 5 (deferred message) create the original response message.
fn interaction_callback(inner: &Inner, token: &str, payload: &Value, files: &[RecordedFile]) {
    let kind = payload.get("type").and_then(Value::as_u64);
    if matches!(kind, Some(4 | 5)) {
        let id = original_id(inner, token);
        let channel = token_channel(inner, token);
        let data = payload.get("data").cloned().unwrap_or_else(|| json!({}));
        store_message(inner, &id, &channel, &data, files);
    }
}

fn token_channel(inner: &Inner, token: &str) -> String {
    lock(&inner.token_channels)
        .get(token)
        .cloned()
        .unwrap_or_else(|| CHANNEL_ID.to_owned())
}

fn original_id(inner: &Inner, token: &str) -> String {
    lock(&inner.originals)
        .entry(token.to_owned())
        .or_insert_with(|| inner.new_id())
        .clone()
}

/// Creates or updates the bot message `id` from a message payload and returns the full Message.
fn store_message(
    inner: &Inner,
    id: &str,
    channel: &str,
    payload: &Value,
    files: &[RecordedFile],
) -> Value {
    let mut messages = lock(&inner.messages);
    let existing = messages.get(id).cloned();
    let mut message = match existing {
        Some(mut m) => {
            m["edited_timestamp"] = json!(now());
            m
        }
        None => message(id, channel, "", json!([]), json!([])),
    };
    for field in ["content", "embeds", "components", "flags", "tts"] {
        if let Some(v) = payload.get(field).filter(|v| !v.is_null()) {
            message[field] = v.clone();
        }
    }
    if !files.is_empty() {
        message["attachments"] = Value::Array(
            files
                .iter()
                .map(|f| {
                    let aid = inner.new_id();
                    let url = format!(
                        "https://cdn.discordapp.com/attachments/{channel}/{aid}/{}",
                        f.filename
                    );
                    json!({
                        "id": aid,
                        "filename": f.filename,
                        "size": f.data.len(),
                        "url": url,
                        "proxy_url": url,
                        "content_type": f.content_type,
                    })
                })
                .collect(),
        );
    }
    messages.insert(id.to_owned(), message.clone());
    message
}

/// Splits a request body into its JSON payload and uploaded files.
fn parse_body(content_type: &str, body: &[u8]) -> (Value, Vec<RecordedFile>) {
    if body.is_empty() {
        return (Value::Null, Vec::new());
    }
    if content_type.starts_with("multipart/form-data")
        && let Some(boundary) = content_type.split(';').find_map(|p| {
            p.trim()
                .strip_prefix("boundary=")
                .map(|b| b.trim_matches('"').to_owned())
        })
    {
        let mut json = Value::Null;
        let mut files = Vec::new();
        for part in multipart_parts(body, &boundary) {
            if part.filename.is_none() && part.name == "payload_json" {
                json = serde_json::from_slice(&part.data).unwrap_or(Value::Null);
            } else if let Some(filename) = part.filename {
                files.push(RecordedFile {
                    field: part.name,
                    filename,
                    content_type: part.content_type,
                    data: part.data,
                });
            }
        }
        return (json, files);
    }
    (
        serde_json::from_slice(body).unwrap_or(Value::Null),
        Vec::new(),
    )
}

struct Part {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
    data: Vec<u8>,
}

/// A small RFC 7578 reader: enough for reqwest's multipart bodies.
fn multipart_parts(body: &[u8], boundary: &str) -> Vec<Part> {
    let delimiter = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let Some(first) = find(body, &delimiter, 0) else {
        return parts;
    };
    let mut pos = first + delimiter.len();
    // Bounded by the body length: each iteration advances past one delimiter.
    while pos < body.len() {
        if body[pos..].starts_with(b"--") {
            break;
        }
        let start = pos
            + if body[pos..].starts_with(b"\r\n") {
                2
            } else {
                0
            };
        let Some(next) = find(body, &delimiter, start) else {
            break;
        };
        let mut end = next;
        if end >= 2 && &body[end - 2..end] == b"\r\n" {
            end -= 2;
        }
        let raw = &body[start..end.max(start)];
        if let Some(split) = find(raw, b"\r\n\r\n", 0) {
            let head = String::from_utf8_lossy(&raw[..split]).into_owned();
            let data = raw[split + 4..].to_vec();
            let mut name = String::new();
            let mut filename = None;
            let mut content_type = None;
            for line in head.split("\r\n") {
                let lower = line.to_ascii_lowercase();
                if lower.starts_with("content-disposition:") {
                    name = disposition_param(line, "name").unwrap_or_default();
                    filename = disposition_param(line, "filename");
                } else if lower.starts_with("content-type:") {
                    content_type = Some(line["content-type:".len()..].trim().to_owned());
                }
            }
            parts.push(Part {
                name,
                filename,
                content_type,
                data,
            });
        }
        pos = next + delimiter.len();
    }
    parts
}

/// `name="value"` from a Content-Disposition line.
fn disposition_param(line: &str, key: &str) -> Option<String> {
    line.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from >= haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

/// The bot user object.
pub fn bot_user() -> Value {
    json!({
        "id": BOT_USER_ID,
        "username": BOT_USERNAME,
        "discriminator": "0",
        "global_name": null,
        "avatar": null,
        "bot": true,
    })
}

/// A human user object for `user_id` (username `user<last 4 digits>`).
pub fn human_user(user_id: &str) -> Value {
    let tail = &user_id[user_id.len().saturating_sub(4)..];
    json!({
        "id": user_id,
        "username": format!("user{tail}"),
        "discriminator": "0",
        "global_name": format!("User {tail}"),
        "avatar": null,
    })
}

/// A Message object as Discord returns it, authored by the bot in `channel_id`. `embeds` and
/// `components` are JSON arrays in Discord's format (e.g. what serenity sent).
pub fn message(
    id: &str,
    channel_id: &str,
    content: &str,
    embeds: Value,
    components: Value,
) -> Value {
    json!({
        "id": id,
        "channel_id": channel_id,
        "guild_id": GUILD_ID,
        "author": bot_user(),
        "content": content,
        "timestamp": now(),
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": embeds,
        "pinned": false,
        "type": 0,
        "components": components,
        "flags": 0,
        "application_id": APPLICATION_ID,
        "webhook_id": APPLICATION_ID,
    })
}

/// Fields every built interaction shares: guild member `user_id` with `roles` in [`CHANNEL_ID`]
/// of [`GUILD_ID`].
fn interaction_base(kind: u8, id: &str, token: &str, user_id: &str, roles: &[&str]) -> Value {
    json!({
        "id": id,
        "application_id": APPLICATION_ID,
        "type": kind,
        "token": token,
        "version": 1,
        "guild_id": GUILD_ID,
        "channel_id": CHANNEL_ID,
        "channel": {"id": CHANNEL_ID, "type": 0, "name": "soc-incidents", "permissions": "2248473465835073"},
        "member": {
            "user": human_user(user_id),
            "nick": null,
            "avatar": null,
            "roles": roles,
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "premium_since": null,
            "deaf": false,
            "mute": false,
            "flags": 0,
            "pending": false,
            "permissions": "2248473465835073",
            "communication_disabled_until": null,
        },
        "app_permissions": "2248473465835073",
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": GUILD_ID},
        "context": 0,
        "attachment_size_limit": 26_214_400u32,
    })
}

/// An INTERACTION_CREATE payload for `/mimecast` (type 2, chat input) invoked by guild member
/// `user_id` holding `roles`. `options` is the command's `data.options` array in Discord's
/// format, e.g. `json!([{"name":"held","type":1,"options":[{"name":"admin","type":5,"value":true}]}])`
/// for a subcommand or `json!([{"name":"command","type":3,"value":"held --admin"}])`.
pub fn slash_command(
    id: &str,
    token: &str,
    user_id: &str,
    roles: &[&str],
    options: Value,
) -> Value {
    let mut v = interaction_base(2, id, token, user_id, roles);
    v["data"] = json!({
        "id": COMMAND_ID,
        "name": "mimecast",
        "type": 1,
        "guild_id": GUILD_ID,
        "options": options,
    });
    v
}

/// An INTERACTION_CREATE payload for a button press (type 3, component type 2) on `message`
/// (a Message object, e.g. from [`message`] or a `Message` JSON the stand-in returned) by guild
/// member `user_id` holding `roles`.
pub fn button_press(
    id: &str,
    token: &str,
    user_id: &str,
    roles: &[&str],
    custom_id: &str,
    message: Value,
) -> Value {
    let mut v = interaction_base(3, id, token, user_id, roles);
    if let Some(channel) = message.get("channel_id").and_then(Value::as_str) {
        v["channel_id"] = json!(channel);
        v["channel"]["id"] = json!(channel);
    }
    v["data"] = json!({"custom_id": custom_id, "component_type": 2});
    v["message"] = message;
    v
}
