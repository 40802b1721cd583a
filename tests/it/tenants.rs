//! Tenant logins end to end: a tenant logs in (JWT bearer or password), reads its own
//! organization, explores it and acts on an item, all on the tenant routes; each kind of
//! login gets 401 on the other's routes; and the client refuses, before sending, what a
//! login cannot do.

use vbo365::sim::{SimConfig, Simulator};
use vbo365::{Action, ActionOutcome, Client, LoginKind, types};

use super::support::spec_operation_ids;

async fn start() -> (vbo365::sim::RunningSimulator, Client) {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let client = Client::builder(sim.base_url())
        .api_version(vbo365::ApiVersion::V4)
        .add_ca_file(sim.ca_cert_path().unwrap())
        .build()
        .unwrap();
    (sim, client)
}

/// How many restore sessions the server has (either kind of login may list them).
async fn session_count(client: &Client) -> usize {
    client.all_restore_sessions().await.unwrap().len()
}

fn explore_options() -> types::ExploreOptions {
    types::ExploreOptions {
        type_: Some(types::ExploreOptionsType::Vex),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jwt_tenant_explores_its_own_organization_and_acts_on_an_item() {
    let (sim, client) = start().await;
    let organization = sim.catalog().organization_name.clone();
    let mut covered = Vec::new();

    client
        .login_jwt(&organization, "eyJhbGciOiJSUzI1NiJ9.eyJ0aWQiOiJ3In0.c2ln")
        .await
        .unwrap();
    assert_eq!(client.login_kind(), LoginKind::Tenant);

    // getTenantOrganization, through the route-picking `organizations`.
    let organizations = client.organizations().await.unwrap();
    assert_eq!(organizations.len(), 1);
    let own = &organizations[0];
    assert_eq!(own.organization_id().uuid(), sim.catalog().organization_id);
    assert_eq!(own.name, organization);
    let link = own.links.as_ref().unwrap().0["self"].href.clone();
    assert!(link.ends_with("/v4/Organization"), "{link}");
    covered.push("getTenantOrganization");

    // exploreTenantOrganization, through `explore` with the tenant's own id.
    let session = client
        .explore(own.organization_id(), explore_options())
        .await
        .unwrap();
    assert_eq!(session.state, types::RestoreSessionState::Working);
    assert_eq!(session.organization.as_deref(), Some(organization.as_str()));
    covered.push("exploreTenantOrganization");

    // One action in the tenant's session: save an item as MSG.
    let mailbox = &sim.catalog().mailboxes[0];
    let item = &mailbox.items[0];
    let outcome = client
        .perform_action(
            session.session_id(),
            mailbox.id.into(),
            &item.id,
            &Action::save_to_msg(),
        )
        .await
        .unwrap();
    let ActionOutcome::File(mut file) = outcome else {
        panic!("savetoMsg answers a file, got {outcome:?}");
    };
    let mut bytes = Vec::new();
    while let Some(chunk) = file.next_chunk().await.unwrap() {
        bytes.extend_from_slice(&chunk);
    }
    assert!(bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]), "an MSG file");

    // The administrator routes answer a tenant's token with 401, as the v4 server does.
    let refused = client.api().list_organizations().send().await.unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(401));
    let refused = client
        .api()
        .explore_organization()
        .organization_id(own.organization_id())
        .body(types::ExploreAction {
            explore: explore_options(),
        })
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(401));

    // A tenant explores no other organization: refused before the explore is sent.
    let sessions = session_count(&client).await;
    let other = vbo365::OrganizationId::from_uuid(uuid::Uuid::nil());
    let error = client.explore(other, explore_options()).await.unwrap_err();
    assert_eq!(error.field(), Some("organizationId"), "{error}");
    assert!(error.to_string().contains("own organization"), "{error}");
    assert_eq!(
        session_count(&client).await,
        sessions,
        "no explore reached the server"
    );

    covered.sort();
    assert_eq!(covered, spec_operation_ids(&[Some("tenant")]));
    sim.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_tenant_uses_the_tenant_routes_and_an_administrator_the_others() {
    let (sim, tenant) = start().await;
    tenant
        .login_tenant(sim.tenant_username(), sim.tenant_password().clone())
        .await
        .unwrap();
    let session = tenant.explore_own(explore_options()).await.unwrap();
    assert_eq!(session.state, types::RestoreSessionState::Working);

    // The tenant's password is not the administrator's: as an administrator it is refused.
    let wrong = Client::builder(sim.base_url())
        .api_version(vbo365::ApiVersion::V4)
        .add_ca_file(sim.ca_cert_path().unwrap())
        .build()
        .unwrap();
    let error = wrong
        .login(sim.tenant_username(), sim.password().clone())
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));

    let admin = Client::builder(sim.base_url())
        .api_version(vbo365::ApiVersion::V4)
        .add_ca_file(sim.ca_cert_path().unwrap())
        .build()
        .unwrap();
    admin
        .login(sim.username(), sim.password().clone())
        .await
        .unwrap();
    assert_eq!(admin.login_kind(), LoginKind::Administrator);
    // An administrator has no own organization: refused before sending.
    let before = session_count(&admin).await;
    let error = admin.explore_own(explore_options()).await.unwrap_err();
    assert_eq!(error.field(), Some("organizationId"), "{error}");
    let error = admin.own_organization().await.unwrap_err();
    assert_eq!(error.field(), Some("organizationId"), "{error}");
    assert_eq!(session_count(&admin).await, before);
    // On the wire, the tenant routes answer an administrator's token with 401.
    let refused = admin
        .api()
        .get_tenant_organization()
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(401));
    // Both see the sessions: everything under /v4/RestoreSessions serves both kinds.
    let listed = admin.restore_session(session.session_id()).await.unwrap();
    assert_eq!(listed.id, session.id);
    sim.shutdown().await.unwrap();
}
