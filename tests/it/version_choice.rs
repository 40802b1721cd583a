//! Which version the client speaks, and what it refuses before sending because the version
//! does not have it, against recording servers over real sockets.

use vbo365::{
    Action, ApiVersion, Client, Credentials, ExportToPst, RestoreExtras, RestoreOptions,
    VersionChoice,
};

use super::support::{CaptureServer, Reply, token_json};

const SESSION: &str = "380d7caf-6294-4a33-b50a-b8aeb13af58c";
const MAILBOX: &str = "9e9b7199-f547-467a-b580-9d283a75eaad";
const ITEM: &str = "AAAAAKGE4dIvQUtGjuSnq8JTHAgHAPliTMf_6DxPiJ6TGYB9CqAAAAAAAUcAAEJD8-NHTuNAoFrJGmIzcMoAAE-h_u0AAA==";

/// A server that serves the versions `served`: their `RestoreSessions` answer 401 without a
/// token, every other path 404; the token endpoint of a served version answers a token.
async fn serving(served: &'static [&'static str]) -> CaptureServer {
    CaptureServer::start_with(move |request| {
        let prefix = request.target.split('/').nth(1).unwrap_or_default();
        if !served.contains(&prefix) {
            return Reply::json(404, r#"{"message":"No HTTP resource was found"}"#);
        }
        if request.target.ends_with("/token") {
            return Reply::json(200, &token_json("access", "refresh", 3600));
        }
        Reply::json(401, r#"{"message":"Authorization has been denied"}"#)
    })
    .await
}

fn client(server: &CaptureServer, choice: impl Into<VersionChoice>) -> Client {
    Client::builder(&server.base_url)
        .api_version(choice)
        .build()
        .unwrap()
}

#[tokio::test]
async fn auto_speaks_the_newest_version_served_and_asks_only_once() {
    for (served, expected) in [
        (&["v4"][..], ApiVersion::V4),
        (&["v4", "v6"][..], ApiVersion::V6),
        (&["v6", "v7"][..], ApiVersion::V7),
        (&["v6", "v7", "v8"][..], ApiVersion::V8),
    ] {
        let server = serving(served).await;
        let client = client(&server, VersionChoice::Auto);
        assert_eq!(client.api_version().await.unwrap(), expected, "{served:?}");
        assert_eq!(client.clone().api_version().await.unwrap(), expected);
        let probes: Vec<String> = server
            .requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.target))
            .collect();
        let newer = ApiVersion::ALL.iter().filter(|v| **v > expected).count();
        assert_eq!(
            probes.len(),
            newer + 1,
            "one probe per version tried: {probes:?}"
        );
        assert!(
            probes
                .iter()
                .all(|p| p.starts_with("GET /v") && p.ends_with("/RestoreSessions")),
            "{probes:?}"
        );
        assert!(
            server
                .requests()
                .iter()
                .all(|r| r.header("authorization").is_none()),
            "the probe is anonymous"
        );
    }
}

#[tokio::test]
async fn auto_logs_in_at_the_version_it_found() {
    let server = serving(&["v6", "v7"]).await;
    let client = client(&server, VersionChoice::Auto);
    client.login("admin", "paSSw0rd").await.unwrap();
    let token = server
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(token.target, "/v7/token");
    let form = token.body_text();
    assert!(
        form.contains("disable_antiforgery_token=true"),
        "v7 turns the antiforgery step off: {form}"
    );
    assert!(form.contains("grant_type=password"), "{form}");
}

#[tokio::test]
async fn only_v7_and_later_are_sent_the_antiforgery_field() {
    for (version, prefix, expected) in [
        (ApiVersion::V4, "v4", false),
        (ApiVersion::V6, "v6", false),
        (ApiVersion::V8, "v8", true),
    ] {
        let server = serving(&["v4", "v6", "v7", "v8"]).await;
        client(&server, version)
            .login("admin", "paSSw0rd")
            .await
            .unwrap();
        let requests = server.requests();
        assert_eq!(requests.len(), 1, "a chosen version is not probed");
        assert_eq!(requests[0].target, format!("/{prefix}/token"));
        assert_eq!(
            requests[0]
                .body_text()
                .contains("disable_antiforgery_token"),
            expected,
            "{version}: {}",
            requests[0].body_text()
        );
    }
}

#[tokio::test]
async fn a_server_that_serves_no_version_is_an_error_that_says_what_was_tried() {
    let server = serving(&[]).await;
    let client = client(&server, VersionChoice::Auto);
    let error = client.login("admin", "paSSw0rd").await.unwrap_err();
    assert_eq!(error.field(), Some("api_version"));
    let text = error.to_string();
    for version in ApiVersion::ALL {
        assert!(
            text.contains(&format!("GET /{version}/RestoreSessions: 404")),
            "{text}"
        );
    }
    assert!(
        server.requests().iter().all(|r| r.method == "GET"),
        "no login was sent"
    );
}

#[tokio::test]
async fn version_choices_parse_as_the_command_line_spells_them() {
    assert_eq!(
        "auto".parse::<VersionChoice>().unwrap(),
        VersionChoice::Auto
    );
    assert_eq!(
        "V8".parse::<VersionChoice>().unwrap(),
        VersionChoice::Only(ApiVersion::V8)
    );
    assert_eq!("6".parse::<ApiVersion>().unwrap(), ApiVersion::V6);
    let error = "v5".parse::<VersionChoice>().unwrap_err();
    assert_eq!(error.field(), Some("api_version"));
    assert_eq!(error.rule(), Some("must be auto, v4, v6, v7 or v8"));
}

/// A logged-in client of `version` against a server that records what reaches it.
async fn logged_in(version: ApiVersion) -> (CaptureServer, Client) {
    let server = serving(&["v4", "v6", "v7", "v8"]).await;
    let client = client(&server, version);
    client.login("admin", "paSSw0rd").await.unwrap();
    (server, client)
}

#[tokio::test]
async fn restore_extras_are_refused_by_v4_before_anything_is_sent() {
    let (server, client) = logged_in(ApiVersion::V4).await;
    let extras = RestoreExtras {
        impersonation_account_name: Some("restore-admin@westsupport.onmicrosoft.com".into()),
        ..RestoreExtras::default()
    };
    let action = Action::restore_to_original(Credentials::device_code("C6A9DB737"))
        .unwrap()
        .with_restore_extras(extras)
        .unwrap();
    let error = client
        .perform_action(
            SESSION.parse().unwrap(),
            MAILBOX.parse().unwrap(),
            ITEM,
            &action,
        )
        .await
        .unwrap_err();
    assert_eq!(
        error.field(),
        Some("restoretoOriginallocation.impersonationAccountName")
    );
    assert!(error.to_string().contains("not part of v4"), "{error}");
    assert_eq!(server.requests().len(), 1, "only the login was sent");
}

#[tokio::test]
async fn an_option_a_later_version_dropped_is_refused_naming_it() {
    let (server, client) = logged_in(ApiVersion::V6).await;
    // v6's one-item export has no keyword filter.
    let body = vbo365::types::MailboxItemAction::ExportToPst(vbo365::types::ExportToPstOptions {
        content_keywords: Some("invoice".into()),
        enable_pst_size_limit: Some(false),
        pst_size_limit_bytes: None,
    });
    let action = ExportToPst::try_from(Action::try_from(body).unwrap()).unwrap();
    let error = client
        .perform(
            SESSION.parse().unwrap(),
            MAILBOX.parse().unwrap(),
            ITEM,
            &action,
        )
        .await
        .unwrap_err();
    assert_eq!(error.field(), Some("contentKeywords"), "{error}");
    assert_eq!(server.requests().len(), 1, "only the login was sent");
}

#[tokio::test]
async fn the_extras_of_other_regions_go_inside_a_later_restore_to() {
    let (server, client) = logged_in(ApiVersion::V8).await;
    let extras = RestoreExtras {
        office_region: Some(vbo365::OfficeRegion::Germany),
        office_organization_name: Some("eastsupport.onmicrosoft.com".into()),
        ..RestoreExtras::default()
    };
    let action = Action::restore_to(
        "djohnes@eastsupport.onmicrosoft.com",
        Credentials::device_code("C6A9DB737"),
        RestoreOptions::default(),
    )
    .unwrap()
    .with_restore_extras(extras)
    .unwrap();
    // The recording server answers 401: what matters is what was sent.
    let _ = client
        .perform_action(
            SESSION.parse().unwrap(),
            MAILBOX.parse().unwrap(),
            ITEM,
            &action,
        )
        .await;
    let sent = server
        .requests()
        .into_iter()
        .find(|r| r.target.ends_with("/restoreTo"))
        .expect("the restore was sent");
    assert!(
        sent.target.starts_with("/v8/RestoreSessions/"),
        "{}",
        sent.target
    );
    let body: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(body["officeRegion"], "Germany");
    assert_eq!(
        body["officeOrganizationName"],
        "eastsupport.onmicrosoft.com"
    );
    assert_eq!(body["mailbox"], "djohnes@eastsupport.onmicrosoft.com");
    assert!(body.get("restoreTo").is_none(), "bare options: {body}");
}

#[test]
fn extras_are_for_restores_only() {
    let extras = RestoreExtras {
        impersonation_account_name: Some("a@b.c".into()),
        ..RestoreExtras::default()
    };
    let error = Action::save_to_msg()
        .with_restore_extras(extras)
        .unwrap_err();
    assert_eq!(error.field(), Some("savetoMsg"));
    let blank = RestoreExtras {
        office_organization_name: Some("  ".into()),
        ..RestoreExtras::default()
    };
    let error = Action::restore_to(
        "a@b.c",
        Credentials::device_code("C6A9"),
        RestoreOptions::default(),
    )
    .unwrap()
    .with_restore_extras(blank)
    .unwrap_err();
    assert_eq!(error.field(), Some("restoreTo.officeOrganizationName"));
}

#[tokio::test]
async fn a_later_restore_with_a_certificate_needs_its_impersonation_account_and_leaks_nothing() {
    let (server, client) = logged_in(ApiVersion::V6).await;
    let action = Action::restore_to_original(Credentials::application_certificate(
        uuid::Uuid::nil(),
        b"pfx bytes",
        "cert-pa55word",
    ))
    .unwrap();
    let error = client
        .perform_action(
            SESSION.parse().unwrap(),
            MAILBOX.parse().unwrap(),
            ITEM,
            &action,
        )
        .await
        .unwrap_err();
    assert!(error.is_invalid(), "{error:?}");
    let shown = format!("{error} {error:?} {}", error.report());
    assert!(shown.contains("v6"), "{shown}");
    for secret in ["cert-pa55word", "cGZ4IGJ5dGVz"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert_eq!(server.requests().len(), 1, "only the login was sent");
}

/// A v8 server whose restore answers `{sessionId}` and whose statistics answer `polls` in
/// turn (the last one from then on).
async fn v8_restoring(polls: &'static [&'static str]) -> CaptureServer {
    let seen = std::sync::atomic::AtomicUsize::new(0);
    CaptureServer::start_with(move |request| {
        if request.target.ends_with("/token") {
            return Reply::json(200, &token_json("access", "refresh", 3600));
        }
        if request.method == "POST" && request.target.ends_with("/restore") {
            return Reply::json(
                200,
                r#"{"sessionId":"7f1d2c3b-4a5e-4f60-8a9b-0c1d2e3f4a5b"}"#,
            );
        }
        if request.target.ends_with("/Statistics") {
            let n = seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            return Reply::json(200, polls[n.min(polls.len() - 1)]);
        }
        Reply::json(404, r#"{"message":"not here"}"#)
    })
    .await
}

/// A restore started on `server` as v8, its handle not waited for yet.
async fn started(server: &CaptureServer) -> vbo365::RestoreHandle {
    let client = client(server, ApiVersion::V8);
    client.login("admin", "paSSw0rd").await.unwrap();
    let action = Action::restore_to_original(Credentials::device_code("C6A9DB737")).unwrap();
    client
        .start_restore(
            SESSION.parse().unwrap(),
            MAILBOX.parse().unwrap(),
            ITEM,
            &action,
        )
        .await
        .unwrap()
}

const RUNNING: &str = r#"{"totalItemsCount":1,"restoredItemsCount":0,"failedItemsCount":0,"skippedItemsCount":0,"items":[]}"#;
const DONE: &str = r#"{"totalItemsCount":1,"restoredItemsCount":1,"failedItemsCount":0,"skippedItemsCount":0,"warnings":["slow"],"errors":[],"items":[]}"#;
const NOTHING: &str = r#"{"totalItemsCount":0,"restoredItemsCount":0,"failedItemsCount":0,"skippedItemsCount":0,"items":[]}"#;

fn quick(timeout_ms: u64, empty_after_ms: u64) -> vbo365::WaitPolicy {
    vbo365::WaitPolicy {
        first_delay: std::time::Duration::from_millis(5),
        max_delay: std::time::Duration::from_millis(20),
        timeout: std::time::Duration::from_millis(timeout_ms),
        empty_after: std::time::Duration::from_millis(empty_after_ms),
    }
}

#[tokio::test]
async fn a_v8_restore_is_a_handle_whose_wait_polls_until_every_item_is_counted() {
    let server = v8_restoring(&[NOTHING, RUNNING, RUNNING, DONE]).await;
    let handle = started(&server).await;
    assert_eq!(
        handle.session_id().unwrap().to_string(),
        "7f1d2c3b-4a5e-4f60-8a9b-0c1d2e3f4a5b"
    );
    let restored = handle.wait_with(quick(10_000, 10_000)).await.unwrap();
    assert_eq!(restored.restored_items(), 1);
    assert_eq!(restored.restored_count(), Some(1));
    assert_eq!(restored.warnings(), ["slow"]);
    assert!(restored.is_complete());
    let polls = server
        .requests()
        .iter()
        .filter(|r| r.target.ends_with("/Statistics"))
        .count();
    assert_eq!(
        polls, 4,
        "a total of 0 and the running counts are not the end"
    );
    let restores = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.target.ends_with("/restore"))
        .count();
    assert_eq!(restores, 1, "the restore is sent once");
}

#[tokio::test]
async fn a_v8_restore_that_never_finishes_says_it_may_still_run() {
    let server = v8_restoring(&[RUNNING]).await;
    let handle = started(&server).await;
    let error = handle.wait_with(quick(200, 100)).await.unwrap_err();
    assert!(error.may_have_reached_server(), "{error:?}");
    assert!(
        error.to_string().contains("may still be running"),
        "{error}"
    );
}

#[tokio::test]
async fn a_v8_restore_that_counts_nothing_for_long_enough_had_nothing_to_restore() {
    let server = v8_restoring(&[NOTHING]).await;
    let handle = started(&server).await;
    let restored = handle.wait_with(quick(5_000, 50)).await.unwrap();
    assert_eq!(restored.restored_items(), 0);
    assert_eq!(restored.failed_items(), 0);
}

#[tokio::test]
async fn before_v8_a_restore_handle_holds_its_statistics_at_once() {
    let server = CaptureServer::start_with(|request| {
        if request.target.ends_with("/token") {
            return Reply::json(200, &token_json("access", "refresh", 3600));
        }
        Reply::json(
            200,
            r#"{"createdItemsCount":1,"mergedItemsCount":0,"failedItemsCount":0,"skippedItemsCount":0}"#,
        )
    })
    .await;
    let client = client(&server, ApiVersion::V7);
    client.login("admin", "paSSw0rd").await.unwrap();
    let action = Action::restore_to_original(Credentials::device_code("C6A9DB737")).unwrap();
    let handle = client
        .start_restore(
            SESSION.parse().unwrap(),
            MAILBOX.parse().unwrap(),
            ITEM,
            &action,
        )
        .await
        .unwrap();
    assert_eq!(handle.session_id(), None);
    let restored = handle.wait().await.unwrap();
    assert_eq!(restored.restored_items(), 1);
    assert_eq!(server.requests().len(), 2, "login and the restore, no poll");
    let error = client
        .start_restore(
            SESSION.parse().unwrap(),
            MAILBOX.parse().unwrap(),
            ITEM,
            &Action::save_to_msg(),
        )
        .await
        .unwrap_err();
    assert!(error.is_invalid());
    assert_eq!(
        server.requests().len(),
        2,
        "a non-restore is refused unsent"
    );
}

#[tokio::test]
async fn a_property_a_later_version_renamed_goes_under_its_new_name() {
    let (server, client) = logged_in(ApiVersion::V6).await;
    let body = vbo365::types::MailboxItemAction::ExportToPst(vbo365::types::ExportToPstOptions {
        content_keywords: Some("invoice".into()),
        enable_pst_size_limit: Some(false),
        pst_size_limit_bytes: None,
    });
    let action = ExportToPst::try_from(Action::try_from(body).unwrap()).unwrap();
    // The recording server answers 401: what matters is what was sent.
    let _ = client
        .perform_on_mailbox(SESSION.parse().unwrap(), MAILBOX.parse().unwrap(), &action)
        .await;
    let sent = server
        .requests()
        .into_iter()
        .find(|r| r.target.ends_with("/exportToPst"))
        .expect("the export was sent");
    let body: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"contentKeyword": "invoice", "enablePstSizeLimit": false}),
        "v6 spells v4's contentKeywords in the singular (x-vbo-v4-name)"
    );
}

#[tokio::test]
async fn each_versions_generated_client_shares_the_login() {
    let (server, client) = logged_in(ApiVersion::V8).await;
    // The recording server answers 401 to everything but the token: the request is the point.
    let _ = client.api_v8().list_restore_sessions().send().await;
    let _ = client.api_v6().get_vex_email_settings().send().await;
    let requests = server.requests();
    let targets: Vec<&str> = requests.iter().map(|r| r.target.as_str()).collect();
    assert!(
        targets.iter().any(|t| t.starts_with("/v8/RestoreSessions")),
        "{targets:?}"
    );
    assert!(targets.contains(&"/v6/VexEmailSettings"), "{targets:?}");
    // A 401 is answered with one refresh and one retry, as for every request of the client.
    for request in requests.iter().filter(|r| !r.target.ends_with("/token")) {
        assert_eq!(
            request.header("authorization"),
            Some("Bearer access"),
            "{}",
            request.target
        );
    }
}
