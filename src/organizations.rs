//! The organization routes, picked by the kind of login. A VBO administrator lists the
//! organizations and explores any of them (`/v4/Organizations...`); a tenant, logged in with
//! the credentials that added its organization or an assertion for it, reads and explores
//! only its own (`/v4/Organization...`). Each kind gets 401 on the other's routes, which reads
//! like an expired token, so the client never sends a request to the wrong kind's route.

use crate::generated::operations::Operation;
use crate::generated::types;
use crate::versioned::Call;

/// Asks for the organizations' backup times (`isBackedup`, `firstBackuptime`,
/// `lastBackuptime`), which v6 and later leave out without it; v4 always sends them.
const EXTENDED_VIEW: &str = "extendedView";
use crate::{Client, Error, OrganizationId};

/// The kind of login of a client, set by the login method ([`Client::login`],
/// [`Client::login_tenant`], [`Client::login_jwt`]) or [`Client::resume_as`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum LoginKind {
    /// A VBO administrator: every organization of the server.
    #[default]
    Administrator,
    /// A tenant: its own organization only.
    Tenant,
}

impl Client {
    /// The organizations this login sees: all of the server's for an administrator
    /// (`listOrganizations`), the tenant's own for a tenant (`getTenantOrganization`).
    pub async fn organizations(&self) -> Result<Vec<types::Organization>, Error> {
        match self.login_kind() {
            LoginKind::Administrator => self.list_organizations().await,
            LoginKind::Tenant => Ok(vec![self.own_organization().await?]),
        }
    }

    /// The tenant's own organization (`getTenantOrganization`). An administrator has none:
    /// that is an error before anything is sent.
    pub async fn own_organization(&self) -> Result<types::Organization, Error> {
        self.require_tenant()?;
        let call = Call::new(Operation::GetTenantOrganization);
        self.read(call, || self.api().get_tenant_organization().call())
            .await
    }

    /// One organization: by id for an administrator (`getOrganization`); for a tenant its
    /// own (`getTenantOrganization`), which `organization` must be.
    pub async fn organization(
        &self,
        organization: OrganizationId,
    ) -> Result<types::Organization, Error> {
        match self.login_kind() {
            LoginKind::Administrator => {
                let call = Call::new(Operation::GetOrganization)
                    .path("organizationId", organization)
                    .query_where_known(EXTENDED_VIEW, true);
                self.read(call, || {
                    self.api()
                        .get_organization()
                        .organization_id(organization)
                        .call()
                })
                .await
            }
            LoginKind::Tenant => {
                let own = self.own_organization().await?;
                if own.organization_id() != organization {
                    return Err(Error::invalid(
                        "organizationId",
                        format!(
                            "must be the tenant's own organization ({}): a tenant login reads no other",
                            own.id
                        ),
                    ));
                }
                Ok(own)
            }
        }
    }

    /// The organization a restore session explores (`getRestoreSessionOrganization`), for
    /// either kind of login.
    pub async fn restore_session_organization(
        &self,
        session: crate::SessionId,
    ) -> Result<types::Organization, Error> {
        let call =
            Call::new(Operation::GetRestoreSessionOrganization).path("restoreSessionId", session);
        self.read(call, || {
            self.api()
                .get_restore_session_organization()
                .restore_session_id(session)
                .call()
        })
        .await
    }

    /// Starts a restore session on an organization's backups. An administrator explores it
    /// by id (`exploreOrganization`). A tenant explores its own (`exploreTenantOrganization`),
    /// after checking that `organization` is it: a tenant cannot explore another.
    pub async fn explore(
        &self,
        organization: OrganizationId,
        options: types::ExploreOptions,
    ) -> Result<types::RestoreSession, Error> {
        match self.login_kind() {
            LoginKind::Administrator => {
                let call = Call::new(Operation::ExploreOrganization)
                    .path("organizationId", organization)
                    .body(crate::versioned::json("explore", &options)?);
                self.read(call, || {
                    self.api()
                        .explore_organization()
                        .organization_id(organization)
                        .body(types::ExploreAction { explore: options })
                        .call()
                })
                .await
            }
            LoginKind::Tenant => {
                let own = self.own_organization().await?.organization_id();
                if own != organization {
                    return Err(Error::invalid(
                        "organizationId",
                        format!(
                            "must be the tenant's own organization ({own}): a tenant login explores no other"
                        ),
                    ));
                }
                self.explore_own(options).await
            }
        }
    }

    /// Starts a restore session on the tenant's own organization
    /// (`exploreTenantOrganization`). An administrator must name the organization
    /// ([`Client::explore`]): that is an error before anything is sent.
    pub async fn explore_own(
        &self,
        options: types::ExploreOptions,
    ) -> Result<types::RestoreSession, Error> {
        self.require_tenant()?;
        let call = Call::new(Operation::ExploreTenantOrganization)
            .body(crate::versioned::json("explore", &options)?);
        self.read(call, || {
            self.api()
                .explore_tenant_organization()
                .body(types::ExploreAction { explore: options })
                .call()
        })
        .await
    }

    /// Every organization (`listOrganizations`): a list in one answer up to v7, pages from
    /// v8 on (the spec's `offset` and `limit` parameters say which).
    async fn list_organizations(&self) -> Result<Vec<types::Organization>, Error> {
        let version = self.api_version().await?;
        let paged = Operation::ListOrganizations
            .query_parameters(version)
            .contains(&"offset");
        if paged {
            return self.all_organizations(version).await;
        }
        let call = Call::new(Operation::ListOrganizations).query_where_known(EXTENDED_VIEW, true);
        self.read(call, || self.api().list_organizations().call())
            .await
    }

    fn require_tenant(&self) -> Result<(), Error> {
        match self.login_kind() {
            LoginKind::Tenant => Ok(()),
            LoginKind::Administrator => Err(Error::invalid(
                "organizationId",
                "is required for an administrator login, which has no own organization: \
                 name the organization (`vbo org list`, Client::organizations)",
            )),
        }
    }
}

impl Client {
    /// Every organization of a version that pages them (v8): each page read as that
    /// version's page, each organization as the common type.
    async fn all_organizations(
        &self,
        version: crate::ApiVersion,
    ) -> Result<Vec<types::Organization>, Error> {
        crate::paging::collect_pages(|offset| async move {
            let call = crate::paging::page(Operation::ListOrganizations, offset)
                .query_where_known(EXTENDED_VIEW, true);
            let page: crate::generated::v8::types::OrganizationPage =
                self.read_in(version, call).await?;
            let more = page
                .links
                .as_ref()
                .is_some_and(|links| links.contains_key("next"));
            let results = page
                .results
                .into_iter()
                .map(|organization| crate::versioned::convert("organization", &organization))
                .collect::<Result<Vec<types::Organization>, Error>>()?;
            Ok((page.offset, results, more && page.limit > 0))
        })
        .await
    }
}
