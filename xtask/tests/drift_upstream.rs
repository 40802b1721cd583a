//! `drift --upstream` against a synthetic vendor document (`fixtures/upstream/vendor-v6.json`:
//! x- extensions, `default` responses, `*/*` media, deep `$ref` chains, other path casing, a v6
//! prefix): from a file, from a multi-megabyte file, and from a real local HTTPS server whose
//! certificate comes from a private CA.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use support::xtask;

fn vendor() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/upstream/vendor-v6.json")
}

fn report(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}); stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// `(rule, operation, message)` of every change.
fn changes(report: &Value) -> Vec<(String, String, String)> {
    report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["rule"].as_str().unwrap().to_string(),
                c["operations"][0].as_str().unwrap().to_string(),
                c["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn has(changes: &[(String, String, String)], rule: &str, op: &str, message: &str) -> bool {
    changes
        .iter()
        .any(|(r, o, m)| r == rule && o == op && m.contains(message))
}

fn drift_upstream(source: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "drift",
        "--format",
        "json",
        "--upstream",
        source,
        "--map-prefix",
        "v4=v6",
    ];
    args.extend_from_slice(extra);
    xtask(&args)
}

/// What the vendor document differs in, checked on every way of reading it.
fn assert_vendor_differences(report: &Value) {
    assert_eq!(report["upstream"], true);
    let found = changes(report);
    // Ours only: the VEX email settings are not in the vendor document.
    assert!(
        has(
            &found,
            "operation-removed",
            "getVexEmailSettings",
            "not published by the server"
        ),
        "{found:#?}"
    );
    assert!(
        has(
            &found,
            "operation-removed",
            "putVexEmailSettings",
            "not published"
        ),
        "{found:#?}"
    );
    // Theirs only.
    assert!(
        has(
            &found,
            "operation-added",
            "Jobs_Get",
            "GET /v6/Jobs is published by the server"
        ),
        "{found:#?}"
    );
    // Matched across `/v4/RestoreSessions` and `/v6/restoresessions` (case and prefix).
    assert!(
        !has(&found, "operation-removed", "listRestoreSessions", ""),
        "{found:#?}"
    );
    assert!(
        has(
            &found,
            "property-added",
            "exploreOrganization",
            "new optional property `reason`"
        ),
        "{found:#?}"
    );
    // Property level, through a seven-hop `$ref` chain.
    assert!(
        has(
            &found,
            "property-removed",
            "performMailboxItemAction",
            "`contentKeywords` is not in the server's document"
        ),
        "{found:#?}"
    );
    assert!(
        has(
            &found,
            "property-name-case-changed",
            "performMailboxItemAction",
            "`enablePstSizeLimit` is spelled `EnablePstSizeLimit`"
        ),
        "{found:#?}"
    );
    // Our session enums are open (`x-extensible-enum`, listing the v3 documentation's
    // `Starting` and `Stopping`); the vendor's are closed and list `Vet`, which ours lists too.
    assert!(
        has(
            &found,
            "enum-closed",
            "exploreOrganization",
            "the enum is now closed"
        ),
        "{found:#?}"
    );
    assert!(
        has(
            &found,
            "response-enum-value-removed",
            "exploreOrganization",
            "\"Starting\""
        ),
        "{found:#?}"
    );
    assert!(
        !has(
            &found,
            "response-enum-value-added",
            "exploreOrganization",
            "\"Vet\""
        ),
        "{found:#?}"
    );
    assert!(
        has(
            &found,
            "type-changed",
            "listOrganizations",
            "an enum was added"
        ),
        "{found:#?}"
    );
    assert!(
        has(
            &found,
            "request-media-type-added",
            "createToken",
            "application/json"
        ),
        "{found:#?}"
    );
    // `*/*` stands for our JSON token and our file download: no media type is missing.
    assert!(
        !found
            .iter()
            .any(|(r, _, _)| r == "response-media-type-removed"),
        "{found:#?}"
    );
    assert_eq!(report["exit"], 1);
}

#[test]
fn a_vendor_document_from_a_file() {
    let output = drift_upstream(vendor().to_str().unwrap(), &[]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_vendor_differences(&report(&output));
}

#[test]
fn without_the_prefix_map_nothing_matches() {
    let output = xtask(&[
        "drift",
        "--format",
        "json",
        "--upstream",
        vendor().to_str().unwrap(),
    ]);
    let found = changes(&report(&output));
    let removed = found
        .iter()
        .filter(|(r, _, _)| r == "operation-removed")
        .count();
    assert_eq!(
        removed, 23,
        "every one of our operations is unmatched: {found:#?}"
    );
}

#[test]
fn a_vendor_document_of_several_megabytes() {
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(vendor()).unwrap()).unwrap();
    let paths = doc["paths"].as_object_mut().unwrap();
    // Vendor-sized: thousands of operations of their own, each with extensions.
    for n in 0..4000 {
        paths.insert(
            format!("/v6/Generated{n}/{{id}}/Things"),
            serde_json::json!({
                "get": {
                    "operationId": format!("Generated{n}_Get"),
                    "x-vendor-trace": format!("generated operation number {n} of the fixture"),
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
                    "responses": {
                        "200": {"description": "Success", "content": {"*/*": {"schema": {"$ref": "#/components/schemas/Job"}}}},
                        "default": {"description": "Error", "content": {"*/*": {"schema": {"$ref": "#/components/schemas/ErrorChainStart"}}}}
                    }
                }
            }),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("vendor-big.json");
    std::fs::write(&big, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let size = std::fs::metadata(&big).unwrap().len();
    assert!(size > 3_000_000, "the fixture is only {size} bytes");
    let output = drift_upstream(big.to_str().unwrap(), &[]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let report = report(&output);
    assert_vendor_differences(&report);
    let added = changes(&report)
        .iter()
        .filter(|(r, _, _)| r == "operation-added")
        .count();
    assert_eq!(added, 4001);
}

/// A private CA, and a certificate it signed for localhost.
struct Pki {
    ca_pem: String,
    server: Arc<rustls::ServerConfig>,
}

fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    Pki {
        ca_pem: ca.pem(),
        server: Arc::new(server),
    }
}

/// Serves `body` over HTTPS on a loopback port to every GET, until the test ends. Returns the
/// port. A client that refuses the certificate just ends its connection.
fn serve_https(config: Arc<rustls::ServerConfig>, body: Vec<u8>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let Ok(connection) = rustls::ServerConnection::new(config.clone()) else {
                continue;
            };
            let mut tls = rustls::StreamOwned::new(connection, stream);
            let mut reader = BufReader::new(&mut tls);
            let mut line = String::new();
            let mut head_ok = true;
            loop {
                line.clear();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => {
                        head_ok = false;
                        break;
                    }
                    Ok(_) if line == "\r\n" => break,
                    Ok(_) => {}
                }
            }
            if !head_ok {
                continue;
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = tls.write_all(head.as_bytes());
            let _ = tls.write_all(&body);
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    port
}

#[test]
fn a_vendor_document_over_https_with_a_private_ca() {
    let pki = pki();
    let port = serve_https(pki.server.clone(), std::fs::read(vendor()).unwrap());
    let url = format!("https://localhost:{port}/swagger/docs/v6");
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();

    // Unknown issuer: the fetch fails, and says how to fix it; exit 2, "could not run".
    let refused = drift_upstream(&url, &[]);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("--ca-cert"), "{stderr}");

    let trusted = drift_upstream(&url, &["--ca-cert", ca.to_str().unwrap()]);
    assert_eq!(trusted.status.code(), Some(1), "{trusted:?}");
    let trusted = report(&trusted);
    assert!(
        trusted["current"].as_str().unwrap().starts_with(&url),
        "{trusted}"
    );
    assert_vendor_differences(&trusted);

    let insecure = drift_upstream(&url, &["--insecure"]);
    assert_eq!(insecure.status.code(), Some(1), "{insecure:?}");
    assert_vendor_differences(&report(&insecure));
}

#[test]
fn a_ca_file_that_is_not_pem_is_refused_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, "not a certificate").unwrap();
    let output = drift_upstream(
        "https://localhost:9/doc.json",
        &["--ca-cert", ca.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("certificate"),
        "{output:?}"
    );
}

#[test]
fn upstream_reports_count_our_coverage_and_only_breaking_lists_only_breaking() {
    let output = drift_upstream(vendor().to_str().unwrap(), &[]);
    let report = report(&output);
    let found = changes(&report);
    let count = |rule: &str| found.iter().filter(|(r, _, _)| r == rule).count();
    let coverage = &report["coverage"];
    let ours = coverage["ours"].as_u64().unwrap() as usize;
    let spec: Value = serde_norway::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/vbo-v4.yaml"),
        )
        .unwrap(),
    )
    .unwrap();
    let our_operations = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter(|op| op.get("operationId").is_some())
        .count();
    assert_eq!(ours, our_operations);
    assert_eq!(coverage["missing"], count("operation-removed"));
    assert_eq!(coverage["theirs_only"], count("operation-added"));
    assert_eq!(
        coverage["covered"].as_u64().unwrap() as usize + count("operation-removed"),
        ours
    );
    assert!(coverage["changed"].as_u64().unwrap() <= coverage["covered"].as_u64().unwrap());
    assert!(
        count("operation-added") > 0,
        "the vendor document has operations of its own"
    );

    // The text report with --only breaking: every listed change is breaking, and none of the
    // server's own operations is listed, while the counts stay those of every change.
    let text = xtask(&[
        "drift",
        "--upstream",
        vendor().to_str().unwrap(),
        "--map-prefix",
        "v4=v6",
        "--only",
        "breaking",
    ]);
    let stdout = String::from_utf8(text.stdout).unwrap();
    let listed: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("BREAKING") || l.starts_with("compatible"))
        .collect();
    assert_eq!(
        listed.len(),
        report["breaking"].as_u64().unwrap() as usize,
        "{stdout}"
    );
    assert!(listed.iter().all(|l| l.starts_with("BREAKING")), "{stdout}");
    assert!(stdout.contains(&format!(
        "{} change(s): {} breaking",
        found.len(),
        report["breaking"]
    )));
    assert!(
        stdout.contains(&format!(
            "the server has {} operation(s) of its own",
            count("operation-added")
        )),
        "{stdout}"
    );
}
