//! The exact JSON body of every action and variant, as it goes on the wire.

use uuid::Uuid;
use vbo365::{Action, Credentials, RestoreOptions};

const APP_ID: Uuid = uuid::uuid!("8c6f3a4e-2b1d-4c5e-9f7a-1b2c3d4e5f60");
/// A stand-in for the bytes of a PFX file: the client base64-encodes whatever it is given.
const PFX: &[u8] = b"0\x82\x0a\x12\x02\x01\x03pfx bytes";

fn wire(action: &Action) -> String {
    serde_json::to_string(action.body()).expect("action bodies always serialize")
}

fn credentials() -> [(&'static str, Credentials); 3] {
    [
        (
            "user_password",
            Credentials::user_password("jsmith@westsupport.onmicrosoft.com", "paSSw0rd"),
        ),
        ("device_code", Credentials::device_code("C6A9DB737")),
        (
            "application_certificate",
            Credentials::application_certificate(APP_ID, PFX, "xxx"),
        ),
    ]
}

#[test]
fn export_to_pst_without_limit() {
    insta::assert_snapshot!(wire(&Action::export_to_pst()));
}

#[test]
fn export_to_pst_with_limit() {
    insta::assert_snapshot!(wire(&Action::export_to_pst_split(1 << 30).unwrap()));
}

#[test]
fn save_to_msg() {
    insta::assert_snapshot!(wire(&Action::save_to_msg()));
}

#[test]
fn send_to_default_address() {
    insta::assert_snapshot!(wire(&Action::send_to_default_address()));
}

#[test]
fn send_to_different_address() {
    let action = Action::send_to_different_address(
        "j_smith@bestsupport.onmicrosoft.com",
        "r.clark@bestsupport.onmicrosoft.com",
        Some("Support Tickets".into()),
        Some("Please find attached the files you requested".into()),
    )
    .unwrap();
    insta::assert_snapshot!(wire(&action));
}

#[test]
fn restore_to_original_location_per_credential_method() {
    for (method, credentials) in credentials() {
        let action = Action::restore_to_original(credentials).unwrap();
        insta::assert_snapshot!(
            format!("restore_to_original_location_{method}"),
            wire(&action)
        );
    }
}

#[test]
fn restore_to_per_credential_method_with_default_options() {
    for (method, credentials) in credentials() {
        let action = Action::restore_to(
            "djohnes@westsupport.onmicrosoft.com",
            credentials,
            RestoreOptions::default(),
        )
        .unwrap();
        insta::assert_snapshot!(format!("restore_to_{method}"), wire(&action));
    }
}

#[test]
fn restore_to_with_every_option() {
    let options = RestoreOptions {
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
    let action = Action::restore_to(
        "djohnes@westsupport.onmicrosoft.com",
        Credentials::device_code("C6A9DB737"),
        options,
    )
    .unwrap();
    insta::assert_snapshot!(wire(&action));
}
