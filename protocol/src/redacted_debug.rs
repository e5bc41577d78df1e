//! `Debug` for types that hold secrets: an allow-list of what may be printed.

/// Implements [`Debug`](core::fmt::Debug) for a struct, printing only the fields named and
/// `..` for the rest.
///
/// An allow-list rather than a derive with secret fields skipped: a field added later stays
/// out of logs, errors and panics until somebody names it here. Name fields as they are, or
/// give one a value computed from the struct (a length, a mask, a step):
///
/// ```
/// struct Store { path: String, key: [u8; 32] }
/// mitid_protocol::redacted_debug!(Store { path });
///
/// struct Record { id: u32, sealed: Vec<u8> }
/// mitid_protocol::redacted_debug!(Record |this| { id, sealed: this.sealed.len() });
///
/// let store = Store { path: "a.db".into(), key: [7; 32] };
/// assert_eq!(format!("{store:?}"), r#"Store { path: "a.db", .. }"#);
/// let record = Record { id: 3, sealed: vec![1, 2] };
/// assert_eq!(format!("{record:?}"), "Record { id: 3, sealed: 2, .. }");
/// ```
#[macro_export]
macro_rules! redacted_debug {
    (@value $this:ident $name:ident) => {
        $this.$name
    };
    (@value $this:ident $name:ident $value:expr) => {
        $value
    };
    ($ty:ident { $($field:ident),* $(,)? }) => {
        $crate::redacted_debug!($ty |this| { $($field),* });
    };
    ($ty:ident |$this:ident| { $($name:ident $(: $value:expr)?),* $(,)? }) => {
        impl ::core::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #[allow(unused_variables)]
                let $this = self;
                f.debug_struct(::core::stringify!($ty))
                    $(.field(
                        ::core::stringify!($name),
                        &$crate::redacted_debug!(@value $this $name $($value)?),
                    ))*
                    .finish_non_exhaustive()
            }
        }
    };
}

#[cfg(test)]
mod tests {
    struct Nothing {
        _key: [u8; 4],
    }
    crate::redacted_debug!(Nothing {});

    struct Secretive {
        id: u8,
        pin: String,
    }
    crate::redacted_debug!(Secretive { id });

    #[test]
    fn only_the_named_fields_are_printed() {
        let printed = format!(
            "{:?}",
            Secretive {
                id: 9,
                pin: "123456".into()
            }
        );
        assert_eq!(printed, "Secretive { id: 9, .. }");
        assert_eq!(format!("{:?}", Nothing { _key: [1; 4] }), "Nothing { .. }");
        let _ = Secretive {
            id: 0,
            pin: String::new(),
        }
        .pin;
    }
}
