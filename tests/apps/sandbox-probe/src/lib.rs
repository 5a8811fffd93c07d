//! Sandbox probe: a pre-send-modify hook that tries what a plain Rust
//! program may do through std (files, directories, environment,
//! arguments, network, stdout and stderr) and reports what worked, as
//! `fs=ERR;dir=ERR;cwd=ERR;env=0;args=0;net=ERR` (each of fs, dir, cwd and
//! net `OK` or `ERR`, env and args counts). It imports no Capsule
//! capability; everything it reaches for is WASI.

use capsule_sdk::prelude::*;

struct Probe;

impl App for Probe {
    fn pre_send_modify(_msg: Message) -> Option<MessageEdit> {
        // Where these go is the host's choice (the app log, or nowhere);
        // the probe only checks that writing them does not fail the hook.
        println!("probe stdout");
        eprintln!("probe stderr");

        let fs = std::fs::read_to_string("/etc/passwd").is_ok();
        let dir = std::fs::read_dir("/").is_ok();
        let cwd = std::fs::read_dir(".").is_ok();
        let env = std::env::vars().count();
        let args = std::env::args().count();
        let net = std::net::TcpStream::connect("127.0.0.1:9").is_ok();

        let text = format!(
            "fs={};dir={};cwd={};env={env};args={args};net={}",
            verdict(fs),
            verdict(dir),
            verdict(cwd),
            verdict(net)
        );
        Some(capsule_sdk::messages::edit_text(text))
    }
}

/// `OK` when the attempt succeeded, `ERR` when it was refused.
fn verdict(ok: bool) -> &'static str {
    if ok { "OK" } else { "ERR" }
}

capsule_sdk::export_app!(Probe);
