//! Secrets never show: every type that holds a password, certificate or token redacts it in
//! Debug and Display, and a whole session traced at TRACE level never prints one.

use crate::support;

use std::collections::BTreeSet;

use support::{CaptureServer, Reply};
use uuid::{Uuid, uuid};
use vbo365::types::{self, builder};
use vbo365::{Action, Client, Credentials, RestoreOptions, SecretString};

const SESSION: vbo365::SessionId =
    vbo365::SessionId::from_uuid(uuid!("380d7caf-6294-4a33-b50a-b8aeb13af58c"));
const MAILBOX: vbo365::MailboxId =
    vbo365::MailboxId::from_uuid(uuid!("9e9b7199-f547-467a-b580-9d283a75eaad"));
const APP: Uuid = uuid!("8c6f3a4e-2b1d-4c5e-9f7a-1b2c3d4e5f60");

const PASSWORD: &str = "pw-Zq81vX";
const CERT_PASSWORD: &str = "certpw-Jt55";
const PFX: &[u8] = b"pfx-bytes-Hk09";
const ACCESS: &str = "access-Lr72wQ";
const REFRESHED: &str = "access2-Pn41";
const REFRESH: &str = "refresh-Ye93";
const ASSERTION: &str = "jwt-Bd27";

/// The Debug text of a multi-item options type, read from `fields` plus one item.
fn multi<T: serde::de::DeserializeOwned + std::fmt::Debug>(
    mut fields: serde_json::Value,
) -> String {
    fields["items"] = serde_json::json!([{ "id": "AAAA" }]);
    format!("{:?}", serde_json::from_value::<T>(fields).unwrap())
}

fn secrets() -> Vec<String> {
    use base64::Engine as _;
    vec![
        PASSWORD.into(),
        CERT_PASSWORD.into(),
        base64::engine::general_purpose::STANDARD.encode(PFX),
        ACCESS.into(),
        REFRESHED.into(),
        REFRESH.into(),
        ASSERTION.into(),
    ]
}

fn assert_clean(what: &str, text: &str) {
    for secret in secrets() {
        assert!(!text.contains(&secret), "{what} shows a secret: {text}");
    }
}

/// The generated types whose fields hold a `SecretString`, read from the generated source, so
/// that a new secret-bearing type cannot escape the list below.
fn generated_secret_types() -> BTreeSet<String> {
    let source = include_str!(concat!(env!("OUT_DIR"), "/vbo_v4.rs"));
    let types_module = &source[..source
        .find("pub mod builder")
        .expect("builders follow the types")];
    let mut found = BTreeSet::new();
    for block in types_module.split("pub struct ").skip(1) {
        let name: String = block.chars().take_while(|c| c.is_alphanumeric()).collect();
        let body = &block[..block.find("\n    }").unwrap_or(block.len())];
        if body.contains("SecretString") {
            found.insert(name);
        }
    }
    found
}

#[test]
fn every_secret_bearing_type_redacts_in_debug_and_display() {
    let certificate = || SecretString::from(base64_pfx());
    let cases: Vec<(&str, String)> = vec![
        (
            "SecretString",
            format!(
                "{:?} {}",
                SecretString::from(PASSWORD),
                SecretString::from(PASSWORD)
            ),
        ),
        (
            "Credentials",
            format!("{:?}", Credentials::user_password("u", PASSWORD)),
        ),
        (
            "Credentials",
            format!(
                "{:?}",
                Credentials::application_certificate(APP, PFX, CERT_PASSWORD)
            ),
        ),
        (
            "Action",
            format!(
                "{:?}",
                Action::restore_to(
                    "a@b.c",
                    Credentials::application_certificate(APP, PFX, CERT_PASSWORD),
                    RestoreOptions::default()
                )
                .unwrap()
            ),
        ),
        (
            "UserPasswordCredentials",
            format!(
                "{:?}",
                types::UserPasswordCredentials {
                    user_name: "u".try_into().unwrap(),
                    user_password: PASSWORD.into()
                }
            ),
        ),
        (
            "ApplicationCertificateCredentials",
            format!(
                "{:?}",
                types::ApplicationCertificateCredentials {
                    application_id: APP,
                    application_certificate: certificate(),
                    application_certificate_password: CERT_PASSWORD.into(),
                }
            ),
        ),
        (
            "RestoreToWithUserPassword",
            format!(
                "{:?}",
                builder::RestoreToWithUserPassword::default()
                    .mailbox("a@b.c")
                    .user_name("u")
                    .user_password(PASSWORD)
            ),
        ),
        (
            "RestoreToWithApplicationCertificate",
            format!(
                "{:?}",
                builder::RestoreToWithApplicationCertificate::default()
                    .application_certificate(certificate())
                    .application_certificate_password(CERT_PASSWORD)
            ),
        ),
        // The multi-item forms, read from the wire as a server would.
        (
            "ItemsUserPasswordCredentials",
            multi::<types::ItemsUserPasswordCredentials>(serde_json::json!({
                "userName": "u", "userPassword": PASSWORD
            })),
        ),
        (
            "ItemsApplicationCertificateCredentials",
            multi::<types::ItemsApplicationCertificateCredentials>(serde_json::json!({
                "applicationId": APP, "applicationCertificate": base64_pfx(),
                "applicationCertificatePassword": CERT_PASSWORD
            })),
        ),
        (
            "RestoreItemsToWithUserPassword",
            multi::<types::RestoreItemsToWithUserPassword>(serde_json::json!({
                "mailbox": "a@b.c", "userName": "u", "userPassword": PASSWORD
            })),
        ),
        (
            "RestoreItemsToWithApplicationCertificate",
            multi::<types::RestoreItemsToWithApplicationCertificate>(serde_json::json!({
                "mailbox": "a@b.c", "applicationId": APP,
                "applicationCertificate": base64_pfx(),
                "applicationCertificatePassword": CERT_PASSWORD
            })),
        ),
        (
            "PasswordGrant",
            format!(
                "{:?}",
                builder::PasswordGrant::default()
                    .username("u")
                    .password(PASSWORD)
            ),
        ),
        (
            "RefreshTokenGrant",
            format!(
                "{:?}",
                builder::RefreshTokenGrant::default().refresh_token(REFRESH)
            ),
        ),
        (
            "JwtBearerGrant",
            format!(
                "{:?}",
                builder::JwtBearerGrant::default()
                    .client_id("t")
                    .assertion(ASSERTION)
            ),
        ),
        (
            "Token",
            format!(
                "{:?}",
                serde_json::from_str::<types::Token>(&support::token_json(ACCESS, REFRESH, 60))
                    .unwrap()
            ),
        ),
        (
            "VexEmailSettingsUpdate",
            format!(
                "{:?}",
                types::VexEmailSettingsUpdate {
                    user_password: Some(PASSWORD.into()),
                    ..Default::default()
                }
            ),
        ),
    ];
    for (name, shown) in &cases {
        assert_clean(name, shown);
        assert!(
            shown.contains("redacted"),
            "{name} should show a redaction: {shown}"
        );
    }
    let generated = generated_secret_types();
    assert!(
        generated.len() >= 9,
        "the scan of the generated source found too little: {generated:?}"
    );
    let covered: BTreeSet<String> = cases.iter().map(|(name, _)| name.to_string()).collect();
    let missing: Vec<_> = generated.difference(&covered).cloned().collect();
    assert!(
        missing.is_empty(),
        "secret-bearing generated types without a redaction check: {missing:?}"
    );
}

fn base64_pfx() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(PFX)
}

#[tokio::test]
async fn a_full_session_traced_at_trace_level_prints_no_secret() {
    let captured = support::CapturedLog::default();
    let _log = captured.start();

    let server = CaptureServer::start_with(|request| {
        let auth = request.header("authorization").unwrap_or("");
        match request.target.as_str() {
            "/v4/token" if request.body_text().contains(PASSWORD) || request.body_text().contains(ASSERTION) => {
                Reply::json(200, &support::token_json(ACCESS, REFRESH, 3600))
            }
            "/v4/token" if request.body_text().contains(REFRESH) => {
                Reply::json(200, &support::token_json(REFRESHED, REFRESH, 3600))
            }
            "/v4/token" => Reply::json(400, r#"{"error":"invalid_grant","error_description":"The user name or password is incorrect."}"#),
            _ if auth == format!("Bearer {ACCESS}") => Reply::json(401, r#"{"message":"expired"}"#),
            t if t.ends_with("/Action") => Reply::json(200, r#"{"createdItemsCount":1}"#),
            _ => Reply::json(200, r#"{"offset":0,"limit":30,"results":[]}"#),
        }
    })
    .await;
    let client = Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .build()
        .unwrap();
    let token = client.login("admin", PASSWORD).await.unwrap();
    let mut shown = format!("{token:?} {client:?}");
    shown.push_str(&format!(
        "{:?}",
        client.login_jwt("tenant", ASSERTION).await.unwrap()
    ));
    client.api().list_restore_sessions().send().await.unwrap(); // 401, refresh, retry
    for credentials in [
        Credentials::user_password("jsmith", PASSWORD),
        Credentials::application_certificate(APP, PFX, CERT_PASSWORD),
    ] {
        let action = Action::restore_to_original(credentials).unwrap();
        let outcome = client
            .perform_action(SESSION, MAILBOX, "item", &action)
            .await
            .unwrap();
        shown.push_str(&format!("{outcome:?}"));
    }
    let wrong = Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .build()
        .unwrap();
    let error = wrong.login("admin", "not-it").await.unwrap_err();
    shown.push_str(&format!("{error} {error:?}"));
    assert!(
        error
            .to_string()
            .contains("The user name or password is incorrect"),
        "{error}"
    );

    let log = captured.text();
    assert!(
        log.contains("refreshed the access token"),
        "the trace was captured:\n{log}"
    );
    assert!(
        log.contains("TRACE") || log.contains("DEBUG"),
        "low levels were captured:\n{log}"
    );
    assert_clean("the TRACE log", &log);
    if std::env::var_os("SHOW_TRACE").is_some() {
        eprintln!("{log}");
    }
    assert_clean("Debug and Display of the session's values", &shown);
}

/// Token answers that are not the documented JSON, and error answers that echo a token:
/// neither the login's error nor the refresh's log line may quote them.
#[tokio::test]
async fn malformed_token_answers_are_never_quoted() {
    let bodies: Vec<(u16, &str, String)> = vec![
        (
            200,
            "application/json",
            format!(
                r#"{{"access_token":"{ACCESS}","refresh_token":"{REFRESH}","expires_in":"3600","token_type":"bearer"}}"#
            ),
        ),
        (
            200,
            "application/json",
            format!(
                r#"{{"access_token":"{ACCESS}","refresh_token":"{REFRESH}","expires_in":3600}}"#
            ),
        ),
        (
            200,
            "application/json",
            format!(
                r#"{{"access_token":"{ACCESS}","refresh_token":"{REFRESH}","expires_in":3600,"token_type":7}}"#
            ),
        ),
        (
            200,
            "application/json",
            format!(
                r#"{{"token_type":"bearer","access_token":{{"v":"{ACCESS}"}},"refresh_token":"{REFRESH}""#
            ),
        ),
        (
            200,
            "text/plain",
            format!("access_token={ACCESS}&refresh_token={REFRESH}"),
        ),
        (
            200,
            "application/json",
            format!(r#"["{ACCESS}","{REFRESH}"]"#),
        ),
        (
            400,
            "application/json",
            format!(
                r#"{{"error":"invalid_grant","error_description":"refresh token {REFRESH} for {ACCESS} expired"}}"#
            ),
        ),
        (
            500,
            "text/html",
            format!("<html>token {ACCESS} refresh {REFRESH}</html>"),
        ),
        (
            502,
            "application/json",
            format!(r#"{{"message":"upstream gave {ACCESS}","refresh_token":"{REFRESH}"}}"#),
        ),
    ];
    for (status, content_type, body) in bodies {
        let captured = support::CapturedLog::default();
        let _guard = captured.start();
        let reply = Reply::bytes(status, Some(content_type), body.as_bytes());
        let fresh = std::sync::atomic::AtomicBool::new(true);
        let server = CaptureServer::start_with(move |request| match request.target.as_str() {
            // The first login succeeds with a token that is due at once; every later token
            // request (the refresh, then the login again) gets the malformed answer.
            "/v4/token" if fresh.swap(false, std::sync::atomic::Ordering::SeqCst) => Reply::json(
                200,
                &support::token_json("first-token-Qm4", "first-refresh-Wx8", 0),
            ),
            "/v4/token" => reply.clone(),
            _ => Reply::json(200, r#"{"offset":0,"limit":30,"results":[]}"#),
        })
        .await;
        let client = Client::builder(&server.base_url)
            .api_version(vbo365::ApiVersion::V4)
            .retry(vbo365::RetryPolicy::none())
            .build()
            .unwrap();
        client.login("admin", PASSWORD).await.unwrap();
        // Due at once: this request refreshes first, which fails and is logged.
        client.api().list_restore_sessions().send().await.unwrap();
        let log = captured.text();
        assert!(log.contains("refresh"), "the refresh was logged: {log}");
        assert_clean(&format!("the log of a refresh answered {body}"), &log);

        let error = client.login("admin", PASSWORD).await.unwrap_err();
        let shown = format!("{error} | {error:?} | {}", error.report());
        assert_clean(&format!("the login error for {body}"), &shown);
        assert!(
            shown.contains("create_token"),
            "the error still says where: {shown}"
        );
    }
}
