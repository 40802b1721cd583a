//! Arbitrary server answers (status, headers, body bytes) to every operation, generated and
//! typed: each call ends in `Ok` or `Err` within its timeouts, and nothing panics.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use proptest::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::uuid;
use vbo365::{Action, ActionOutcome, Client, RetryPolicy, types};

const ID: uuid::Uuid = uuid!("380d7caf-6294-4a33-b50a-b8aeb13af58c");
/// Far above every client timeout below: reaching it means a hang.
const HANG: Duration = Duration::from_secs(30);

/// One scripted answer, written raw, then the connection is closed.
#[derive(Debug, Clone)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn bytes(&self) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {} Fuzzed\r\n", self.status).into_bytes();
        for (name, value) in &self.headers {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        3 => prop::sample::select(vec![200u16, 201, 204, 400, 401, 404, 429, 500, 503]),
        1 => 100u16..=999,
    ]
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop::sample::select(vec![
        "content-type",
        "content-length",
        "transfer-encoding",
        "retry-after",
        "content-disposition",
        "connection",
        "x-anything",
    ]);
    let value = prop_oneof![
        prop::sample::select(vec![
            "application/json",
            "application/octet-stream",
            "application/json; charset=utf-8",
            "text/html",
            "chunked",
            "close",
            "0",
            "18446744073709551615",
            "attachment; filename=\"../../x.pst\"",
        ])
        .prop_map(str::to_string),
        any::<u64>().prop_map(|n| n.to_string()),
        "[ -~]{0,24}",
    ];
    prop::collection::vec((name.prop_map(str::to_string), value), 0..4)
}

/// Numbers at the edges more often than uniform sampling would find them.
fn number() -> impl Strategy<Value = i64> {
    prop_oneof![
        prop::sample::select(vec![i64::MAX, i64::MIN, i64::MAX - 1, -1, 0, 1, 1 << 62]),
        any::<i64>(),
    ]
}

fn number32() -> impl Strategy<Value = i32> {
    prop_oneof![
        prop::sample::select(vec![i32::MAX, i32::MIN, -1, 0, 1, 100]),
        any::<i32>(),
    ]
}

/// Bytes, and JSON shaped like the spec's answers with arbitrary numbers in them.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let page =
        (number32(), number32(), 0usize..3, any::<bool>()).prop_map(|(offset, limit, n, next)| {
            let results = vec![format!(r#"{{"id":"{ID}","name":"x","email":"a@b"}}"#); n];
            let links = if next {
                r#","_links":{"next":{"href":"http://x/next"}}"#
            } else {
                ""
            };
            format!(
                r#"{{"offset":{offset},"limit":{limit},"results":[{}]{links}}}"#,
                results.join(",")
            )
        });
    let token = number().prop_map(|n| {
        format!(
            r#"{{"access_token":"a","token_type":"bearer","expires_in":{n},"refresh_token":"r"}}"#
        )
    });
    let stats = number().prop_map(|n| {
        format!(r#"{{"createdItemsCount":{n},"mergedItemsCount":0,"failedItemsCount":0,"skippedItemsCount":0}}"#)
    });
    let object = Just(format!(r#"[{{"id":"{ID}","name":"x"}}]"#));
    let message = "[ -~]{0,64}".prop_map(|m| format!(r#"{{"message":"{m}","error":"x"}}"#));
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        prop::collection::vec(any::<u8>(), 0..64)
            .prop_map(|tail| [b"!BDN".to_vec(), tail].concat()),
        page.prop_map(String::into_bytes),
        token.prop_map(String::into_bytes),
        stats.prop_map(String::into_bytes),
        object.prop_map(String::into_bytes),
        message.prop_map(String::into_bytes),
    ]
}

fn answer() -> impl Strategy<Value = Answer> {
    (status(), headers(), body()).prop_map(|(status, headers, body)| Answer {
        status,
        headers,
        body,
    })
}

/// A loopback server that reads each request head (and its body) and writes the current answer.
async fn server(answer: Arc<Mutex<Vec<u8>>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let answer = answer.lock().unwrap().clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut chunk = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&chunk[..n]),
                    }
                }
                let _ = socket.write_all(&answer).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    url
}

fn client(url: &str) -> Client {
    let client = Client::builder(url)
        .api_version(vbo365::ApiVersion::V4)
        .connect_timeout(Duration::from_secs(2))
        .response_timeout(Some(Duration::from_secs(2)))
        .idle_timeout(Some(Duration::from_secs(2)))
        .retry(RetryPolicy {
            max_retries: 1,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(20),
        })
        .build()
        .unwrap();
    // Expired, with a refresh token: the first request also refreshes, against the same answer.
    client.resume("t", Some("r".into()), Duration::ZERO);
    client
}

/// Awaits a generated call and converts its error, which reads the body.
macro_rules! generated {
    ($request:expr) => {
        if let Err(error) = $request.call().await {
            drop(error.to_string());
        }
    };
}

async fn every_operation(client: &Client) {
    let api = client.api();
    generated!(api.list_organizations());
    generated!(
        api.explore_organization()
            .organization_id(ID)
            .body(types::ExploreAction {
                explore: Default::default()
            })
    );
    generated!(api.list_restore_sessions());
    generated!(api.get_restore_session().restore_session_id(ID));
    generated!(
        api.stop_restore_session()
            .restore_session_id(ID)
            .body(types::StopAction { stop: None })
    );
    generated!(api.list_mailboxes().restore_session_id(ID));
    generated!(
        api.list_mailbox_folders()
            .restore_session_id(ID)
            .mailbox_id(ID)
    );
    generated!(
        api.list_mailbox_items()
            .restore_session_id(ID)
            .mailbox_id(ID)
    );
    generated!(
        api.get_mailbox_item()
            .restore_session_id(ID)
            .mailbox_id(ID)
            .item_id("AAAA")
    );
    generated!(
        api.get_restore_device_code()
            .restore_session_id(ID)
            .body(types::RestoreDeviceCodeRequest::default())
    );
    generated!(api.get_vex_email_settings());
    generated!(
        api.put_vex_email_settings()
            .body(types::VexEmailSettingsUpdate::default())
    );
    if let Ok(response) = api
        .perform_mailbox_item_action()
        .restore_session_id(ID)
        .mailbox_id(ID)
        .item_id("AAAA")
        .body(Action::save_to_msg().body().clone())
        .send()
        .await
    {
        use futures_util::StreamExt as _;
        let mut stream = response.into_inner().into_inner();
        while let Some(Ok(_)) = stream.next().await {}
    }
    let _ = client.login("admin", "pw").await;
    let _ = client.login_jwt("org", "assertion").await;
    for action in [
        Action::save_to_msg(),
        Action::send_to_default_address(),
        Action::restore_to_original(vbo365::Credentials::device_code("C6A9DB737")).unwrap(),
    ] {
        if let Ok(ActionOutcome::File(mut file)) = client
            .perform_action(
                vbo365::SessionId::from(ID),
                vbo365::MailboxId::from(ID),
                "AAAA",
                &action,
            )
            .await
        {
            while let Ok(Some(_)) = file.next_chunk().await {}
        }
    }
    let _ = client.all_restore_sessions().await;
    let _ = client.all_mailboxes(vbo365::SessionId::from(ID)).await;
    let _ = client
        .all_folders(
            vbo365::SessionId::from(ID),
            vbo365::MailboxId::from(ID),
            Some("f"),
        )
        .await;
    let _ = client
        .all_items(
            vbo365::SessionId::from(ID),
            vbo365::MailboxId::from(ID),
            None,
        )
        .await;
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_answer_to_any_operation_ends_without_a_panic_or_a_hang(answer in answer()) {
        let runtime = runtime();
        let current = Arc::new(Mutex::new(answer.bytes()));
        let url = runtime.block_on(server(current));
        let client = client(&url);
        let done = runtime.block_on(async {
            // Spawned, so that a panic anywhere in the client fails this case.
            let work = tokio::spawn(async move { every_operation(&client).await });
            tokio::time::timeout(HANG, work).await
        });
        match done {
            Ok(Ok(())) => {}
            Ok(Err(panic)) => prop_assert!(false, "panicked on {answer:?}: {panic}"),
            Err(_) => prop_assert!(false, "hung on {answer:?}"),
        }
    }
}
