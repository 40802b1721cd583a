//! The simulator under what real clients and networks do to it, over real sockets, HTTPS
//! included: bodies over its limit, methods a path does not serve, and clients that stop
//! sending halfway. Each gets a well-formed answer in the operation's declared error shape,
//! or a closed connection, never a reset mid-answer nor a connection held for ever.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use vbo365::sim::{BODY_LIMIT, RunningSimulator, SimConfig, Simulator};

/// Far above the test's read timeout: a connection still open then is held for ever.
const PATIENCE: Duration = Duration::from_secs(20);

async fn start(tls: bool, read_timeout: Duration) -> RunningSimulator {
    Simulator::start(SimConfig {
        tls,
        read_timeout,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

/// An HTTPS client trusting the simulator's CA; HTTP/1.1 only, or HTTP/2 by ALPN.
fn https(sim: &RunningSimulator, http1_only: bool) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(sim.ca_pem().unwrap().as_bytes()).unwrap();
    let builder = reqwest::Client::builder().add_root_certificate(ca);
    let builder = if http1_only {
        builder.http1_only()
    } else {
        builder
    };
    builder.build().unwrap()
}

async fn token(sim: &RunningSimulator, http: &reqwest::Client) -> String {
    super::sim_rules::login(http, sim).await["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_gets_a_413_in_the_operations_shape_over_http_1_and_2() {
    let sim = start(true, Duration::from_secs(30)).await;
    let catalog = sim.catalog();
    let mailbox = &catalog.mailboxes[0];
    let action = format!(
        "{}/v4/RestoreSessions/{}/Organization/Mailboxes/{}/Items/{}/Action",
        sim.base_url(),
        catalog.sessions[0].id,
        mailbox.id,
        progenitor_client::encode_path(&mailbox.items[0].id)
    );
    // A send whose text the schema allows, ten times the limit.
    let text = "x".repeat(10 << 20);
    let body = json!({"sendtoDifferentaddress": {"to": "a@example.com", "text": text}});
    for http1_only in [true, false] {
        let http = https(&sim, http1_only);
        let bearer = token(&sim, &http).await;
        let response = http
            .post(&action)
            .bearer_auth(&bearer)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("http1_only {http1_only}: no answer: {e}"));
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let error: Value = response.json().await.unwrap();
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(&BODY_LIMIT.to_string()), "{message}");

        // The token endpoint answers in its OAuth shape.
        let form = format!(
            "grant_type=password&username=a&password={}",
            "p".repeat(5 << 20)
        );
        let response = http
            .post(format!("{}/v4/token", sim.base_url()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"], "invalid_request", "{error}");
        assert!(error["error_description"].is_string(), "{error}");
    }
    // Just under the limit is read and checked as usual.
    let http = https(&sim, true);
    let bearer = token(&sim, &http).await;
    let small = json!({"sendtoDifferentaddress": {"to": "a@example.com", "text": "x".repeat(BODY_LIMIT - 200)}});
    let response = http
        .post(&action)
        .bearer_auth(&bearer)
        .json(&small)
        .send()
        .await
        .unwrap();
    // Sending is not configured: the action's own 400, past the size check.
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_method_a_path_does_not_serve_gets_405_with_allow_and_a_message() {
    let sim = start(true, Duration::from_secs(30)).await;
    let http = https(&sim, false);
    let bearer = token(&sim, &http).await;
    let sessions = format!("{}/v4/RestoreSessions", sim.base_url());
    let token_url = format!("{}/v4/token", sim.base_url());
    for (method, url, allow) in [
        (reqwest::Method::DELETE, &sessions, "GET,HEAD"),
        (reqwest::Method::OPTIONS, &sessions, "GET,HEAD"),
        (reqwest::Method::PATCH, &sessions, "GET,HEAD"),
        (reqwest::Method::GET, &token_url, "POST"),
    ] {
        let response = http
            .request(method.clone(), url)
            .bearer_auth(&bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {url}"
        );
        assert_eq!(response.headers()["allow"], allow, "{method} {url}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(
            error["message"],
            format!("The requested resource does not support http method '{method}'."),
        );
    }
}

/// A raw connection to the simulator, over TLS when it serves HTTPS.
async fn connect(sim: &RunningSimulator) -> Box<dyn Stream> {
    let tcp = tokio::net::TcpStream::connect(sim.local_addr())
        .await
        .unwrap();
    let Some(pem) = sim.ca_pem() else {
        return Box::new(tcp);
    };
    let mut roots = rustls::RootCertStore::empty();
    let ca = rustls::pki_types::CertificateDer::from(
        rustls::pki_types::pem::PemObject::from_pem_slice(pem.as_bytes())
            .map(|c: rustls::pki_types::CertificateDer<'static>| c.to_vec())
            .unwrap(),
    );
    roots.add(ca).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .unwrap();
    Box::new(tls)
}

trait Stream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Stream for T {}

/// Everything the server sends until it closes the connection, within [`PATIENCE`].
async fn until_closed(stream: &mut Box<dyn Stream>) -> String {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut answer)).await;
    assert!(
        read.is_ok(),
        "the connection is still open after {PATIENCE:?}"
    );
    String::from_utf8_lossy(&answer).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_sending_is_timed_out_on_http_and_https() {
    for tls in [false, true] {
        let sim = start(tls, Duration::from_secs(1)).await;
        // Half of the headers, then nothing: the connection is closed.
        let mut half_headers = connect(&sim).await;
        half_headers
            .write_all(b"POST /v4/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")
            .await
            .unwrap();
        until_closed(&mut half_headers).await;

        // The headers and part of the body: a 408 in the operation's shape, then closed.
        let mut half_body = connect(&sim).await;
        half_body
            .write_all(
                b"POST /v4/token HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                  Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n\
                  grant_type=pass",
            )
            .await
            .unwrap();
        let answer = until_closed(&mut half_body).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "tls {tls}: {answer}");
        assert!(
            answer.contains("\"error\":\"invalid_request\""),
            "tls {tls}: {answer}"
        );
        sim.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_spec_says_the_server_reads_the_simulator_reads() {
    let sim = start(true, Duration::from_secs(30)).await;
    let http = https(&sim, false);
    let base = sim.base_url().to_string();

    // The token form: names in any case, unknown parameters (RFC 6749's `scope`, a password
    // grant's `client_id`) ignored.
    let response = http
        .post(format!("{base}/v4/token"))
        .form(&[
            ("Grant_Type", "Password"),
            ("UserName", sim.username()),
            ("PASSWORD", sim.password().expose()),
            ("scope", "openid"),
            ("client_id", "vbo-portal"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bearer = response.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    // The same name twice, in two cases, stays refused, in the OAuth shape.
    let response = http
        .post(format!("{base}/v4/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=password&GRANT_TYPE=password&username=a&password=b")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );

    // An enum value in any case, in a body that starts with a byte-order mark.
    let explore = format!(
        "{base}/v4/Organizations/{}/Action",
        sim.catalog().organization_id
    );
    let response = http
        .post(&explore)
        .bearer_auth(&bearer)
        .header("content-type", "application/json")
        .body("\u{feff}{\"explore\": {\"type\": \"VEX\"}}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let session = response.json::<Value>().await.unwrap();
    assert_eq!(session["type"], "Vex");

    // A refusal says in words what was expected (not "fails the falseSchema rule").
    let mailbox = &sim.catalog().mailboxes[0];
    let action = format!(
        "{base}/v4/RestoreSessions/{}/Organization/Mailboxes/{}/Items/{}/Action",
        session["id"].as_str().unwrap(),
        mailbox.id,
        progenitor_client::encode_path(&mailbox.items[0].id)
    );
    let response = http
        .post(&action)
        .bearer_auth(&bearer)
        .json(&json!({"savetoMsg": {"a": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json::<Value>().await.unwrap()["message"],
        "savetoMsg: takes no properties: send null"
    );

    // A certificate wrapped at 76 columns, as `base64` writes it, is decoded.
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode([7_u8; 300]);
    let wrapped: Vec<String> = encoded
        .as_bytes()
        .chunks(76)
        .map(|line| String::from_utf8_lossy(line).to_string())
        .collect();
    let body = json!({"restoretoOriginallocation": {
        "applicationId": "8c6f3a4e-2b1d-4c5e-9f7a-1b2c3d4e5f60",
        "applicationCertificate": wrapped.join("\r\n"),
        "applicationCertificatePassword": "pfx"
    }});
    let response = http
        .post(&action)
        .bearer_auth(&bearer)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generic_tool_logs_in_by_the_spec_declared_oauth2_password_flow() {
    // What a tool reads: the OAuth 2.0 scheme, its password flow's token URL.
    let spec = vbo365::spec::Spec::embedded();
    let document = spec.document();
    let flow = &document["components"]["securitySchemes"]["oauth2Password"]["flows"]["password"];
    let token_url = flow["tokenUrl"].as_str().unwrap();
    assert_eq!(
        Some(token_url),
        vbo365::Operation::CreateToken.path(vbo365::ApiVersion::V4)
    );
    assert_eq!(flow["refreshUrl"].as_str(), Some(token_url));
    let requirements: Vec<&str> = document["security"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_object().unwrap().keys().map(String::as_str))
        .collect();
    assert_eq!(requirements, ["bearerAuth", "oauth2Password"]);

    // What it does: the flow at that URL, then the token on a secured operation.
    let sim = start(true, Duration::from_secs(30)).await;
    let http = https(&sim, false);
    let answer: Value = http
        .post(format!("{}{token_url}", sim.base_url()))
        .form(&[
            ("grant_type", "password"),
            ("username", sim.username()),
            ("password", sim.password().expose()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["token_type"], "bearer");
    let refreshed: Value = http
        .post(format!("{}{token_url}", sim.base_url()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", answer["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let response = http
        .get(format!("{}/v4/RestoreSessions", sim.base_url()))
        .bearer_auth(refreshed["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_waits_for_100_continue_gets_it_then_the_413() {
    let sim = start(false, Duration::from_secs(30)).await;
    let length = BODY_LIMIT + (1 << 20);
    let mut stream = connect(&sim).await;
    let head = format!(
        "POST /v4/token HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {length}\r\nExpect: 100-continue\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut interim = [0_u8; 25];
    tokio::time::timeout(PATIENCE, stream.read_exact(&mut interim))
        .await
        .expect("an interim answer")
        .unwrap();
    assert!(interim.starts_with(b"HTTP/1.1 100 Continue"), "{interim:?}");
    // The whole body, then the final answer: a 413 in the token endpoint's OAuth shape, on
    // a connection that stays usable (the body was read to its end).
    stream.write_all(&vec![b'a'; length]).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(PATIENCE, async {
        let mut chunk = [0_u8; 4096];
        while !String::from_utf8_lossy(&answer).contains("\"error_description\"") {
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "closed before the answer");
            answer.extend_from_slice(&chunk[..n]);
        }
    })
    .await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(read.is_ok(), "no answer within {PATIENCE:?}: {answer}");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"error\":\"invalid_request\""), "{answer}");
    assert!(
        !answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_after_the_server_closed_an_idle_connection_is_sent_once_and_succeeds() {
    // The read timeout also ends idle keep-alive connections.
    let sim = start(true, Duration::from_secs(1)).await;
    let client = vbo365::Client::builder(sim.base_url())
        .api_version(vbo365::ApiVersion::V4)
        .add_ca_pem(sim.ca_pem().unwrap())
        .build()
        .unwrap();
    client
        .login(sim.username(), sim.password().clone())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let catalog = sim.catalog();
    let mailbox = &catalog.mailboxes[0];
    let restore =
        vbo365::RestoreToOriginalLocation::new(vbo365::Credentials::device_code("C6A9DB737"))
            .unwrap();
    let restored = client
        .perform(
            catalog.sessions[0].id.into(),
            mailbox.id.into(),
            &mailbox.items[0].id,
            &restore,
        )
        .await
        .unwrap();
    assert_eq!(restored.statistics().created_items_count, Some(1));
    let copies = sim.mailbox_contents(&mailbox.email).unwrap();
    assert_eq!(copies.len(), 1, "restored once");
    assert_eq!(copies[0].restores, 1);
}
