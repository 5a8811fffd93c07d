//! A client that reads nothing is dropped once its queue is full, and
//! never holds up the sender or the other clients. (Its own test binary:
//! it reads the process-wide lagging counter from `/metrics`.)

use capsule_server_harness as common;

use common::TestServer;
use common::ddp::Ddp;
use serde_json::json;

/// Messages posted per round before checking whether the slow client was
/// dropped; the rounds stop at `MAX_ROUNDS` (well past what socket buffers
/// can hold).
const ROUND: usize = 50;
const MAX_ROUNDS: usize = 400;

async fn lagging_disconnects(server: &TestServer) -> u64 {
    let count = server
        .metric("capsule_realtime_lagging_disconnects_total")
        .await;
    count.unwrap_or(0.0) as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_reads_nothing_is_dropped_without_delaying_the_others() {
    let server = TestServer::start_configured(|config| config.realtime_queue_frames = 32).await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let mut slow = Ddp::resume(&server.base, &bob.token).await;
    slow.sub("stream-room-messages", json!(["GENERAL", false]))
        .await
        .expect("the slow client subscribes");
    let mut fast = Ddp::resume(&server.base, &alice.token).await;
    fast.sub("stream-room-messages", json!(["GENERAL", false]))
        .await
        .expect("the fast client subscribes");

    // The fast client reads everything as it comes, up to the `end`
    // marker; the slow one reads nothing from here on.
    let reader = tokio::spawn(async move {
        let mut seen = Vec::new();
        loop {
            let (_, _, args) = fast.event().await;
            let text = args[0]["msg"].as_str().unwrap_or_default().to_owned();
            if text == "end" {
                return seen;
            }
            seen.push(text);
        }
    });

    // Long messages fill the slow client's socket buffers sooner.
    let filler = "x".repeat(4000);
    let mut sent = Vec::new();
    for round in 0..MAX_ROUNDS {
        for n in 0..ROUND {
            let text = format!("{round}-{n} {filler}");
            // A sender held up by the slow client would show here.
            let post = server.post(
                "/api/v1/chat.postMessage",
                json!({"roomId": "GENERAL", "text": text}),
                Some(&alice),
            );
            tokio::time::timeout(common::ddp::WAIT, post)
                .await
                .expect("posting is never held up by a slow client")
                .ok();
            sent.push(text);
        }
        if lagging_disconnects(&server).await >= 1 {
            break;
        }
    }
    assert!(
        lagging_disconnects(&server).await >= 1,
        "the slow client was never dropped after {} messages",
        sent.len()
    );
    server
        .post(
            "/api/v1/chat.postMessage",
            json!({"roomId": "GENERAL", "text": "end"}),
            Some(&alice),
        )
        .await
        .ok();
    // The fast client got every message, in order.
    let seen = reader.await.expect("the reader finishes");
    assert_eq!(seen.len(), sent.len());
    assert!(seen == sent, "the fast client missed or reordered messages");
    // The slow client finds its connection closed after what was queued.
    slow.closed().await;
    // And can come back: a new connection resumes its session.
    let mut again = Ddp::resume(&server.base, &bob.token).await;
    again
        .sub("stream-room-messages", json!(["GENERAL", false]))
        .await
        .expect("the dropped client resumes");
}
