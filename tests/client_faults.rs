//! Each way Mimecast misbehaves, and the client's handling of it. Every test here would fail
//! without the handling it names (the request log shows what was sent, and how often).

mod common;

use std::time::{Duration, Instant};

use common::{Mode, client, client_with, credentials, fast_retry, sandbox, served};
use futures_util::TryStreamExt;
use mimecast_bot::mimecast::{HeldMessage, HeldQuery, MimecastClient, MimecastError, RetryPolicy};
use mimecast_bot::sandbox::{Fault, FaultKind, SandboxConfig, SandboxCredentials, SandboxHandle};

const HELD: &str = "/api/gateway/get-hold-message-list";
const RELEASE: &str = "/api/gateway/hold-release";

fn fault(kind: FaultKind, path: &str, times: u32) -> Fault {
    Fault {
        kind,
        path: Some(path.into()),
        times: Some(times),
    }
}

async fn held(mimecast: &MimecastClient) -> Result<Vec<HeldMessage>, MimecastError> {
    mimecast
        .rows(
            HeldQuery {
                admin: true,
                ..Default::default()
            },
            100,
        )
        .try_collect()
        .await
}

async fn start() -> (SandboxHandle, MimecastClient) {
    let sb = sandbox(SandboxConfig::default()).await;
    let mimecast = client(&sb, Mode::OAuth2);
    (sb, mimecast)
}

fn statuses(sb: &SandboxHandle, path: &str) -> Vec<u16> {
    served(sb, path).iter().map(|r| r.status).collect()
}

#[tokio::test]
async fn a_429_is_waited_out_for_x_ratelimit_reset_milliseconds() {
    let (sb, mimecast) = start().await;
    sb.inject(fault(FaultKind::RateLimit { reset_ms: 400 }, HELD, 1));
    let began = Instant::now();
    let rows = held(&mimecast).await.expect("succeeds after waiting");
    assert!(
        began.elapsed() >= Duration::from_millis(400),
        "waited {:?}",
        began.elapsed()
    );
    assert!(!rows.is_empty());
    assert_eq!(statuses(&sb, HELD), vec![429, 200]);
    let gap = served(&sb, HELD)[1].at - served(&sb, HELD)[0].at;
    assert!(gap >= chrono::Duration::milliseconds(390), "gap {gap:?}");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_429_longer_than_the_cap_is_a_clear_error_at_once() {
    let (sb, mimecast) = start().await;
    sb.inject(fault(FaultKind::RateLimit { reset_ms: 90_000 }, HELD, 1));
    let began = Instant::now();
    let err = held(&mimecast).await.expect_err("over the cap");
    assert!(began.elapsed() < Duration::from_secs(2));
    match &err {
        MimecastError::RateLimited { wait, .. } => assert_eq!(*wait, Duration::from_secs(90)),
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(
        err.user_message(),
        "Mimecast's rate limit is reached. Try again in 90 s."
    );
    assert_eq!(statuses(&sb, HELD), vec![429]);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_release_refused_with_429_is_sent_again_and_runs_once() {
    let (sb, mimecast) = start().await;
    let before = held(&mimecast).await.expect("list");
    sb.inject(fault(FaultKind::RateLimit { reset_ms: 50 }, RELEASE, 1));
    mimecast
        .release_held(&before[0].id)
        .await
        .expect("released after the wait");
    assert_eq!(statuses(&sb, RELEASE), vec![429, 200]);
    assert_eq!(held(&mimecast).await.expect("list").len(), before.len() - 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn reads_are_retried_after_5xx_with_backoff() {
    let (sb, mimecast) = start().await;
    sb.inject(fault(FaultKind::Status { code: 500 }, HELD, 2));
    held(&mimecast).await.expect("third attempt succeeds");
    assert_eq!(statuses(&sb, HELD), vec![500, 500, 200]);
    sb.shutdown().await;
}

#[tokio::test]
async fn reads_give_up_after_the_policy_attempts() {
    let (sb, mimecast) = start().await;
    sb.inject(Fault {
        kind: FaultKind::Status { code: 503 },
        path: Some(HELD.into()),
        times: None,
    });
    let err = held(&mimecast).await.expect_err("always 503");
    assert!(
        matches!(err, MimecastError::Http { status: 503, .. }),
        "{err:?}"
    );
    assert_eq!(statuses(&sb, HELD), vec![503, 503, 503]);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_release_answered_500_is_not_repeated() {
    let (sb, mimecast) = start().await;
    let before = held(&mimecast).await.expect("list");
    sb.inject(fault(FaultKind::Status { code: 500 }, RELEASE, 1));
    let err = mimecast.release_held(&before[0].id).await.expect_err("500");
    assert!(
        matches!(err, MimecastError::Http { status: 500, .. }),
        "{err:?}"
    );
    assert_eq!(
        statuses(&sb, RELEASE),
        vec![500],
        "a write is never repeated after a 5xx"
    );
    sb.shutdown().await;
}

fn impatient() -> RetryPolicy {
    RetryPolicy {
        request_timeout: Duration::from_millis(300),
        ..fast_retry()
    }
}

#[tokio::test]
async fn a_slow_read_times_out_and_is_retried() {
    let sb = sandbox(SandboxConfig::default()).await;
    let mimecast = client_with(
        &sb,
        credentials(Mode::Hmac, &SandboxCredentials::default()),
        impatient(),
    );
    sb.inject(fault(FaultKind::Slow { delay_ms: 1500 }, HELD, 1));
    let rows = held(&mimecast).await.expect("second attempt is fast");
    assert!(!rows.is_empty());
    assert_eq!(served(&sb, HELD).len(), 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_slow_release_times_out_and_is_not_repeated() {
    let sb = sandbox(SandboxConfig::default()).await;
    let mimecast = client_with(
        &sb,
        credentials(Mode::Hmac, &SandboxCredentials::default()),
        impatient(),
    );
    let before = held(&mimecast).await.expect("list");
    sb.inject(fault(FaultKind::Slow { delay_ms: 1000 }, RELEASE, 1));
    let err = mimecast
        .release_held(&before[0].id)
        .await
        .expect_err("timed out");
    assert!(matches!(err, MimecastError::Timeout { .. }), "{err:?}");
    // Wait for the sandbox to finish the slow request, then check it was sent only once.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(served(&sb, RELEASE).len(), 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn malformed_json_is_a_decode_error() {
    let (sb, mimecast) = start().await;
    sb.inject(fault(FaultKind::MalformedJson, HELD, 1));
    let err = held(&mimecast).await.expect_err("bad JSON");
    assert!(matches!(err, MimecastError::Decode { .. }), "{err:?}");
    assert!(err.user_message().contains("could not read"));
    sb.shutdown().await;
}

#[tokio::test]
async fn a_fail_inside_a_200_is_an_error_with_mimecasts_reason() {
    let (sb, mimecast) = start().await;
    sb.inject(fault(
        FaultKind::FailIn200 {
            code: "err_validation_blank".into(),
            message: "Field must not be blank".into(),
            retryable: false,
        },
        HELD,
        1,
    ));
    let err = held(&mimecast).await.expect_err("fail entry");
    match &err {
        MimecastError::Api { failures, .. } => {
            assert_eq!(failures[0].errors[0].code, "err_validation_blank")
        }
        other => panic!("expected Api, got {other:?}"),
    }
    assert_eq!(
        err.user_message(),
        "Mimecast refused the request: Field must not be blank"
    );
    assert_eq!(served(&sb, HELD).len(), 1, "not retryable, not retried");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_retryable_fail_inside_a_200_is_retried_for_reads() {
    let (sb, mimecast) = start().await;
    sb.inject(fault(
        FaultKind::FailIn200 {
            code: "err_busy".into(),
            message: "Try later".into(),
            retryable: true,
        },
        HELD,
        1,
    ));
    held(&mimecast).await.expect("second attempt succeeds");
    assert_eq!(served(&sb, HELD).len(), 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn meta_status_inside_a_200_is_mapped_like_the_http_status() {
    let (sb, mimecast) = start().await;
    sb.inject(fault(FaultKind::MetaStatus { status: 403 }, HELD, 1));
    let err = held(&mimecast).await.expect_err("meta 403");
    assert!(matches!(err, MimecastError::Forbidden { .. }), "{err:?}");
    assert!(
        err.user_message().contains("Account | Dashboard | Read"),
        "{}",
        err.user_message()
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn http_403_and_418_become_actionable_errors() {
    let (sb, mimecast) = start().await;
    sb.inject(fault(FaultKind::Status { code: 403 }, RELEASE, 1));
    let err = mimecast.release_held("any-id").await.expect_err("403");
    assert!(matches!(err, MimecastError::Forbidden { .. }), "{err:?}");
    assert!(
        err.user_message()
            .contains("Account | Monitoring | Held | Edit")
    );

    sb.inject(fault(FaultKind::Status { code: 418 }, HELD, 1));
    let err = held(&mimecast).await.expect_err("418");
    assert!(
        matches!(err, MimecastError::BindingExpired { .. }),
        "{err:?}"
    );
    assert!(err.user_message().contains("expired"));
    sb.shutdown().await;
}

#[tokio::test]
async fn release_false_for_the_item_is_reported_as_not_done() {
    let (sb, mimecast) = start().await;
    let before = held(&mimecast).await.expect("list");
    sb.inject(fault(FaultKind::ItemFalse, RELEASE, 1));
    let err = mimecast
        .release_held(&before[0].id)
        .await
        .expect_err("release:false");
    assert!(
        matches!(
            err,
            MimecastError::NotExecuted {
                action: "release",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        held(&mimecast).await.expect("list").len(),
        before.len(),
        "still held"
    );
    assert_eq!(served(&sb, RELEASE).len(), 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_host_is_a_transport_error() {
    // Bind a port, then free it, so nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let mut config = mimecast_bot::mimecast::ClientConfig::new(
        &format!("http://{addr}"),
        credentials(Mode::Hmac, &SandboxCredentials::default()),
    )
    .expect("config");
    config.retry = fast_retry();
    let mimecast = MimecastClient::new(config).expect("client");
    let err = held(&mimecast).await.expect_err("nothing listens");
    assert!(
        matches!(err, MimecastError::Transport { not_sent: true, .. }),
        "{err:?}"
    );
    assert!(err.user_message().contains("Could not reach Mimecast"));
}
