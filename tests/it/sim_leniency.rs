//! What a real v4 server accepts beyond the spec's schemas, and the simulator therefore
//! accepts too (the spec's "Server leniencies"), with requests shaped as a v4-era client sends
//! them: a trailing slash on any route, `null` for an absent query parameter, loose dates,
//! `Accept: application/json-stream` on downloads; and the organizations' backup times that
//! such a client reads.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use vbo365::{ApiVersion, Operation};

use super::sim_rules::Fixture;

/// `operation`'s path with the seeded session, mailbox, item and organization.
fn filled(f: &Fixture, operation: Operation) -> String {
    let catalog = f.sim.catalog();
    let mailbox = &catalog.mailboxes[0];
    operation
        .path(ApiVersion::V4)
        .unwrap_or_default()
        .replace("{restoreSessionId}", &f.session().to_string())
        .replace("{mailboxId}", &mailbox.id.to_string())
        .replace(
            "{itemId}",
            &progenitor_client::encode_path(&mailbox.items[0].id),
        )
        .replace("{organizationId}", &catalog.organization_id.to_string())
}

#[tokio::test]
async fn every_read_answers_the_same_with_a_trailing_slash() {
    let f = Fixture::start().await;
    let mut checked = 0;
    for operation in Operation::ALL {
        // The tenant routes refuse the fixture's administrator either way.
        if operation.method(ApiVersion::V4) != Some("GET") {
            continue;
        }
        let path = filled(&f, operation);
        let (plain, plain_body) = f.get(&path).await;
        let (slashed, slashed_body) = f.get(&format!("{path}/")).await;
        assert_eq!(
            slashed, plain,
            "{operation}: {path}/ answered {slashed_body}"
        );
        if plain == StatusCode::OK {
            // The same data; page links point at the canonical path.
            let strip = |v: &Value| {
                let mut v = v.clone();
                if let Some(o) = v.as_object_mut() {
                    o.remove("_links");
                }
                v
            };
            assert_eq!(strip(&slashed_body), strip(&plain_body), "{operation}");
            checked += 1;
        }
    }
    assert!(checked >= 6, "only {checked} reads answered 200");

    // With a query, as the portal sends it, and on writes: the token and an action.
    let mailboxes = format!(
        "/v4/RestoreSessions/{}/Organization/Mailboxes/",
        f.session()
    );
    let (status, page) = f.get(&format!("{mailboxes}?offset=0&limit=50")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        page["results"].as_array().unwrap().len(),
        f.sim.catalog().mailboxes.len()
    );
    let token = f
        .http
        .post(f.url("/v4/token/"))
        .form(&[
            ("grant_type", "password"),
            ("username", f.sim.username()),
            ("password", f.sim.password().expose()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), StatusCode::OK);
    let (status, _) = f
        .post(&format!("{}/", f.action(0, 0)), json!({"savetoMsg": null}))
        .await;
    assert_eq!(status, StatusCode::OK);
    // Two slashes are not one: still no such resource.
    let (status, _) = f.get(&format!("{mailboxes}/")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_download_with_the_portals_json_stream_accept_header_works() {
    let f = Fixture::start().await;
    for (body, magic) in [
        (json!({"savetoMsg": null}), &[0xD0_u8, 0xCF, 0x11, 0xE0][..]),
        (json!({"exportToPst": {}}), &b"!BDN"[..]),
    ] {
        let response = f
            .http
            .request(Method::POST, f.url(&f.action(0, 0)))
            .bearer_auth(&f.token)
            .header("accept", "application/json-stream")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{body}");
        assert_eq!(
            response.headers()["content-type"],
            "application/octet-stream"
        );
        assert!(response.bytes().await.unwrap().starts_with(magic), "{body}");
    }
}

#[tokio::test]
async fn organizations_carry_the_backup_times_a_portal_reads_spelled_as_it_reads_them() {
    let f = Fixture::start().await;
    let catalog = f.sim.catalog();
    let (status, organizations) = f.get("/v4/Organizations").await;
    assert_eq!(status, StatusCode::OK, "{organizations}");
    let organization = &organizations[0];
    let time = |key: &str| {
        let text = organization[key]
            .as_str()
            .unwrap_or_else(|| panic!("{key} missing from {organization}"));
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap_or_else(|e| panic!("{key} {text:?}: {e}"))
            .to_utc()
    };
    let (first, last) = (time("firstBackuptime"), time("lastBackuptime"));
    // The portal's spelling only, not a camel-cased `firstBackupTime` beside it.
    assert!(
        organization.get("firstBackupTime").is_none(),
        "{organization}"
    );
    assert!(first < last, "{first} is not before {last}");
    // Every seeded session explores a backup that existed, and the backups hold every item.
    for session in &catalog.sessions {
        assert!(first <= session.created, "session of {}", session.created);
    }
    let newest = catalog
        .mailboxes
        .iter()
        .flat_map(|m| &m.items)
        .map(|i| i.received)
        .max()
        .unwrap();
    assert!(last >= newest, "{last} is before the newest item, {newest}");

    // The portal reads them from the one organization (`getOrganizationByID`), which it finds
    // from its restore session (`getOrganizationID`); both answer the listed organization.
    let (status, of_session) = f
        .get(&format!("/v4/RestoreSessions/{}/Organization", f.session()))
        .await;
    assert_eq!(status, StatusCode::OK, "{of_session}");
    assert_eq!(of_session["id"], organization["id"]);
    let link = organization["_links"]["self"]["href"].as_str().unwrap();
    let (status, one) = f
        .get(&format!(
            "/v4/Organizations/{}",
            of_session["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(&one, organization, "the organization at {link}");
    let unknown = uuid::Uuid::from_u128(9);
    let (status, _) = f.get(&format!("/v4/Organizations/{unknown}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The typed client reads them too.
    let client = vbo365::Client::builder(f.sim.base_url())
        .api_version(vbo365::ApiVersion::V4)
        .build()
        .unwrap();
    client
        .login(f.sim.username(), f.sim.password().clone())
        .await
        .unwrap();
    let organizations = client.organizations().await.unwrap();
    assert_eq!(
        organizations[0]
            .last_backuptime
            .as_ref()
            .map(ToString::to_string),
        Some(organization["lastBackuptime"].as_str().unwrap().to_string())
    );
}

#[tokio::test]
async fn a_null_string_query_parameter_reads_as_absent_as_a_portal_sends_it() {
    let f = Fixture::start().await;
    let mailbox = format!(
        "/v4/RestoreSessions/{}/Organization/Mailboxes/{}",
        f.session(),
        f.sim.catalog().mailboxes[0].id
    );
    // The portal's own queries (`getMailboxFolders`, `getMailboxItems` with `$fid = 'null'`),
    // lower-case path segment included.
    for (listed, plain) in [
        (
            format!("{mailbox}/folders?limit=50&parentId=null&offset=0"),
            format!("{mailbox}/Folders?limit=50&offset=0"),
        ),
        (
            format!("{mailbox}/Folders?parentId=NULL"),
            format!("{mailbox}/Folders"),
        ),
        (
            format!("{mailbox}/Items?folderId=null&offset=0&limit=50"),
            format!("{mailbox}/Items?offset=0&limit=50"),
        ),
    ] {
        let (status, page) = f.get(&listed).await;
        assert_eq!(status, StatusCode::OK, "{listed}: {page}");
        let (_, expected) = f.get(&plain).await;
        assert!(!expected["results"].as_array().unwrap().is_empty());
        assert_eq!(page["results"], expected["results"], "{listed}");
    }
    // Only the literal: another word is a folder id that does not exist.
    let (status, error) = f.get(&format!("{mailbox}/Folders?parentId=nullx")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{error}");
    // A number stays a number: `null` is refused as the schema says.
    for query in ["offset=null", "limit=Null"] {
        let (status, error) = f.get(&format!("{mailbox}/Folders?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {error}");
        let name = query.split('=').next().unwrap();
        assert!(error["message"].as_str().unwrap().contains(name), "{error}");
    }
}

#[tokio::test]
async fn explore_takes_the_dates_a_portal_sends_and_refuses_what_is_no_date() {
    let f = Fixture::start().await;
    let path = format!(
        "/v4/Organizations/{}/Action",
        f.sim.catalog().organization_id
    );
    // The portal's only form (its date picker's), with its string booleans; then neighbours.
    for datetime in [
        "2026.12.02 06:58",
        "2026/12/02",
        "12/02/2026 6:58 PM",
        "Wed, 02 Dec 2026 06:58:00 GMT",
        "2026-12-02T06:58:00Z",
    ] {
        let body = json!({"explore": {
            "datetime": datetime, "type": "vex", "showDeleted": "true", "showAllVersions": "true"
        }});
        let (status, session) = f.post(&path, body).await;
        assert_eq!(status, StatusCode::CREATED, "{datetime}: {session}");
        assert_eq!(session["state"], "Working", "{datetime}");
    }
    for datetime in ["2026.13.02 06:58", "yesterday", "2026.12.02 06:58 PST"] {
        let body = json!({"explore": {"datetime": datetime, "type": "vex"}});
        let (status, error) = f.post(&path, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{datetime}: {error}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains("explore.datetime"), "{message}");
        assert!(message.contains("RFC 3339"), "{message}");
    }
}
