//! The real-time API: DDP over WebSocket at `/websocket`, shaped like
//! Rocket.Chat's, so its clients and SDKs connect unchanged.
//!
//! A client connects (`connect`), signs in with the `login` method
//! (password, plain or as its SHA-256 digest, or a resume token), calls
//! methods (send, edit, delete, react, ...: [`methods`]) and subscribes to
//! streams ([`streams`]) whose events arrive as `changed` frames with
//! EJSON dates ([`frames`]). Events come from the reactivity bus, so a
//! change reaches every authorised subscriber whether it came through
//! REST, the WebSocket or an app. The all-rooms streams (`__my_messages__`,
//! a user's `subscriptions-changed`, `rooms-changed`, `notification`)
//! listen on each of the user's rooms ([`member_rooms`]).
//!
//! Each connection has one bounded queue ([`outbox`]): a client that
//! stops reading is dropped once its queue is full, never slowing the
//! publisher or other clients; it reconnects and resumes with its token.
//! The frame of a room event is encoded once and shared by every
//! subscriber.

mod connection;
mod frames;
mod member_rooms;
mod methods;
mod outbox;
mod protocol;
mod startup;
mod streams;

use axum::Extension;
use axum::Router;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::response::Response;
use axum::routing::get;

pub use connection::Tuning;

use crate::edge::HeldConnection;
use crate::gateway::{AppState, ClientAddress};

/// The WebSocket routes: `/websocket`, and the SockJS-style path
/// `/sockjs/<server>/<session>/websocket` that Meteor clients also use.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/websocket", get(upgrade))
        .route("/sockjs/{server}/{session}/websocket", get(upgrade))
}

async fn upgrade(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    held: Option<Extension<HeldConnection>>,
    socket: WebSocketUpgrade,
) -> Response {
    let max_frame = state.config().max_body_bytes;
    let tuning = Tuning {
        queue_frames: state.config().realtime_queue_frames,
        ..Tuning::default()
    };
    socket
        // Small buffers: a thousand idle connections should cost little.
        .read_buffer_size(4 * 1024)
        .write_buffer_size(16 * 1024)
        .max_message_size(max_frame)
        .max_frame_size(max_frame)
        .on_upgrade(move |socket| async move {
            // The connection counts against the edge's caps until it closes.
            let _held = held;
            connection::serve(state, socket, address, tuning).await;
        })
}
