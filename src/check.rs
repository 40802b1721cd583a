//! The checks a caller may want before it builds an action: an email address, an item id and
//! a folder id, with the same rules and the same errors as the client applies itself. A command-line
//! tool uses them to refuse a flag before it prompts for a password.

use crate::Error;

/// An email address: `local@domain`, no whitespace, a domain of non-empty dot-separated
/// labels. `field` names the value in the error.
pub fn email(field: &str, value: &str) -> Result<(), Error> {
    crate::validate::email(field, value)
}

/// An item id that stays one URL path segment: not empty, not `.` or `..`, no control
/// characters, within the spec's length bound. `field` names the value in the error.
pub fn item_id(field: &str, value: &str) -> Result<(), Error> {
    crate::validate::item_id(field, value)
}

/// A folder id, with the same rules as an item id. `field` names the value in the error.
pub fn folder_id(field: &str, value: &str) -> Result<(), Error> {
    crate::validate::folder_id(field, value)
}
