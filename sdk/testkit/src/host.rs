//! The test host: the kit's in-process [`TestApp`], served to a test in
//! another process over the [`wire`](crate::wire) protocol.
//!
//! `capsule-app test-host` runs [`serve`] on its stdin and stdout. An app's
//! own tests (the kit without its `runtime` feature) start it for each
//! [`TestApp`](crate::TestApp), so they link no wasmtime and compile in
//! seconds; the runtime they talk to is the one `capsule-app` was built
//! with.

use std::cell::Cell;
use std::io::{self, BufRead, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};

use capsule_runtime::User;
use serde::Serialize;
use serde_json::{Value, json};

use crate::artifacts::GuestApp;
use crate::test_app::TestApp;
use crate::wire::{Call, PROTOCOL, Reply, Start};

thread_local! {
    /// Whether this thread is running one of the app's methods, whose
    /// panic becomes the reply.
    static ANSWERING: Cell<bool> = const { Cell::new(false) };
}

/// Serves one app: reads calls from `input` a line at a time and writes
/// each reply as a line to `output`, until `input` ends.
pub fn serve(input: impl BufRead, mut output: impl Write) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // A method that panics is answered as `Panicked`, and the test panics
    // with the message: printing it here too would say it twice. Any other
    // panic (the host's own) is printed as usual.
    let print = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !ANSWERING.with(Cell::get) {
            print(info);
        }
    }));
    let mut app = None;
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let reply = match serde_json::from_str::<Call>(&line) {
            Ok(call) => answer(&runtime, &mut app, call),
            Err(error) => Reply::Refused(format!(
                "the test host cannot read the call `{line}`: {error}; are the test kit and capsule-app of the same version?"
            )),
        };
        serde_json::to_writer(&mut output, &reply)?;
        output.write_all(b"\n")?;
        output.flush()?;
    }
    Ok(())
}

fn answer(runtime: &tokio::runtime::Runtime, app: &mut Option<TestApp>, call: Call) -> Reply {
    match call {
        Call::Hello { protocol } if protocol == PROTOCOL => {
            Reply::Done(json!({"protocol": PROTOCOL, "version": env!("CARGO_PKG_VERSION")}))
        }
        Call::Hello { protocol } => Reply::Refused(format!(
            "this test host (capsule-app {}) speaks test kit protocol {PROTOCOL}, the test speaks {protocol}: install the capsule-app that goes with the app's capsule-testkit",
            env!("CARGO_PKG_VERSION")
        )),
        Call::Start(start) => match runtime.block_on(start_app(*start)) {
            Ok(started) => {
                *app = Some(started);
                Reply::Done(Value::Null)
            }
            Err(reason) => Reply::Refused(reason),
        },
        call => {
            let Some(app) = app.as_ref() else {
                return Reply::Refused("the app is not started: call `start` first".into());
            };
            ANSWERING.with(|answering| answering.set(true));
            let answered = catch_unwind(AssertUnwindSafe(|| runtime.block_on(method(app, call))));
            ANSWERING.with(|answering| answering.set(false));
            match answered {
                Ok(value) => Reply::Done(value),
                Err(panic) => Reply::Panicked(panic_message(panic.as_ref())),
            }
        }
    }
}

async fn start_app(start: Start) -> Result<TestApp, String> {
    let Start {
        wasm,
        manifest,
        manifest_path,
        settings,
        grants,
        stubs,
        limits,
    } = start;
    let name = manifest["id"].as_str().unwrap_or("app").to_owned();
    let guest = GuestApp {
        name,
        wasm,
        manifest_path,
        manifest,
    };
    let mut builder = TestApp::from_guest(&guest)
        .map_err(|e| e.to_string())?
        .limits(limits);
    for (id, value) in settings {
        builder = builder.setting(id, value);
    }
    if let Some(grants) = grants {
        builder = builder.grant_only(grants);
    }
    for stub in stubs {
        builder = builder.http_stub(stub);
    }
    builder.start().await.map_err(|e| e.to_string())
}

/// Runs one of the app's methods; its result as JSON.
async fn method(app: &TestApp, call: Call) -> Value {
    match call {
        Call::User { name } => to_json(app.user(&name)),
        Call::Room { name, members } => {
            let members: Vec<&User> = members.iter().collect();
            to_json(app.room(&name, &members))
        }
        Call::SetGrants { grants } => {
            app.set_grants(grants);
            Value::Null
        }
        Call::SetSetting { id, value } => {
            app.set_setting(&id, value);
            Value::Null
        }
        Call::ValidateSetting { id, value } => to_json(app.validate_setting(&id, value).await),
        Call::HttpStub { stub } => {
            app.http().stub(stub);
            Value::Null
        }
        Call::Post { user, room, text } => to_json(app.post(&user, &room, &text).await),
        Call::Command { invocation } => to_json(app.run_invocation(invocation).await),
        Call::Endpoint {
            endpoint,
            request,
            user,
        } => to_json(
            app.endpoint_request(&endpoint, request, user.as_ref())
                .await,
        ),
        Call::RunJob { name, payload } => to_json(app.run_job(&name, payload).await),
        Call::Press {
            action_id,
            value,
            user,
            room,
        } => to_json(app.press(&action_id, value.as_deref(), &user, &room).await),
        Call::Join { user, room } => {
            app.join(&user, &room).await;
            Value::Null
        }
        Call::Messages { room } => to_json(app.messages(&room)),
        Call::Notifications => to_json(app.notifications()),
        Call::Kv { key } => to_json(app.kv(&key)),
        Call::Jobs => to_json(app.jobs()),
        Call::HttpRequests => to_json(app.http_requests()),
        Call::Logs => to_json(app.logs()),
        Call::LastFault => to_json(app.last_fault()),
        Call::LastRefusal => to_json(app.last_refusal()),
        Call::Hello { .. } | Call::Start(_) => panic!("the app is already started"),
    }
}

fn to_json(value: impl Serialize) -> Value {
    serde_json::to_value(value).expect("the kit's records serialise to JSON")
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "the test host panicked".to_owned())
}
