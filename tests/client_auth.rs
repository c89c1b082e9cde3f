//! Authentication against the sandbox: token caching, renewal, expiry, and wrong keys.

mod common;

use std::time::Duration;

use common::{MODES, Mode, client, client_with, credentials, fast_retry, sandbox, served};
use mimecast_bot::mimecast::signature;
use mimecast_bot::mimecast::{Credentials, HeldQuery, MimecastError, Page};
use mimecast_bot::sandbox::{Fault, FaultKind, SandboxConfig, SandboxCredentials};
use mimecast_bot::secret::Secret;

const HELD: &str = "/api/gateway/get-hold-message-list";
const TOKEN: &str = "/oauth/token";

async fn held_page(
    mimecast: &mimecast_bot::mimecast::MimecastClient,
) -> Result<Page<mimecast_bot::mimecast::HeldMessage>, MimecastError> {
    mimecast
        .page(
            &HeldQuery {
                admin: true,
                ..Default::default()
            },
            10,
            None,
        )
        .await
}

#[test]
fn signature_matches_the_reference_vector() {
    let sig = signature::sign(
        "U2VjcmV0S2V5",
        "Tue, 24 Nov 2015 12:50:11 UTC",
        "8578FCFC-A305-4D9A-99CB-F4D5ECEFE297",
        "/api/gateway/hold-release",
        "ApplicationKey",
    )
    .expect("valid key");
    assert_eq!(
        signature::authorization_header("AccessKey", &sig),
        "MC AccessKey:Pd0nVL0RBA4GoM+HjauFPsP2gGI="
    );
}

#[tokio::test]
async fn a_token_is_minted_once_and_reused() {
    let sb = sandbox(SandboxConfig::default()).await;
    let mimecast = client(&sb, Mode::OAuth2);
    for _ in 0..3 {
        held_page(&mimecast).await.expect("page");
    }
    assert_eq!(served(&sb, TOKEN).len(), 1);
    assert_eq!(served(&sb, HELD).len(), 3);
    sb.shutdown().await;
}

#[tokio::test]
async fn concurrent_first_calls_share_one_token() {
    let sb = sandbox(SandboxConfig::default()).await;
    let mimecast = client(&sb, Mode::OAuth2);
    let calls = (0..8).map(|_| held_page(&mimecast));
    for result in futures_util::future::join_all(calls).await {
        result.expect("page");
    }
    assert_eq!(served(&sb, TOKEN).len(), 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_token_is_renewed_before_it_expires() {
    let sb = sandbox(SandboxConfig {
        token_ttl: Duration::from_secs(2),
        ..SandboxConfig::default()
    })
    .await;
    let mimecast = client(&sb, Mode::OAuth2);
    held_page(&mimecast).await.expect("first page");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    held_page(&mimecast).await.expect("second page");
    assert_eq!(served(&sb, TOKEN).len(), 2, "renewed proactively");
    assert!(
        served(&sb, HELD).iter().all(|r| r.status == 200),
        "never sent an expired token"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn a_revoked_token_is_renewed_once_on_401() {
    let sb = sandbox(SandboxConfig::default()).await;
    let mimecast = client(&sb, Mode::OAuth2);
    held_page(&mimecast).await.expect("first page");
    sb.expire_tokens();
    held_page(&mimecast)
        .await
        .expect("second page after renewal");
    let statuses: Vec<u16> = served(&sb, HELD).iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![200, 401, 200]);
    assert_eq!(served(&sb, TOKEN).len(), 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_persistent_401_renews_once_then_fails() {
    let sb = sandbox(SandboxConfig::default()).await;
    let mimecast = client(&sb, Mode::OAuth2);
    sb.inject(Fault {
        kind: FaultKind::Status { code: 401 },
        path: Some(HELD.into()),
        times: None,
    });
    let err = held_page(&mimecast).await.expect_err("refused");
    assert!(matches!(err, MimecastError::Unauthorized { .. }), "{err:?}");
    assert_eq!(served(&sb, HELD).len(), 2, "one retry after one renewal");
    assert_eq!(served(&sb, TOKEN).len(), 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_wrong_client_secret_fails_clearly_without_calling_the_api() {
    let sb = sandbox(SandboxConfig::default()).await;
    let creds = Credentials::OAuth2 {
        client_id: SandboxCredentials::default().client_id,
        client_secret: Secret::new("definitely-wrong-secret"),
    };
    let mimecast = client_with(&sb, creds, fast_retry());
    let err = held_page(&mimecast).await.expect_err("refused");
    assert!(matches!(err, MimecastError::Unauthorized { .. }), "{err:?}");
    assert!(
        err.user_message().contains("MIMECAST_CLIENT_SECRET"),
        "{}",
        err.user_message()
    );
    for text in [err.to_string(), format!("{err:?}"), err.user_message()] {
        assert!(
            !text.contains("definitely-wrong-secret"),
            "secret leaked: {text}"
        );
    }
    assert!(served(&sb, HELD).is_empty());
    assert_eq!(served(&sb, TOKEN).len(), 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn wrong_api1_keys_fail_clearly_and_are_not_retried() {
    let defaults = SandboxCredentials::default();
    let wrong_secret = base64_of("not-the-secret");
    let cases = [
        (
            "secret key",
            Credentials::Hmac {
                app_id: defaults.app_id.clone(),
                app_key: Secret::new(defaults.app_key.clone()),
                access_key: defaults.access_key.clone(),
                secret_key: Secret::new(wrong_secret.clone()),
            },
        ),
        (
            "app key",
            Credentials::Hmac {
                app_id: defaults.app_id.clone(),
                app_key: Secret::new("wrong-app-key"),
                access_key: defaults.access_key.clone(),
                secret_key: Secret::new(defaults.secret_key.clone()),
            },
        ),
        (
            "access key",
            Credentials::Hmac {
                app_id: defaults.app_id.clone(),
                app_key: Secret::new(defaults.app_key.clone()),
                access_key: "wrong-access-key".into(),
                secret_key: Secret::new(defaults.secret_key.clone()),
            },
        ),
    ];
    for (what, creds) in cases {
        let sb = sandbox(SandboxConfig::default()).await;
        let mimecast = client_with(&sb, creds, fast_retry());
        let err = held_page(&mimecast).await.expect_err(what);
        assert!(
            matches!(err, MimecastError::Unauthorized { .. }),
            "{what}: {err:?}"
        );
        assert!(
            err.user_message().contains("credentials"),
            "{what}: {}",
            err.user_message()
        );
        assert!(!format!("{err:?}").contains(&wrong_secret));
        assert_eq!(
            served(&sb, HELD).len(),
            1,
            "{what}: a 401 with API 1.0 is final"
        );
        assert_eq!(served(&sb, HELD)[0].status, 401);
        sb.shutdown().await;
    }
}

#[tokio::test]
async fn both_modes_reach_the_same_data() {
    let sb = sandbox(SandboxConfig::default()).await;
    let mut ids = Vec::new();
    for mode in MODES {
        let mimecast = client_with(
            &sb,
            credentials(mode, &SandboxCredentials::default()),
            fast_retry(),
        );
        let page = held_page(&mimecast).await.expect("page");
        ids.push(page.rows.into_iter().map(|m| m.id).collect::<Vec<_>>());
    }
    assert!(!ids[0].is_empty());
    assert_eq!(ids[0], ids[1]);
    sb.shutdown().await;
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}
