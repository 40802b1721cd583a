//! Every link the simulator sends leads somewhere: from the lists and resources a client
//! starts with, every `href` of every response is followed, and each answers 2xx; a page
//! past the end of a list links back to data.

use std::collections::{BTreeSet, VecDeque};

use reqwest::StatusCode;
use serde_json::Value;

use super::sim_rules::Fixture;

/// Every `href` in `value`.
fn hrefs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match child {
                    Value::String(href) if key == "href" => out.push(href.clone()),
                    _ => hrefs(child, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| hrefs(item, out)),
        _ => {}
    }
}

#[tokio::test]
async fn every_link_in_every_response_answers_2xx_over_http_and_https() {
    for tls in [false, true] {
        follow_every_link(Fixture::start_with(tls).await).await;
    }
}

async fn follow_every_link(f: Fixture) {
    let catalog = f.sim.catalog();
    let session = f.session();
    let mailbox = &catalog.mailboxes[0];
    let starts = [
        "/v4/Organizations".to_string(),
        "/v4/RestoreSessions".to_string(),
        format!("/v4/RestoreSessions/{session}/Organization"),
        format!("/v4/RestoreSessions/{session}/Organization/Mailboxes"),
        format!(
            "/v4/RestoreSessions/{session}/Organization/Mailboxes/{}/Folders",
            mailbox.id
        ),
        format!(
            "/v4/RestoreSessions/{session}/Organization/Mailboxes/{}/Items?limit=7",
            mailbox.id
        ),
        // Pages past the end, the farthest one the spec allows included.
        format!(
            "/v4/RestoreSessions/{session}/Organization/Mailboxes/{}/Items?offset=500&limit=5",
            mailbox.id
        ),
        "/v4/RestoreSessions?offset=2147483647".to_string(),
    ];
    let mut queue: VecDeque<String> = starts.iter().map(|path| f.url(path)).collect();
    let mut seen = BTreeSet::new();
    while let Some(url) = queue.pop_front() {
        if !seen.insert(url.clone()) {
            continue;
        }
        assert!(seen.len() < 2000, "links keep growing: {url}");
        let response = f.http.get(&url).bearer_auth(&f.token).send().await.unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{url}: {status} {body}");
        let mut found = Vec::new();
        hrefs(&body, &mut found);
        queue.extend(found);
    }
    assert!(seen.len() > 40, "only {} links followed", seen.len());

    // `prev` of a page past the end leads to the last results.
    let items = format!(
        "/v4/RestoreSessions/{session}/Organization/Mailboxes/{}/Items",
        mailbox.id
    );
    let (status, past) = f.get(&format!("{items}?offset=2147483647&limit=5")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(past["results"].as_array().unwrap().is_empty());
    let prev = past["_links"]["prev"]["href"].as_str().unwrap();
    let back: Value = f
        .http
        .get(prev)
        .bearer_auth(&f.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let last: Vec<&Value> = back["results"].as_array().unwrap().iter().collect();
    assert_eq!(last.len(), 5, "{prev}");
    assert_eq!(
        last[4]["id"].as_str(),
        Some(mailbox.items.last().unwrap().id.as_str())
    );
}
