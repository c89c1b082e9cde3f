//! Every endpoint through the real client against the sandbox, in both authentication modes.

mod common;

use chrono::{Duration as Days, Utc};
use common::{MODES, Mode, client, sandbox, sandbox_scaled, served};
use futures_util::TryStreamExt;
use mimecast_bot::mimecast::{
    ArchiveSearch, AttachmentLogQuery, AttachmentResult, HeldQuery, ImpersonationLogQuery, Listing,
    MessageSearch, MimecastClient, MimecastError, RejectHeld, RejectReason, Route, UrlLogQuery,
    UrlScanResult, Window,
};
use mimecast_bot::sandbox::{AuthKind, SandboxConfig};

/// Every row of `query`, read `page_size` at a time.
async fn all_rows<L: Listing>(
    mimecast: &MimecastClient,
    query: L,
    page_size: u32,
    what: &str,
) -> Vec<L::Row> {
    mimecast
        .rows(query, page_size)
        .try_collect()
        .await
        .expect(what)
}

/// The TTP logs default to "since the start of today"; tests ask for the whole 30 days.
fn month() -> Window {
    Window {
        from: Some(Utc::now() - Days::days(31)),
        ..Default::default()
    }
}

fn auth_kind(mode: Mode) -> AuthKind {
    match mode {
        Mode::OAuth2 => AuthKind::Bearer,
        Mode::Hmac => AuthKind::Hmac,
    }
}

#[tokio::test]
async fn held_queue_lists_admin_and_user_scopes_in_both_modes() {
    for mode in MODES {
        let sb = sandbox_scaled(500).await;
        let mimecast = client(&sb, mode);
        let admin: Vec<_> = all_rows(
            &mimecast,
            HeldQuery {
                admin: true,
                ..Default::default()
            },
            10,
            "admin held list",
        )
        .await;
        let own: Vec<_> = all_rows(&mimecast, HeldQuery::default(), 10, "user held list").await;
        assert!(admin.len() >= 25, "{mode:?}: {} held", admin.len());
        assert!(!own.is_empty() && own.len() < admin.len(), "{mode:?}");
        for message in &admin {
            assert!(!message.id.is_empty() && !message.sender().is_empty());
            assert!(!message.recipient().is_empty() && message.date_received.is_some());
            let age = Utc::now() - message.date_received.expect("date");
            assert!(
                age <= Days::days(14) + Days::minutes(1),
                "held longer than 14 days"
            );
        }
        let calls = served(&sb, "/api/gateway/get-hold-message-list");
        assert!(calls.len() >= 2);
        assert!(
            calls
                .iter()
                .all(|r| r.auth == auth_kind(mode) && r.status == 200)
        );
        assert_eq!(calls[0].body["data"][0]["admin"], serde_json::json!(true));
        sb.shutdown().await;
    }
}

#[tokio::test]
async fn release_removes_from_queue_and_a_second_release_fails() {
    for mode in MODES {
        let sb = sandbox_scaled(500).await;
        let mimecast = client(&sb, mode);
        let admin = HeldQuery {
            admin: true,
            ..Default::default()
        };
        let before: Vec<_> = all_rows(&mimecast, admin.clone(), 100, "list").await;
        let target = before[0].id.clone();

        let receipt = mimecast.release_held(&target).await.expect("released");
        assert_eq!(receipt.ids, vec![target.clone()]);
        assert!(!receipt.request_id.is_empty());

        let after: Vec<_> = all_rows(&mimecast, admin, 100, "list").await;
        assert_eq!(after.len(), before.len() - 1, "{mode:?}");
        assert!(after.iter().all(|m| m.id != target));

        let again = mimecast
            .release_held(&target)
            .await
            .expect_err("already released");
        assert!(matches!(again, MimecastError::Api { .. }), "{again:?}");
        assert_eq!(served(&sb, "/api/gateway/hold-release").len(), 2);
        let sent = &served(&sb, "/api/gateway/hold-release")[0];
        assert_eq!(sent.body, serde_json::json!({"data": [{"id": target}]}));
        assert_eq!(sent.auth, auth_kind(mode));
        sb.shutdown().await;
    }
}

#[tokio::test]
async fn reject_sends_reason_type_notify_and_message() {
    for mode in MODES {
        let sb = sandbox_scaled(500).await;
        let mimecast = client(&sb, mode);
        let admin = HeldQuery {
            admin: true,
            ..Default::default()
        };
        let held: Vec<_> = all_rows(&mimecast, admin.clone(), 100, "list").await;
        let ids = vec![held[0].id.clone(), held[1].id.clone()];
        let request = RejectHeld {
            ids: ids.clone(),
            message: Some("Blocked by the security team".into()),
            reason_type: Some(RejectReason::AgainstEmailPolicies),
            notify: true,
        };
        let receipt = mimecast.reject_held(&request).await.expect("rejected");
        assert_eq!(receipt.ids, ids);
        let sent = &served(&sb, "/api/gateway/hold-reject")[0];
        assert_eq!(
            sent.body["data"][0],
            serde_json::json!({"ids": ids, "message": "Blocked by the security team",
                               "reasonType": "MESSAGE GOES AGAINST EMAIL POLICIES", "notify": true})
        );
        let after: Vec<_> = all_rows(&mimecast, admin, 100, "list").await;
        assert_eq!(after.len(), held.len() - 2);
        let again = mimecast
            .reject_held(&request)
            .await
            .expect_err("already gone");
        assert!(matches!(again, MimecastError::Api { .. }), "{again:?}");
        sb.shutdown().await;
    }
}

#[tokio::test]
async fn message_search_honours_sender_filter_and_dates() {
    for mode in MODES {
        let sb = sandbox_scaled(500).await;
        let mimecast = client(&sb, mode);
        // Find a real sender first through a broad search on the org's domain.
        let broad: Vec<_> = all_rows(
            &mimecast,
            MessageSearch {
                to: Some("example-corp.com".into()),
                ..Default::default()
            },
            100,
            "search by recipient domain",
        )
        .await;
        assert!(!broad.is_empty(), "{mode:?}");
        assert!(broad.iter().all(|m| m.to.iter().any(|t| {
            t.email_address
                .to_ascii_lowercase()
                .ends_with("example-corp.com")
        })));
        let sender = broad[0]
            .from_env
            .as_ref()
            .expect("envelope sender")
            .email_address
            .clone();

        let by_sender: Vec<_> = all_rows(
            &mimecast,
            MessageSearch {
                from: Some(sender.clone()),
                ..Default::default()
            },
            50,
            "search by sender",
        )
        .await;
        assert!(!by_sender.is_empty());
        for m in &by_sender {
            let env = m
                .from_env
                .as_ref()
                .map(|f| f.email_address.to_ascii_lowercase());
            let hdr = m
                .from_hdr
                .as_ref()
                .map(|f| f.email_address.to_ascii_lowercase());
            let want = sender.to_ascii_lowercase();
            assert!(
                env.as_deref() == Some(&want) || hdr.as_deref() == Some(&want),
                "{m:?}"
            );
        }

        let start = Utc::now() - Days::days(3);
        let recent: Vec<_> = all_rows(
            &mimecast,
            MessageSearch {
                to: Some("example-corp.com".into()),
                start: Some(start),
                ..Default::default()
            },
            100,
            "recent",
        )
        .await;
        assert!(recent.len() < broad.len());
        assert!(
            recent
                .iter()
                .all(|m| m.received.is_some_and(|r| r >= start - Days::seconds(1)))
        );
        sb.shutdown().await;
    }
}

#[tokio::test]
async fn url_logs_honour_scan_result_route_and_window() {
    for mode in MODES {
        let sb = sandbox_scaled(2000).await;
        let mimecast = client(&sb, mode);
        let all: Vec<_> = all_rows(
            &mimecast,
            UrlLogQuery {
                window: month(),
                ..Default::default()
            },
            500,
            "all url logs",
        )
        .await;
        let malicious: Vec<_> = all_rows(
            &mimecast,
            UrlLogQuery {
                scan_result: UrlScanResult::Malicious,
                window: month(),
                ..Default::default()
            },
            500,
            "malicious",
        )
        .await;
        let clean: Vec<_> = all_rows(
            &mimecast,
            UrlLogQuery {
                scan_result: UrlScanResult::Clean,
                window: month(),
                ..Default::default()
            },
            500,
            "clean",
        )
        .await;
        assert_eq!(all.len(), 2000, "{mode:?}");
        assert!(!malicious.is_empty() && !clean.is_empty());
        assert_eq!(malicious.len() + clean.len(), all.len());
        assert!(malicious.iter().all(|r| r.scan_result == "malicious"));
        assert_eq!(
            malicious.len(),
            all.iter().filter(|r| r.scan_result == "malicious").count()
        );

        let inbound: Vec<_> = all_rows(
            &mimecast,
            UrlLogQuery {
                route: Route::Inbound,
                window: month(),
                ..Default::default()
            },
            500,
            "inbound",
        )
        .await;
        assert_eq!(
            inbound.len(),
            all.iter().filter(|r| r.route == "inbound").count()
        );

        let from = Utc::now() - Days::days(7);
        let week: Vec<_> = all_rows(
            &mimecast,
            UrlLogQuery {
                window: Window {
                    from: Some(from),
                    ..Default::default()
                },
                ..Default::default()
            },
            500,
            "last week",
        )
        .await;
        assert_eq!(
            week.len(),
            all.iter()
                .filter(|r| r.date.is_some_and(|d| d >= from))
                .count()
        );
        assert!(week.len() < all.len() && !week.is_empty());
        // Newest first by default.
        assert!(week.windows(2).all(|w| w[0].date >= w[1].date));
        sb.shutdown().await;
    }
}

#[tokio::test]
async fn attachment_and_impersonation_logs_in_both_modes() {
    for mode in MODES {
        let sb = sandbox_scaled(1000).await;
        let mimecast = client(&sb, mode);
        let all: Vec<_> = all_rows(
            &mimecast,
            AttachmentLogQuery {
                window: month(),
                ..Default::default()
            },
            250,
            "all",
        )
        .await;
        let malicious: Vec<_> = all_rows(
            &mimecast,
            AttachmentLogQuery {
                result: AttachmentResult::Malicious,
                window: month(),
                ..Default::default()
            },
            250,
            "malicious",
        )
        .await;
        assert_eq!(all.len(), 1000);
        assert_eq!(
            malicious.len(),
            all.iter().filter(|r| r.result == "malicious").count()
        );
        assert!(!malicious.is_empty());
        assert!(
            all.iter()
                .all(|r| !r.file_name.is_empty() && r.date.is_some())
        );

        let imp: Vec<_> = all_rows(
            &mimecast,
            ImpersonationLogQuery {
                window: month(),
                ..Default::default()
            },
            250,
            "imp",
        )
        .await;
        assert_eq!(imp.len(), 1000);
        let held = ImpersonationLogQuery {
            actions: vec!["hold".into()],
            window: month(),
            ..Default::default()
        };
        let held_rows: Vec<_> = all_rows(&mimecast, held, 250, "hold").await;
        assert_eq!(
            held_rows.len(),
            imp.iter().filter(|r| r.action == "hold").count()
        );
        assert!(!held_rows.is_empty());
        let tagged = ImpersonationLogQuery {
            tagged_malicious: Some(true),
            window: month(),
            ..Default::default()
        };
        let tagged_rows: Vec<_> = all_rows(&mimecast, tagged, 250, "tagged").await;
        assert_eq!(
            tagged_rows.len(),
            imp.iter().filter(|r| r.tagged_malicious).count()
        );
        assert!(
            imp.iter()
                .all(|r| !r.identifiers.is_empty() && r.event_time.is_some())
        );
        sb.shutdown().await;
    }
}

#[tokio::test]
async fn archive_search_finds_by_text_and_escapes_hostile_input() {
    for mode in MODES {
        let sb = sandbox_scaled(500).await;
        let mimecast = client(&sb, mode);
        let invoices: Vec<_> = all_rows(
            &mimecast,
            ArchiveSearch {
                text: "invoice".into(),
                ..Default::default()
            },
            100,
            "archive search",
        )
        .await;
        assert!(!invoices.is_empty(), "{mode:?}");
        assert!(invoices.iter().all(|i| {
            let hay =
                format!("{} {} {}", i.subject, i.displayfromaddress, i.displayto).to_lowercase();
            hay.contains("invoice")
        }));

        let hostile = ArchiveSearch {
            text: "</text><date select=\"today\"/><text>".into(),
            ..Default::default()
        };
        let answer: Vec<_> = all_rows(&mimecast, hostile, 100, "escaped query").await;
        assert!(answer.is_empty());
        let sent = served(&sb, "/api/archive/search").pop().expect("recorded");
        let xml = sent.body["data"][0]["query"]
            .as_str()
            .expect("query string")
            .to_owned();
        assert!(xml.contains("&lt;/text&gt;"), "{xml}");

        let windowed: Vec<_> = all_rows(
            &mimecast,
            ArchiveSearch {
                text: "invoice".into(),
                start: Some(Utc::now() - Days::days(5)),
                end: Some(Utc::now()),
                ..Default::default()
            },
            100,
            "window",
        )
        .await;
        assert!(windowed.len() < invoices.len());
        sb.shutdown().await;
    }
}

#[tokio::test]
async fn decode_url_round_trips_a_rewritten_link() {
    for mode in MODES {
        let sb = sandbox_scaled(500).await;
        let mimecast = client(&sb, mode);
        let logs: Vec<_> = all_rows(
            &mimecast,
            UrlLogQuery {
                window: month(),
                ..Default::default()
            },
            500,
            "logs",
        )
        .await;
        let rewritten = logs
            .iter()
            .find(|r| r.url.contains("mimecast.com/s/"))
            .expect("the sandbox issues rewritten links")
            .url
            .clone();
        let original = mimecast.decode_url(&rewritten).await.expect("decoded");
        assert!(original.starts_with("http") && !original.contains("mimecast.com/s/"));
        let bad = mimecast
            .decode_url("https://example.com/not-rewritten")
            .await;
        assert!(matches!(bad, Err(MimecastError::Api { .. })), "{bad:?}");
        sb.shutdown().await;
    }
}

#[tokio::test]
async fn pages_through_thousands_of_rows_one_page_at_a_time() {
    let sb = sandbox(SandboxConfig {
        scale: 12_000,
        ..SandboxConfig::default()
    })
    .await;
    let mimecast = client(&sb, Mode::OAuth2);
    let mut pages = Box::pin(mimecast.pages(
        UrlLogQuery {
            window: month(),
            ..Default::default()
        },
        100,
    ));
    let mut rows = 0usize;
    let mut page_count = 0usize;
    let mut largest_page = 0usize;
    let mut seen_first = std::collections::HashSet::new();
    while let Some(page) = pages.try_next().await.expect("page") {
        page_count += 1;
        largest_page = largest_page.max(page.rows.len());
        rows += page.rows.len();
        let first = page.rows.first().map(|r| (r.date, r.url.clone()));
        assert!(seen_first.insert(first), "a page repeated");
        assert!(page_count <= 200, "paging did not stop");
    }
    assert_eq!(rows, 12_000);
    assert_eq!(page_count, 120);
    assert_eq!(largest_page, 100);
    // Every follow-up request carried the previous page's token.
    let calls = served(&sb, "/api/ttp/url/get-logs");
    assert_eq!(calls.len(), 120);
    assert!(
        calls[0].body["meta"]["pagination"]
            .get("pageToken")
            .is_none()
    );
    assert!(
        calls[1..]
            .iter()
            .all(|c| c.body["meta"]["pagination"]["pageToken"].is_string())
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn read_ahead_gives_the_same_rows_and_stops_when_dropped_or_failed() {
    use mimecast_bot::sandbox::{Fault, FaultKind};
    let sb = sandbox(SandboxConfig {
        scale: 3_000,
        ..SandboxConfig::default()
    })
    .await;
    let mimecast = client(&sb, Mode::OAuth2);
    let query = || UrlLogQuery {
        window: month(),
        ..Default::default()
    };
    let plain = all_rows(&mimecast, query(), 100, "plain rows").await;
    let ahead: Vec<_> = mimecast
        .rows_read_ahead(query(), 100)
        .try_collect()
        .await
        .expect("read-ahead rows");
    assert!(plain.len() > 100, "the data set spans several pages");
    let key = |r: &mimecast_bot::mimecast::ClickLog| (r.date, r.url.clone());
    assert_eq!(
        ahead.iter().map(key).collect::<Vec<_>>(),
        plain.iter().map(key).collect::<Vec<_>>()
    );

    // Dropped after its first row: at most the pages already asked for are fetched.
    sb.clear_requests();
    let mut stream = Box::pin(mimecast.rows_read_ahead(query(), 100));
    stream.try_next().await.expect("first row").expect("a row");
    drop(stream);
    // A request already on the wire may still be recorded; nothing after it.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let settled = served(&sb, "/api/ttp/url/get-logs").len();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let later = served(&sb, "/api/ttp/url/get-logs").len();
    assert!(settled <= 3, "fetched {settled} pages for one row");
    assert_eq!(
        later, settled,
        "fetching went on after the stream was dropped"
    );

    // Refused: the error, then the end of the stream, and no further request.
    sb.clear_requests();
    sb.inject(Fault {
        kind: FaultKind::Status { code: 403 },
        path: Some("/api/ttp/url/get-logs".into()),
        times: None,
    });
    let mut stream = Box::pin(mimecast.rows_read_ahead(query(), 100));
    let first = stream.try_next().await;
    assert!(
        matches!(first, Err(MimecastError::Forbidden { .. })),
        "expected the 403, got {first:?}"
    );
    assert!(matches!(stream.try_next().await, Ok(None)));
    assert_eq!(served(&sb, "/api/ttp/url/get-logs").len(), 1);
    sb.clear_faults();
    sb.shutdown().await;
}
