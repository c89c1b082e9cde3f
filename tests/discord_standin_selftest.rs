//! Proves the Discord stand-in against the real serenity client: serenity finds the gateway
//! through `GET /api/v10/gateway`, identifies, receives a slash command and a button press, and
//! its answers (defer, edit with an embed, follow-up with a file, update message) arrive at the
//! stand-in in Discord's wire format.

mod discord_standin;

use std::time::Duration;

use discord_standin::{APPLICATION_ID, CHANNEL_ID, DiscordStandIn, GUILD_ID, RecordedCall};
use serde_json::{Value, json};
use serenity::all::{
    ButtonStyle, Client, ClientBuilder, Context, CreateActionRow, CreateAttachment, CreateButton,
    CreateCommand, CreateEmbed, CreateInteractionResponse, CreateInteractionResponseFollowup,
    CreateInteractionResponseMessage, EditInteractionResponse, EventHandler, GatewayIntents,
    GuildId, HttpBuilder, Interaction, Ready,
};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(5);

/// What the handler saw or got back, reported to the test.
#[derive(Debug)]
enum Seen {
    Ready {
        application_id: Option<u64>,
        commands: Result<usize, String>,
    },
    Command {
        name: String,
        user: u64,
        roles: usize,
        edited: Result<(u64, usize), String>,
    },
    Followup(Result<usize, String>),
    Button {
        custom_id: String,
        message_id: u64,
        result: Result<(), String>,
    },
}

struct Handler {
    seen: mpsc::UnboundedSender<Seen>,
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        let guild = GuildId::new(GUILD_ID.parse().expect("guild id"));
        let commands = guild
            .set_commands(
                &ctx.http,
                vec![CreateCommand::new("mimecast").description("Mimecast incident response")],
            )
            .await
            .map(|c| c.len())
            .map_err(|e| e.to_string());
        let _ = self.seen.send(Seen::Ready {
            application_id: ctx
                .http
                .application_id()
                .map(|a| a.get())
                .or(Some(ready.application.id.get())),
            commands,
        });
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        match interaction {
            Interaction::Command(command) => {
                let deferred = command
                    .create_response(
                        &ctx.http,
                        CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new()),
                    )
                    .await;
                let edited = match deferred {
                    Err(e) => Err(format!("defer: {e}")),
                    Ok(()) => command
                        .edit_response(
                            &ctx.http,
                            EditInteractionResponse::new()
                                .embed(
                                    CreateEmbed::new()
                                        .title("Held messages")
                                        .description("1 message held")
                                        .field("Ref", "AB12CD34EF", true),
                                )
                                .components(vec![CreateActionRow::Buttons(vec![
                                    CreateButton::new("approve:req-1")
                                        .label("Approve")
                                        .style(ButtonStyle::Success),
                                    CreateButton::new("deny:req-1")
                                        .label("Deny")
                                        .style(ButtonStyle::Danger),
                                ])]),
                        )
                        .await
                        .map(|m| (m.id.get(), m.embeds.len()))
                        .map_err(|e| format!("edit: {e}")),
                };
                let member = command.member.as_ref();
                let _ = self.seen.send(Seen::Command {
                    name: command.data.name.clone(),
                    user: command.user.id.get(),
                    roles: member.map_or(0, |m| m.roles.len()),
                    edited,
                });
                let followup = command
                    .create_followup(
                        &ctx.http,
                        CreateInteractionResponseFollowup::new()
                            .content("report attached")
                            .add_file(CreateAttachment::bytes(
                                b"ref,subject\nAB12CD34EF,invoice\n".to_vec(),
                                "held.csv",
                            )),
                    )
                    .await
                    .map(|m| m.attachments.len())
                    .map_err(|e| e.to_string());
                let _ = self.seen.send(Seen::Followup(followup));
            }
            Interaction::Component(press) => {
                let result = press
                    .create_response(
                        &ctx.http,
                        CreateInteractionResponse::UpdateMessage(
                            CreateInteractionResponseMessage::new()
                                .content("Released by approver")
                                .components(vec![]),
                        ),
                    )
                    .await
                    .map_err(|e| e.to_string());
                let _ = self.seen.send(Seen::Button {
                    custom_id: press.data.custom_id.clone(),
                    message_id: press.message.id.get(),
                    result,
                });
            }
            _ => {}
        }
    }
}

async fn next_seen(rx: &mut mpsc::UnboundedReceiver<Seen>) -> Seen {
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .expect("the handler reported within 5 s")
        .expect("handler channel open")
}

fn path_of(calls: &[RecordedCall]) -> Vec<String> {
    calls
        .iter()
        .map(|c| format!("{} {}", c.method, c.path))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serenity_client_runs_against_the_standin() {
    let standin = DiscordStandIn::start().await;
    let (tx, mut rx) = mpsc::unbounded_channel();

    let http = HttpBuilder::new("test-token")
        .proxy(standin.rest_url())
        .ratelimiter_disabled(true)
        .build();
    let mut client: Client = tokio::time::timeout(
        WAIT,
        ClientBuilder::new_with_http(http, GatewayIntents::empty())
            .event_handler(Handler { seen: tx }),
    )
    .await
    .expect("client builds within 5 s")
    .expect("client builds");
    assert_eq!(*client.ws_url.lock().await, standin.gateway_url());
    let shards = client.shard_manager.clone();
    let running =
        tokio::spawn(
            async move { tokio::time::timeout(Duration::from_secs(20), client.start()).await },
        );

    // READY: the application id reaches serenity's Http, and a guild bulk overwrite echoes.
    assert!(standin.wait_identified(WAIT).await, "serenity identified");
    let identify = standin.identifies().pop().expect("IDENTIFY recorded");
    assert!(
        identify["token"]
            .as_str()
            .is_some_and(|t| t.starts_with("Bot "))
    );
    assert_eq!(identify["shard"], json!([0, 1]));
    match next_seen(&mut rx).await {
        Seen::Ready {
            application_id,
            commands,
        } => {
            assert_eq!(application_id, Some(APPLICATION_ID.parse().unwrap()));
            assert_eq!(commands, Ok(1));
        }
        other => panic!("expected READY, got {other:?}"),
    }
    let echoed = standin
        .commands(Some(GUILD_ID))
        .expect("guild commands stored");
    assert_eq!(echoed[0]["name"], "mimecast");
    assert!(echoed[0]["id"].is_string());

    // Slash command: defer (type 5), then PATCH @original with the embed and buttons.
    standin
        .send_interaction(discord_standin::slash_command(
            "1300000000000000001",
            "cmd-token",
            "1400000000000000001",
            &["1500000000000000001"],
            json!([{"name": "held", "type": 1, "options": [{"name": "admin", "type": 5, "value": true}]}]),
        ))
        .await;
    let (message_id, components) = match next_seen(&mut rx).await {
        Seen::Command {
            name,
            user,
            roles,
            edited,
        } => {
            assert_eq!(name, "mimecast");
            assert_eq!(user, 1_400_000_000_000_000_001);
            assert_eq!(roles, 1);
            let (id, embeds) = edited.expect("edit_response deserialized the stand-in's Message");
            assert_eq!(embeds, 1);
            let edit = standin
                .wait_for(|c| c.is_edit_original("cmd-token"), WAIT)
                .await
                .expect("PATCH @original recorded");
            (id, edit.json["components"].clone())
        }
        other => panic!("expected the command, got {other:?}"),
    };
    let calls = standin.requests();
    let callback = calls
        .iter()
        .find(|c| c.is_callback_for("1300000000000000001"))
        .expect("callback recorded");
    assert_eq!(
        callback.path,
        "/api/v10/interactions/1300000000000000001/cmd-token/callback"
    );
    assert_eq!(callback.callback_type(), Some(5));
    assert_eq!(callback.status, 204);
    assert!(callback.has_authorization && callback.bot_authorization);
    let edit = calls
        .iter()
        .find(|c| c.is_edit_original("cmd-token"))
        .unwrap();
    let callback_at = calls
        .iter()
        .position(|c| c.is_callback_for("1300000000000000001"));
    let edit_at = calls.iter().position(|c| c.is_edit_original("cmd-token"));
    assert!(
        callback_at < edit_at,
        "defer before edit: {:?}",
        path_of(&calls)
    );
    assert_eq!(edit.json["embeds"][0]["title"], "Held messages");
    assert_eq!(edit.json["embeds"][0]["fields"][0]["value"], "AB12CD34EF");
    assert_eq!(components[0]["components"][0]["custom_id"], "approve:req-1");

    // Follow-up with a file: multipart, payload_json plus the file.
    match next_seen(&mut rx).await {
        Seen::Followup(result) => assert_eq!(result, Ok(1)),
        other => panic!("expected the follow-up, got {other:?}"),
    }
    let followup = standin
        .wait_for(|c| c.is_followup("cmd-token"), WAIT)
        .await
        .expect("follow-up recorded");
    assert_eq!(followup.json["content"], "report attached");
    assert_eq!(followup.files.len(), 1);
    assert_eq!(followup.files[0].filename, "held.csv");
    assert_eq!(followup.files[0].data, b"ref,subject\nAB12CD34EF,invoice\n");

    // Button press on the edited message: UpdateMessage (type 7).
    let on_message = discord_standin::message(
        &message_id.to_string(),
        CHANNEL_ID,
        "",
        edit.json["embeds"].clone(),
        components,
    );
    standin
        .send_interaction(discord_standin::button_press(
            "1300000000000000002",
            "btn-token",
            "1400000000000000002",
            &["1500000000000000002"],
            "approve:req-1",
            on_message,
        ))
        .await;
    match next_seen(&mut rx).await {
        Seen::Button {
            custom_id,
            message_id: pressed_on,
            result,
        } => {
            assert_eq!(custom_id, "approve:req-1");
            assert_eq!(pressed_on, message_id);
            assert_eq!(result, Ok(()));
        }
        other => panic!("expected the button press, got {other:?}"),
    }
    let update = standin
        .wait_for(|c| c.is_callback_for("1300000000000000002"), WAIT)
        .await
        .expect("button callback recorded");
    assert_eq!(update.callback_type(), Some(7));
    assert_eq!(update.json["data"]["content"], "Released by approver");
    assert_eq!(update.json["data"]["components"], json!([]));

    // Nothing unexpected was asked for.
    let unserved: Vec<String> = path_of(
        &standin
            .requests()
            .into_iter()
            .filter(|c| c.status == 404)
            .collect::<Vec<_>>(),
    );
    assert!(unserved.is_empty(), "unserved requests: {unserved:?}");
    assert!(standin.requests()[0].is("GET", "/api/v10/gateway"));

    shards.shutdown_all().await;
    let stopped = tokio::time::timeout(WAIT, running).await;
    assert!(
        matches!(stopped, Ok(Ok(Ok(Ok(()))))),
        "client.start() returned Ok after shutdown_all: {stopped:?}"
    );
    standin.shutdown().await;
}

#[tokio::test]
async fn unknown_routes_are_404_and_recorded_and_faults_fire_once() {
    let standin = DiscordStandIn::start().await;
    let http = reqwest::Client::new();
    let base = standin.rest_url();

    let resp = http
        .get(format!("{base}/api/v10/guilds/1/roles"))
        .header("Authorization", "Bot secret")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body, json!({"message": "404: Not Found", "code": 0}));

    let channel_messages = format!("/api/v10/channels/{CHANNEL_ID}/messages");
    standin.fail_next(
        "POST",
        &channel_messages,
        404,
        json!({"message": "Unknown Channel", "code": 10003}),
    );
    let first = http
        .post(format!("{base}{channel_messages}"))
        .json(&json!({"content": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 404);
    let second: Value = http
        .post(format!("{base}{channel_messages}"))
        .json(&json!({"content": "hi", "embeds": [{"title": "t"}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(second["content"], "hi");
    assert_eq!(second["embeds"][0]["title"], "t");
    assert_eq!(second["channel_id"], CHANNEL_ID);
    let id = second["id"].as_str().unwrap().to_owned();
    let edited: Value = http
        .patch(format!("{base}{channel_messages}/{id}"))
        .json(&json!({"content": "edited"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(edited["id"], id.as_str());
    assert_eq!(edited["content"], "edited");
    assert_eq!(
        edited["embeds"][0]["title"], "t",
        "an edit keeps fields it does not set"
    );
    assert!(edited["edited_timestamp"].is_string());

    let calls = standin.requests();
    assert_eq!(calls.len(), 4);
    assert!(calls[0].is("GET", "/api/v10/guilds/1/roles"));
    assert_eq!(calls[0].status, 404);
    assert!(calls[0].has_authorization && calls[0].bot_authorization);
    assert!(!calls[1].has_authorization);
    assert_eq!(calls[1].json, json!({"content": "hi"}));
    assert_eq!((calls[1].status, calls[2].status), (404, 200));
    assert!(
        standin
            .wait_for(|c| c.method == "DELETE", Duration::from_millis(100))
            .await
            .is_none()
    );
    assert!(!standin.identified());
    standin.shutdown().await;
}
