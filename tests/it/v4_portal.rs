//! The Exchange flow of a v4-era client, the VeeamHub self-service portal, end to end over
//! HTTPS: each request as its `veeam.class.php` and `exchange.php` build it (relative paths
//! under `/v4/`, string-concatenated queries and bodies with PascalCase keys, `"true"`
//! strings, trailing commas and its date picker's `Y.m.d H:i` dates), in the order the portal
//! sends them. Every step must answer as a v4 server does.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use vbo365::sim::{RunningSimulator, SimConfig, Simulator};

struct Portal {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Portal {
    /// `login()`: the password grant as a form, over HTTPS trusting the simulator's CA.
    async fn log_in(sim: &RunningSimulator, username: &str, password: &str) -> Self {
        let ca = reqwest::Certificate::from_pem(sim.ca_pem().unwrap().as_bytes()).unwrap();
        let http = reqwest::Client::builder()
            .add_root_certificate(ca)
            .build()
            .unwrap();
        let base = format!("{}/v4/", sim.base_url());
        let token: Value = http
            .post(format!("{base}token"))
            .form(&[
                ("grant_type", "password"),
                ("username", username),
                ("password", password),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Self {
            http,
            base,
            token: token["access_token"].as_str().unwrap().to_string(),
        }
    }

    /// One request as Guzzle sends it: `Authorization`, `Accept` and `Content-Type` on all.
    async fn send(
        &self,
        method: Method,
        path: &str,
        accept: &str,
        body: Option<String>,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("accept", accept)
            .header("content-type", "application/json");
        if let Some(body) = body {
            request = request.body(body);
        }
        request.send().await.unwrap()
    }

    async fn get(&self, path: &str) -> Value {
        let response = self.send(Method::GET, path, "application/json", None).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.unwrap()
    }

    /// A POST whose answer must be a 200 (or `expected`), returned as its bytes.
    async fn post(&self, path: &str, accept: &str, body: &str, expected: StatusCode) -> Vec<u8> {
        let response = self
            .send(Method::POST, path, accept, Some(body.to_string()))
            .await;
        let status = response.status();
        let bytes = response.bytes().await.unwrap().to_vec();
        assert_eq!(
            status,
            expected,
            "POST {path} {body}: {}",
            String::from_utf8_lossy(&bytes)
        );
        bytes
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portals_exchange_flow_runs_end_to_end() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let portal = Portal::log_in(&sim, sim.username(), sim.password().expose()).await;

    // getOrganizations(), getOrganizationByID(): the date picker's bounds.
    let organizations = portal.get("Organizations").await;
    let oid = organizations[0]["id"].as_str().unwrap().to_string();
    let organization = portal.get(&format!("Organizations/{oid}")).await;
    let last = organization["lastBackuptime"].as_str().unwrap();
    let picked = chrono::DateTime::parse_from_rfc3339(last)
        .unwrap()
        .format("%Y.%m.%d %H:%M")
        .to_string();

    // startRestoreSession(): exchange.php's explore body with the picked date.
    let body = format!(
        r#"{{ "explore": {{ "datetime": "{picked}", "type": "vex", "ShowAllVersions": "true", "ShowDeleted": "true" }} }}"#
    );
    let session: Value = serde_json::from_slice(
        &portal
            .post(
                &format!("Organizations/{oid}/Action"),
                "application/json",
                &body,
                StatusCode::CREATED,
            )
            .await,
    )
    .unwrap();
    let rid = session["id"].as_str().unwrap().to_string();

    // getSessions(), getSessionInfo(), getOrganizationID().
    let sessions = portal.get("RestoreSessions?offset=0&limit=50").await;
    assert!(
        sessions["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == rid)
    );
    assert_eq!(
        portal.get(&format!("RestoreSessions/{rid}")).await["state"],
        "Working"
    );
    let of_session = portal
        .get(&format!("RestoreSessions/{rid}/Organization"))
        .await;
    assert_eq!(of_session["id"], oid);

    // getMailboxes() with its trailing slash, getMailboxID().
    let org = format!("RestoreSessions/{rid}/Organization");
    let mailboxes = portal
        .get(&format!("{org}/Mailboxes/?offset=0&limit=50"))
        .await;
    let mid = mailboxes["results"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        portal.get(&format!("{org}/Mailboxes/{mid}")).await["id"],
        mid
    );
    let mailbox = format!("{org}/Mailboxes/{mid}");

    // getMailboxFolders() with `parentId=null`, then the children of the first folder;
    // getMailboxItems() of that folder.
    let top = portal
        .get(&format!(
            "{mailbox}/folders?limit=50&parentId=null&offset=0"
        ))
        .await;
    let fid = top["results"][0]["id"].as_str().unwrap().to_string();
    let children = portal
        .get(&format!(
            "{mailbox}/folders?limit=50&parentId={fid}&offset=0"
        ))
        .await;
    assert!(!children["results"].as_array().unwrap().is_empty());
    let items = portal
        .get(&format!("{mailbox}/Items?folderId={fid}&offset=0&limit=50"))
        .await;
    let ids: Vec<&str> = items["results"]
        .as_array()
        .unwrap()
        .iter()
        .take(2)
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    let iid = progenitor_client::encode_path(ids[0]);

    // The exports: one item, two items, the folder, the mailbox; each a PST.
    let pst = r#"{ 			"ExportToPst": { 				"EnablePstSizeLimit": "false", 			} 		}"#;
    let listed: String = ids
        .iter()
        .map(|id| format!(r#"{{ "Id": "{id}" }}, "#))
        .collect();
    let pst_items = format!(
        r#"{{ 			"ExportToPst": {{ 				"EnablePstSizeLimit": "false", 				"items": [ 				{listed} 				 ] 			}} 		}}"#
    );
    let fid_segment = progenitor_client::encode_path(&fid);
    for (path, body) in [
        (format!("{mailbox}/Items/{iid}/Action"), pst.to_string()),
        (format!("{mailbox}/Items/Action"), pst_items),
        (
            format!("{mailbox}/Folders/{fid_segment}/Action"),
            pst.to_string(),
        ),
        (format!("{mailbox}/Action"), pst.to_string()),
    ] {
        let file = portal
            .post(&path, "application/octet-stream", &body, StatusCode::OK)
            .await;
        assert!(file.starts_with(b"!BDN"), "{path}");
    }

    // The restores, with the portal's string flags: one item to another mailbox, then the
    // mailbox to its original location with a user name and password.
    let target = mailboxes["results"][1]["email"].as_str().unwrap();
    let restore_to = format!(
        r#"{{ "restoreTo": 					{{ "casServer": "", 					  "mailbox": "{target}", 					  "folder": "Restored", 					  "userName": "admin@westsupport.onmicrosoft.com", 					  "userPassword": "paSSw0rd", 					  "changedItems": "true", 					  "deletedItems": "true", 					  "markRestoredAsUnread": "true", 					  "excludeDrafts": "false", 					  "excludeDeletedItems": "false", 					  "excludeInPlaceHoldItems": "true", 					  "excludeLitigationHoldItems": "true" 					}} 				}}"#
    );
    let restore_original = r#"{ "restoretoOriginallocation": 				{ "userName": "admin@westsupport.onmicrosoft.com", 				  "userPassword": "paSSw0rd" 				} 			}"#;
    for (path, body) in [
        (format!("{mailbox}/Items/{iid}/Action"), restore_to.as_str()),
        (format!("{mailbox}/Action"), restore_original),
    ] {
        let statistics: Value = serde_json::from_slice(
            &portal
                .post(&path, "application/json-stream", body, StatusCode::OK)
                .await,
        )
        .unwrap();
        assert!(
            statistics["createdItemsCount"].as_i64().unwrap() > 0,
            "{path}: {statistics}"
        );
    }

    // getDeviceCode(), then stopRestoreSession(); a stopped session refuses an action.
    let device = portal
        .post(
            &format!("RestoreSessions/{rid}/organization/restoreDeviceCode"),
            "application/json",
            r#"{ "targetApplicationId": "8c6f3a4e-2b1d-4c5e-9f7a-1b2c3d4e5f60", "targetOrganizationName": "westsupport.onmicrosoft.com", "targetRegion": "Worldwide" }"#,
            StatusCode::OK,
        )
        .await;
    let device: Value = serde_json::from_slice(&device).unwrap();
    assert!(device["userCode"].is_string());
    portal
        .post(
            &format!("RestoreSessions/{rid}/Action"),
            "application/json",
            r#"{ "stop": null }"#,
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        portal.get(&format!("RestoreSessions/{rid}")).await["state"],
        "Stopped"
    );
    portal
        .post(
            &format!("{mailbox}/Action"),
            "application/octet-stream",
            pst,
            StatusCode::BAD_REQUEST,
        )
        .await;
    sim.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portals_tenant_login_explores_its_own_organization() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let portal = Portal::log_in(&sim, sim.tenant_username(), sim.tenant_password().expose()).await;
    // getOrganization(): the tenant's own, with the date picker's bounds.
    let own = portal.get("Organization").await;
    assert_eq!(own["name"], sim.catalog().organization_name);
    let first = own["firstBackuptime"].as_str().unwrap();
    let picked = chrono::DateTime::parse_from_rfc3339(first)
        .unwrap()
        .format("%Y.%m.%d %H:%M")
        .to_string();
    let body = format!(
        r#"{{ "explore": {{ "datetime": "{picked}", "type": "vex", "ShowAllVersions": "true", "ShowDeleted": "true" }} }}"#
    );
    let session: Value = serde_json::from_slice(
        &portal
            .post(
                "Organization/Action",
                "application/json",
                &body,
                StatusCode::CREATED,
            )
            .await,
    )
    .unwrap();
    let rid = session["id"].as_str().unwrap();
    let mailboxes = portal
        .get(&format!(
            "RestoreSessions/{rid}/Organization/Mailboxes/?offset=0&limit=50"
        ))
        .await;
    assert_eq!(
        mailboxes["results"].as_array().unwrap().len(),
        sim.catalog().mailboxes.len()
    );
    sim.shutdown().await.unwrap();
}
