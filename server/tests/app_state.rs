//! Installed apps and their state, end to end through the server's
//! `AppManager` (`RunningServer::app_manager`): uploads wait for a grant, the
//! grant installs and enables, and a restart changes nothing an admin set
//! (enabled or not, settings, grants), loads from the compiled-component
//! cache, and refuses a package file altered on disk.

mod apps_support;
use capsule_server_harness as common;

use std::path::PathBuf;

use apps_support::{Publisher, eventually, files_of, guest, write_zip};
use bytes::Bytes;
use capsule_package::{self as package, Permission};
use capsule_server::apps::{AppManager, ManageError, manager::Grant};
use capsule_server::config::Config;
use capsule_server::model::User;
use capsule_server::store::Page;
use common::{Session, TestServer};
use serde_json::{Map, Value, json};

const GENERAL: &str = "GENERAL";

fn manager(server: &TestServer) -> &AppManager {
    server.apps()
}

/// The admin's account, as the manager's actor.
async fn admin_user(server: &TestServer) -> (Session, User) {
    let session = server.admin().await;
    let user = server.account_of(&session).await;
    (session, user)
}

/// The bytes of a package file.
fn bytes_of(path: &PathBuf) -> Bytes {
    Bytes::from(std::fs::read(path).expect("the package is readable"))
}

/// Trusts `publisher`, lists no apps.
fn trusting(publisher: &Publisher) -> impl Fn(&mut Config) + use<> {
    let key = publisher.public_key_file.clone();
    move |config: &mut Config| config.trusted_keys = vec![key.clone()]
}

/// Sends `text` to #general and answers the stored text.
async fn send(server: &TestServer, who: &Session, text: &str) -> String {
    let sent = server
        .post(
            "/api/v1/chat.sendMessage",
            json!({"message": {"rid": GENERAL, "msg": text}}),
            Some(who),
        )
        .await
        .ok();
    sent["message"]["msg"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Uploads and grants `app` (signed by `publisher`) as `admin`.
async fn install(server: &TestServer, admin: &User, publisher: &Publisher, app: &str) {
    let manager = manager(server);
    manager
        .upload(admin, bytes_of(&publisher.signed(app)))
        .await
        .expect("the upload is accepted");
    let view = manager
        .grant(admin, app, Grant::All)
        .await
        .expect("the grant installs it");
    assert_eq!(view.status, "enabled", "{view:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_waits_for_its_grant_and_then_modifies_messages() {
    let publisher = Publisher::new("Capsule tests");
    let server = TestServer::start_configured(trusting(&publisher)).await;
    let (session, admin) = admin_user(&server).await;
    let manager = manager(&server);

    let uploaded = manager
        .upload(&admin, bytes_of(&publisher.signed("modifier")))
        .await
        .expect("the upload is accepted");
    let before = send(&server, &session, "before").await;
    let granted = manager
        .grant(&admin, "modifier", Grant::All)
        .await
        .expect("the grant installs it");
    let after = send(&server, &session, "after").await;

    assert_eq!(uploaded.status, "awaiting_grant");
    assert_eq!(uploaded.required_imports, ["settings"]);
    assert_eq!(before, "before", "nothing runs before the grant");
    assert_eq!(granted.status, "enabled");
    assert_eq!(after, "after [mod]");
    let audit = manager
        .audit(Some("modifier"), Page::first(10))
        .await
        .expect("the audit log reads");
    let actions: Vec<(&str, &str)> = audit
        .items
        .iter()
        .map(|e| (e.action.as_str(), e.actor_username.as_str()))
        .collect();
    assert_eq!(
        actions,
        [("app.install", "admin"), ("app.upload", "admin")],
        "newest first"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_grant_that_leaves_an_import_out_or_names_what_is_not_requested_is_refused() {
    let publisher = Publisher::new("Capsule tests");
    let server = TestServer::start_configured(trusting(&publisher)).await;
    let (_, admin) = admin_user(&server).await;
    let manager = manager(&server);
    manager
        .upload(&admin, bytes_of(&publisher.signed("veto")))
        .await
        .expect("the upload is accepted");
    let only = |names: &[&str]| {
        Grant::Only(
            names
                .iter()
                .map(|n| Permission {
                    name: (*n).into(),
                    hosts: None,
                    rooms: None,
                })
                .collect(),
        )
    };

    let missing = manager.grant(&admin, "veto", only(&["settings"])).await;
    let foreign = manager
        .grant(&admin, "veto", only(&["settings", "kv", "scheduler"]))
        .await;

    match missing {
        Err(ManageError::MissingGrants(list)) => assert_eq!(list, ["kv"]),
        other => panic!("expected missing grants, got {other:?}"),
    }
    assert!(
        matches!(&foreign, Err(ManageError::NotRequested(why)) if why.contains("`scheduler`")),
        "{foreign:?}"
    );
    let view = manager.get("veto").await.expect("still there");
    assert_eq!(view.status, "awaiting_grant");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restart_keeps_what_the_admin_set_and_loads_from_the_compiled_cache() {
    let publisher = Publisher::new("Capsule tests");
    let server = TestServer::start_configured(trusting(&publisher)).await;
    let (_, admin) = admin_user(&server).await;
    install(&server, &admin, &publisher, "modifier").await;
    install(&server, &admin, &publisher, "veto").await;
    let manager = manager(&server);
    let mut tag = Map::new();
    tag.insert("tag".into(), json!("kept"));
    manager
        .set_settings(&admin, "modifier", tag)
        .await
        .expect("the setting is valid");
    manager
        .set_enabled(&admin, "veto", false)
        .await
        .expect("veto is disabled");
    let first_load = manager.get("modifier").await.unwrap().loaded_from;

    let dir = server.stop().await;
    let server = TestServer::start_configured_in(dir, trusting(&publisher)).await;
    let (session, _) = admin_user(&server).await;
    let manager = self::manager(&server);
    let modifier = manager.get("modifier").await.expect("still installed");
    let veto = manager.get("veto").await.expect("still installed");
    let sent = send(&server, &session, "forbidden words").await;

    assert_eq!(first_load, Some("compiled"));
    assert_eq!(modifier.status, "enabled");
    assert_eq!(modifier.loaded_from, Some("disk"), "{modifier:?}");
    assert_eq!(
        modifier.granted_permissions.as_ref().map(|g| g.len()),
        Some(1)
    );
    assert_eq!((veto.status, veto.enabled), ("disabled", false));
    assert_eq!(
        sent, "forbidden words [kept]",
        "veto stays off, the tag stays"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_package_file_altered_on_disk_is_refused_after_a_restart() {
    let publisher = Publisher::new("Capsule tests");
    let server = TestServer::start_configured(trusting(&publisher)).await;
    let (_, admin) = admin_user(&server).await;
    install(&server, &admin, &publisher, "modifier").await;
    let dir = server.stop().await;
    let packages = dir.path().join("apps").join("packages");
    let file = std::fs::read_dir(&packages)
        .expect("the packages folder exists")
        .map(|e| e.expect("an entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "zip"))
        .expect("the package file is kept");
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.push(0);
    std::fs::write(&file, bytes).unwrap();

    let server = TestServer::start_configured_in(dir, trusting(&publisher)).await;
    let (session, admin) = admin_user(&server).await;
    let manager = manager(&server);
    let view = manager.get("modifier").await.expect("still listed");
    let sent = send(&server, &session, "plain").await;
    let enable = manager.set_enabled(&admin, "modifier", true).await;

    assert_eq!(view.status, "refused");
    let reason = view.reason.unwrap_or_default();
    assert!(reason.contains("altered"), "{reason}");
    assert_eq!(sent, "plain", "a refused app does not run");
    assert!(matches!(enable, Err(ManageError::Refused(_))), "{enable:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_configured_app_disabled_by_the_admin_stays_disabled_after_a_restart() {
    let publisher = Publisher::new("Capsule tests");
    let package = publisher.signed("modifier");
    let key = publisher.public_key_file.clone();
    let configure = move |config: &mut Config| {
        config.apps = vec![package.clone()];
        config.trusted_keys = vec![key.clone()];
    };
    let server = TestServer::start_configured(configure.clone()).await;
    let (_, admin) = admin_user(&server).await;
    let provisioned = manager(&server).get("modifier").await.expect("provisioned");
    manager(&server)
        .set_enabled(&admin, "modifier", false)
        .await
        .expect("disabled");

    let dir = server.stop().await;
    let server = TestServer::start_configured_in(dir, configure).await;
    let (session, _) = admin_user(&server).await;
    let view = manager(&server).get("modifier").await.expect("installed");
    let sent = send(&server, &session, "plain").await;

    assert_eq!(provisioned.status, "enabled");
    assert_eq!(
        provisioned.installed_by.map(|a| a.username).as_deref(),
        Some("system")
    );
    assert_eq!(view.status, "disabled");
    assert_eq!(sent, "plain");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_disabled_after_faults_keeps_its_status_and_reason_across_a_restart() {
    let publisher = Publisher::new("Capsule tests");
    let server = TestServer::start_configured(trusting(&publisher)).await;
    let (session, admin) = admin_user(&server).await;
    install(&server, &admin, &publisher, "hostile").await;

    for _ in 0..5 {
        assert_eq!(send(&server, &session, "panic now").await, "panic now");
    }
    let audit = eventually("the disabling to be recorded", || async {
        let page = manager(&server)
            .audit(Some("hostile"), Page::first(1))
            .await
            .ok()?;
        page.items
            .into_iter()
            .find(|e| e.action == "app.disabled-after-faults")
    })
    .await;
    let dir = server.stop().await;
    let server = TestServer::start_configured_in(dir, trusting(&publisher)).await;
    let view = manager(&server).get("hostile").await.expect("installed");

    assert_eq!(audit.actor_username, "system");
    assert_eq!(view.status, "disabled_after_faults");
    let reason = view.reason.unwrap_or_default();
    assert!(reason.contains("trapped"), "{reason}");
    assert!(view.enabled, "what the admin set is kept");
}

#[tokio::test(flavor = "multi_thread")]
async fn reserved_ids_downgrades_and_unknown_apps_are_refused() {
    let publisher = Publisher::new("Capsule tests");
    let server = TestServer::start_configured(trusting(&publisher)).await;
    let (_, admin) = admin_user(&server).await;
    let manager = manager(&server);
    let renamed = |id: &str, version: &str| {
        let mut files = files_of(guest("modifier"));
        let manifest = String::from_utf8(files["manifest.json"].clone())
            .unwrap()
            .replace("\"id\": \"modifier\"", &format!("\"id\": \"{id}\""))
            .replace(
                "\"version\": \"0.1.0\"",
                &format!("\"version\": \"{version}\""),
            );
        files.insert("manifest.json".into(), manifest.into_bytes());
        let path = write_zip(
            publisher.dir.path(),
            &format!("{id}-{version}.zip"),
            &package::sign(&files, &publisher.key),
        );
        bytes_of(&path)
    };
    manager
        .upload(&admin, renamed("tagger", "0.2.0"))
        .await
        .expect("accepted");
    manager
        .grant(&admin, "tagger", Grant::All)
        .await
        .expect("installed");

    let reserved = manager.upload(&admin, renamed("audit", "0.1.0")).await;
    let downgrade = manager
        .update(&admin, "tagger", renamed("tagger", "0.1.0"))
        .await;
    let unknown = manager.get("nobody").await;
    let upgrade = manager
        .update(&admin, "tagger", renamed("tagger", "0.3.0"))
        .await
        .expect("a newer version asking for nothing new is applied");

    assert!(
        matches!(reserved, Err(ManageError::ReservedId(_))),
        "{reserved:?}"
    );
    assert!(
        matches!(&downgrade, Err(ManageError::Downgrade { installed, uploaded })
            if installed == "0.2.0" && uploaded == "0.1.0"),
        "{downgrade:?}"
    );
    assert!(
        matches!(unknown, Err(ManageError::NotFound(_))),
        "{unknown:?}"
    );
    assert_eq!(
        (upgrade.version.as_str(), upgrade.status),
        ("0.3.0", "enabled")
    );
    let _: Value = serde_json::to_value(&upgrade).expect("a view is JSON");
}

/// `modifier` as version `version`, with `extra` permissions added to
/// what it requests, signed by `publisher`.
fn modifier_version(publisher: &Publisher, version: &str, extra: &str) -> Bytes {
    let mut files = files_of(guest("modifier"));
    let manifest = String::from_utf8(files["manifest.json"].clone())
        .unwrap()
        .replace(
            "\"version\": \"0.1.0\"",
            &format!("\"version\": \"{version}\""),
        )
        .replace(
            "\"permissions\": [{\"name\": \"settings\"}]",
            &format!("\"permissions\": [{{\"name\": \"settings\"}}{extra}]"),
        );
    files.insert("manifest.json".into(), manifest.into_bytes());
    let path = write_zip(
        publisher.dir.path(),
        &format!("modifier-{version}.zip"),
        &package::sign(&files, &publisher.key),
    );
    bytes_of(&path)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_update_asking_for_more_waits_for_a_grant_while_the_old_version_runs() {
    let publisher = Publisher::new("Capsule tests");
    let server = TestServer::start_configured(trusting(&publisher)).await;
    let (session, admin) = admin_user(&server).await;
    install(&server, &admin, &publisher, "modifier").await;
    let manager = manager(&server);

    let waiting = manager
        .update(
            &admin,
            "modifier",
            modifier_version(&publisher, "0.2.0", ", {\"name\": \"kv\"}"),
        )
        .await
        .expect("the update is kept");
    let meanwhile = send(&server, &session, "old").await;
    let applied = manager
        .grant(&admin, "modifier", Grant::All)
        .await
        .expect("the grant applies it");

    assert_eq!(
        (waiting.version.as_str(), waiting.status),
        ("0.1.0", "enabled")
    );
    let pending = waiting.pending_update.expect("an update waits");
    assert_eq!(pending.version, "0.2.0");
    assert!(pending.permissions.iter().any(|p| p.name == "kv"));
    assert_eq!(meanwhile, "old [mod]", "the installed version runs on");
    assert_eq!(applied.version, "0.2.0");
    assert!(applied.pending_update.is_none());
    assert_eq!(
        applied.granted_permissions.map(|g| g.len()),
        Some(2),
        "kv is granted now"
    );
    assert_eq!(send(&server, &session, "new").await, "new [mod]");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_removed_trusted_key_refuses_its_apps_and_adding_it_back_restores_them() {
    let publisher = Publisher::new("Capsule tests");
    let server = TestServer::start().await;
    let (session, admin) = admin_user(&server).await;
    let manager = manager(&server);
    let key_file = std::fs::read_to_string(&publisher.public_key_file).unwrap();
    let untrusted = manager
        .upload(&admin, bytes_of(&publisher.signed("modifier")))
        .await;
    let key = manager
        .add_trusted_key((&admin).into(), &key_file)
        .await
        .expect("the key file is valid");
    install(&server, &admin, &publisher, "modifier").await;

    let refused = manager
        .remove_trusted_key((&admin).into(), &key.key_id)
        .await
        .expect("the key was trusted");
    let view = manager.get("modifier").await.unwrap();
    let while_refused = send(&server, &session, "one").await;
    manager
        .add_trusted_key((&admin).into(), &key_file)
        .await
        .expect("trusted again");
    let dir = server.stop().await;
    let server = TestServer::start_in(dir).await;
    let (session, _) = admin_user(&server).await;
    let keys = self::manager(&server).trusted_keys().await.unwrap();
    let after_restart = send(&server, &session, "two").await;

    assert!(
        matches!(&untrusted, Err(ManageError::Refused(why)) if why.contains("not in the trust store")),
        "{untrusted:?}"
    );
    assert_eq!(key.source, "api");
    assert_eq!(refused, ["modifier"]);
    assert_eq!(view.status, "refused");
    assert_eq!(while_refused, "one");
    assert_eq!(keys.len(), 1, "the added key is kept: {keys:?}");
    assert_eq!(after_restart, "two [mod]");
}

#[tokio::test(flavor = "multi_thread")]
async fn uninstalling_deletes_the_apps_data_unless_it_is_kept() {
    let publisher = Publisher::new("Capsule tests");
    let server = TestServer::start_configured(trusting(&publisher)).await;
    let (session, admin) = admin_user(&server).await;
    install(&server, &admin, &publisher, "veto").await;
    send(&server, &session, "remember me").await;
    apps_support::wait_for_kv(server.chat_domain(), "veto", "last-post").await;
    let manager = manager(&server);
    let store = server.chat_domain().store();

    manager
        .uninstall(&admin, "veto", true)
        .await
        .expect("uninstalled");
    let kept = apps_support::kv_text(server.chat_domain(), "veto", "last-post").await;
    let gone = manager.get("veto").await;
    install(&server, &admin, &publisher, "veto").await;
    manager
        .uninstall(&admin, "veto", false)
        .await
        .expect("uninstalled");
    let deleted = apps_support::kv_text(server.chat_domain(), "veto", "last-post").await;
    let vetoed = server
        .post(
            "/api/v1/chat.sendMessage",
            json!({"message": {"rid": GENERAL, "msg": "forbidden"}}),
            Some(&session),
        )
        .await;

    assert!(kept.is_some(), "kept over the first uninstall");
    assert!(matches!(gone, Err(ManageError::NotFound(_))), "{gone:?}");
    assert_eq!(deleted, None, "deleted by the second");
    assert_eq!(
        vetoed.status, 200,
        "no app vetoes any more: {:?}",
        vetoed.body
    );
    let records = store.app_records().await.unwrap();
    assert!(records.iter().all(|r| r.id != "veto"), "{records:?}");
    let files = std::fs::read_dir(server.dir.path().join("apps").join("packages"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("veto"))
        .count();
    assert_eq!(files, 0, "its package files are deleted");
}
