//! The shapes each version of the simulator answers in: a simulator restricted to one
//! version, the versions' links, explores and error bodies (the helpers are
//! `sim_versions`').

use reqwest::Method;
use serde_json::{Value, json};
use vbo365::sim::{SimConfig, Simulator};
use vbo365::{ApiVersion, Operation};

use super::sim_versions::{Sim, ids};

/// Serving one version: its routes answer, the others' are 404 like any unknown path.
#[tokio::test]
async fn a_simulator_restricted_to_one_version_answers_404_on_the_others() {
    let s = Sim::start(SimConfig {
        versions: vec![ApiVersion::V6],
        ..SimConfig::default()
    })
    .await;
    let token = s.token(ApiVersion::V6).await;
    let ours = s.get(&token, "/v6/RestoreSessions").await;
    assert_eq!(ours.status, 200);
    for version in [ApiVersion::V4, ApiVersion::V7, ApiVersion::V8] {
        let path = Operation::ListRestoreSessions.path(version).unwrap();
        let answer = s.get(&token, path).await;
        assert_eq!(answer.status, 404, "{version}");
        assert!(
            answer.body["message"].as_str().unwrap().contains(path),
            "{}",
            answer.body
        );
        let token_path = Operation::CreateToken.path(version).unwrap();
        let login = s
            .http
            .post(s.url(token_path))
            .form(&[
                ("grant_type", "password"),
                ("username", "a"),
                ("password", "b"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 404, "{version}");
    }
    assert!(
        Simulator::start(SimConfig {
            versions: Vec::new(),
            ..SimConfig::default()
        })
        .await
        .is_err(),
        "no version to serve"
    );
}

/// Links carry the version's prefix and casing, and lead to 2xx answers of the same version;
/// a page's links carry the version's name of the folder filter.
#[tokio::test]
async fn links_carry_the_versions_prefix_and_casing() {
    let s = Sim::start(SimConfig::default()).await;
    let mailbox = &s.sim.catalog().mailboxes[0];
    let session = s.session();
    let inbox = mailbox.folders.iter().find(|f| f.path == "Inbox").unwrap();
    for version in ApiVersion::ALL {
        let token = s.token(version).await;
        let prefix = format!("/{}/", version.prefix());
        let below = if version == ApiVersion::V4 {
            "Organization/Mailboxes"
        } else {
            "organization/mailboxes"
        };
        let list = Sim::path(
            version,
            Operation::ListMailboxes,
            &[("restoreSessionId", &session.to_string())],
        );
        let mailboxes = s.get(&token, &list).await;
        let href = mailboxes.body["results"][0]["_links"]["self"]["href"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            href,
            s.url(&format!(
                "{prefix}RestoreSessions/{session}/{below}/{}",
                mailbox.id
            )),
            "{version}"
        );
        let followed = s.http.get(&href).bearer_auth(&token).send().await.unwrap();
        assert_eq!(followed.status(), 200, "{version}: {href}");

        let filter = if version >= ApiVersion::V7 {
            "parentId"
        } else {
            "folderId"
        };
        let items = Sim::path(
            version,
            Operation::ListMailboxItems,
            &[
                ("restoreSessionId", &session.to_string()),
                ("mailboxId", &mailbox.id.to_string()),
            ],
        );
        let folder = progenitor_client::encode_path(&inbox.id);
        let page = s
            .get(&token, &format!("{items}?{filter}={folder}&limit=5"))
            .await;
        let next = page.body["_links"]["next"]["href"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            next.contains(&format!("{prefix}RestoreSessions/")),
            "{next}"
        );
        assert!(next.contains(&format!("{filter}=")), "{version}: {next}");
        let item_href = page.body["results"][0]["_links"]["self"]["href"]
            .as_str()
            .unwrap();
        let item_below = if version == ApiVersion::V4 {
            "/Items/"
        } else {
            "/items/"
        };
        assert!(
            item_href.contains(&format!("{prefix}RestoreSessions/")),
            "{item_href}"
        );
        assert!(item_href.contains(item_below), "{version}: {item_href}");
        let second = s.http.get(&next).bearer_auth(&token).send().await.unwrap();
        assert_eq!(second.status(), 200, "{version}: {next}");
        let second: Value = second.json().await.unwrap();
        assert_eq!(second["offset"], 5);
        assert!(
            second["results"].as_array().unwrap().iter().all(|i| {
                mailbox
                    .item(i["id"].as_str().unwrap())
                    .is_some_and(|item| item.folder_id == inbox.id)
            }),
            "{version}: the next page keeps the filter"
        );
    }
}

/// Explore: v6 and v7 answer 200, v4 and v8 201; v6 on spell `dateTime` and `Vex`...`Vet`;
/// each version lists the sessions the others started. Errors have each version's shape.
#[tokio::test]
async fn explores_and_errors_have_each_versions_shape() {
    let s = Sim::start(SimConfig::default()).await;
    let org = s.sim.catalog().organization_id.to_string();
    let mut started = Vec::new();
    for version in ApiVersion::ALL {
        let token = s.token(version).await;
        let path = Sim::path(
            version,
            Operation::ExploreOrganization,
            &[("organizationId", &org)],
        );
        let body = if version == ApiVersion::V4 {
            json!({"explore": {"datetime": "2026-01-01T00:00:00Z", "type": "vex"}})
        } else {
            json!({"dateTime": "2026-01-01T00:00:00Z", "type": "Vet"})
        };
        let answer = s.call(&token, Method::POST, &path, Some(body)).await;
        let expected = match version {
            ApiVersion::V6 | ApiVersion::V7 => 200,
            _ => 201,
        };
        assert_eq!(answer.status, expected, "{version}: {}", answer.body);
        let kind = if version == ApiVersion::V4 {
            "Vex"
        } else {
            "Vet"
        };
        assert_eq!(answer.body["type"], kind, "{version}");
        started.push(answer.body["id"].as_str().unwrap().to_string());

        // An unknown session: {message}, v7's with errorCode, v8's with stackTrace too.
        let missing = Sim::path(
            version,
            Operation::GetRestoreSession,
            &[("restoreSessionId", &uuid::Uuid::new_v4().to_string())],
        );
        let error = s.get(&token, &missing).await;
        assert_eq!(error.status, 404);
        let mut keys: Vec<&str> = error
            .body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort();
        let expected: &[&str] = match version {
            ApiVersion::V4 | ApiVersion::V6 => &["message"],
            ApiVersion::V7 => &["errorCode", "message"],
            ApiVersion::V8 => &["errorCode", "message", "stackTrace"],
        };
        assert_eq!(keys, expected, "{version}: {}", error.body);
    }
    // v8's administrator explore takes a repository, which must be a GUID.
    let token = s.token(ApiVersion::V8).await;
    let path = Sim::path(
        ApiVersion::V8,
        Operation::ExploreOrganization,
        &[("organizationId", &org)],
    );
    for (repository, status) in [(json!(""), 400), (json!(uuid::Uuid::new_v4()), 201)] {
        let body = json!({"type": "Vex", "repositoryId": repository});
        let answer = s.call(&token, Method::POST, &path, Some(body)).await;
        assert_eq!(answer.status, status, "{repository}: {}", answer.body);
    }

    let token = s.token(ApiVersion::V4).await;
    let sessions = s.get(&token, "/v4/RestoreSessions?limit=100").await;
    let listed = ids(&sessions.body["results"], "id");
    assert!(started.iter().all(|id| listed.contains(id)), "{listed:?}");
    // A Teams session has no mailboxes.
    let teams = s
        .get(
            &token,
            &format!("/v4/RestoreSessions/{}/Organization/Mailboxes", started[1]),
        )
        .await;
    assert_eq!(teams.body["results"], json!([]));

    // v6's token errors are {message}, v4's OAuth errors.
    for (version, key) in [(ApiVersion::V4, "error"), (ApiVersion::V6, "message")] {
        let path = Operation::CreateToken.path(version).unwrap();
        let refused = s
            .http
            .post(s.url(path))
            .form(&[
                ("grant_type", "password"),
                ("username", "nobody"),
                ("password", "x"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400);
        let body: Value = refused.json().await.unwrap();
        assert!(body.get(key).is_some(), "{version}: {body}");
    }
}
