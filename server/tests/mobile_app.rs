//! Rocket.Chat's official mobile app (RocketChat/Rocket.Chat.ReactNative
//! 4.71) against a real Capsule server: its calls replayed in the order
//! and with the parameters its source makes them (`app/sagas`,
//! `app/lib/methods`, `app/lib/services/restApi.ts`), from adding the
//! server to reopening a room after a restart.
//!
//! The app picks its code paths by the server's version, so each step
//! asks [`AppVersion`] which form the app would send, as the app does.

use capsule_server_harness as common;

use common::ddp::Ddp;
use common::{Session, TestServer};
use serde_json::{Value, json};

/// What the app reads before anyone signs in (`getLoginSettings`).
const LOGIN_SETTINGS: &[&str] = &[
    "API_Gitlab_URL",
    "CAS_enabled",
    "CAS_login_url",
    "Accounts_EmailVerification",
    "Accounts_ManuallyApproveNewUsers",
    "Accounts_ShowFormLogin",
    "Site_Url",
    "Accounts_RegistrationForm",
    "Accounts_RegistrationForm_LinkReplacementText",
    "Accounts_EmailOrUsernamePlaceholder",
    "Accounts_PasswordPlaceholder",
    "Accounts_PasswordReset",
    "Accounts_iframe_enabled",
    "Accounts_Iframe_api_url",
    "Accounts_Iframe_api_method",
];

/// Some of what the app reads once signed in (`getSettings`, from its
/// `defaultSettings`): those that change what it shows.
const DISPLAY_SETTINGS: &[&str] = &[
    "Accounts_AllowUserProfileChange",
    "Message_AllowDeleting",
    "Message_AllowEditing",
    "Message_GroupingPeriod",
    "Message_TimeAndDateFormat",
    "Message_TimeFormat",
    "Site_Name",
    "Store_Last_Message",
    "Threads_enabled",
    "UI_Use_Real_Name",
    "uniqueID",
];

/// The Rocket.Chat lines the official clients support when this was
/// written (the issue: 7.10 and later).
const SUPPORTED_LINES: &[(u64, u64)] = &[(7, 10), (7, 11), (7, 12), (7, 13), (8, 0), (8, 1)];

/// The server version as the app holds it: `/api/info`'s `version`
/// coerced to `major.minor.patch` (semver's `coerce`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct AppVersion(u64, u64, u64);

impl AppVersion {
    /// The first `major[.minor[.patch]]` in `text`, missing parts 0.
    fn coerce(text: &str) -> Option<AppVersion> {
        let start = text.find(|c: char| c.is_ascii_digit())?;
        let mut parts = text[start..]
            .split(|c: char| !c.is_ascii_digit())
            .take(3)
            .map(|p| p.parse::<u64>().ok());
        let major = parts.next()??;
        let minor = parts.next().flatten().unwrap_or(0);
        let patch = parts.next().flatten().unwrap_or(0);
        Some(AppVersion(major, minor, patch))
    }

    /// `checkSupportedVersions`: the server's `~major.minor` must match a
    /// supported line.
    fn supported(self) -> bool {
        SUPPORTED_LINES.contains(&(self.0, self.1))
    }

    /// `compareServerVersion(version, 'greaterThanOrEqualTo', ...)`.
    fn at_least(self, major: u64, minor: u64) -> bool {
        self >= AppVersion(major, minor, 0)
    }
}

/// `GET /api/v1/<path>` with the app's query parameters (percent-encoded
/// as its SDK sends them).
async fn get(
    server: &TestServer,
    who: Option<&Session>,
    path: &str,
    query: &[(&str, String)],
) -> Value {
    let mut url = format!("/api/v1/{path}");
    if !query.is_empty() {
        let pairs: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect();
        url = format!("{url}?{}", pairs.join("&"));
    }
    server.get(&url, who).await.ok()
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The settings the app asks for, in the form its version check picks,
/// following `offset` until `total` as `getSettings` does.
async fn settings(server: &TestServer, version: AppVersion, ids: &[&str]) -> Value {
    let mut all = serde_json::Map::new();
    loop {
        let mut query = vec![("offset", all.len().to_string())];
        if version.at_least(7, 0) {
            query.insert(0, ("_id", ids.join(",")));
        } else {
            query.insert(0, ("query", json!({"_id": {"$in": ids}}).to_string()));
        }
        let page = get(server, None, "settings.public", &query).await;
        let settings = page["settings"].as_array().expect("settings");
        for setting in settings {
            all.insert(
                setting["_id"].as_str().unwrap().to_owned(),
                setting["value"].clone(),
            );
        }
        if settings.is_empty() || all.len() as u64 >= page["total"].as_u64().unwrap() {
            return Value::Object(all);
        }
    }
}

/// The room list: `subscriptions.get` and `rooms.get` (with
/// `updatedSince` after the first time), merged by room id as the app
/// merges them (`mergeSubscriptionsRooms`).
async fn room_list(server: &TestServer, who: &Session, since: Option<&str>) -> Vec<Value> {
    let query: Vec<(&str, String)> = since
        .map(|s| vec![("updatedSince", s.to_owned())])
        .unwrap_or_default();
    let subscriptions = get(server, Some(who), "subscriptions.get", &query).await;
    let rooms = get(server, Some(who), "rooms.get", &query).await;
    let rooms = rooms["update"].as_array().unwrap().clone();
    subscriptions["update"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let mut merged = s.clone();
            if let Some(room) = rooms.iter().find(|r| r["_id"] == s["rid"]) {
                merged["lastMessage"] = room["lastMessage"].clone();
                merged["roomUpdatedAt"] = room["_updatedAt"].clone();
            }
            merged
        })
        .collect()
}

fn entry<'a>(list: &'a [Value], rid: &str) -> &'a Value {
    list.iter()
        .find(|s| s["rid"] == rid)
        .unwrap_or_else(|| panic!("{rid} is in the room list: {list:?}"))
}

/// `loadMissedMessages` from `last_open` (milliseconds): the cursor form
/// (`chat.syncMessages` with `next`, `type`, `count` 50), following
/// `cursor.next` until it ends, or the `lastUpdate` form before 7.1.
async fn missed_messages(
    server: &TestServer,
    who: &Session,
    version: AppVersion,
    rid: &str,
    last_open: i64,
) -> (Vec<Value>, Vec<Value>) {
    if !version.at_least(7, 1) {
        let since = capsule_server::model::Timestamp(last_open).to_iso();
        let answer = get(
            server,
            Some(who),
            "chat.syncMessages",
            &[("roomId", rid.into()), ("lastUpdate", since)],
        )
        .await;
        let result = &answer["result"];
        return (
            result["updated"].as_array().unwrap().clone(),
            result["deleted"].as_array().unwrap().clone(),
        );
    }
    let mut found = (Vec::new(), Vec::new());
    for kind in ["UPDATED", "DELETED"] {
        let mut next = last_open.to_string();
        loop {
            let query = [
                ("roomId", rid.to_owned()),
                ("next", next.clone()),
                ("count", "50".into()),
                ("type", kind.into()),
            ];
            let answer = get(server, Some(who), "chat.syncMessages", &query).await;
            let result = &answer["result"];
            let items = if kind == "UPDATED" {
                &mut found.0
            } else {
                &mut found.1
            };
            let key = if kind == "UPDATED" {
                "updated"
            } else {
                "deleted"
            };
            items.extend(result[key].as_array().unwrap().iter().cloned());
            match result["cursor"]["next"].as_str() {
                Some(cursor) => next = cursor.to_owned(),
                None => break,
            }
        }
    }
    found
}

/// The texts of the people's messages among `messages` (system messages,
/// such as who joined, carry a type `t`).
fn texts(messages: &[Value]) -> Vec<&str> {
    messages
        .iter()
        .filter(|m| m.get("t").is_none())
        .map(|m| m["msg"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_mobile_app_adds_the_server_signs_in_chats_and_resyncs_after_a_restart() {
    let server = TestServer::start().await;
    let bob = server.signed_in("bob").await;
    let ada_account = server.signed_in("ada").await;
    let team = server
        .room_of(
            &bob,
            capsule_server::model::RoomKind::Channel,
            "team",
            &[&ada_account],
        )
        .await;
    server.say(&bob, &team, "welcome to the team").await;

    // Add server: /api/info, the version check, the login settings.
    let info = server.get("/api/info", None).await.ok();
    let version = AppVersion::coerce(info["version"].as_str().unwrap()).expect("a version");
    assert!(version.supported(), "the app refuses {info}");
    assert!(version.at_least(7, 10), "{info}");
    assert_eq!(
        server.get("/api/v1/info", None).await.ok()["version"],
        info["version"]
    );
    let unique = settings(&server, version, &["uniqueID"]).await;
    assert_eq!(
        unique["uniqueID"].as_str().map(str::len),
        Some(17),
        "{unique}"
    );
    let services = get(&server, None, "settings.oauth", &[]).await;
    assert_eq!(services["services"], json!([]), "no OAuth buttons");
    let login = settings(&server, version, LOGIN_SETTINGS).await;
    assert_eq!(login["Accounts_ShowFormLogin"], true, "{login}");
    assert_eq!(login["Accounts_RegistrationForm"], "Public", "{login}");
    let older = settings(&server, AppVersion(6, 5, 0), LOGIN_SETTINGS).await;
    assert_eq!(older, login, "the `query=` form answers as the `_id=` form");

    // Sign in: REST `login`, then DDP `login` with the token.
    let answer = server
        .post(
            "/api/v1/login",
            json!({"user": "ada", "password": "ada-password"}),
            None,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let answer = answer.body;
    assert_eq!(answer["status"], "success");
    assert_eq!(answer["data"]["me"]["username"], "ada");
    let ada = Session {
        user_id: answer["data"]["userId"].as_str().unwrap().to_owned(),
        token: answer["data"]["authToken"].as_str().unwrap().to_owned(),
        username: "ada".into(),
    };
    let mut ddp = Ddp::resume(&server.base, &ada.token).await;

    // Start-up: settings, permissions, roles.
    let display = settings(&server, version, DISPLAY_SETTINGS).await;
    assert_eq!(display["Store_Last_Message"], true, "{display}");
    assert_eq!(display["Message_TimeFormat"], "LT", "{display}");
    assert_eq!(display["Message_GroupingPeriod"], 300, "{display}");
    let permissions = get(&server, Some(&ada), "permissions.listAll", &[]).await;
    let grant = |id: &str| {
        permissions["update"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["_id"] == id)
            .unwrap_or_else(|| panic!("{id} is listed"))["roles"]
            .clone()
    };
    assert_eq!(
        grant("delete-message"),
        json!(["admin", "owner", "moderator"])
    );
    assert_eq!(
        grant("mobile-upload-file"),
        json!([]),
        "Capsule takes no uploads"
    );
    let updated_at = permissions["update"][0]["_updatedAt"]
        .as_str()
        .unwrap()
        .to_owned();
    let again = get(
        &server,
        Some(&ada),
        "permissions.listAll",
        &[("updatedSince", updated_at)],
    )
    .await;
    assert_eq!(again["update"], json!([]), "nothing changed since");
    let roles = get(&server, Some(&ada), "roles.list", &[]).await;
    assert!(
        roles["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["_id"] == "owner"),
        "{roles}"
    );
    if version.at_least(7, 10) {
        let public = get(&server, Some(&ada), "roles.getUsersInPublicRoles", &[]).await;
        assert_eq!(public["users"][0]["username"], "admin", "{public}");
    } else {
        ddp.call("getUserRoles", json!([]))
            .await
            .expect("getUserRoles");
    }
    let ddp_permissions = ddp
        .call("permissions/get", json!([]))
        .await
        .expect("permissions/get");
    assert_eq!(
        ddp_permissions.as_array().unwrap().len(),
        permissions["update"].as_array().unwrap().len()
    );

    // Rooms list, with each room's last message.
    let list = room_list(&server, &ada, None).await;
    let listed_at = capsule_server::model::Timestamp::now();
    assert_eq!(
        entry(&list, &team)["lastMessage"]["msg"],
        "welcome to the team",
        "{list:?}"
    );
    assert_eq!(entry(&list, &team)["unread"], 1);

    // Open the room: history, missed messages since it was last open,
    // the room's stream, marked read.
    let history = get(
        &server,
        Some(&ada),
        "channels.history",
        &[
            ("roomId", team.clone()),
            ("showThreadMessages", "false".into()),
            ("count", "50".into()),
        ],
    )
    .await;
    assert_eq!(
        texts(history["messages"].as_array().unwrap()),
        ["welcome to the team"]
    );
    let (updated, deleted) = missed_messages(&server, &ada, version, &team, 0).await;
    assert_eq!(
        (texts(&updated), deleted.len()),
        (vec!["welcome to the team"], 0)
    );
    ddp.sub("stream-room-messages", json!([team, false]))
        .await
        .expect("the room's stream");
    server
        .post(
            "/api/v1/subscriptions.read",
            json!({"rid": team}),
            Some(&ada),
        )
        .await
        .ok();

    // Send (the app picks the id), and receive.
    let sent = server
        .post("/api/v1/chat.sendMessage", json!({"message": {"_id": "app-chosen-id-1", "rid": team, "msg": "hello from the phone"}}), Some(&ada))
        .await
        .ok();
    assert_eq!(sent["message"]["_id"], "app-chosen-id-1");
    let reply = server.say(&bob, &team, "hi ada").await;
    let received = ddp
        .frame_where(|f| {
            f["collection"] == "stream-room-messages" && f["fields"]["args"][0]["msg"] == "hi ada"
        })
        .await;
    assert_eq!(received["fields"]["args"][0]["_id"], reply["_id"]);

    // Unread change in another room, seen on the next room-list sync.
    let quiet = server
        .room_of(
            &bob,
            capsule_server::model::RoomKind::Channel,
            "quiet",
            &[&ada_account],
        )
        .await;
    server.say(&bob, &quiet, "psst").await;
    let changed = room_list(&server, &ada, Some(listed_at.to_iso().as_str())).await;
    assert_eq!(entry(&changed, &quiet)["unread"], 1, "{changed:?}");
    assert_eq!(entry(&changed, &quiet)["lastMessage"]["msg"], "psst");

    // Leave the room; meanwhile a message is edited, one deleted and 60
    // sent (more than one page of 50).
    let left_at = capsule_server::model::Timestamp::now().millis();
    common::next_millisecond();
    server
        .post(
            "/api/v1/chat.update",
            json!({"roomId": team, "msgId": reply["_id"], "text": "hi ada!"}),
            Some(&bob),
        )
        .await
        .ok();
    server
        .post(
            "/api/v1/chat.delete",
            json!({"roomId": team, "msgId": "app-chosen-id-1"}),
            Some(&ada),
        )
        .await
        .ok();
    for n in 0..60 {
        server.say(&bob, &team, &format!("news {n}")).await;
    }

    // Reopen: the cursor form walks every change since.
    let (updated, deleted) = missed_messages(&server, &ada, version, &team, left_at).await;
    assert_eq!(texts(&updated).len(), 61, "{:?}", texts(&updated));
    assert!(texts(&updated).contains(&"hi ada!"));
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0]["_id"], "app-chosen-id-1");

    // Restart: the app comes back with its token and syncs from where it was.
    drop(ddp);
    let dir = server.stop().await;
    let server = TestServer::start_in(dir).await;
    let info_after = server.get("/api/info", None).await.ok();
    assert_eq!(info_after["version"], info["version"]);
    let mut ddp = Ddp::resume(&server.base, &ada.token).await;
    ddp.sub("stream-room-messages", json!([team, false]))
        .await
        .expect("the room's stream");
    let after_restart = room_list(&server, &ada, Some(listed_at.to_iso().as_str())).await;
    assert_eq!(
        entry(&after_restart, &team)["lastMessage"]["msg"],
        "news 59"
    );
    let (updated, _) = missed_messages(&server, &ada, version, &team, left_at).await;
    assert_eq!(
        texts(&updated).len(),
        61,
        "the same changes after the restart"
    );
    let unique_after = settings(&server, version, &["uniqueID"]).await;
    assert_eq!(unique_after, unique, "the server's id survives the restart");
}

/// The unread change as the app sees it live: `stream-notify-user`
/// `<uid>/subscriptions-changed` when someone posts in another room.
#[tokio::test(flavor = "multi_thread")]
async fn the_mobile_app_sees_unread_counts_change_live() {
    let server = TestServer::start().await;
    let bob = server.signed_in("bob").await;
    let ada = server.signed_in("ada").await;
    let quiet = server
        .room_of(
            &bob,
            capsule_server::model::RoomKind::Channel,
            "quiet",
            &[&ada],
        )
        .await;
    let mut ddp = Ddp::resume(&server.base, &ada.token).await;
    ddp.sub(
        "stream-notify-user",
        json!([format!("{}/subscriptions-changed", ada.user_id), false]),
    )
    .await
    .expect("a user watches their own subscriptions");

    server.say(&bob, &quiet, "psst").await;

    let (collection, event, args) = ddp.event().await;
    assert_eq!(collection, "stream-notify-user");
    assert_eq!(event, format!("{}/subscriptions-changed", ada.user_id));
    assert_eq!(args[0], "updated", "{args}");
    assert_eq!(args[1]["rid"], quiet);
    assert_eq!(args[1]["unread"], 1);
}
