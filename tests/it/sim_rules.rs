//! The simulator's rules on the wire, with a plain HTTP client so that every byte sent is the
//! test's choice: tokens, validation messages, leniency and 404s here; stopped sessions,
//! restores and sends in `sim_actions`; routing and connections in `sim_transport`, which
//! share this module's fixture.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use vbo365::sim::{RunningSimulator, SimConfig, Simulator};

pub struct Fixture {
    pub sim: RunningSimulator,
    pub http: reqwest::Client,
    pub token: String,
}

impl Fixture {
    pub async fn start() -> Self {
        Self::start_with(false).await
    }

    /// Over HTTPS with `tls`, with a client that trusts the simulator's CA.
    pub async fn start_with(tls: bool) -> Self {
        let sim = Simulator::start(SimConfig {
            tls,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let http = match sim.ca_pem() {
            Some(pem) => reqwest::Client::builder()
                .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
                .build()
                .unwrap(),
            None => reqwest::Client::new(),
        };
        let token = login(&http, &sim).await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        Self { sim, http, token }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url())
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, self.url(path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let bytes = response.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::String("<binary>".into()))
        };
        (status, body)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, Some(body)).await
    }

    pub fn session(&self) -> uuid::Uuid {
        self.sim.catalog().sessions[0].id
    }

    pub fn stopped_session(&self) -> uuid::Uuid {
        self.sim.catalog().sessions[1].id
    }

    /// The Action path of item `index` of mailbox `mailbox`, percent-encoded.
    pub fn action(&self, mailbox: usize, index: usize) -> String {
        let mailbox = &self.sim.catalog().mailboxes[mailbox];
        format!(
            "/v4/RestoreSessions/{}/Organization/Mailboxes/{}/Items/{}/Action",
            self.session(),
            mailbox.id,
            progenitor_client::encode_path(&mailbox.items[index].id)
        )
    }

    pub async fn configure_sending(&self) {
        let (status, _) = self
            .send(
                Method::PUT,
                "/v4/VEXEmailSettings",
                Some(
                    json!({"enableNotification": true, "server": "smtp.example.com",
                            "port": 25, "from": "vbo@westsupport.onmicrosoft.com"}),
                ),
            )
            .await;
        assert_eq!(status, 200);
    }
}

pub async fn token_request(
    http: &reqwest::Client,
    sim: &RunningSimulator,
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    let response = http
        .post(format!("{}/v4/token", sim.base_url()))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

pub async fn login(http: &reqwest::Client, sim: &RunningSimulator) -> Value {
    let (status, body) = token_request(
        http,
        sim,
        &[
            ("grant_type", "password"),
            ("username", sim.username()),
            ("password", sim.password().expose()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

pub fn message(body: &Value) -> &str {
    body["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no message in {body}"))
}

#[tokio::test]
async fn tokens_expire_refresh_once_and_are_required() {
    let f = Fixture::start().await;
    let (status, body) = f.get("/v4/Organizations").await;
    assert_eq!(status, 200, "{body}");

    // Missing and bad tokens: 401 with a message.
    let response = f.http.get(f.url("/v4/Organizations")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        message(&body),
        "Authorization has been denied for this request."
    );
    let response = f
        .http
        .get(f.url("/v4/Organizations"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    // Expired: 401; the refresh grant gives a new pair, and each refresh token works once.
    let first = login(&f.http, &f.sim).await;
    f.sim.expire_access_tokens();
    let (status, _) = f.get("/v4/Organizations").await;
    assert_eq!(status, 401);
    let refresh = first["refresh_token"].as_str().unwrap();
    let (status, renewed) = token_request(
        &f.http,
        &f.sim,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(status, 200, "{renewed}");
    let response = f
        .http
        .get(f.url("/v4/Organizations"))
        .bearer_auth(renewed["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (status, again) = token_request(
        &f.http,
        &f.sim,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(again["error"], "invalid_grant");
}

#[tokio::test]
async fn a_zero_token_lifetime_expires_tokens_at_once() {
    let sim = Simulator::start(SimConfig {
        tls: false,
        token_lifetime: std::time::Duration::ZERO,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let token = login(&http, &sim).await;
    assert_eq!(token["expires_in"], 0);
    let response = http
        .get(format!("{}/v4/Organizations", sim.base_url()))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn the_token_endpoint_answers_oauth_errors_and_knows_three_grants() {
    let f = Fixture::start().await;
    let (status, body) = token_request(
        &f.http,
        &f.sim,
        &[
            ("grant_type", "password"),
            ("username", f.sim.username()),
            ("password", "wrong"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(
        body["error_description"],
        "The user name or password is incorrect."
    );
    assert!(
        !body.to_string().contains("wrong"),
        "the password is not echoed"
    );

    let (status, body) = token_request(
        &f.http,
        &f.sim,
        &[("grant_type", "password"), ("username", "x")],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_request");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("password"),
        "{body}"
    );

    let (status, body) = token_request(
        &f.http,
        &f.sim,
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("client_id", "westsupport.onmicrosoft.com"),
            ("assertion", "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJ2Ym8ifQ.c2ln"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["userName"], "westsupport.onmicrosoft.com");

    // The path is matched in any case, as older pages write `/Token`.
    let response = f
        .http
        .post(f.url("/V4/Token"))
        .form(&[
            ("grant_type", "password"),
            ("username", f.sim.username()),
            ("password", f.sim.password().expose()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn invalid_requests_get_400_naming_the_field() {
    let f = Fixture::start().await;
    let action = f.action(0, 0);
    let cases = [
        (
            json!({"exportToPst": {"enablePstSizeLimit": true, "pstSizeLimitBytes": 1024}}),
            "exportToPst.pstSizeLimitBytes: 1024 is less than the minimum 1073741824",
        ),
        (
            json!({"restoreTo": {"mailbox": "not-an-address", "userCode": "C6A9DB737"}}),
            "restoreTo.mailbox: must be an email address, such as j_smith@example.com",
        ),
        (
            json!({"sendtoDifferentaddress": {"from": "a@b.example"}}),
            "sendtoDifferentaddress.to: is required",
        ),
        (
            json!({"savetoMsg": null, "exportToPst": {}}),
            "body: must have exactly one of exportToPst, restoretoOriginallocation, restoreTo, \
             sendtoDefaultaddress, sendtoDifferentaddress, savetoMsg (given: exportToPst, savetoMsg)",
        ),
        (
            json!({"restoretoOriginallocation": {"userName": "u", "userPassword": "p", "userCode": "c"}}),
            "restoretoOriginallocation: must have exactly one of userName + userPassword, userCode, \
             applicationId + applicationCertificate + applicationCertificatePassword \
             (given: userCode, userName, userPassword)",
        ),
        (
            json!({"restoreTo": {"mailbox": "djohnes@westsupport.onmicrosoft.com",
                   "applicationId": "8c6f3a4e-2b1d-4c5e-9f7a-1b2c3d4e5f60",
                   "applicationCertificate": "not base64!", "applicationCertificatePassword": "x"}}),
            "restoreTo.applicationCertificate: Invalid length for a Base-64 char array or string.",
        ),
    ];
    for (body, expected) in cases {
        let (status, answer) = f.post(&action, body.clone()).await;
        assert_eq!(status, 400, "{body} -> {answer}");
        assert_eq!(message(&answer), expected, "for {body}");
    }

    // Parameters are checked against their schemas too.
    let (status, body) = f.get("/v4/RestoreSessions?limit=0").await;
    assert_eq!(
        (status, message(&body)),
        (
            StatusCode::BAD_REQUEST,
            "limit: 0 is less than the minimum 1"
        )
    );
    let (status, body) = f.get("/v4/RestoreSessions?offset=2147483648").await;
    assert_eq!(status, 400);
    assert!(
        message(&body).starts_with("offset: 2147483648 is out of range"),
        "{body}"
    );
    let (status, body) = f.get("/v4/RestoreSessions?offset=ten").await;
    assert_eq!(
        (status, message(&body)),
        (StatusCode::BAD_REQUEST, "offset: must be integer")
    );
    let (status, body) = f.get("/v4/RestoreSessions/not-a-guid").await;
    assert_eq!(
        (status, message(&body)),
        (StatusCode::BAD_REQUEST, "restoreSessionId: must be a GUID")
    );

    // The media type and the JSON itself.
    let response = f
        .http
        .post(f.url(&action))
        .bearer_auth(&f.token)
        .header("content-type", "text/plain")
        .body(r#"{"savetoMsg": null}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        message(&body),
        "Content-Type must be application/json, not text/plain"
    );
    let response = f
        .http
        .post(f.url(&action))
        .bearer_auth(&f.token)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(
        message(&body).starts_with("body: is not valid JSON"),
        "{body}"
    );
}

#[tokio::test]
async fn names_in_any_case_string_booleans_and_trailing_commas_are_accepted() {
    let f = Fixture::start().await;
    let response = f
        .http
        .post(f.url(&f.action(0, 1)))
        .bearer_auth(&f.token)
        .header("content-type", "application/json")
        .body(r#"{"ExportToPST": {"EnablePstSizeLimit": "False", "CONTENTKEYWORDS": "x",},}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-length"],
        vbo365::sim::DEFAULT_PST_SIZE.to_string().as_str()
    );
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..4], b"!BDN");

    let (status, body) = f
        .post(
            &format!(
                "/v4/Organizations/{}/Action",
                f.sim.catalog().organization_id
            ),
            json!({"Explore": {"TYPE": "VEX", "showdeleted": "true"}}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["type"], "Vex");

    // A name given twice in two spellings is ambiguous, and refused.
    let (status, body) = f
        .post(
            &f.action(0, 1),
            json!({"savetoMsg": null, "SaveToMsg": null}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(message(&body).contains("given twice"), "{body}");
}

#[tokio::test]
async fn unknown_things_are_404() {
    let f = Fixture::start().await;
    let unknown = uuid::Uuid::new_v4();
    let mailbox = f.sim.catalog().mailboxes[0].id;
    let paths = [
        format!("/v4/RestoreSessions/{unknown}"),
        format!("/v4/RestoreSessions/{unknown}/Organization/Mailboxes"),
        format!(
            "/v4/RestoreSessions/{}/Organization/Mailboxes/{unknown}/Items",
            f.session()
        ),
        format!(
            "/v4/RestoreSessions/{}/Organization/Mailboxes/{mailbox}/Items/AAAAnope%3D",
            f.session()
        ),
        format!(
            "/v4/RestoreSessions/{}/Organization/Mailboxes/{mailbox}/Folders?parentId=nope",
            f.session()
        ),
        "/v4/NoSuchThing".to_string(),
    ];
    for path in paths {
        let (status, body) = f.get(&path).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert!(!message(&body).is_empty());
    }
    let (status, body) = f
        .post(
            &format!("/v4/Organizations/{unknown}/Action"),
            json!({"explore": {}}),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    // A restore to a mailbox that the organization does not have is a 404 too.
    let (status, body) = f
        .post(
            &f.action(0, 0),
            json!({"restoreTo": {"mailbox": "nobody@westsupport.onmicrosoft.com", "userCode": "C"}}),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    // A `/` of an item id must be percent-encoded: unencoded, it is another path.
    let rachel = &f.sim.catalog().mailboxes[1];
    let slashed = rachel.items.iter().find(|i| i.id.contains('/')).unwrap();
    let raw = format!(
        "/v4/RestoreSessions/{}/Organization/Mailboxes/{}/Items/{}",
        f.session(),
        rachel.id,
        slashed.id
    );
    assert_eq!(f.get(&raw).await.0, 404);
    let encoded = format!(
        "/v4/RestoreSessions/{}/Organization/Mailboxes/{}/Items/{}",
        f.session(),
        rachel.id,
        progenitor_client::encode_path(&slashed.id)
    );
    let (status, body) = f.get(&encoded).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], slashed.id.as_str());
}
