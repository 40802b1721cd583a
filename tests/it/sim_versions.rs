//! The simulator serves v4, v6, v7 and v8 at once, each from its own spec, over the same data:
//! raw requests over HTTPS to every version's routes, an item action on each version, v8's
//! asynchronous restore, a simulator restricted to one version, and the versions' links and
//! error shapes.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use vbo365::sim::{RunningSimulator, SimConfig, Simulator};
use vbo365::{ApiVersion, Operation};

use super::support::pst::read_pst;

pub(crate) struct Sim {
    pub(crate) sim: RunningSimulator,
    pub(crate) http: reqwest::Client,
}

/// An answer: status, `Content-Type`, and the body as JSON (`Null` when empty, the byte count
/// as a number when it is not JSON).
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Value,
    pub(crate) bytes: Vec<u8>,
}

impl Sim {
    pub(crate) async fn start(config: SimConfig) -> Self {
        let sim = Simulator::start(config).await.unwrap();
        let pem = sim.ca_pem().expect("TLS is on by default");
        let http = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
            .build()
            .unwrap();
        Self { sim, http }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url())
    }

    /// An administrator's access token from `version`'s token endpoint, with v7 and v8's
    /// `disable_antiforgery_token`.
    pub(crate) async fn token(&self, version: ApiVersion) -> String {
        let mut form = vec![
            ("grant_type", "password"),
            ("username", self.sim.username()),
            ("password", self.sim.password().expose()),
        ];
        if version >= ApiVersion::V7 {
            form.push(("disable_antiforgery_token", "true"));
        }
        let path = Operation::CreateToken.path(version).unwrap();
        let response = self
            .http
            .post(self.url(path))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{version}");
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }

    pub(crate) async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string());
        let bytes = response.bytes().await.unwrap().to_vec();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::from(bytes.len()))
        };
        Answer {
            status,
            content_type,
            body,
            bytes,
        }
    }

    pub(crate) async fn get(&self, token: &str, path: &str) -> Answer {
        self.call(token, Method::GET, path, None).await
    }

    pub(crate) fn session(&self) -> uuid::Uuid {
        self.sim.catalog().sessions[0].id
    }

    /// The path of `operation` in `version` with `params` in its template.
    pub(crate) fn path(
        version: ApiVersion,
        operation: Operation,
        params: &[(&str, &str)],
    ) -> String {
        let mut path = operation.path(version).unwrap().to_string();
        for (name, value) in params {
            path = path.replace(&format!("{{{name}}}"), value);
        }
        path
    }

    /// The path of `operation` for item `index` of the first mailbox (or, without an
    /// `itemId`, of the mailbox), in `version`.
    pub(crate) fn item_path(
        &self,
        version: ApiVersion,
        operation: Operation,
        index: usize,
    ) -> String {
        let mailbox = &self.sim.catalog().mailboxes[0];
        let item = progenitor_client::encode_path(&mailbox.items[index].id);
        Self::path(
            version,
            operation,
            &[
                ("restoreSessionId", &self.session().to_string()),
                ("mailboxId", &mailbox.id.to_string()),
                ("itemId", &item),
            ],
        )
    }

    pub(crate) async fn configure_sending(&self, token: &str, version: ApiVersion) {
        let path = Operation::PutVexEmailSettings.path(version).unwrap();
        let body = json!({"enableNotification": true, "server": "smtp.example.com",
                          "port": 25, "from": "vbo@westsupport.onmicrosoft.com"});
        let answer = self.call(token, Method::PUT, path, Some(body)).await;
        let expected = if version == ApiVersion::V8 { 204 } else { 200 };
        assert_eq!(answer.status, expected, "{version}: {}", answer.body);
        assert!(answer.bytes.is_empty(), "{version}: no body");
    }
}

pub(crate) fn ids(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v[key].as_str().unwrap().to_string())
        .collect()
}

/// Every version lists the same organization, sessions, mailboxes, folders and items, each
/// answer valid in the version's own shape.
#[tokio::test]
async fn every_versions_routes_answer_with_the_same_data() {
    let s = Sim::start(SimConfig::default()).await;
    let catalog = s.sim.catalog();
    let mailbox = &catalog.mailboxes[0];
    let session = s.session().to_string();
    let inbox = mailbox.folders.iter().find(|f| f.path == "Inbox").unwrap();
    // Per version: the session, mailbox, folder and item ids it lists.
    let mut seen: Vec<[Vec<String>; 4]> = Vec::new();
    for version in ApiVersion::ALL {
        let token = s.token(version).await;
        // Organizations: a list, or from v8 a page; v6 requires extendedView.
        let orgs = Operation::ListOrganizations.path(version).unwrap();
        let answer = s.get(&token, &format!("{orgs}?extendedView=true")).await;
        assert_eq!(answer.status, 200, "{version}: {}", answer.body);
        let list = if version == ApiVersion::V8 {
            assert_eq!(answer.body["offset"], 0, "{version}");
            answer.body["results"].clone()
        } else {
            answer.body.clone()
        };
        assert_eq!(
            ids(&list, "id"),
            vec![catalog.organization_id.to_string()],
            "{version}"
        );
        assert!(list[0]["lastBackuptime"].is_string(), "{version}: {list}");

        let sessions = s
            .get(
                &token,
                Operation::ListRestoreSessions.path(version).unwrap(),
            )
            .await;
        assert_eq!(sessions.status, 200, "{version}");
        let session_ids = ids(&sessions.body["results"], "id");

        let mailboxes_path = Sim::path(
            version,
            Operation::ListMailboxes,
            &[("restoreSessionId", &session)],
        );
        let mailboxes = s.get(&token, &mailboxes_path).await;
        assert_eq!(mailboxes.status, 200, "{version}: {}", mailboxes.body);
        let mailbox_ids = ids(&mailboxes.body["results"], "email");

        let params = [
            ("restoreSessionId", session.as_str()),
            ("mailboxId", &mailbox.id.to_string()),
        ];
        let folders = Sim::path(version, Operation::ListMailboxFolders, &params);
        let folders = s.get(&token, &folders).await;
        assert_eq!(folders.status, 200, "{version}");
        let folder_ids = ids(&folders.body["results"], "id");

        // The item list's folder filter: folderId in v4 and v6, parentId from v7 on.
        let filter = if version >= ApiVersion::V7 {
            "parentId"
        } else {
            "folderId"
        };
        let items = Sim::path(version, Operation::ListMailboxItems, &params);
        let items = s
            .get(
                &token,
                &format!(
                    "{items}?{filter}={}&limit=100",
                    progenitor_client::encode_path(&inbox.id)
                ),
            )
            .await;
        assert_eq!(items.status, 200, "{version}: {}", items.body);
        let item_ids = ids(&items.body["results"], "id");
        let expected: Vec<String> = mailbox
            .items
            .iter()
            .filter(|i| i.folder_id == inbox.id)
            .map(|i| i.id.clone())
            .collect();
        assert_eq!(item_ids, expected, "{version}: the filter applies");

        let item = s
            .get(&token, &s.item_path(version, Operation::GetMailboxItem, 0))
            .await;
        assert_eq!(item.status, 200, "{version}");
        assert_eq!(item.body["subject"], mailbox.items[0].subject.as_str());

        let vex = s
            .get(
                &token,
                Operation::GetVexEmailSettings.path(version).unwrap(),
            )
            .await;
        assert_eq!(
            (vex.status, &vex.body["port"]),
            (StatusCode::OK, &json!(25))
        );
        seen.push([session_ids, mailbox_ids, folder_ids, item_ids]);
    }
    assert!(
        seen.windows(2).all(|w| w[0] == w[1]),
        "the same data: {seen:?}"
    );
    assert_eq!(seen[0][1].len(), catalog.mailboxes.len());
}

/// The same item actions on every version: a restore counts or starts, a save answers the
/// MSG, a send lands in the one outbox (v8: 204), an export is a PST of the items.
#[tokio::test]
async fn an_item_action_on_each_version_acts_on_the_same_production_side() {
    let s = Sim::start(SimConfig {
        restore_delay: Duration::from_millis(50),
        ..SimConfig::default()
    })
    .await;
    let mailbox = &s.sim.catalog().mailboxes[0];
    let credentials = json!({"userName": "admin@westsupport.onmicrosoft.com", "userPassword": "x"});
    for (n, version) in ApiVersion::ALL.into_iter().enumerate() {
        let token = s.token(version).await;
        s.configure_sending(&token, version).await;
        // Restore item n to its original location.
        let restore = if version == ApiVersion::V4 {
            let path = s.item_path(version, Operation::PerformMailboxItemAction, n);
            let body = json!({"restoretoOriginallocation": credentials});
            s.call(&token, Method::POST, &path, Some(body)).await
        } else {
            let path = s.item_path(version, Operation::RestoreMailboxItem, n);
            s.call(&token, Method::POST, &path, Some(credentials.clone()))
                .await
        };
        assert_eq!(restore.status, 200, "{version}: {}", restore.body);
        if version == ApiVersion::V8 {
            let id = restore.body["sessionId"].as_str().unwrap().to_string();
            let statistics = wait_for_restore(&s, &token, &id).await;
            assert_eq!(statistics["restoredItemsCount"], 1, "{statistics}");
        } else {
            assert_eq!(
                restore.body["createdItemsCount"], 1,
                "{version}: {}",
                restore.body
            );
        }
        let restored = s.sim.mailbox_contents(&mailbox.email).unwrap();
        assert_eq!(restored.len(), n + 1, "{version}");
        assert_eq!(restored[n].item_id, mailbox.items[n].id);

        // Save it as MSG: v6 on takes no body.
        let save = if version == ApiVersion::V4 {
            let path = s.item_path(version, Operation::PerformMailboxItemAction, n);
            s.call(
                &token,
                Method::POST,
                &path,
                Some(json!({"savetoMsg": null})),
            )
            .await
        } else {
            let path = s.item_path(version, Operation::SaveMailboxItem, n);
            s.call(&token, Method::POST, &path, None).await
        };
        assert_eq!(save.status, 200, "{version}");
        assert_eq!(
            save.content_type.as_deref(),
            Some("application/octet-stream")
        );
        assert_eq!(
            &save.bytes[..8],
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            "an OLE2 MSG"
        );

        // Send it elsewhere.
        let to = json!({"to": "someone@example.com"});
        let send = if version == ApiVersion::V4 {
            let path = s.item_path(version, Operation::PerformMailboxItemAction, n);
            s.call(
                &token,
                Method::POST,
                &path,
                Some(json!({"sendtoDifferentaddress": to})),
            )
            .await
        } else {
            let path = s.item_path(version, Operation::SendMailboxItemToDifferentAddress, n);
            s.call(&token, Method::POST, &path, Some(to)).await
        };
        let expected = if version == ApiVersion::V8 { 204 } else { 200 };
        assert_eq!(send.status, expected, "{version}: {}", send.body);
        let outbox = s.sim.outbox();
        assert_eq!(outbox.len(), n + 1, "{version}");
        assert_eq!(outbox[n].attachments[0].item_id, mailbox.items[n].id);
    }

    // What v6 adds to a restore's options is accepted, with nothing to act on.
    let other = s
        .sim
        .catalog()
        .mailboxes
        .iter()
        .skip(1)
        .find(|m| !m.is_archive)
        .unwrap();
    let token = s.token(ApiVersion::V6).await;
    let path = s.item_path(ApiVersion::V6, Operation::RestoreMailboxItemTo, 10);
    let body = json!({"mailbox": other.email, "folder": "Recovered",
                      "applicationId": uuid::Uuid::new_v4(), "applicationCertificate": "AAAA",
                      "applicationCertificatePassword": "x",
                      "impersonationAccountName": "admin@westsupport.onmicrosoft.com",
                      "officeRegion": "Worldwide", "officeOrganizationName": "westsupport"});
    let answer = s.call(&token, Method::POST, &path, Some(body)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["createdItemsCount"], 1, "{}", answer.body);
    let restored = s.sim.mailbox_contents(&other.email).unwrap();
    assert_eq!(
        (restored[0].item_id.as_str(), restored[0].folder.as_str()),
        (mailbox.items[10].id.as_str(), "Recovered")
    );

    // Two items exported to one PST through v7's multi-item route.
    let token = s.token(ApiVersion::V7).await;
    let path = Sim::path(
        ApiVersion::V7,
        Operation::ExportMailboxItemsToPst,
        &[
            ("restoreSessionId", &s.session().to_string()),
            ("mailboxId", &mailbox.id.to_string()),
        ],
    );
    let body = json!({"items": [{"id": mailbox.items[0].id}, {"id": mailbox.items[1].id}]});
    let export = s.call(&token, Method::POST, &path, Some(body)).await;
    assert_eq!(export.status, 200, "{}", export.body);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("two.pst");
    std::fs::write(&file, &export.bytes).unwrap();
    let pst = read_pst(&file).unwrap();
    let mut subjects: Vec<String> = pst
        .ipm_folders
        .iter()
        .flat_map(|f| f.messages.iter().filter_map(|m| m.subject.clone()))
        .collect();
    subjects.sort();
    let mut expected = vec![
        mailbox.items[0].subject.clone(),
        mailbox.items[1].subject.clone(),
    ];
    expected.sort();
    assert_eq!(subjects, expected);
}

/// Polls v8's statistics of restore `id` until every item is accounted for; the last answer.
async fn wait_for_restore(s: &Sim, token: &str, id: &str) -> Value {
    let path = format!("/v8/RestoreSessions/{id}/Statistics");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let answer = s.get(token, &path).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let b = &answer.body;
        let count = |k: &str| b[k].as_i64().unwrap();
        let total = count("totalItemsCount");
        if total > 0
            && count("restoredItemsCount") + count("failedItemsCount") + count("skippedItemsCount")
                >= total
        {
            return answer.body;
        }
        assert!(Instant::now() < deadline, "the restore never ended: {b}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// v8's restore answers at once with a session id; its statistics show it in progress until
/// the delay has passed, then its counts; the production side changes once.
#[tokio::test]
async fn a_v8_restore_runs_after_its_answer_and_changes_production_once() {
    let delay = Duration::from_millis(1500);
    let s = Sim::start(SimConfig {
        restore_delay: delay,
        ..SimConfig::default()
    })
    .await;
    let mailbox = &s.sim.catalog().mailboxes[0];
    let token = s.token(ApiVersion::V8).await;
    let path = Sim::path(
        ApiVersion::V8,
        Operation::RestoreMailboxItems,
        &[
            ("restoreSessionId", &s.session().to_string()),
            ("mailboxId", &mailbox.id.to_string()),
        ],
    );
    let body = json!({"items": [{"id": mailbox.items[0].id}, {"id": mailbox.items[1].id}],
                      "userName": "admin@westsupport.onmicrosoft.com", "userPassword": "x",
                      "impersonationAccountName": "ignored"});
    let started_at = Instant::now();
    // The impersonation account is an application certificate's; with a password it is refused.
    let refused = s.call(&token, Method::POST, &path, Some(body)).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    let body = json!({"items": [{"id": mailbox.items[0].id}, {"id": mailbox.items[1].id}],
                      "userName": "admin@westsupport.onmicrosoft.com", "userPassword": "x"});
    let started = s.call(&token, Method::POST, &path, Some(body)).await;
    assert_eq!(started.status, 200, "{}", started.body);
    let id = started.body["sessionId"].as_str().unwrap().to_string();
    assert_eq!(started.body.as_object().unwrap().len(), 1, "only sessionId");

    let running = s
        .get(&token, &format!("/v8/RestoreSessions/{id}/Statistics"))
        .await;
    if started_at.elapsed() < delay {
        assert_eq!(running.body["totalItemsCount"], 2, "{}", running.body);
        assert_eq!(running.body["restoredItemsCount"], 0, "{}", running.body);
        assert_eq!(running.body["items"], json!([]));
        assert!(s.sim.mailbox_contents(&mailbox.email).unwrap().is_empty());
    }
    let done = wait_for_restore(&s, &token, &id).await;
    assert!(started_at.elapsed() >= delay, "not before the delay");
    assert_eq!(done["restoredItemsCount"], 2, "{done}");
    assert_eq!(done["skippedItemsCount"], 0);
    assert_eq!(done["items"].as_array().unwrap().len(), 2);
    assert_eq!(done["items"][0]["status"], "Success");
    let restored = s.sim.mailbox_contents(&mailbox.email).unwrap();
    assert_eq!(restored.len(), 2);
    assert!(restored.iter().all(|r| r.restores == 1));
    // Reading again changes nothing.
    let again = s
        .get(&token, &format!("/v8/RestoreSessions/{id}/Statistics"))
        .await;
    assert_eq!(again.body, done);
    assert_eq!(s.sim.mailbox_contents(&mailbox.email).unwrap(), restored);

    // The exploring session's statistics add up its restores; an unknown id is a 404.
    let session = s
        .get(
            &token,
            &format!("/v8/RestoreSessions/{}/Statistics", s.session()),
        )
        .await;
    assert_eq!(session.body["restoredItemsCount"], 2, "{}", session.body);
    let unknown = s
        .get(
            &token,
            &format!("/v8/RestoreSessions/{}/Statistics", uuid::Uuid::new_v4()),
        )
        .await;
    assert_eq!(unknown.status, 404);

    // A repeat skips both: the items are there already.
    let body = json!({"items": [{"id": mailbox.items[0].id}, {"id": mailbox.items[1].id}],
                      "userName": "admin@westsupport.onmicrosoft.com", "userPassword": "x"});
    let repeat = s.call(&token, Method::POST, &path, Some(body)).await;
    let id = repeat.body["sessionId"].as_str().unwrap().to_string();
    let done = wait_for_restore(&s, &token, &id).await;
    assert_eq!(
        (&done["restoredItemsCount"], &done["skippedItemsCount"]),
        (&json!(0), &json!(2))
    );
    assert_eq!(s.sim.mailbox_contents(&mailbox.email).unwrap(), restored);
}
