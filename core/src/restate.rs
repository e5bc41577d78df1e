//! Plain data types defined once for two crates: this one, and the bindings, which expose
//! them to Kotlin and Swift as they are.
//!
//! uniffi exposes a type of another crate only when it is restated in the bindings (a
//! "remote" type), and the compiler then checks the restatement field by field. Written by
//! hand, every type stood twice; with [`restatable!`] it is written here once, and the
//! bindings restate it from the very tokens. This crate still never names uniffi: the
//! bindings say how a restated item is exposed.

/// Defines the items that follow, and exports a macro `$name` that hands the same items,
/// token for token (docs included), to a macro of the caller's:
/// `$name!(callback)` expands to `callback! { items }`.
///
/// ```ignore
/// restatable! {
///     /// Restates [`Colour`] (for the bindings).
///     macro restate_colour;
///
///     /// A colour.
///     pub enum Colour { Red, Green }
/// }
/// ```
#[macro_export]
macro_rules! restatable {
    ($(#[$doc:meta])* macro $name:ident; $($items:tt)*) => {
        $($items)*
        $crate::__restatable_export! { ($) $(#[$doc])* $name $($items)* }
    };
}

/// [`restatable!`]'s second half: a macro can only define a macro with metavariables of its
/// own when it is handed the `$` sign as a token.
#[doc(hidden)]
#[macro_export]
macro_rules! __restatable_export {
    (($d:tt) $(#[$doc:meta])* $name:ident $($items:tt)*) => {
        $(#[$doc])*
        #[macro_export]
        macro_rules! $name {
            ($d callback:ident) => {
                $d callback! { $($items)* }
            };
        }
    };
}
