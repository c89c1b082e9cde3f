//! Pipeline tests: authentication, routing, body errors, rate-limit headers, recording and
//! every fault kind, driven through the router.

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::test_support::{TestApi, fail_code, test_config};
use crate::mimecast::signature;
use crate::sandbox::data::Dataset;
use crate::sandbox::{AuthKind, Fault, FaultKind, SandboxConfig};

const HELD_LIST: &str = "/api/gateway/get-hold-message-list";
const RELEASE: &str = "/api/gateway/hold-release";
const URL_LOGS: &str = "/api/ttp/url/get-logs";

fn form(id: &str, secret: &str, grant: &str) -> String {
    format!("client_id={id}&client_secret={secret}&grant_type={grant}")
}

async fn token_request(api: &TestApi, body: String) -> super::test_support::Answer {
    api.send(
        Method::POST,
        "/oauth/token",
        &[(
            "content-type",
            "application/x-www-form-urlencoded".to_owned(),
        )],
        body,
    )
    .await
}

#[tokio::test]
async fn oauth_issues_tokens_and_rejects_bad_clients() {
    let api = TestApi::small();
    let ok = token_request(
        &api,
        form(
            "sandbox-client-id",
            "sandbox-client-secret",
            "client_credentials",
        ),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.json["token_type"], "Bearer");
    assert_eq!(ok.json["expires_in"], 60);
    assert_eq!(ok.json["scope"], "");
    let token = ok.json["access_token"].as_str().expect("token").to_owned();
    let answer = api
        .send(
            Method::POST,
            HELD_LIST,
            &[("authorization", format!("Bearer {token}"))],
            "{}",
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);

    let wrong = token_request(
        &api,
        form("sandbox-client-id", "nope", "client_credentials"),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.json["fail"][0]["code"], "invalid_client");
    assert!(wrong.json["fail"][0]["message"].as_str().is_some());

    let grant = token_request(
        &api,
        form("sandbox-client-id", "sandbox-client-secret", "password"),
    )
    .await;
    assert_eq!(grant.status, StatusCode::UNAUTHORIZED);
    assert_eq!(grant.json["fail"][0]["code"], "unsupported_grant_type");

    let missing = token_request(&api, "client_id=sandbox-client-id".to_owned()).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.json["fail"][0]["code"], "invalid_request");

    let json_body = api
        .send(
            Method::POST,
            "/oauth/token",
            &[("content-type", "application/json".to_owned())],
            "{}",
        )
        .await;
    assert_eq!(json_body.status, StatusCode::BAD_REQUEST);

    let basic = api
        .send(
            Method::POST,
            "/oauth/token",
            &[(
                "authorization",
                // base64("sandbox-client-id:sandbox-client-secret")
                "Basic c2FuZGJveC1jbGllbnQtaWQ6c2FuZGJveC1jbGllbnQtc2VjcmV0".to_owned(),
            )],
            "grant_type=client_credentials",
        )
        .await;
    assert_eq!(basic.status, StatusCode::OK, "{}", basic.json);

    let get = api.send(Method::GET, "/oauth/token", &[], "").await;
    assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn bearer_tokens_expire_and_unknown_tokens_fail() {
    let api = TestApi::new(SandboxConfig {
        token_ttl: Duration::from_millis(40),
        ..test_config()
    });
    let fresh = api.post(HELD_LIST, json!({})).await;
    assert_eq!(fresh.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(60)).await;
    let expired = api.post(HELD_LIST, json!({})).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(fail_code(&expired.json), "err_xdk_token_expired");
    assert_eq!(expired.json["meta"]["status"], 401);
    assert_eq!(expired.json["data"], json!([]));

    let unknown = api
        .send(
            Method::POST,
            HELD_LIST,
            &[("authorization", "Bearer not-a-token".to_owned())],
            "{}",
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(fail_code(&unknown.json), "err_xdk_invalid_token");

    let api = TestApi::small();
    assert_eq!(api.post(HELD_LIST, json!({})).await.status, StatusCode::OK);
    api.state.expire_tokens();
    let after = api.post(HELD_LIST, json!({})).await;
    assert_eq!(fail_code(&after.json), "err_xdk_token_expired");
}

fn hmac_headers(path: &str, secret: &str) -> Vec<(&'static str, String)> {
    let creds = crate::sandbox::SandboxCredentials::default();
    let date = signature::header_date(chrono::Utc::now());
    let req_id = uuid::Uuid::new_v4().to_string();
    let sig = signature::sign(secret, &date, &req_id, path, &creds.app_key).expect("valid key");
    vec![
        (
            "authorization",
            signature::authorization_header(&creds.access_key, &sig),
        ),
        ("x-mc-app-id", creds.app_id),
        ("x-mc-date", date),
        ("x-mc-req-id", req_id),
        ("content-type", "application/json".to_owned()),
    ]
}

#[tokio::test]
async fn hmac_signatures_are_verified() {
    let api = TestApi::small();
    let secret = crate::sandbox::SandboxCredentials::default().secret_key;
    let good = api
        .send(
            Method::POST,
            URL_LOGS,
            &hmac_headers(URL_LOGS, &secret),
            "{\"data\":[]}",
        )
        .await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.json);

    // base64("another-secret")
    let bad = api
        .send(
            Method::POST,
            URL_LOGS,
            &hmac_headers(URL_LOGS, "YW5vdGhlci1zZWNyZXQ="),
            "{}",
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        bad.json,
        json!({"meta":{"status":401},"data":[],"fail":[{"errors":[
            {"code":"err_xdk_invalid_signature","message":"0004 Invalid Signature","retryable":false}]}]})
    );

    // Signed for another path.
    let other = api
        .send(
            Method::POST,
            URL_LOGS,
            &hmac_headers(HELD_LIST, &secret),
            "{}",
        )
        .await;
    assert_eq!(fail_code(&other.json), "err_xdk_invalid_signature");

    let mut headers = hmac_headers(URL_LOGS, &secret);
    headers.retain(|(name, _)| *name != "x-mc-date");
    let missing = api.send(Method::POST, URL_LOGS, &headers, "{}").await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(fail_code(&missing.json), "err_xdk_missing_headers");
    assert!(
        missing.json["fail"][0]["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("x-mc-date")
    );

    let mut headers = hmac_headers(URL_LOGS, &secret);
    headers[1].1 = "other-app".to_owned();
    let app = api.send(Method::POST, URL_LOGS, &headers, "{}").await;
    assert_eq!(fail_code(&app.json), "err_developer_key");

    let none = api.send(Method::POST, URL_LOGS, &[], "{}").await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(fail_code(&none.json), "err_xdk_authorization_missing");
}

#[tokio::test]
async fn routing_and_body_errors_are_mimecast_shaped() {
    let api = TestApi::small();
    let unknown = api.post("/api/gateway/nothing-here", json!({})).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.json["meta"]["status"], 404);
    assert_eq!(fail_code(&unknown.json), "err_resource_not_found");

    let auth = format!("Bearer {}", api.token);
    let get = api
        .send(
            Method::GET,
            HELD_LIST,
            &[("authorization", auth.clone())],
            "",
        )
        .await;
    assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(get.headers["allow"], "POST");
    assert_eq!(get.json["meta"]["status"], 405);

    let garbage = api
        .send(
            Method::POST,
            HELD_LIST,
            &[("authorization", auth.clone())],
            "{not json",
        )
        .await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
    assert_eq!(fail_code(&garbage.json), "err_request_malformed");

    let data_object = api.post(HELD_LIST, json!({"data": {"admin": true}})).await;
    assert_eq!(data_object.status, StatusCode::BAD_REQUEST);

    let item_not_object = api.post(HELD_LIST, json!({"data": [42]})).await;
    assert_eq!(item_not_object.status, StatusCode::OK);
    assert_eq!(item_not_object.json["fail"][0]["key"], 42);

    let bad_size = api
        .post(
            HELD_LIST,
            json!({"meta":{"pagination":{"pageSize":0}},"data":[{}]}),
        )
        .await;
    assert_eq!(fail_code(&bad_size.json), "err_validation_invalid_value");

    for answer in [&unknown, &get, &garbage, &bad_size] {
        for name in [
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
        ] {
            let value = answer.headers.get(name).expect(name);
            assert!(
                value.to_str().expect("ascii").parse::<u64>().is_ok(),
                "{name}"
            );
        }
    }
}

#[tokio::test]
async fn requests_are_recorded_but_admin_calls_are_not() {
    let api = TestApi::small();
    api.post(HELD_LIST, json!({"data":[{"admin":true}]})).await;
    api.send(Method::POST, URL_LOGS, &[], "x").await;
    api.send(Method::GET, "/_sandbox/info", &[], "").await;
    let records = api.state.requests();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].path, HELD_LIST);
    assert_eq!(records[0].auth, AuthKind::Bearer);
    assert_eq!(records[0].status, 200);
    assert_eq!(records[0].body["data"][0]["admin"], true);
    assert_eq!(records[1].auth, AuthKind::None);
    assert_eq!(records[1].status, 401);
    assert_eq!(records[1].body, Value::Null);
    let listed = api.send(Method::GET, "/_sandbox/requests", &[], "").await;
    assert_eq!(listed.json.as_array().map(Vec::len), Some(2));
    assert_eq!(listed.json[0]["auth"], "bearer");
    api.send(Method::DELETE, "/_sandbox/requests", &[], "")
        .await;
    assert!(api.state.requests().is_empty());
}

fn first_held_id(api: &TestApi) -> String {
    api.state.data().held_message(0).id
}

async fn release(api: &TestApi, id: &str) -> super::test_support::Answer {
    api.post(RELEASE, json!({"data":[{"id": id}]})).await
}

#[tokio::test]
async fn rate_limit_fault_answers_429_without_executing() {
    let api = TestApi::small();
    api.state.inject(
        Fault::always(FaultKind::RateLimit { reset_ms: 250 })
            .on(RELEASE)
            .times(1),
    );
    let id = first_held_id(&api);
    let limited = release(&api, &id).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers["x-ratelimit-reset"], "250");
    assert_eq!(limited.headers["x-ratelimit-remaining"], "0");
    assert_eq!(limited.json["meta"]["status"], 429);
    assert!(api.state.held_disposition(0).is_none(), "not executed");
    let ok = release(&api, &id).await;
    assert_eq!(ok.json["data"][0]["release"], true, "fault used once");
}

#[tokio::test]
async fn status_faults_use_mimecast_codes_and_do_not_execute() {
    let api = TestApi::small();
    let id = first_held_id(&api);
    for (code, want) in [
        (500, "err_server_internal"),
        (403, "err_xdk_forbidden"),
        (418, "err_xdk_binding_expired"),
        (401, "err_xdk_invalid_token"),
    ] {
        api.state
            .inject(Fault::always(FaultKind::Status { code }).times(1));
        let answer = release(&api, &id).await;
        assert_eq!(answer.status.as_u16(), code);
        assert_eq!(answer.json["meta"]["status"], code);
        assert_eq!(fail_code(&answer.json), want);
        assert_eq!(
            answer.json["fail"][0]["errors"][0]["retryable"],
            code == 500
        );
    }
    assert!(api.state.held_disposition(0).is_none());
}

#[tokio::test]
async fn slow_fault_delays_then_answers() {
    let api = TestApi::small();
    api.state
        .inject(Fault::always(FaultKind::Slow { delay_ms: 30 }).times(1));
    let started = Instant::now();
    let answer = api.post(HELD_LIST, json!({})).await;
    assert!(started.elapsed() >= Duration::from_millis(30));
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json["fail"], json!([]));
}

#[tokio::test]
async fn slow_work_is_done_and_recorded_even_if_the_client_gives_up() {
    let api = TestApi::small();
    api.state
        .inject(Fault::always(FaultKind::Slow { delay_ms: 400 }).on(RELEASE));
    let id = first_held_id(&api);
    let gave_up = tokio::time::timeout(Duration::from_millis(150), release(&api, &id)).await;
    assert!(gave_up.is_err(), "the answer is held back");
    assert_eq!(
        api.state.held_disposition(0),
        Some(crate::sandbox::Disposition::Released)
    );
    let records = api.state.requests();
    assert_eq!(records.len(), 1);
    assert_eq!(
        (records[0].path.as_str(), records[0].status),
        (RELEASE, 200)
    );
}

#[tokio::test]
async fn malformed_json_fault_truncates_the_body() {
    let api = TestApi::small();
    api.state
        .inject(Fault::always(FaultKind::MalformedJson).times(1));
    let answer = api.post(HELD_LIST, json!({"data":[{"admin":true}]})).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(!answer.raw.is_empty());
    assert!(serde_json::from_slice::<Value>(&answer.raw).is_err());
    assert_eq!(answer.headers["content-type"], "application/json");
}

#[tokio::test]
async fn fail_in_200_and_meta_status_do_not_execute() {
    let api = TestApi::small();
    let id = first_held_id(&api);
    api.state.inject(
        Fault::always(FaultKind::FailIn200 {
            code: "err_xdk_operation_forbidden_for_address".into(),
            message: "0003 Forbidden To Perform Operation For Address".into(),
            retryable: false,
        })
        .times(1),
    );
    let answer = release(&api, &id).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json["data"], json!([]));
    assert_eq!(
        fail_code(&answer.json),
        "err_xdk_operation_forbidden_for_address"
    );
    assert_eq!(answer.json["fail"][0]["key"]["id"], id.as_str());

    api.state
        .inject(Fault::always(FaultKind::MetaStatus { status: 403 }).times(1));
    let answer = release(&api, &id).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json["meta"]["status"], 403);
    assert_eq!(fail_code(&answer.json), "err_xdk_forbidden");
    assert!(api.state.held_disposition(0).is_none());
}

#[tokio::test]
async fn item_false_fault_only_touches_hold_actions() {
    let api = TestApi::small();
    api.state.inject(Fault::always(FaultKind::ItemFalse));
    let logs = api.post(URL_LOGS, json!({})).await;
    assert_eq!(logs.json["fail"], json!([]), "not applied to logs");
    let id = first_held_id(&api);
    let answer = release(&api, &id).await;
    assert_eq!(answer.json["data"], json!([{"id": id, "release": false}]));
    let other = api.state.data().held_message(1).id;
    let answer = api
        .post(
            "/api/gateway/hold-reject",
            json!({"data":[{"ids":[id, other]}]}),
        )
        .await;
    assert_eq!(
        answer.json["data"],
        json!([{"id": id, "reject": false}, {"id": other, "reject": false}])
    );
    assert_eq!(
        api.state.held_remaining(),
        api.state.data().len(Dataset::Held)
    );
    assert_eq!(api.state.faults().len(), 1, "unlimited fault stays queued");
}

#[tokio::test]
async fn admin_endpoints_control_faults_and_tokens() {
    let api = TestApi::small();
    let queued = api
        .send(
            Method::POST,
            "/_sandbox/faults",
            &[("content-type", "application/json".to_owned())],
            r#"{"kind":"rate_limit","reset_ms":250,"path":"/api/ttp/url/get-logs","times":1}"#,
        )
        .await;
    assert_eq!(queued.status, StatusCode::CREATED, "{}", queued.json);
    assert_eq!(api.post(HELD_LIST, json!({})).await.status, StatusCode::OK);
    assert_eq!(
        api.post(URL_LOGS, json!({})).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(api.post(URL_LOGS, json!({})).await.status, StatusCode::OK);

    let bad = api
        .send(
            Method::POST,
            "/_sandbox/faults",
            &[],
            r#"{"kind":"status","code":42}"#,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let bad = api
        .send(Method::POST, "/_sandbox/faults", &[], "nope")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    api.send(
        Method::POST,
        "/_sandbox/faults",
        &[],
        r#"{"kind":"status","code":503}"#,
    )
    .await;
    // Admin calls are never faulted.
    let info = api.send(Method::GET, "/_sandbox/info", &[], "").await;
    assert_eq!(info.status, StatusCode::OK);
    assert_eq!(info.json["seed"], 11);
    assert_eq!(info.json["scale"], 600);
    assert_eq!(info.json["now"], "2024-06-14T12:00:00+0000");
    assert_eq!(info.json["credentials"]["client_id"], "sandbox-client-id");
    assert!(!info.json.to_string().contains("sandbox-client-secret"));
    assert!(!info.json.to_string().contains("c2FuZGJveC1zZWNyZXQta2V5"));
    assert_eq!(api.post(URL_LOGS, json!({})).await.status.as_u16(), 503);
    let cleared = api.send(Method::DELETE, "/_sandbox/faults", &[], "").await;
    assert_eq!(cleared.status, StatusCode::NO_CONTENT);
    assert_eq!(api.post(URL_LOGS, json!({})).await.status, StatusCode::OK);

    api.send(Method::POST, "/_sandbox/expire-tokens", &[], "")
        .await;
    let expired = api.post(URL_LOGS, json!({})).await;
    assert_eq!(fail_code(&expired.json), "err_xdk_token_expired");
}
