//! [`Layer`] and [`record_family!`], the macro that declares each record
//! family's store trait together with its layer trait.

use super::Store;

/// A store in front of another, changing only some of its operations (the
/// cache, the publisher).
///
/// Each record family is declared once, in `records.rs`, and that one list
/// of methods makes three things:
///
/// - the family's store trait ([`UserStore`](super::UserStore)), which
///   every backend implements in full, so the compiler names any operation
///   a backend lacks;
/// - the family's layer trait ([`UserLayer`](super::UserLayer)), whose
///   every method forwards to [`Layer::inner`] unless the layer overrides
///   it;
/// - the family's store trait for every type that implements its layer
///   trait.
///
/// So a layer states only what it changes: `impl UserLayer for
/// PublishingStore` lists exactly the user operations that publish, and
/// `impl SettingLayer for PublishingStore {}` says that settings pass
/// through untouched. A new operation is forwarded by every layer without
/// a line of any layer changed.
///
/// The price of forwarding by default: a new *write* that a layer must see
/// (one that changes a cached user, room or membership, or one clients
/// watch) passes through it unseen until the layer overrides it. The
/// conformance suite runs against each layer as well as the backend, so
/// a write whose check reads back what it changed catches a stale cache.
pub trait Layer: Send + Sync + 'static {
    /// The store this layer sits in front of.
    fn inner(&self) -> &dyn Store;
}

/// Declares a record family: its store trait, its layer trait (every
/// method forwarding to [`Layer::inner`] by default) and the store trait for
/// every implementor of the layer trait. See [`Layer`].
///
/// ```text
/// record_family! {
///     /// Server settings changed from their defaults.
///     pub trait SettingStore, layered by SettingLayer {
///         /// Every stored setting value.
///         async fn settings(&self) -> Result<Vec<(String, Value)>, StoreError>;
///     }
/// }
/// ```
macro_rules! record_family {
    (
        $(#[$family_attr:meta])*
        pub trait $family:ident, layered by $layer:ident {
            $(
                $(#[$method_attr:meta])*
                async fn $method:ident(&self $(, $arg:ident: $arg_ty:ty)* $(,)?) -> $output:ty;
            )*
        }
    ) => {
        $(#[$family_attr])*
        #[async_trait::async_trait]
        pub trait $family: Send + Sync + 'static {
            $(
                $(#[$method_attr])*
                async fn $method(&self $(, $arg: $arg_ty)*) -> $output;
            )*
        }

        #[doc = concat!(
            "What a [`Layer`](crate::store::Layer) changes of [`", stringify!($family),
            "`]: each method forwards to the store beneath unless the layer overrides it."
        )]
        pub trait $layer: $crate::store::Layer {
            $(
                #[doc = concat!("[`", stringify!($family), "::", stringify!($method), "`].")]
                fn $method(
                    &self $(, $arg: $arg_ty)*
                ) -> impl ::std::future::Future<Output = $output> + Send {
                    // Awaited in a block rather than returned: the boxed
                    // future lives only as long as the shortest of its
                    // arguments, a lifetime an `impl Future` cannot name.
                    async move { self.inner().$method($($arg),*).await }
                }
            )*
        }

        #[async_trait::async_trait]
        impl<L: $layer> $family for L {
            $(
                async fn $method(&self $(, $arg: $arg_ty)*) -> $output {
                    <L as $layer>::$method(self $(, $arg)*).await
                }
            )*
        }
    };
}
pub(super) use record_family;
