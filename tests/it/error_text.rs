//! Error text names the right thing, once: Display is one level and `report()` adds each
//! cause once, without links into library docs; TLS failures are not retried; a bad CA file
//! names the option and the file.

use crate::support;

use std::time::Duration;

use support::{After, CaptureServer, Reply, TestPki, token_json};
use vbo365::{Client, RetryPolicy};

fn retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(20),
    }
}

#[tokio::test]
async fn an_untrusted_certificate_fails_once_with_one_level_display() {
    let pki = TestPki::new();
    let server = CaptureServer::start_tls(pki.server_config.clone(), |_| {
        Reply::json(200, &token_json("a1", "r1", 3600))
    })
    .await;
    let client = Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .retry(retries())
        .build()
        .unwrap();
    let error = client
        .api()
        .list_restore_sessions()
        .call()
        .await
        .unwrap_err();
    assert!(error.is_certificate(), "{error:?}");
    assert_eq!(
        server.connections(),
        1,
        "a certificate that is not trusted is not retried"
    );

    let display = error.to_string();
    let source = std::error::Error::source(&error)
        .expect("the cause is the source")
        .to_string();
    assert!(
        !display.contains(&source),
        "Display is one level; the cause is source()'s: {display}"
    );
    let report = error.report().to_string();
    assert!(report.starts_with(&display), "{report}");
    assert!(report.contains("certificate"), "{report}");
    assert_eq!(
        report.matches("invalid peer certificate").count(),
        1,
        "each cause once: {report}"
    );
}

#[tokio::test]
async fn a_connection_dropped_without_close_notify_names_no_docs_link() {
    let pki = TestPki::new();
    let mut reply = Reply::file(b"!BDN\0\0\0\0");
    reply.declared_length = Some(1 << 20);
    reply.after = After::Abort;
    let server = CaptureServer::start_tls(pki.server_config.clone(), move |r| {
        if r.target == "/v4/token" {
            Reply::json(200, &token_json("a1", "r1", 3600))
        } else {
            reply.clone()
        }
    })
    .await;
    let client = Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .add_ca_pem(pki.ca_pem.clone())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    client.login("admin", "paSSw0rd").await.unwrap();
    let session = uuid::Uuid::nil();
    let result = async {
        let mut file = client
            .perform(
                vbo365::SessionId::from(session),
                vbo365::MailboxId::from(session),
                "item",
                &vbo365::ExportToPst::new(),
            )
            .await?;
        while file.next_chunk().await?.is_some() {}
        Ok::<_, vbo365::Error>(())
    }
    .await;
    let error = result.unwrap_err();
    let report = error.report().to_string();
    assert!(error.is_body() || error.is_transport(), "{error:?}");
    assert!(
        report.contains("close_notify"),
        "the cut the test means: {report}"
    );
    assert!(!report.contains("docs.rs"), "{report}");
    assert!(!report.contains("https://"), "{report}");
}

#[test]
fn a_garbage_ca_file_names_the_option_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "garbage.pem",
            "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
            "not a valid X.509",
        ),
        ("empty.pem", "", "it holds no certificate"),
        ("text.pem", "hello\n", "it holds no certificate"),
    ];
    for (name, text, says) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let error = Client::builder("https://vbo.example:4443")
            .api_version(vbo365::ApiVersion::V4)
            .add_ca_file(&path)
            .build()
            .unwrap_err();
        let shown = error.to_string();
        assert_eq!(error.field(), Some("ca_cert"), "{shown}");
        assert!(shown.contains(name), "{shown}");
        assert!(shown.contains(says), "{shown}");
        assert!(!shown.contains("request"), "{shown}");
    }
    let missing = dir.path().join("missing.pem");
    let error = Client::builder("https://vbo.example:4443")
        .api_version(vbo365::ApiVersion::V4)
        .add_ca_file(&missing)
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("missing.pem"), "{error}");
}
