//! Rules the server enforces that the generated types cannot, checked before anything is sent.
//!
//! Each failure names the field (as spelled on the wire) and the rule. The credential rule
//! ("exactly one method") needs no check here: the generated enums make a mixed body
//! impossible to build.

use crate::Error;
use crate::generated::types::{self, MailboxItemAction};
use crate::generated::wire::MailboxItemActionKey;

/// Smallest `pstSizeLimitBytes` the server accepts: 1 GiB.
pub const PST_SIZE_LIMIT_MIN: u64 = 1 << 30;
/// Largest `pstSizeLimitBytes` the server accepts: 49 GiB.
pub const PST_SIZE_LIMIT_MAX: u64 = 49 << 30;

/// Checks an action body against the spec's rules that the generated types do not enforce.
pub fn action(action: &MailboxItemAction) -> Result<(), Error> {
    // Fields are named from the action's key on the wire, as the server names them.
    let key = action.key().wire_name();
    let field = |name: &str| format!("{key}.{name}");
    match action {
        MailboxItemAction::ExportToPst(options) => export_to_pst(options),
        MailboxItemAction::RestoretoOriginallocation(credentials) => match credentials {
            types::RestoreToOriginalLocationOptions::UserPasswordCredentials(c) => {
                not_empty(&field("userPassword"), c.user_password.expose())
            }
            types::RestoreToOriginalLocationOptions::DeviceCodeCredentials(_) => Ok(()),
            types::RestoreToOriginalLocationOptions::ApplicationCertificateCredentials(c) => {
                certificate(key, c.application_certificate.expose())
            }
        },
        MailboxItemAction::RestoreTo(options) => match options {
            types::RestoreToOptions::UserPassword(o) => {
                email(&field("mailbox"), &o.mailbox)?;
                not_empty(&field("userPassword"), o.user_password.expose())
            }
            types::RestoreToOptions::DeviceCode(o) => email(&field("mailbox"), &o.mailbox),
            types::RestoreToOptions::ApplicationCertificate(o) => {
                email(&field("mailbox"), &o.mailbox)?;
                certificate(key, o.application_certificate.expose())
            }
        },
        MailboxItemAction::SendtoDifferentaddress(o) => {
            if let Some(from) = &o.from {
                email(&field("from"), from)?;
            }
            email(&field("to"), &o.to)
        }
        MailboxItemAction::SendtoDefaultaddress(_) | MailboxItemAction::SavetoMsg(_) => Ok(()),
    }
}

fn export_to_pst(options: &types::ExportToPstOptions) -> Result<(), Error> {
    if let Some(limit) = options.pst_size_limit_bytes {
        pst_size_limit(limit)?;
    }
    if options.enable_pst_size_limit == Some(true) && options.pst_size_limit_bytes.is_none() {
        return Err(Error::invalid(
            pst_size_limit_field(),
            "is required when enablePstSizeLimit is true",
        ));
    }
    Ok(())
}

fn pst_size_limit_field() -> String {
    format!(
        "{}.pstSizeLimitBytes",
        MailboxItemActionKey::ExportToPst.wire_name()
    )
}

/// `pstSizeLimitBytes` must lie within 1 GiB ..= 49 GiB.
pub fn pst_size_limit(bytes: i64) -> Result<u64, Error> {
    u64::try_from(bytes)
        .ok()
        .filter(|b| (PST_SIZE_LIMIT_MIN..=PST_SIZE_LIMIT_MAX).contains(b))
        .ok_or_else(|| {
            Error::invalid(
                pst_size_limit_field(),
                format!(
                    "must be within {PST_SIZE_LIMIT_MIN} (1 GiB) ..= {PST_SIZE_LIMIT_MAX} \
                     (49 GiB) bytes, got {bytes}"
                ),
            )
        })
}

/// An email address: `local@domain`, no whitespace, a domain of non-empty dot-separated labels.
pub fn email(field: &str, value: &str) -> Result<(), Error> {
    let fail = |why: &str| {
        Err(Error::invalid(
            field,
            format!("must be an email address: {why}"),
        ))
    };
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return fail("it contains whitespace");
    }
    let Some((local, domain)) = value.rsplit_once('@') else {
        return fail("it has no '@'");
    };
    if local.is_empty() {
        return fail("nothing before '@'");
    }
    if domain.is_empty() || domain.split('.').any(str::is_empty) {
        return fail("the domain after '@' is empty or has an empty label");
    }
    Ok(())
}

/// An item id (`itemId`, a path parameter): not empty, one path segment whatever it holds
/// (see `crate::path`), and within the spec's `x-client-bounds` (`maxLength`, `pattern`),
/// which the generated parameter type enforces (rule 5 of the generation view).
pub fn item_id(field: &str, value: &str) -> Result<(), Error> {
    not_empty(field, value)?;
    types::PerformMailboxItemActionItemId::try_from(value)
        .and_then(|_| types::GetMailboxItemItemId::try_from(value))
        .map(drop)
        .or_else(|bound| {
            // The friendlier message of the segment rule when it is the one broken.
            crate::path::check_segment(field, value)?;
            Err(Error::invalid(field, format!("is {bound}")))
        })
}

/// A folder id (`folderId`, a path parameter): checked as an item id is, with the same
/// `x-client-bounds`, which the generated parameter types of its operations enforce.
pub fn folder_id(field: &str, value: &str) -> Result<(), Error> {
    not_empty(field, value)?;
    types::PerformMailboxFolderActionFolderId::try_from(value)
        .and_then(|_| types::GetMailboxFolderFolderId::try_from(value))
        .map(drop)
        .or_else(|bound| {
            crate::path::check_segment(field, value)?;
            Err(Error::invalid(field, format!("is {bound}")))
        })
}

/// Ids and credentials must not be empty.
pub fn not_empty(field: &str, value: &str) -> Result<(), Error> {
    if value.trim().is_empty() {
        Err(Error::invalid(field, "must not be empty"))
    } else {
        Ok(())
    }
}

/// The certificate must be the standard base64 of a file (the server rejects anything else
/// with "Invalid length for a Base-64 char array").
fn certificate(action: &str, base64_text: &str) -> Result<(), Error> {
    use base64::Engine as _;
    let field = format!("{action}.applicationCertificate");
    if base64_text.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    // As the server's `Convert.FromBase64String`: white space (wrapped lines) is ignored.
    let unwrapped: String = base64_text
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(unwrapped)
        .map(drop)
        .map_err(|_| {
            Error::invalid(
                field,
                "must be the standard base64 of a PKCS#12 (PFX) file; pass the file's bytes \
                 to Credentials::application_certificate instead of pasted text",
            )
        })
}
