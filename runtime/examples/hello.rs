//! Runs Capsule's `hello` example app end to end on the runtime alone, with
//! the in-memory chat standing in for the server:
//!
//! ```sh
//! cargo run -p capsule-runtime --example hello -- "hi :wave:"
//! ```
//!
//! It builds `apps-examples`, starts a runtime on the in-memory chat, loads
//! `hello` under the grants its manifest asks for, posts the message as
//! `alice` in `general` (the app's pre-send hook turns `:wave:` into 👋),
//! runs `/hello`, and prints each step with its time. Compiled components
//! are cached in `target/capsule-cache`, so a second run loads from disk.

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use capsule_runtime::{
    AppSpec, Capability, GrantSet, Hook, Invocation, MemoryBridge, Runtime, RuntimeConfig,
};
use serde_json::Value;

const APP: &str = "hello";
const DEFAULT_MESSAGE: &str = "hi :wave:";

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Joined so that an unquoted `-- hi there` still reads as one message.
    let text = if args.is_empty() {
        DEFAULT_MESSAGE.to_string()
    } else {
        args.join(" ")
    };

    let started = Instant::now();
    let apps = capsule_testkit::example_apps();
    let app = apps
        .get(APP)
        .ok_or_else(|| anyhow!("apps-examples has no `{APP}` app"))?;
    let wasm = app
        .read_wasm()
        .with_context(|| format!("reading {}", app.wasm.display()))?;
    step("built apps-examples", started);
    println!(
        "    component {} ({} KiB)",
        app.wasm.display(),
        wasm.len() / 1024
    );

    let started = Instant::now();
    let chat = Arc::new(MemoryBridge::new());
    let cache_dir = capsule_testkit::repo_root()
        .join("target")
        .join("capsule-cache");
    let config = RuntimeConfig {
        cache_dir: Some(cache_dir.clone()),
        ..RuntimeConfig::default()
    };
    let runtime = Runtime::new(config, chat.clone()).context("starting the runtime")?;
    // Without this the chat stores messages without running any hook.
    chat.attach(&runtime);
    step("started the runtime", started);
    println!("    compiled-component cache {}", cache_dir.display());

    let started = Instant::now();
    let spec = spec_from_manifest(&app.manifest)
        .with_context(|| format!("reading {}", app.manifest_path.display()))?;
    let hooks: Vec<&str> = spec.implements.iter().map(|h| h.name()).collect();
    let granted: Vec<&str> = spec.grants.capabilities().map(Capability::name).collect();
    let report = runtime.load(spec, &wasm).await?;
    step("loaded the app", started);
    println!("    cache outcome      {:?}", report.cache);
    println!("    contract version   {}", report.shape.version);
    println!("    implements         {}", hooks.join(", "));
    println!("    granted            {}", granted.join(", "));
    let imported: Vec<&str> = report.shape.capabilities.iter().map(|c| c.name()).collect();
    println!(
        "    imports            {}",
        if imported.is_empty() {
            "nothing".into()
        } else {
            imported.join(", ")
        }
    );

    let alice = chat.add_user("alice");
    let general = chat.add_room("general", &[&alice]);

    let started = Instant::now();
    let stored = chat
        .post(&alice, &general, &text)
        .await
        .map_err(|e| anyhow!("posting failed: {e}"))?;
    step("posted a message", started);
    println!("    sent   {text:?}");
    println!(
        "    stored {:?} (id {}, in #{})",
        stored.text, stored.id, general.name
    );

    let started = Instant::now();
    let call = Invocation {
        command: "hello".into(),
        args: Vec::new(),
        raw_args: String::new(),
        room: general.clone(),
        user: alice.to_ref(),
        thread_id: None,
        trigger_id: "example-trigger-1".into(),
    };
    let answer = runtime.execute_command(APP, call).await?;
    step("ran /hello", started);
    match answer {
        Ok(Some(text)) => println!("    private answer {text:?}"),
        Ok(None) => println!("    no answer"),
        Err(text) => println!("    the app refused: {text:?}"),
    }

    println!("\napp log:");
    for entry in runtime.logs(APP, 100)? {
        println!(
            "    {:<5} {:<6} {}",
            format!("{:?}", entry.level),
            format!("{:?}", entry.source),
            entry.message
        );
    }
    Ok(())
}

/// Builds the spec the manifest describes, granting every permission it
/// asks for (an admin would approve them; here there is nobody to ask).
fn spec_from_manifest(manifest: &Value) -> Result<AppSpec> {
    let id = manifest["id"]
        .as_str()
        .context("the manifest has no string `id`")?;
    let hooks = names(manifest, "implements", |v| v.as_str())?
        .into_iter()
        .map(|name| Hook::from_str(name).context("in the manifest's `implements`"))
        .collect::<Result<Vec<_>>>()?;
    let mut grants = GrantSet::none();
    for name in names(manifest, "permissions", |v| v["name"].as_str())? {
        grants =
            grants.with(Capability::from_str(name).context("in the manifest's `permissions`")?);
    }
    Ok(AppSpec::new(id).implementing(hooks).granted(grants))
}

/// The strings `pick` finds in each entry of the manifest's array `field`;
/// a missing field is an empty list, a malformed entry an error.
fn names<'a>(
    manifest: &'a Value,
    field: &str,
    pick: impl Fn(&'a Value) -> Option<&'a str>,
) -> Result<Vec<&'a str>> {
    let Some(entries) = manifest.get(field) else {
        return Ok(Vec::new());
    };
    let entries = entries
        .as_array()
        .with_context(|| format!("the manifest's `{field}` is not a list"))?;
    entries
        .iter()
        .map(|e| pick(e).with_context(|| format!("malformed entry in `{field}`: {e}")))
        .collect()
}

fn step(what: &str, started: Instant) {
    println!("{what:<24} {}", ms(started.elapsed()));
}

fn ms(d: Duration) -> String {
    format!("{:>8.2} ms", d.as_secs_f64() * 1000.0)
}
