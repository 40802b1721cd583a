//! Many clients at once: every change lands exactly once, whatever the interleaving.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{Value, json};
use vbo365::sim::{SimConfig, Simulator};

const CLIENTS: usize = 16;
const ROUNDS: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_restores_sends_and_sessions_are_counted_exactly() {
    let sim = Arc::new(
        Simulator::start(SimConfig {
            tls: false,
            ..SimConfig::default()
        })
        .await
        .unwrap(),
    );
    let catalog = sim.catalog().clone();
    let session = catalog.sessions[0].id;
    let john = catalog.mailboxes[0].clone();
    let base = sim.base_url().to_string();
    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{base}/v4/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", sim.username()),
            ("password", sim.password().expose()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_string();
    let put = http
        .put(format!("{base}/v4/VEXEmailSettings"))
        .bearer_auth(&token)
        .json(
            &json!({"enableNotification": true, "server": "smtp.example.com",
                      "from": "vbo@westsupport.onmicrosoft.com"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);

    let action_url = |item: usize| {
        format!(
            "{base}/v4/RestoreSessions/{session}/Organization/Mailboxes/{}/Items/{}/Action",
            john.id,
            progenitor_client::encode_path(&john.items[item].id)
        )
    };
    // Every client, every round: restore one shared item, restore an item of its own, send
    // one message and start one session, all at the same time as the others.
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let http = reqwest::Client::new();
        let token = token.clone();
        let shared = action_url(0);
        let own = action_url(1 + client);
        let base = base.clone();
        let organization = catalog.organization_id;
        tasks.push(tokio::spawn(async move {
            let mut counts = (0i64, 0i64);
            for round in 0..ROUNDS {
                let restore = json!({"restoretoOriginallocation": {"userCode": "C6A9DB737"}});
                for (url, counted) in [(&shared, true), (&own, false)] {
                    let stats: Value = http
                        .post(url)
                        .bearer_auth(&token)
                        .json(&restore)
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    if counted {
                        counts.0 += stats["createdItemsCount"].as_i64().unwrap();
                        counts.1 += stats["skippedItemsCount"].as_i64().unwrap();
                    }
                }
                let send = json!({"sendtoDifferentaddress": {
                    "from": "a@westsupport.onmicrosoft.com",
                    "to": format!("client{client}@example.com"),
                    "subject": format!("round {round}")}});
                let sent = http
                    .post(&own)
                    .bearer_auth(&token)
                    .json(&send)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(sent.status(), 200);
                let started = http
                    .post(format!("{base}/v4/Organizations/{organization}/Action"))
                    .bearer_auth(&token)
                    .json(&json!({"explore": {"type": "vex"}}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(started.status(), 201);
            }
            counts
        }));
    }
    let mut created = 0;
    let mut skipped = 0;
    for task in tasks {
        let (c, s) = task.await.unwrap();
        created += c;
        skipped += s;
    }

    // The shared item was created by exactly one request; every other one skipped it.
    assert_eq!(created, 1);
    assert_eq!(skipped, (CLIENTS * ROUNDS) as i64 - 1);
    let contents = sim.mailbox_contents(&john.email).unwrap();
    assert_eq!(
        contents.len(),
        1 + CLIENTS,
        "the shared item and one per client"
    );
    let unique: BTreeSet<_> = contents.iter().map(|r| r.item_id.clone()).collect();
    assert_eq!(unique.len(), contents.len(), "no item restored twice");
    assert!(contents.iter().all(|r| r.restores == 1));

    let outbox = sim.outbox();
    assert_eq!(outbox.len(), CLIENTS * ROUNDS);
    let distinct: BTreeSet<_> = outbox
        .iter()
        .map(|m| (m.to.clone(), m.subject.clone()))
        .collect();
    assert_eq!(distinct.len(), CLIENTS * ROUNDS, "each send exactly once");

    let page: Value = http
        .get(format!("{base}/v4/RestoreSessions?limit=1000"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: BTreeSet<_> = page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids.len(),
        2 + CLIENTS * ROUNDS,
        "seeded sessions and every started one"
    );
}
