//! The web client in a real browser (headless Debian Chromium driven by
//! playwright-core), against the real `capsule` binary: people chat in
//! real time, hostile text stays text, the client survives a server
//! restart, and the admin pages refuse a non-admin. Screenshots go to
//! `target/web-screenshots/`. The scenarios are `server/web/e2e/*.mjs`.

mod apps_support;
mod web_support;

use std::path::PathBuf;

use apps_support::Publisher;
use capsule_package as package;
use web_support::{Setup, run_scenario, run_scenario_with};

/// The example app `name` of `apps-examples` (built once for the test
/// run), packaged and signed by `publisher`.
fn signed_example(publisher: &Publisher, name: &str) -> PathBuf {
    let app = capsule_testkit::example_apps().app(name);
    let signed = package::sign(&apps_support::files_of(app), &publisher.key);
    apps_support::write_zip(publisher.dir.path(), &format!("{name}.zip"), &signed)
}

#[test]
fn two_people_chat_in_real_time_with_live_unread_counts() {
    run_scenario("chat.mjs");
}

#[test]
fn script_img_onerror_and_javascript_links_render_as_text() {
    run_scenario("hostile-text.mjs");
}

#[test]
fn the_client_recovers_after_the_server_restarts() {
    run_scenario("restart.mjs");
}

#[test]
fn the_admin_pages_refuse_a_non_admin() {
    run_scenario("admin-refused.mjs");
}

#[test]
fn an_admin_installs_a_signed_app_that_then_changes_messages_and_disables_it() {
    let publisher = Publisher::new("Capsule test suite");
    let package = publisher.signed("modifier");
    run_scenario_with(
        "apps-admin.mjs",
        Setup {
            server_args: vec![
                "--trusted-key".into(),
                publisher.public_key_file.clone().into(),
            ],
            env: vec![("CAPSULE_APP_PACKAGE", package.into())],
        },
    );
}

#[test]
fn people_register_create_and_join_rooms_message_directly_and_sign_out() {
    run_scenario("rooms.mjs");
}

#[test]
fn slash_commands_complete_preview_and_answer_privately_app_buttons_work_and_vetoes_are_explained()
{
    let publisher = Publisher::new("Capsule test suite");
    run_scenario_with(
        "apps-in-chat.mjs",
        Setup {
            server_args: vec![
                "--trusted-key".into(),
                publisher.public_key_file.clone().into(),
                "--app".into(),
                publisher.signed("everything").into(),
                "--app".into(),
                publisher.signed("veto").into(),
            ],
            env: vec![],
        },
    );
}

#[test]
fn the_example_apps_slash_commands_run_from_the_composer_and_a_polls_buttons_count_votes() {
    let publisher = Publisher::new("Capsule examples");
    run_scenario_with(
        "example-apps.mjs",
        Setup {
            server_args: vec![
                "--trusted-key".into(),
                publisher.public_key_file.clone().into(),
                "--app".into(),
                signed_example(&publisher, "hello").into(),
                "--app".into(),
                signed_example(&publisher, "polls").into(),
            ],
            env: vec![],
        },
    );
}

#[test]
fn a_long_room_loads_history_as_you_scroll_up_in_a_bounded_window() {
    run_scenario("long-room.mjs");
}

#[test]
fn axe_finds_no_serious_accessibility_violations_in_either_theme() {
    run_scenario("accessibility.mjs");
}
