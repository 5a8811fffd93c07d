//! [`export_app!`](crate::export_app): wires an [`App`](crate::App) to the
//! component's exports.

/// Exports a type implementing [`App`](crate::App) as the component's
/// implementation of every interface the `app` world exports.
///
/// Invoke it once, at the root of the app's `cdylib` crate, with the name
/// of the type (a plain identifier, as wit-bindgen requires):
///
/// ```ignore
/// struct MyApp;
/// impl capsule_sdk::App for MyApp {}
/// capsule_sdk::export_app!(MyApp);
/// ```
///
/// It implements each generated `Guest` trait by forwarding to the
/// matching `App` function, then, on wasm32 only, invokes the export macro
/// wit-bindgen generated, which emits the canonical-ABI entry points and
/// the custom section describing the component's type. On the host (an
/// app's own `cargo test`) the crate still builds and links.
#[macro_export]
macro_rules! export_app {
    ($ty:ident) => {
        // Paths are absolute (`::std`, `$crate`) so that nothing the app
        // crate defines or imports can change what they mean.
        impl $crate::bindings::exports::capsule::apps::lifecycle::Guest for $ty {
            fn on_install() -> ::std::result::Result<(), ::std::string::String> {
                <$ty as $crate::App>::on_install()
            }
            fn on_enable() -> ::std::result::Result<(), ::std::string::String> {
                <$ty as $crate::App>::on_enable()
            }
            fn on_disable() {
                <$ty as $crate::App>::on_disable()
            }
            fn on_settings_changed(changed: ::std::vec::Vec<::std::string::String>) {
                <$ty as $crate::App>::on_settings_changed(changed)
            }
            fn on_uninstall() {
                <$ty as $crate::App>::on_uninstall()
            }
        }

        impl $crate::bindings::exports::capsule::apps::settings_validation::Guest for $ty {
            fn validate_settings(
                changed: ::std::vec::Vec<::std::string::String>,
                proposed: ::std::vec::Vec<(
                    ::std::string::String,
                    $crate::bindings::capsule::apps::types::SettingValue,
                )>,
            ) -> ::std::result::Result<(), ::std::string::String> {
                <$ty as $crate::App>::validate_settings(
                    changed,
                    proposed
                        .into_iter()
                        .map(|(id, value)| (id, ::std::convert::Into::into(value)))
                        .collect(),
                )
            }
        }

        impl $crate::bindings::exports::capsule::apps::message_events::Guest for $ty {
            fn pre_send_prevent(msg: $crate::prelude::Message) -> $crate::prelude::Verdict {
                <$ty as $crate::App>::pre_send_prevent(msg)
            }
            fn pre_send_modify(
                msg: $crate::prelude::Message,
            ) -> ::std::option::Option<$crate::prelude::MessageEdit> {
                <$ty as $crate::App>::pre_send_modify(msg)
            }
            fn post_send(msg: $crate::prelude::Message) {
                <$ty as $crate::App>::post_send(msg)
            }
            fn post_update(msg: $crate::prelude::Message) {
                <$ty as $crate::App>::post_update(msg)
            }
            fn post_delete(msg: $crate::prelude::Message) {
                <$ty as $crate::App>::post_delete(msg)
            }
        }

        impl $crate::bindings::exports::capsule::apps::room_events::Guest for $ty {
            fn room_created(room: $crate::prelude::Room) {
                <$ty as $crate::App>::room_created(room)
            }
            fn user_joined(room: $crate::prelude::Room, user: $crate::prelude::UserRef) {
                <$ty as $crate::App>::user_joined(room, user)
            }
            fn user_left(room: $crate::prelude::Room, user: $crate::prelude::UserRef) {
                <$ty as $crate::App>::user_left(room, user)
            }
        }

        impl $crate::bindings::exports::capsule::apps::commands::Guest for $ty {
            fn execute(call: $crate::prelude::Invocation) -> $crate::app::CommandResult {
                <$ty as $crate::App>::execute_command(call)
            }
            fn preview(
                call: $crate::prelude::Invocation,
            ) -> ::std::result::Result<
                ::std::vec::Vec<$crate::prelude::PreviewItem>,
                ::std::string::String,
            > {
                <$ty as $crate::App>::preview_command(call)
            }
            fn execute_preview(
                call: $crate::prelude::Invocation,
                item_id: ::std::string::String,
            ) -> $crate::app::CommandResult {
                <$ty as $crate::App>::execute_preview(call, item_id)
            }
        }

        impl $crate::bindings::exports::capsule::apps::endpoints::Guest for $ty {
            fn handle(
                endpoint: ::std::string::String,
                request: $crate::prelude::HttpRequest,
                user: ::std::option::Option<$crate::prelude::User>,
            ) -> $crate::prelude::HttpResponse {
                <$ty as $crate::App>::handle_endpoint(endpoint, request, user)
            }
        }

        impl $crate::bindings::exports::capsule::apps::jobs::Guest for $ty {
            fn run(job: $crate::prelude::Job) -> ::std::result::Result<(), ::std::string::String> {
                <$ty as $crate::App>::run_job(job)
            }
        }

        impl $crate::bindings::exports::capsule::apps::ui::Guest for $ty {
            fn on_action(event: $crate::prelude::Interaction) -> $crate::app::CommandResult {
                <$ty as $crate::App>::on_action(event)
            }
        }

        // Only a component exports the entry points: `cargo test` also
        // builds the app for the host (its tests link it), and there names
        // such as `capsule:apps/commands@0.1.0#execute` are not valid
        // native symbols, so the linker would refuse them.
        #[cfg(target_arch = "wasm32")]
        $crate::bindings::export!($ty with_types_in $crate::bindings);
    };
}
