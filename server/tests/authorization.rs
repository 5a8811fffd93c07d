//! The authorization matrix of `server/src/chat/access.rs`, over HTTP:
//! for each kind of room, each kind of caller and each operation, the
//! outcome the table promises. One table, one loop.
//!
//! | room | read | post | manage |
//! | --- | --- | --- | --- |
//! | public channel | anyone signed in | members | owners, moderators, admins |
//! | private group | members, admins | members | owners, moderators, admins |
//! | direct messages | members | members | nobody |
//!
//! Posting goes through `chat.postMessage`, which (as Rocket.Chat's does)
//! first joins a caller to a public channel they may join, so anyone
//! signed in may post to a public channel. A room the caller may not read
//! must answer exactly as a room that does not exist, and no refusal may
//! carry the room's name or messages.

use capsule_server_harness as common;

use capsule_server::model::RoomKind;
use common::{Answer, Session, TestServer};
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Channel,
    Group,
    Direct,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    /// A member without a room role.
    Member,
    NonMember,
    /// A server admin who is not a member.
    Admin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    ReadHistory,
    ReadInfo,
    ListMembers,
    Post,
    EditTopic,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Allowed,
    /// 403 `error-not-allowed`: the caller knows of the room but may not.
    Forbidden,
    /// Answered exactly as for a room that does not exist.
    Hidden,
}

use Caller::*;
use Kind::*;
use Op::*;
use Outcome::*;

const MATRIX: &[(Kind, Caller, Op, Outcome)] = &[
    (Channel, Member, ReadHistory, Allowed),
    (Channel, Member, ReadInfo, Allowed),
    (Channel, Member, ListMembers, Allowed),
    (Channel, Member, Post, Allowed),
    (Channel, Member, EditTopic, Forbidden),
    (Channel, NonMember, ReadHistory, Allowed),
    (Channel, NonMember, ReadInfo, Allowed),
    (Channel, NonMember, ListMembers, Allowed),
    (Channel, NonMember, Post, Allowed),
    (Channel, NonMember, EditTopic, Forbidden),
    (Channel, Admin, ReadHistory, Allowed),
    (Channel, Admin, ReadInfo, Allowed),
    (Channel, Admin, ListMembers, Allowed),
    (Channel, Admin, Post, Allowed),
    (Channel, Admin, EditTopic, Allowed),
    (Group, Member, ReadHistory, Allowed),
    (Group, Member, ReadInfo, Allowed),
    (Group, Member, ListMembers, Allowed),
    (Group, Member, Post, Allowed),
    (Group, Member, EditTopic, Forbidden),
    (Group, NonMember, ReadHistory, Hidden),
    (Group, NonMember, ReadInfo, Hidden),
    (Group, NonMember, ListMembers, Hidden),
    (Group, NonMember, Post, Hidden),
    (Group, NonMember, EditTopic, Hidden),
    (Group, Admin, ReadHistory, Allowed),
    (Group, Admin, ReadInfo, Allowed),
    (Group, Admin, ListMembers, Allowed),
    (Group, Admin, Post, Forbidden),
    (Group, Admin, EditTopic, Allowed),
    (Direct, Member, ReadHistory, Allowed),
    (Direct, Member, ReadInfo, Allowed),
    (Direct, Member, ListMembers, Allowed),
    (Direct, Member, Post, Allowed),
    (Direct, Member, EditTopic, Forbidden),
    (Direct, NonMember, ReadHistory, Hidden),
    (Direct, NonMember, ReadInfo, Hidden),
    (Direct, NonMember, ListMembers, Hidden),
    (Direct, NonMember, Post, Hidden),
    (Direct, NonMember, EditTopic, Hidden),
    (Direct, Admin, ReadHistory, Hidden),
    (Direct, Admin, ReadInfo, Hidden),
    (Direct, Admin, ListMembers, Hidden),
    (Direct, Admin, Post, Hidden),
    (Direct, Admin, EditTopic, Hidden),
];

/// An id no room has.
const MISSING: &str = "NoSuchRoomHere123";

/// The people: Olga owns every room, Mia is a plain member, Nils is in
/// none, and the admin is in none.
struct Cast {
    olga: Session,
    mia: Session,
    nils: Session,
    admin: Session,
}

/// A room made for one row, with what must never leak from it.
struct Room {
    id: String,
    secrets: Vec<String>,
}

async fn room_for(server: &TestServer, cast: &Cast, kind: Kind, row: usize) -> Room {
    let secret = format!("whisper-{row}-of-the-room");
    let (id, name) = match kind {
        Channel => {
            let name = format!("plaza-{row}");
            (
                server
                    .room_of(&cast.olga, RoomKind::Channel, &name, &[&cast.mia])
                    .await,
                name,
            )
        }
        Group => {
            let name = format!("vault-{row}");
            (
                server
                    .room_of(&cast.olga, RoomKind::PrivateGroup, &name, &[&cast.mia])
                    .await,
                name,
            )
        }
        Direct => {
            let answer = server
                .post(
                    "/api/v1/im.create",
                    json!({"username": "mia"}),
                    Some(&cast.olga),
                )
                .await;
            (
                answer.ok()["room"]["_id"]
                    .as_str()
                    .expect("an id")
                    .to_owned(),
                "olga".to_owned(),
            )
        }
    };
    let post = json!({"roomId": id, "text": secret});
    server
        .post("/api/v1/chat.postMessage", post, Some(&cast.olga))
        .await
        .ok();
    let mut secrets = vec![secret, name];
    if kind == Direct {
        secrets.push("mia".to_owned());
    }
    Room { id, secrets }
}

fn area(kind: Kind) -> &'static str {
    match kind {
        Channel => "channels",
        Group => "groups",
        Direct => "im",
    }
}

/// Performs `op` on the room `id` of `kind` as `who`.
async fn perform(server: &TestServer, who: &Session, kind: Kind, op: Op, id: &str) -> Answer {
    let area = area(kind);
    match op {
        ReadHistory => {
            server
                .get(&format!("/api/v1/{area}.history?roomId={id}"), Some(who))
                .await
        }
        ReadInfo => {
            // Direct messages have no `im.info`; `rooms.info` serves them.
            let endpoint = if kind == Direct { "rooms" } else { area };
            server
                .get(&format!("/api/v1/{endpoint}.info?roomId={id}"), Some(who))
                .await
        }
        ListMembers => {
            server
                .get(&format!("/api/v1/{area}.members?roomId={id}"), Some(who))
                .await
        }
        Post => {
            let body = json!({"roomId": id, "text": "probe"});
            server
                .post("/api/v1/chat.postMessage", body, Some(who))
                .await
        }
        EditTopic => {
            let body = json!({"roomId": id, "topic": "probe topic"});
            server
                .post(&format!("/api/v1/{area}.setTopic"), body, Some(who))
                .await
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_caller_gets_what_the_access_table_promises() {
    let server = TestServer::start().await;
    let cast = Cast {
        olga: server.signed_in("olga").await,
        mia: server.signed_in("mia").await,
        nils: server.signed_in("nils").await,
        admin: server.admin().await,
    };

    for (row, &(kind, caller, op, expected)) in MATRIX.iter().enumerate() {
        let case = format!("{kind:?} room, {caller:?}, {op:?}");
        let room = room_for(&server, &cast, kind, row).await;
        let who = match caller {
            Member => &cast.mia,
            NonMember => &cast.nils,
            Admin => &cast.admin,
        };

        let answer = perform(&server, who, kind, op, &room.id).await;

        match expected {
            Allowed => {
                assert_eq!(answer.status, 200, "{case}: {}", answer.body);
                assert_eq!(answer.body["success"], true, "{case}: {}", answer.body);
                if matches!(op, ReadHistory) {
                    assert!(
                        answer.body.to_string().contains(&room.secrets[0]),
                        "{case}: reads the messages"
                    );
                }
            }
            Forbidden => {
                assert_eq!(answer.status, 403, "{case}: {}", answer.body);
                assert_eq!(
                    answer.body["errorType"], "error-not-allowed",
                    "{case}: {}",
                    answer.body
                );
            }
            Hidden => {
                let missing = perform(&server, who, kind, op, MISSING).await;
                assert_eq!(answer.status, 400, "{case}: {}", answer.body);
                assert_eq!(
                    answer.status, missing.status,
                    "{case}: answered unlike a missing room"
                );
                let as_missing: Value =
                    serde_json::from_str(&answer.body.to_string().replace(&room.id, MISSING))
                        .unwrap();
                assert_eq!(
                    as_missing, missing.body,
                    "{case}: answered unlike a missing room"
                );
            }
        }
        if expected != Allowed {
            let body = answer.body.to_string();
            for secret in &room.secrets {
                assert!(
                    !body.contains(secret.as_str()),
                    "{case}: the refusal leaks `{secret}`: {body}"
                );
            }
        }
    }
}

#[test]
fn the_matrix_covers_every_kind_caller_and_operation_once() {
    let kinds = [Channel, Group, Direct];
    let callers = [Member, NonMember, Admin];
    let ops = [ReadHistory, ReadInfo, ListMembers, Post, EditTopic];
    assert_eq!(MATRIX.len(), kinds.len() * callers.len() * ops.len());
    for kind in kinds {
        for caller in callers {
            for op in ops {
                let rows = MATRIX
                    .iter()
                    .filter(|(k, c, o, _)| (*k, *c, *o) == (kind, caller, op))
                    .count();
                assert_eq!(rows, 1, "{kind:?} {caller:?} {op:?}");
            }
        }
    }
}
