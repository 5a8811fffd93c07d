//! One module per capability, each the host side of one WIT interface.
//!
//! A module implements the interface's generated `Host` trait and starts
//! every function with the grant check, so a revocation applies at the next
//! call. [`link_granted`] adds only granted interfaces to an app's linker,
//! so a component importing anything else fails to link.
//!
//! A capability that reaches the chat defines what it needs as a narrow
//! trait in its own module (`KvBridge` in `kv`, and so on) and calls only
//! that trait, through the app's [`Bridge`](crate::Bridge) upcast to it:
//! what a module's trait lists is all the capability can reach.

use wasmtime::component::{HasSelf, Linker};

use crate::app::state::HostState;
use crate::bindings::v0_1::capsule::apps;
use crate::bindings::v0_1::types::Error;
use crate::refusal::Refusal;
use capsule_contract::{Capability, GrantSet};

pub mod http_outbound;
pub mod kv;
pub mod logging;
pub mod message_read;
pub mod message_write;
pub mod room_read;
pub mod scheduler;
pub mod settings;
pub mod user_read;

impl apps::types::Host for HostState {}

/// Adds the records interface and every granted capability to `linker`.
pub(crate) fn link_granted(
    linker: &mut Linker<HostState>,
    grants: &GrantSet,
) -> wasmtime::Result<()> {
    apps::types::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
    for capability in grants.capabilities() {
        match capability {
            Capability::MessageRead => {
                apps::message_read::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?
            }
            Capability::MessageWrite => {
                apps::message_write::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?
            }
            Capability::RoomRead => apps::room_read::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?,
            Capability::UserRead => apps::user_read::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?,
            Capability::Kv => apps::kv::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?,
            Capability::Settings => apps::settings::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?,
            Capability::HttpOutbound => {
                apps::http_outbound::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?
            }
            Capability::Scheduler => {
                apps::scheduler::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?
            }
            Capability::Logging => apps::logging::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?,
        }
    }
    Ok(())
}

/// How a host-side refusal reaches the guest.
impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::RateLimited { .. } => Error::RateLimited,
            Refusal::LoopDetected { .. } => Error::LoopDetected,
            Refusal::Denied { detail, .. } => Error::Denied(detail),
        }
    }
}

/// Refuses arguments longer than `max` bytes.
pub(crate) fn check_len(what: &str, len: usize, max: usize) -> Result<(), Error> {
    if len > max {
        return Err(Error::Invalid(format!(
            "{what} is {len} bytes; the limit is {max}"
        )));
    }
    Ok(())
}
