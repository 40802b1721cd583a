//! A server's answers never hang or panic the client: a token endpoint that never answers, a
//! token lifetime at the ends of `i64`, a list that ignores `offset`.

use crate::support;

use std::time::Duration;

use support::{After, CaptureServer, Reply};
use uuid::uuid;
use vbo365::Client;

const SESSION: vbo365::SessionId =
    vbo365::SessionId::from_uuid(uuid!("380d7caf-6294-4a33-b50a-b8aeb13af58c"));
const MAILBOX: vbo365::MailboxId =
    vbo365::MailboxId::from_uuid(uuid!("9e9b7199-f547-467a-b580-9d283a75eaad"));
/// Longer than every bound below, shorter than a hang.
const PATIENCE: Duration = Duration::from_secs(20);

fn hung() -> Reply {
    let mut reply = Reply::json(200, "{}");
    reply.delay = Duration::from_secs(3600);
    reply.after = After::Stall;
    reply
}

fn client(url: &str) -> Client {
    Client::builder(url)
        .api_version(vbo365::ApiVersion::V4)
        .response_timeout(Some(Duration::from_secs(1)))
        .build()
        .unwrap()
}

/// The token endpoint never answers; everything else answers at once.
async fn hung_token_server() -> CaptureServer {
    CaptureServer::start_with(|request| {
        if request.target.starts_with("/v4/token") {
            hung()
        } else {
            Reply::json(200, "[]")
        }
    })
    .await
}

#[tokio::test]
async fn a_hung_token_endpoint_fails_the_login_within_the_response_timeout() {
    let server = hung_token_server().await;
    let client = client(&server.base_url);
    let error = tokio::time::timeout(PATIENCE, client.login("admin", "pw"))
        .await
        .expect("the login must not hang")
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");
}

#[tokio::test]
async fn a_hung_refresh_delays_requests_by_the_response_timeout_at_most() {
    let server = hung_token_server().await;
    let client = client(&server.base_url);
    // Expired at once: every request refreshes first.
    client.resume("old", Some("refresh".into()), Duration::ZERO);
    let calls = (0..4).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.api().list_organizations().send().await.map(drop) })
    });
    let all = futures_util::future::join_all(calls);
    let results = tokio::time::timeout(PATIENCE, all)
        .await
        .expect("requests waiting on a hung refresh must not hang");
    for result in results {
        // The old token is tried when the refresh fails; the server takes it.
        result.unwrap().unwrap();
    }
}

#[tokio::test]
async fn a_hung_refresh_after_a_401_fails_within_the_response_timeout() {
    let server = CaptureServer::start_with(|request| {
        if request.target.starts_with("/v4/token") {
            hung()
        } else {
            Reply::json(401, r#"{"message":"expired"}"#)
        }
    })
    .await;
    let client = client(&server.base_url);
    client.resume("old", Some("refresh".into()), Duration::from_secs(3600));
    let result = tokio::time::timeout(PATIENCE, client.api().list_organizations().send())
        .await
        .expect("a refresh after a 401 must not hang");
    assert!(result.is_err());
}

#[tokio::test]
async fn token_lifetimes_at_the_ends_of_i64_do_not_panic() {
    for expires_in in [i64::MAX, i64::MAX - 1, 1 << 62, -1, i64::MIN] {
        let server = CaptureServer::start_with(move |request| {
            if request.target.starts_with("/v4/token") {
                Reply::json(
                    200,
                    &format!(
                        r#"{{"access_token":"a","token_type":"bearer","expires_in":{expires_in},"refresh_token":"r"}}"#
                    ),
                )
            } else {
                Reply::json(200, "[]")
            }
        })
        .await;
        let client = client(&server.base_url);
        let token = client.login("admin", "pw").await.unwrap();
        assert_eq!(token.expires_in, expires_in);
        client.api().list_organizations().send().await.unwrap();
        client.resume("b", None, Duration::MAX);
        client.api().list_organizations().send().await.unwrap();
    }
}

/// `vbo login` prints when the token expires; a huge `expires_in` must not panic it.
#[cfg(feature = "cli")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vbo_login_survives_a_huge_or_negative_expires_in() {
    for expires_in in [i64::MAX, i64::MIN] {
        let server = CaptureServer::start(Reply::json(
            200,
            &format!(r#"{{"access_token":"a","token_type":"bearer","expires_in":{expires_in}}}"#),
        ))
        .await;
        let dir = tempfile::tempdir().unwrap();
        let mut vbo = std::process::Command::new(env!("CARGO_BIN_EXE_vbo"));
        vbo.env("VBO_API_VERSION", "v4");
        vbo.args([
            "--server",
            &server.base_url,
            "--user",
            "admin",
            "-o",
            "json",
        ])
        .args(["login", "--save-token"])
        .arg(dir.path().join("token.json"))
        .env("VBO_PASSWORD", "pw");
        let output = tokio::task::spawn_blocking(move || vbo.output().unwrap())
            .await
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{expires_in}: {stderr}");
    }
}

#[tokio::test]
async fn a_list_that_ignores_offset_stops_with_a_decode_error() {
    let item = r#"{"id":"AAAA"}"#;
    let page = format!(
        r#"{{"offset":0,"limit":100,"results":[{}],"_links":{{"next":{{"href":"/next"}}}}}}"#,
        vec![item; 100].join(",")
    );
    let server = CaptureServer::start(Reply::json(200, &page)).await;
    let client = client(&server.base_url);
    client.resume("t", None, Duration::from_secs(3600));
    let error = tokio::time::timeout(PATIENCE, client.all_items(SESSION, MAILBOX, None))
        .await
        .expect("paging must stop")
        .unwrap_err();
    assert!(error.is_decode(), "{error}");
    assert!(error.to_string().contains("offset"), "{error}");
    assert_eq!(server.requests().len(), 2, "the second page gives it away");
}

#[cfg(feature = "sim")]
#[tokio::test]
async fn the_simulator_refuses_a_token_lifetime_it_cannot_represent() {
    use vbo365::sim::{SimConfig, SimError, Simulator};
    for lifetime in [Duration::MAX, Duration::from_secs(u64::MAX / 2)] {
        let Err(error) = Simulator::start(SimConfig {
            tls: false,
            token_lifetime: lifetime,
            ..SimConfig::default()
        })
        .await
        else {
            panic!("a token lifetime of {lifetime:?} must be refused");
        };
        assert!(matches!(error, SimError::Config(_)), "{error}");
        assert!(error.to_string().contains("token lifetime"), "{error}");
    }
}
