//! The client's real requests for `cargo xtask prism`: every action and variant (the set that
//! `tests/it/request_json.rs` pins) and the three token grants, sent by `vbo365::Client` to the
//! server at the URL given, then one deliberately invalid request as a control.
//!
//! Prints one JSON line per step: its name, the requests it sends (method and path suffix, in
//! order), and what came back. `cargo xtask prism` matches them with Prism's log.

use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;
use uuid::Uuid;
use vbo365::{Action, ActionOutcome, Client, Credentials, RestoreOptions};

const SESSION: vbo365::SessionId =
    vbo365::SessionId::from_uuid(uuid::uuid!("380d7caf-6294-4a33-b50a-b8aeb13af58c"));
const MAILBOX: vbo365::MailboxId =
    vbo365::MailboxId::from_uuid(uuid::uuid!("9e9b7199-f547-467a-b580-9d283a75eaad"));
const ITEM: &str = "AAAAAKGE4dIvQUtGjuSnq8JTHAgHAPliTMf_6DxPiJ6TGYB9CqAAAAAAAUcAAEJD8-NHTuNAoFrJGmIzcMoAAE-h_u0AAA==";
const APP_ID: Uuid = uuid::uuid!("8c6f3a4e-2b1d-4c5e-9f7a-1b2c3d4e5f60");
/// A stand-in for the bytes of a PFX file: the client base64-encodes whatever it is given.
const PFX: &[u8] = b"0\x82\x0a\x12\x02\x01\x03pfx bytes";

const TOKEN: &str = "POST /v4/token";
const ACTION: &str = "POST /Action";

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

/// Every action and variant, as the client builds them.
fn actions() -> Result<Vec<(String, Action)>, vbo365::Error> {
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
            Action::restore_to_original(credentials)?,
        ));
    }
    for (method, credentials) in credentials() {
        out.push((
            format!("restoreTo with {method}"),
            Action::restore_to(
                "djohnes@westsupport.onmicrosoft.com",
                credentials,
                RestoreOptions::default(),
            )?,
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
    out.push((
        "restoreTo with every option".to_string(),
        Action::restore_to(
            "djohnes@westsupport.onmicrosoft.com",
            Credentials::device_code("C6A9DB737"),
            every_option,
        )?,
    ));
    Ok(out)
}

fn step(name: &str, requests: &[&str], result: &Result<String, vbo365::Error>) {
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
    let Some(base_url) = std::env::args().nth(1) else {
        eprintln!("usage: prism_requests <base URL of the mock server>");
        return ExitCode::from(2);
    };
    let client = match Client::builder(&base_url).build() {
        Ok(client) => client,
        Err(error) => {
            eprintln!("cannot build the client: {error}");
            return ExitCode::from(2);
        }
    };
    let actions = match actions() {
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
    step("createToken, password grant", &[TOKEN], &password);
    let jwt = client
        .login_jwt(
            "westsupport.onmicrosoft.com",
            "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ2Ym8ifQ.c2lnbmF0dXJl",
        )
        .await
        .map(token);
    step("createToken, JWT bearer grant", &[TOKEN], &jwt);
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
        let name = format!("performMailboxItemAction, {name}");
        if index == 0 {
            step(
                &format!("createToken, refresh token grant, then {name}"),
                &[TOKEN, ACTION],
                &result,
            );
        } else {
            step(&name, &[ACTION], &result);
        }
    }

    // The control: a body no action allows, sent raw with the same token. Prism must reject
    // it, or the zero above proves nothing.
    let control = async {
        let response = reqwest::Client::new()
            .post(format!(
                "{base_url}/v4/RestoreSessions/{SESSION}/Organization/Mailboxes/{MAILBOX}/Items/{ITEM}/Action"
            ))
            .bearer_auth("eyJhY2Nlc3MiOiJ0b2tlbiJ9")
            .json(&json!({ "savetoMsg": 1 }))
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
                "requests": [ACTION],
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
