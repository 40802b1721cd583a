//! The client's real requests for `cargo xtask prism`: every action and variant (the set that
//! `tests/it/request_json.rs` pins) and the three token grants, sent by `vbo365::Client`
//! speaking the API version given to the server at the URL given, then one deliberately
//! invalid request as a control.
//!
//! Prints one JSON line per step: its name, the requests it sends (method and path suffix, in
//! order), and what came back. `cargo xtask prism` matches them with Prism's log.

use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;
use uuid::Uuid;
use vbo365::generated::operations::{ActionScope, Operation, action_route};
use vbo365::{
    Action, ActionKind, ActionOutcome, ApiVersion, Client, Credentials, RestoreExtras,
    RestoreOptions,
};

const SESSION: vbo365::SessionId =
    vbo365::SessionId::from_uuid(uuid::uuid!("380d7caf-6294-4a33-b50a-b8aeb13af58c"));
const MAILBOX: vbo365::MailboxId =
    vbo365::MailboxId::from_uuid(uuid::uuid!("9e9b7199-f547-467a-b580-9d283a75eaad"));
const ITEM: &str = "AAAAAKGE4dIvQUtGjuSnq8JTHAgHAPliTMf_6DxPiJ6TGYB9CqAAAAAAAUcAAEJD8-NHTuNAoFrJGmIzcMoAAE-h_u0AAA==";
const APP_ID: Uuid = uuid::uuid!("8c6f3a4e-2b1d-4c5e-9f7a-1b2c3d4e5f60");
/// A stand-in for the bytes of a PFX file: the client base64-encodes whatever it is given.
const PFX: &[u8] = b"0\x82\x0a\x12\x02\x01\x03pfx bytes";

/// `POST /v8/token`.
fn token_request(version: ApiVersion) -> String {
    format!(
        "POST {}",
        Operation::CreateToken.path(version).unwrap_or_default()
    )
}

/// The requests of `kind` on one item in `version`: the operation the action table names
/// (by the last segment of its path, as the step matches suffixes), and for v8's
/// asynchronous restores the poll of their statistics, which the mock's example answers as
/// finished.
fn action_requests(version: ApiVersion, kind: ActionKind) -> Vec<String> {
    let Some(route) = action_route(version, ActionScope::Item, kind.wire_name()) else {
        return vec![format!("{kind:?} has no route in {version}")];
    };
    let path = route.operation.path(version).unwrap_or_default();
    let last = path.rsplit('/').next().unwrap_or_default();
    let mut requests = vec![format!("POST /{last}")];
    if kind.restores() && Operation::GetRestoreStatistics.served_by(version) {
        requests.push("GET /Statistics".to_string());
    }
    requests
}

fn credentials() -> [(&'static str, Credentials); 3] {
    [
        (
            "user name and password",
            Credentials::user_password("jsmith@westsupport.onmicrosoft.com", "paSSw0rd"),
        ),
        ("device code", Credentials::device_code("C6A9DB737")),
        (
            "application certificate",
            Credentials::application_certificate(APP_ID, PFX, "xxx"),
        ),
    ]
}

/// Every action and variant, as the client builds them for `version`: from v6 on, a restore
/// with an application certificate names the account to impersonate, and `restoreTo` may
/// name the target organization's region and name.
fn actions(version: ApiVersion) -> Result<Vec<(String, Action)>, vbo365::Error> {
    let later = version != ApiVersion::V4;
    let extras = |method: &str| RestoreExtras {
        impersonation_account_name: (later && method == "application certificate")
            .then(|| "restore-admin@westsupport.onmicrosoft.com".to_string()),
        ..RestoreExtras::default()
    };
    let mut out = vec![
        ("exportToPst".to_string(), Action::export_to_pst()),
        (
            "exportToPst split at 1 GiB".to_string(),
            Action::export_to_pst_split(1 << 30)?,
        ),
        ("savetoMsg".to_string(), Action::save_to_msg()),
        (
            "sendtoDefaultaddress".to_string(),
            Action::send_to_default_address(),
        ),
        (
            "sendtoDifferentaddress".to_string(),
            Action::send_to_different_address(
                "j_smith@bestsupport.onmicrosoft.com",
                "r.clark@bestsupport.onmicrosoft.com",
                Some("Support Tickets".into()),
                Some("Please find attached the files you requested".into()),
            )?,
        ),
    ];
    for (method, credentials) in credentials() {
        out.push((
            format!("restoretoOriginallocation with {method}"),
            Action::restore_to_original(credentials)?.with_restore_extras(extras(method))?,
        ));
    }
    for (method, credentials) in credentials() {
        out.push((
            format!("restoreTo with {method}"),
            Action::restore_to(
                "djohnes@westsupport.onmicrosoft.com",
                credentials,
                RestoreOptions::default(),
            )?
            .with_restore_extras(extras(method))?,
        ));
    }
    let every_option = RestoreOptions {
        cas_server: Some("cas.westsupport.local".into()),
        folder: Some("Restored items".into()),
        changed_items: false,
        deleted_items: false,
        mark_restored_as_unread: true,
        exclude_drafts: true,
        exclude_deleted_items: true,
        exclude_in_place_hold_items: false,
        exclude_litigation_hold_items: false,
    };
    let every_extra = if later {
        RestoreExtras {
            office_region: Some(vbo365::OfficeRegion::Worldwide),
            office_organization_name: Some("westsupport.onmicrosoft.com".into()),
            ..RestoreExtras::default()
        }
    } else {
        RestoreExtras::default()
    };
    out.push((
        "restoreTo with every option".to_string(),
        Action::restore_to(
            "djohnes@westsupport.onmicrosoft.com",
            Credentials::device_code("C6A9DB737"),
            every_option,
        )?
        .with_restore_extras(every_extra)?,
    ));
    Ok(out)
}

fn step(name: &str, requests: &[String], result: &Result<String, vbo365::Error>) {
    let result = match result {
        Ok(value) => json!({ "ok": value }),
        Err(error) => json!({
            "error": error.report().to_string(),
            "status": error.status().map(|s| s.as_u16()),
        }),
    };
    println!(
        "{}",
        json!({ "step": name, "requests": requests, "result": result })
    );
}

fn outcome(outcome: &ActionOutcome) -> &'static str {
    match outcome {
        ActionOutcome::File(_) => "file",
        ActionOutcome::Restored(_) => "restore statistics",
        ActionOutcome::Sent(_) => "sent",
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let (Some(base_url), Some(version)) = (std::env::args().nth(1), std::env::args().nth(2)) else {
        eprintln!("usage: prism_requests <base URL of the mock server> <API version>");
        return ExitCode::from(2);
    };
    let version: ApiVersion = match version.parse() {
        Ok(version) => version,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    let client = match Client::builder(&base_url).api_version(version).build() {
        Ok(client) => client,
        Err(error) => {
            eprintln!("cannot build the client: {error}");
            return ExitCode::from(2);
        }
    };
    let actions = match actions(version) {
        Ok(actions) => actions,
        Err(error) => {
            eprintln!("cannot build the actions: {error}");
            return ExitCode::from(2);
        }
    };

    // The three grants of the token endpoint.
    let token = |t: vbo365::types::Token| format!("a token for {} s", t.expires_in);
    let password = client
        .login("admin@westsupport.onmicrosoft.com", "paSSw0rd")
        .await
        .map(token);
    let token_request = token_request(version);
    step(
        "createToken, password grant",
        std::slice::from_ref(&token_request),
        &password,
    );
    let jwt = client
        .login_jwt(
            "westsupport.onmicrosoft.com",
            "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ2Ym8ifQ.c2lnbmF0dXJl",
        )
        .await
        .map(token);
    step(
        "createToken, JWT bearer grant",
        std::slice::from_ref(&token_request),
        &jwt,
    );
    // An expired token with a refresh token: the client renews it before the next request.
    client.resume(
        "expired-access-token",
        Some("6a2f0c1e1b8e4f4c9d5b1a7e3c2d9f80".into()),
        Duration::ZERO,
    );

    for (index, (name, action)) in actions.iter().enumerate() {
        let result = client
            .perform_action(SESSION, MAILBOX, ITEM, action)
            .await
            .map(|o| outcome(&o).to_string());
        let requests = action_requests(version, action.kind());
        let name = format!("{}: {name}", requests[0]);
        if index == 0 {
            let mut with_refresh = vec![token_request.clone()];
            with_refresh.extend(requests);
            step(
                &format!("createToken, refresh token grant, then {name}"),
                &with_refresh,
                &result,
            );
        } else {
            step(&name, &requests, &result);
        }
    }

    // The control: a body the export does not allow, sent raw with the same token. Prism must
    // reject it, or the zero above proves nothing.
    let export = action_route(
        version,
        ActionScope::Item,
        ActionKind::ExportToPst.wire_name(),
    )
    .and_then(|route| route.operation.path(version))
    .unwrap_or_default()
    .replace("{restoreSessionId}", &SESSION.to_string())
    .replace("{mailboxId}", &MAILBOX.to_string())
    .replace("{itemId}", ITEM);
    let control_request = action_requests(version, ActionKind::ExportToPst)[0].clone();
    let control = async {
        let response = reqwest::Client::new()
            .post(format!("{base_url}{export}"))
            .bearer_auth("eyJhY2Nlc3MiOiJ0b2tlbiJ9")
            .json(&json!({ "exportToPst": 1, "enablePstSizeLimit": "yes" }))
            .send()
            .await?;
        let violations = response.headers().contains_key("sl-violations");
        Ok::<_, reqwest::Error>((response.status().as_u16(), violations))
    };
    match control.await {
        Ok((status, violations)) => println!(
            "{}",
            json!({
                "step": "control: an invalid body, sent raw",
                "requests": [control_request],
                "control": true,
                "result": { "status": status, "sl_violations_header": violations },
            })
        ),
        Err(error) => {
            eprintln!("the control request failed: {error}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
