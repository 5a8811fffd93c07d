//! The OpenAPI document drives a property-based tester: schemathesis
//! (PyPI) reads `/api/openapi.json`, generates requests from every
//! operation's parameters and body schemas, valid and invalid, sends them
//! to the real server as the admin, and fails on any 5xx, any status the
//! document does not list for the operation, any answer that does not
//! match its schema or content type, invalid input that is accepted, an
//! operation that answers without the credentials it declares, and a
//! method the path does not serve answered with anything but 405.
//!
//! The run is bounded by a number of cases per operation; the seed is
//! fixed so CI is repeatable (`CAPSULE_SCHEMATHESIS_SEED` picks another,
//! `CAPSULE_SCHEMATHESIS_EXAMPLES` more cases). `POST /api/v1/logout` is
//! left out: it would end the run's own session. Needs `python3` with
//! `venv`; schemathesis is installed once into `<target>/schemathesis-venv`.

use capsule_server_harness as common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::TestServer;
use common::tools::python_venv;
use serde_json::json;

/// The tester, pinned: a new release may add checks, which is a change
/// to make on purpose.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";
/// Checks run on every answer (`schemathesis run --help` lists them).
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
response_schema_conformance,response_headers_conformance,negative_data_rejection,\
unsupported_method,ignored_auth,missing_required_header";
/// Cases per operation: about 170 operations, so about 1,700 cases per
/// phase; the run takes about a minute on two cores.
const EXAMPLES: &str = "10";
const SEED: &str = "20261207";
/// Past this the run is stopped and the test fails.
const DEADLINE: Duration = Duration::from_secs(600);

fn schemathesis() -> PathBuf {
    python_venv("schemathesis-venv", SCHEMATHESIS, "import schemathesis")
        .join("bin")
        .join("schemathesis")
}

#[tokio::test(flavor = "multi_thread")]
async fn generated_requests_get_documented_answers() {
    let tester = tokio::task::spawn_blocking(schemathesis)
        .await
        .expect("venv setup finishes");
    let server = TestServer::start().await;
    let admin = server.admin().await;
    // Something for the generated requests to find: the document's examples
    // name the general room; a second user, a message and a private group
    // make lists and lookups answer with data.
    server.user("grace").await;
    server
        .say(&admin, "GENERAL", "hello from the property run")
        .await;
    server
        .post(
            "/api/v1/groups.create",
            json!({"name": "reviewers", "members": ["grace"]}),
            Some(&admin),
        )
        .await
        .ok();

    let seed = std::env::var("CAPSULE_SCHEMATHESIS_SEED").unwrap_or_else(|_| SEED.into());
    let examples =
        std::env::var("CAPSULE_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| EXAMPLES.into());
    let report = tempfile::tempdir().expect("a report folder");
    let mut run = tokio::process::Command::from(Command::new(&tester));
    run.arg("run")
        .arg(format!("{}/api/openapi.json", server.base))
        .args(["--header", &format!("X-User-Id: {}", admin.user_id)])
        .args(["--header", &format!("X-Auth-Token: {}", admin.token)])
        .args(["--checks", CHECKS])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--max-examples", &examples])
        .args(["--seed", &seed])
        .args(["--workers", "2"])
        .args(["--exclude-path", "/api/v1/logout"])
        .args(["--request-timeout", "30"])
        .arg("--report-dir")
        .arg(report.path())
        // Its example database and reports go there too, not into the tree.
        .current_dir(report.path())
        .env("NO_COLOR", "1")
        .kill_on_drop(true);
    let output = tokio::time::timeout(DEADLINE, run.output())
        .await
        .unwrap_or_else(|_| panic!("schemathesis ran past {DEADLINE:?}"))
        .expect("schemathesis starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "schemathesis found answers the OpenAPI document does not describe \
         (seed {seed}; failures above):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // A run that generated nothing would pass without testing anything.
    assert!(
        stdout.contains("passed") && !stdout.contains(" 0 generated"),
        "schemathesis generated no cases:\n{stdout}"
    );
}
