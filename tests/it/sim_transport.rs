//! The simulator's HTTP itself: paths in any case, 405 for wrong methods, connections that
//! stay usable after an early answer, and HTTPS with a certificate of the CA it writes.

use vbo365::sim::{SimConfig, Simulator};

use super::sim_rules::{Fixture, token_request};

#[tokio::test]
async fn paths_match_in_any_case_and_wrong_methods_get_405() {
    let f = Fixture::start().await;
    let (status, body) = f.get("/v4/restoresessions?LIMIT=1").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"].as_array().unwrap().len(), 1);
    assert!(
        body["_links"]["next"]["href"]
            .as_str()
            .unwrap()
            .contains("/v4/RestoreSessions?")
    );
    let response = f
        .http
        .delete(f.url("/v4/Organizations"))
        .bearer_auth(&f.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET,HEAD");
}

/// Reads one HTTP/1.1 response (head and `content-length` body) from `socket`.
async fn read_response(socket: &mut tokio::net::TcpStream) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&answer[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if answer.len() >= end + 4 + length {
                return Some(head);
            }
        }
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        answer.extend_from_slice(&chunk[..n]);
    }
}

/// An answer given before the body was read (a 405 for `TRACE` with a body, a 401) must not
/// end a kept-alive connection: clients send their next request on it, and a POST on a
/// connection that the server closed fails without an answer. Found by schemathesis.
#[tokio::test]
async fn early_answers_keep_the_connection_usable() {
    use tokio::io::AsyncWriteExt;
    let f = Fixture::start().await;
    let mut socket = tokio::net::TcpStream::connect(f.sim.local_addr())
        .await
        .unwrap();
    let body = r#"{"enableNotification": true, "server": "smtp.example.com", "port": 587}"#;
    for round in 0..50 {
        for method in ["TRACE", "QUERY", "PUT"] {
            let head = format!(
                "{method} /v4/VEXEmailSettings HTTP/1.1\r\nhost: x\r\n\
                 content-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            // The head and the body apart, as many clients send them: an answer can be
            // ready before the body has arrived.
            socket.write_all(head.as_bytes()).await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            socket
                .write_all(body.as_bytes())
                .await
                .expect("the server hung up while the body was arriving");
            let head = read_response(&mut socket).await.unwrap_or_else(|| {
                panic!("round {round}, {method}: the connection ended unanswered")
            });
            let expected = if method == "PUT" { "401" } else { "405" };
            assert!(
                head.starts_with(&format!("http/1.1 {expected}")),
                "{method}: {head}"
            );
            assert!(!head.contains("connection: close"), "{method}: {head}");
        }
    }
}

#[tokio::test]
async fn https_is_served_with_a_certificate_of_the_written_ca() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let pem = std::fs::read(sim.ca_cert_path().unwrap()).unwrap();
    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    let (status, body) = token_request(
        &trusting,
        &sim,
        &[
            ("grant_type", "password"),
            ("username", sim.username()),
            ("password", sim.password().expose()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let untrusting = reqwest::Client::new();
    let error = untrusting
        .get(format!("{}/v4/Organizations", sim.base_url()))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_connect(), "{error:?}");
    let ca_file = sim.ca_cert_path().unwrap().to_path_buf();
    sim.shutdown().await.unwrap();
    assert!(
        !ca_file.exists(),
        "the temporary CA directory is removed at shutdown"
    );
}
