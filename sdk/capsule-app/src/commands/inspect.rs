//! `capsule-app inspect`: what a package holds and asks for.

use std::path::PathBuf;

use anyhow::Result;
use capsule_package::{SIGNATURE_FILE, SignatureFile, TrustPolicy, Verification};
use serde_json::json;

/// Arguments of `inspect`.
#[derive(clap::Args)]
pub struct Args {
    /// The package to inspect.
    pub package: PathBuf,
    /// A trust store, to name the signer and check the signature.
    #[arg(long)]
    pub trust: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Result<()> {
    let package = super::read_package(&args.package)?;
    let trust = super::trust_from(args.trust.as_deref(), &[])?;
    let m = package.manifest();
    let signer = match package
        .files()
        .get(SIGNATURE_FILE)
        .map(|raw| serde_json::from_slice::<SignatureFile>(raw))
    {
        None => "unsigned".to_string(),
        Some(Err(e)) => format!("unreadable signature: {e}"),
        Some(Ok(sig)) => match package.verify(
            &trust,
            TrustPolicy {
                development_mode: true,
            },
        ) {
            Ok(Verification::Signed { publisher_name, .. }) => {
                format!("{publisher_name} (key {}, valid)", sig.key_id)
            }
            Ok(_) => format!(
                "key {} (not in the trust store; signature matches the files)",
                sig.key_id
            ),
            Err(e) => format!("key {} — INVALID: {e}", sig.key_id),
        },
    };
    let size: usize = package.files().values().map(Vec::len).sum();
    if args.json {
        let files: serde_json::Map<_, _> = package
            .files()
            .iter()
            .map(|(k, v)| (k.clone(), json!(v.len())))
            .collect();
        let out = json!({ "manifest": m, "signer": signer, "files": files, "total_bytes": size });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!("{} {} — {}", m.id, m.version, m.name);
    println!("  by        {}", m.author.name);
    println!("  contract  {}", m.api);
    println!("  signer    {signer}");
    println!(
        "  size      {size} bytes in {} files (component {} bytes)",
        package.files().len(),
        package.component().len()
    );
    println!("  implements {}", m.implements.join(", "));
    println!("  permissions:");
    for p in &m.permissions {
        let mut detail = String::new();
        if let Some(hosts) = &p.hosts {
            detail += &format!(" hosts: {}", hosts.join(", "));
        }
        if let Some(rooms) = &p.rooms {
            detail += &format!(" rooms: {}", rooms.join(", "));
        }
        println!("    {}{detail}", p.name);
    }
    if m.permissions.is_empty() {
        println!("    (none)");
    }
    for s in &m.settings {
        let secret = if s.secret { ", secret" } else { "" };
        println!("  setting   {} ({}{secret}) — {}", s.id, s.kind, s.label);
    }
    for c in &m.commands {
        println!("  command   /{} — {}", c.command, c.description);
    }
    for e in &m.endpoints {
        println!("  endpoint  {:?} {}", e.visibility, e.path);
    }
    Ok(())
}
