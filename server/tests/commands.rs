//! Slash commands end to end: the real server with the real signed
//! `everything` app (`/echo` answers its raw arguments, `/count` counts,
//! `/greet` greets with a setting, `/say` posts to the room, `/whoami`
//! reads the user back), over REST and the WebSocket.

mod apps_support;
use capsule_server_harness as common;

use std::net::SocketAddr;

use apps_support::{Publisher, files_of, guest, write_zip};
use capsule_package as package;
use capsule_server::config::Config;
use capsule_server::model::RoomKind;
use capsule_server::server;
use common::ddp::Ddp;
use common::{Session, TestServer};
use serde_json::{Value, json};

async fn with_everything() -> TestServer {
    let publisher = Publisher::new("Capsule tests");
    TestServer::start_configured(publisher.configure(&["everything"])).await
}

/// The ids and texts of a channel's history, newest first.
async fn history(server: &TestServer, who: &Session, rid: &str) -> Vec<(String, String)> {
    let body = server
        .get(&format!("/api/v1/channels.history?roomId={rid}"), Some(who))
        .await
        .ok();
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["_id"].as_str().unwrap().to_owned(),
                m["msg"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

async fn post(server: &TestServer, who: &Session, rid: &str, text: &str) -> Value {
    server
        .post(
            "/api/v1/chat.postMessage",
            json!({"roomId": rid, "text": text}),
            Some(who),
        )
        .await
        .ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_command_runs_with_its_args_room_and_user_answers_privately_and_is_not_stored() {
    let server = with_everything().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let mut alice_ws = Ddp::private_messages(&server.base, &alice).await;
    let mut bob_ws = Ddp::private_messages(&server.base, &bob).await;
    let before = history(&server, &alice, "GENERAL").await;

    let answer = post(&server, &alice, "GENERAL", "/echo  hello   world").await;
    let echoed = alice_ws.next_private(&alice).await;
    post(&server, &alice, "GENERAL", "/whoami").await;
    let who = alice_ws.next_private(&alice).await;

    assert_eq!(answer["message"]["msg"], "/echo  hello   world");
    assert_eq!(echoed["msg"], "hello   world", "the raw arguments");
    assert_eq!(echoed["u"]["username"], "everything.bot");
    assert_eq!(echoed["rid"], "GENERAL");
    assert_eq!(echoed["appId"], "everything");
    assert_eq!(who["msg"], "alice roles=user", "the invoking user");
    assert_eq!(
        history(&server, &alice, "GENERAL").await,
        before,
        "commands are not stored"
    );
    let stored = server
        .get(
            &format!(
                "/api/v1/chat.getMessage?msgId={}",
                answer["message"]["_id"].as_str().unwrap()
            ),
            Some(&alice),
        )
        .await;
    assert_eq!(stored.status.as_u16(), 400, "{}", stored.body);

    // `/say` posts to the room the command was typed in.
    post(&server, &alice, "GENERAL", "/say from the app").await;
    let latest = history(&server, &alice, "GENERAL").await;
    assert_eq!(latest[0].1, "from the app");

    // Bob's first private message is his own: Alice's never reached him.
    post(&server, &bob, "GENERAL", "/echo for bob").await;
    assert_eq!(bob_ws.next_private(&bob).await["msg"], "for bob");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_command_sent_with_send_message_or_over_the_websocket_runs_the_same() {
    let server = with_everything().await;
    let alice = server.signed_in("alice").await;
    let mut ws = Ddp::private_messages(&server.base, &alice).await;
    let before = history(&server, &alice, "GENERAL").await;

    let sent = server
        .post(
            "/api/v1/chat.sendMessage",
            json!({"message": {"rid": "GENERAL", "msg": "/count"}}),
            Some(&alice),
        )
        .await
        .ok();
    let first = ws.next_private(&alice).await;
    let over_ws = ws
        .call("sendMessage", json!([{"rid": "GENERAL", "msg": "/count"}]))
        .await
        .expect("sendMessage succeeds");
    let second = ws.next_private(&alice).await;

    assert_eq!(sent["message"]["msg"], "/count");
    assert_eq!(over_ws["msg"], "/count");
    assert_eq!(
        (first["msg"].clone(), second["msg"].clone()),
        ("1".into(), "2".into())
    );
    assert_eq!(history(&server, &alice, "GENERAL").await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn commands_list_and_get_show_the_apps_commands() {
    let server = with_everything().await;
    let alice = server.signed_in("alice").await;

    let all = server.get("/api/v1/commands.list", Some(&alice)).await.ok();
    let page = server
        .get("/api/v1/commands.list?offset=1&count=2", Some(&alice))
        .await
        .ok();
    let greet = server
        .get(
            "/api/v1/commands.list?query=%7B%22command%22%3A%22gre%22%7D",
            Some(&alice),
        )
        .await
        .ok();
    let echo = server
        .get("/api/v1/commands.get?command=/echo", Some(&alice))
        .await
        .ok();
    let unknown = server
        .get("/api/v1/commands.get?command=nosuch", Some(&alice))
        .await;
    let anonymous = server.get("/api/v1/commands.list", None).await;

    let names: Vec<&str> = all["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "count", "dm", "echo", "greet", "pick", "poll", "say", "swap", "whoami"
        ]
    );
    assert_eq!(
        (all["total"].clone(), all["count"].clone()),
        (9.into(), 9.into())
    );
    assert_eq!(page["commands"][0]["command"], "dm");
    assert_eq!(
        (
            page["count"].clone(),
            page["offset"].clone(),
            page["total"].clone()
        ),
        (2.into(), 1.into(), 9.into())
    );
    assert_eq!(greet["total"], 1);
    assert_eq!(greet["commands"][0]["command"], "greet");
    assert_eq!(
        echo["command"],
        json!({"command": "echo", "params": "", "description": "Answers its arguments",
               "clientOnly": false, "providesPreview": false, "appId": "everything"})
    );
    let error = unknown.fails(400, "error-invalid-command");
    assert!(
        error["error"].as_str().unwrap().contains("/nosuch"),
        "{error}"
    );
    assert_eq!(anonymous.status.as_u16(), 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn commands_run_works_and_refuses_a_room_the_user_may_not_post_in() {
    let server = with_everything().await;
    let admin = server.admin().await;
    let alice = server.signed_in("alice").await;
    let secret = server
        .room_of(&admin, RoomKind::PrivateGroup, "secret", &[])
        .await;
    let mut ws = Ddp::private_messages(&server.base, &alice).await;

    let ran = server
        .post(
            "/api/v1/commands.run",
            json!({"command": "greet", "params": "", "roomId": "GENERAL", "triggerId": "t1"}),
            Some(&alice),
        )
        .await
        .ok();
    let told = ws.next_private(&alice).await;
    let elsewhere = server
        .post(
            "/api/v1/commands.run",
            json!({"command": "echo", "params": "x", "roomId": secret}),
            Some(&alice),
        )
        .await;
    let unknown = server
        .post(
            "/api/v1/commands.run",
            json!({"command": "nosuch", "roomId": "GENERAL"}),
            Some(&alice),
        )
        .await;
    let over_ddp = ws
        .call(
            "slashCommand",
            json!([{"cmd": "echo", "params": "via ddp", "msg": {"rid": "GENERAL"}, "triggerId": "t2"}]),
        )
        .await
        .expect("slashCommand succeeds");
    let told_ddp = ws.next_private(&alice).await;
    let ddp_elsewhere = ws
        .call(
            "slashCommand",
            json!([{"cmd": "echo", "params": "x", "msg": {"rid": secret}}]),
        )
        .await
        .expect_err("not in a room Alice cannot see");
    let ddp_unknown = ws
        .call(
            "slashCommand",
            json!([{"cmd": "nosuch", "msg": {"rid": "GENERAL"}}]),
        )
        .await
        .expect_err("no such command");

    assert_eq!(
        ran["result"],
        json!({"outcome": "answered", "text": "Hello alice"})
    );
    assert_eq!(told["msg"], "Hello alice");
    elsewhere.fails(400, "error-room-not-found");
    unknown.fails(400, "error-invalid-command");
    assert_eq!(over_ddp, json!({"outcome": "answered", "text": "via ddp"}));
    assert_eq!(told_ddp["msg"], "via ddp");
    assert_eq!(ddp_elsewhere["error"], "error-room-not-found");
    assert_eq!(ddp_unknown["error"], "error-invalid-command");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_room_takes_commands_only_from_those_who_may_post() {
    let server = with_everything().await;
    let admin = server.admin().await;
    let alice = server.signed_in("alice").await;
    let room = server
        .room_of(&admin, RoomKind::Channel, "announcements", &[&alice])
        .await;
    server
        .post(
            "/api/v1/channels.setReadOnly",
            json!({"roomId": room, "readOnly": true}),
            Some(&admin),
        )
        .await
        .ok();

    let by_run = server
        .post(
            "/api/v1/commands.run",
            json!({"command": "echo", "params": "x", "roomId": room}),
            Some(&alice),
        )
        .await;
    let by_message = server
        .post(
            "/api/v1/chat.postMessage",
            json!({"roomId": room, "text": "/echo x"}),
            Some(&alice),
        )
        .await;

    by_run.fails(403, "error-not-allowed");
    by_message.fails(403, "error-not-allowed");
}

#[tokio::test(flavor = "multi_thread")]
async fn previews_of_a_command_without_one_are_refused_clearly() {
    let server = with_everything().await;
    let alice = server.signed_in("alice").await;

    let listed = server
        .get(
            "/api/v1/commands.preview?command=echo&params=x&roomId=GENERAL",
            Some(&alice),
        )
        .await;
    let executed = server
        .post(
            "/api/v1/commands.preview",
            json!({"command": "echo", "params": "x", "roomId": "GENERAL",
                   "previewItem": {"id": "1", "type": "text", "value": "x"}}),
            Some(&alice),
        )
        .await;
    let unknown = server
        .get(
            "/api/v1/commands.preview?command=nosuch&roomId=GENERAL",
            Some(&alice),
        )
        .await;
    let no_item = server
        .post(
            "/api/v1/commands.preview",
            json!({"command": "echo", "roomId": "GENERAL"}),
            Some(&alice),
        )
        .await;

    let error = listed.fails(400, "error-command-without-preview");
    assert!(
        error["error"].as_str().unwrap().contains("/echo"),
        "{error}"
    );
    executed.fails(400, "error-command-without-preview");
    unknown.fails(400, "error-invalid-command");
    let error = no_item.fails(400, "error-invalid-params");
    assert!(
        error["error"].as_str().unwrap().contains("previewItem.id"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_preview_lists_the_apps_items_and_picking_one_answers_privately() {
    let server = with_everything().await;
    let alice = server.signed_in("alice").await;
    let mut ws = Ddp::private_messages(&server.base, &alice).await;

    let preview = server
        .get(
            "/api/v1/commands.preview?command=pick&params=red%20green&roomId=GENERAL",
            Some(&alice),
        )
        .await
        .ok();
    assert_eq!(
        preview["preview"]["items"],
        json!([
            {"id": "0", "type": "text", "value": "red"},
            {"id": "1", "type": "text", "value": "green"},
        ])
    );
    let picked = server
        .post(
            "/api/v1/commands.preview",
            json!({"command": "pick", "params": "red green", "roomId": "GENERAL",
                   "previewItem": {"id": "1", "type": "text", "value": "green"}}),
            Some(&alice),
        )
        .await
        .ok();
    assert_eq!(
        picked["result"],
        json!({"outcome": "answered", "text": "picked green"})
    );
    assert_eq!(ws.next_private(&alice).await["msg"], "picked green");
    let listed = server
        .get("/api/v1/commands.get?command=pick", Some(&alice))
        .await
        .ok();
    assert_eq!(listed["command"]["providesPreview"], true, "{listed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_command_gets_a_private_notice_and_nothing_is_stored() {
    let server = with_everything().await;
    let alice = server.signed_in("alice").await;
    let mut ws = Ddp::private_messages(&server.base, &alice).await;
    let before = history(&server, &alice, "GENERAL").await;

    let answer = post(&server, &alice, "GENERAL", "/shrug at this").await;
    let notice = ws.next_private(&alice).await;

    assert_eq!(answer["message"]["msg"], "/shrug at this");
    assert_eq!(notice["msg"], "No such command: /shrug");
    assert_eq!(notice["u"]["username"], "rocket.cat");
    assert_eq!(history(&server, &alice, "GENERAL").await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slash_that_does_not_start_a_command_word_is_an_ordinary_message() {
    let server = with_everything().await;
    let alice = server.signed_in("alice").await;

    post(&server, &alice, "GENERAL", "/usr/bin/env is a path").await;
    post(&server, &alice, "GENERAL", "/ not a command").await;
    post(&server, &alice, "GENERAL", "see /echo later").await;
    // An app's message is never a command: `/say` posts the text as is.
    post(&server, &alice, "GENERAL", "/say /echo from the bot").await;

    let texts: Vec<String> = history(&server, &alice, "GENERAL")
        .await
        .into_iter()
        .map(|(_, text)| text)
        .take(4)
        .collect();
    assert_eq!(
        texts,
        [
            "/echo from the bot",
            "see /echo later",
            "/ not a command",
            "/usr/bin/env is a path"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_apps_command_is_answered_in_plain_words_and_the_server_goes_on() {
    let server = with_everything().await;
    let alice = server.signed_in("alice").await;
    let mut ws = Ddp::private_messages(&server.base, &alice).await;
    let apps = server.apps().runtime();
    apps.disable("everything").expect("the app is loaded");

    let ran = server
        .post(
            "/api/v1/commands.run",
            json!({"command": "echo", "params": "x", "roomId": "GENERAL"}),
            Some(&alice),
        )
        .await
        .ok();
    let told = ws.next_private(&alice).await;
    let after = post(&server, &alice, "GENERAL", "still chatting").await;

    assert_eq!(ran["result"]["outcome"], "failed");
    assert_eq!(
        told["msg"],
        "The Everything app is disabled by an admin. Ask an admin to enable it."
    );
    assert_eq!(ran["result"]["text"], told["msg"]);
    assert_eq!(told["u"]["username"], "rocket.cat");
    assert_eq!(after["message"]["msg"], "still chatting");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_apps_declaring_the_same_command_fail_the_start_naming_both() {
    let publisher = Publisher::new("Capsule tests");
    let first = publisher.signed("everything");
    let mut files = files_of(guest("everything"));
    let manifest = String::from_utf8(files["manifest.json"].clone())
        .unwrap()
        .replace("\"id\": \"everything\"", "\"id\": \"copycat\"");
    files.insert("manifest.json".into(), manifest.into_bytes());
    let second = write_zip(
        publisher.dir.path(),
        "copycat.zip",
        &package::sign(&files, &publisher.key),
    );
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(SocketAddr::from(([127, 0, 0, 1], 0)), dir.path());
    config.apps = vec![first, second];
    config.trusted_keys = vec![publisher.public_key_file.clone()];

    let error = match server::start(config, None).await {
        Ok(_) => panic!("the server started"),
        Err(error) => error.to_string(),
    };

    assert!(
        error.contains("/echo") && error.contains("`everything`") && error.contains("`copycat`"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_command_typed_in_a_thread_answers_in_that_thread() {
    let server = with_everything().await;
    let alice = server.signed_in("alice").await;
    let mut ws = Ddp::private_messages(&server.base, &alice).await;
    let root = post(&server, &alice, "GENERAL", "a thread").await["message"]["_id"].clone();

    server
        .post(
            "/api/v1/chat.sendMessage",
            json!({"message": {"rid": "GENERAL", "msg": "/echo in the thread", "tmid": root}}),
            Some(&alice),
        )
        .await
        .ok();
    let answer = ws.next_private(&alice).await;
    let bad_thread = server
        .post(
            "/api/v1/commands.run",
            json!({"command": "echo", "roomId": "GENERAL", "tmid": "no-such-message"}),
            Some(&alice),
        )
        .await;

    assert_eq!(answer["msg"], "in the thread");
    assert_eq!(answer["tmid"], root);
    bad_thread.fails(400, "error-invalid-message");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_writes_to_a_users_direct_room_which_only_that_user_reads() {
    let server = with_everything().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let mut alice_ws = Ddp::private_messages(&server.base, &alice).await;

    post(&server, &alice, "GENERAL", "/dm remember the milk").await;
    let rid = alice_ws.next_private(&alice).await["msg"]
        .as_str()
        .unwrap()
        .to_owned();
    post(&server, &alice, "GENERAL", "/dm and the bread").await;
    let again = alice_ws.next_private(&alice).await;

    assert_eq!(again["msg"], rid.as_str(), "the same room the second time");
    let list = server.get("/api/v1/im.list", Some(&alice)).await.ok();
    let room = list["ims"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["_id"] == rid.as_str())
        .unwrap_or_else(|| panic!("{rid} is not in alice's list: {list}"));
    let mut usernames: Vec<&str> = room["usernames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    usernames.sort();
    assert_eq!(usernames, ["alice", "everything.bot"]);
    let messages = server
        .get(&format!("/api/v1/im.history?roomId={rid}"), Some(&alice))
        .await
        .ok();
    let texts: Vec<&str> = messages["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["msg"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["and the bread", "remember the milk"]);
    assert_eq!(messages["messages"][0]["u"]["username"], "everything.bot");
    let for_bob = server
        .get(&format!("/api/v1/im.history?roomId={rid}"), Some(&bob))
        .await;
    assert!(
        matches!(for_bob.status.as_u16(), 400 | 403),
        "bob reads alice's direct room: {}",
        for_bob.body
    );
}
