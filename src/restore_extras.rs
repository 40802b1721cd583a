//! Restore options that servers from v6 on take and v4 does not: the account to impersonate
//! with an application certificate, and the region and name of another tenant's Exchange
//! organization. Typed here, sent inside the restore's options, and refused before anything
//! is sent by a version whose spec lacks them ([`crate::versioned::body_for`]).

use serde_json::{Map, Value};

use crate::Error;

/// The Microsoft 365 region of a restore's target organization (v6 and later).
pub use crate::generated::v6::types::OfficeRegion;

/// Restore options of v6 and later. Empty by default; [`crate::Action::with_restore_extras`]
/// adds them to a restore.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestoreExtras {
    /// The Exchange account to impersonate (`impersonationAccountName`): from v6 on, a
    /// restore with an application certificate needs it.
    pub impersonation_account_name: Option<String>,
    /// The region of the target organization (`officeRegion`, `restoreTo` only).
    pub office_region: Option<OfficeRegion>,
    /// The name of the target Exchange organization (`officeOrganizationName`, `restoreTo`
    /// only), such as `eastsupport.onmicrosoft.com`.
    pub office_organization_name: Option<String>,
}

impl RestoreExtras {
    /// Whether none is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The options as the wire names them, checked not to be blank.
    pub(crate) fn properties(&self, action: &str) -> Result<Map<String, Value>, Error> {
        let mut out = Map::new();
        let text = |name: &str, value: &Option<String>| -> Result<Option<Value>, Error> {
            match value {
                None => Ok(None),
                Some(text) => {
                    crate::validate::not_empty(&format!("{action}.{name}"), text)?;
                    Ok(Some(Value::from(text.as_str())))
                }
            }
        };
        if let Some(value) = text("impersonationAccountName", &self.impersonation_account_name)? {
            out.insert("impersonationAccountName".into(), value);
        }
        if let Some(region) = &self.office_region {
            out.insert("officeRegion".into(), Value::from(region.to_string()));
        }
        if let Some(value) = text("officeOrganizationName", &self.office_organization_name)? {
            out.insert("officeOrganizationName".into(), value);
        }
        Ok(out)
    }
}
