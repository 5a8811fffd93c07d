//! What the test kit's two sides say to each other when the app runs in
//! the test host (`capsule-app test-host`) rather than in the test's own
//! process: one JSON object per line, a [`Call`] from the test and a
//! [`Reply`] from the host, in turn.
//!
//! The host serves one app: the first call is [`Call::Hello`], the second
//! [`Call::Start`], and every other call is one of [`TestApp`]'s methods
//! with its arguments.
//!
//! [`TestApp`]: crate::TestApp

use std::path::PathBuf;

use capsule_contract::GrantSet;
use capsule_runtime_types::Limits;
use capsule_runtime_types::model::{HttpRequest, Invocation, Room, SettingValue, User};
use serde::{Deserialize, Serialize};

use crate::stubs::HttpStub;

/// The version of this protocol; a host answers a `Hello` with another
/// version by refusing it, and the test says which `capsule-app` to
/// install.
pub const PROTOCOL: u32 = 1;

/// A call from a test to the host.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Call {
    /// The first call: the protocol the test speaks.
    Hello {
        protocol: u32,
    },
    /// Load the app and start it.
    Start(Box<Start>),
    User {
        name: String,
    },
    Room {
        name: String,
        members: Vec<User>,
    },
    SetGrants {
        grants: GrantSet,
    },
    SetSetting {
        id: String,
        value: SettingValue,
    },
    ValidateSetting {
        id: String,
        value: SettingValue,
    },
    HttpStub {
        stub: HttpStub,
    },
    Post {
        user: User,
        room: Room,
        text: String,
    },
    Command {
        invocation: Invocation,
    },
    Endpoint {
        endpoint: String,
        request: HttpRequest,
        user: Option<User>,
    },
    RunJob {
        name: String,
        payload: Vec<u8>,
    },
    Press {
        action_id: String,
        value: Option<String>,
        user: User,
        room: Room,
    },
    Join {
        user: User,
        room: Room,
    },
    Messages {
        room: Room,
    },
    Notifications,
    Kv {
        key: String,
    },
    Jobs,
    HttpRequests,
    Logs,
    LastFault,
    LastRefusal,
}

/// How the test wants the app set up: what a `TestAppBuilder` holds.
#[derive(Debug, Serialize, Deserialize)]
pub struct Start {
    /// The component, built by the test's side.
    pub wasm: PathBuf,
    /// The manifest as parsed JSON; the host validates it with the
    /// package format's parser.
    pub manifest: serde_json::Value,
    /// Where the manifest is, for its error messages.
    pub manifest_path: PathBuf,
    pub settings: Vec<(String, SettingValue)>,
    pub grants: Option<GrantSet>,
    pub stubs: Vec<HttpStub>,
    pub limits: Limits,
}

/// The host's answer to a call.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    /// What the method returned.
    Done(serde_json::Value),
    /// The app could not be set up (`Hello` or `Start`): why, as the
    /// in-process kit would say it.
    Refused(String),
    /// The method panicked in the host, as it would have in the test
    /// (an app call that got no answer): the message to panic with.
    Panicked(String),
}
