//! Secrets across the FFI, lifted and lowered without leaving copies in freed memory.
//!
//! uniffi's own converters copy a value out of the `RustBuffer` the shell filled and free
//! that buffer as it is; they write a value for the shell into a `Vec` that grows (each
//! growth frees the smaller block as it is) and drop the value they were given. For a PIN in
//! a `Confirm`, the face the camera captured, or a pepper or sealing key on its way to or
//! from the platform's secret store, each of those blocks held the secret. The types here
//! carry the same foreign types (the shells see `ByteArray`/`Data`, `Confirm`, …), and their
//! converters wipe every buffer they free and write into one block of the exact size.
//!
//! What stays out of Rust's reach: the shell's own copies (a Kotlin `ByteArray`, a Swift
//! `Data`), and a buffer handed to the shell, which the shell frees through
//! `rustbuffer_free` (uniffi's, which does not wipe). docs/bindings.md says so.
//!
//! Each type is for the top level of a signature (an argument, an answer): nested in an
//! `Option`, a `Vec` or a record, uniffi's converter of the outer type would free the
//! shell's buffer as it is again.
//!
//! uniffi's converter traits are `unsafe` to implement (a converter must match the foreign
//! side's reading); the impls below perform no unsafe operation, and each names the uniffi
//! type whose encoding it keeps. They are the library crates' only `unsafe impl`s.

use mitid_core::app::Confirm;
use mitid_protocol::wire::SecretBytes;
use uniffi::{FfiConverter, Lift, LiftRef, MetadataBuffer, RustBuffer, TypeId};
use zeroize::{Zeroize, Zeroizing};

use crate::UniFfiTag;

/// uniffi's length or count prefix: a big-endian `i32`.
const PREFIX: usize = 4;

/// Reads uniffi's length prefix.
fn read_length(buf: &mut &[u8]) -> uniffi::Result<usize> {
    let Some((prefix, rest)) = buf.split_first_chunk::<PREFIX>() else {
        return anyhow_bail("a length prefix is cut short");
    };
    *buf = rest;
    usize::try_from(i32::from_be_bytes(*prefix)).or_else(|_| anyhow_bail("a negative length"))
}

/// A lift error (uniffi's own `anyhow` error: an argument's fails the call, a foreign
/// store's answer arrives as the platform's error).
fn anyhow_bail<T>(what: &'static str) -> uniffi::Result<T> {
    Err(uniffi::deps::anyhow::anyhow!(what))
}

/// A reader's error with no copy of the input left in it: uniffi's `String` reader returns
/// text that is not UTF-8 inside its error, as a copy.
fn wiped_error(error: uniffi::deps::anyhow::Error) -> uniffi::deps::anyhow::Error {
    match error.downcast::<std::string::FromUtf8Error>() {
        Ok(not_text) => {
            drop(Zeroizing::new(not_text.into_bytes()));
            uniffi::deps::anyhow::anyhow!("text that is not UTF-8")
        }
        Err(other) => other,
    }
}

/// Takes the shell's buffer into a wiping `Vec`, the same block, no copy.
fn taken(buf: RustBuffer) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(buf.destroy_into_vec())
}

/// Reads a whole buffer with `read`; the buffer, and a value read before bytes were found
/// left over, are wiped whatever the outcome.
fn lift_whole<T: Zeroize>(
    buf: RustBuffer,
    read: impl FnOnce(&mut &[u8]) -> uniffi::Result<T>,
) -> uniffi::Result<T> {
    let whole = taken(buf);
    let mut rest = whole.as_slice();
    let mut value = read(&mut rest).map_err(wiped_error)?;
    if !rest.is_empty() {
        value.zeroize();
        return anyhow_bail("bytes left over after the value");
    }
    Ok(value)
}

/// Reads a length-prefixed value into a block of its exact size.
fn read_bytes(buf: &mut &[u8]) -> uniffi::Result<SecretBytes> {
    let length = read_length(buf)?;
    let Some((bytes, rest)) = buf.split_at_checked(length) else {
        return anyhow_bail("the bytes are cut short");
    };
    *buf = rest;
    let mut copy = Zeroizing::new(Vec::with_capacity(length));
    copy.extend_from_slice(bytes);
    Ok(SecretBytes::from(copy))
}

/// The size of `bytes` written.
fn written_size(bytes: &SecretBytes) -> usize {
    PREFIX + bytes.expose().len()
}

/// Writes the length prefix and the bytes (the caller reserved the room).
fn write_into(bytes: &SecretBytes, buf: &mut Vec<u8>) {
    // What is lowered is a pepper or a key (32 bytes), far below uniffi's 2 GiB limit. Past
    // it, uniffi's own writer panics (a panic crosses as an error); so does this, rather than
    // write a length the shell would misread.
    let Ok(length) = i32::try_from(bytes.expose().len()) else {
        panic!("a secret over 2 GiB cannot cross uniffi");
    };
    buf.extend_from_slice(&length.to_be_bytes());
    buf.extend_from_slice(bytes.expose());
}

/// Secret bytes (`ByteArray` in Kotlin, `Data` in Swift): the protocol's `SecretBytes`,
/// wiped when dropped.
// SAFETY: the value is written and read exactly as uniffi's own `Vec<u8>` (a big-endian
// `i32` length, then the bytes), whose foreign type it names in `TYPE_ID_META`.
#[allow(unsafe_code)]
unsafe impl FfiConverter<UniFfiTag> for SecretBytes {
    type FfiType = RustBuffer;

    fn lower(obj: Self) -> RustBuffer {
        let mut buf = Vec::with_capacity(written_size(&obj));
        write_into(&obj, &mut buf);
        RustBuffer::from_vec(buf)
    }

    /// Lifts in place: the prefix is shifted out of the shell's block, which becomes the
    /// value's own.
    fn try_lift(buf: RustBuffer) -> uniffi::Result<Self> {
        let mut whole = taken(buf);
        let length = read_length(&mut whole.as_slice())?;
        if whole.len() != PREFIX + length {
            return anyhow_bail("the bytes do not fill the buffer");
        }
        whole.copy_within(PREFIX.., 0);
        whole.truncate(length);
        Ok(Self::from(whole))
    }

    fn write(obj: Self, buf: &mut Vec<u8>) {
        buf.reserve(written_size(&obj));
        write_into(&obj, buf);
    }

    fn try_read(buf: &mut &[u8]) -> uniffi::Result<Self> {
        read_bytes(buf)
    }

    const TYPE_ID_META: MetadataBuffer = <Vec<u8> as TypeId<UniFfiTag>>::TYPE_ID_META;
}

uniffi::derive_ffi_traits!(local SecretBytes);

/// Secret bytes or none (`ByteArray?` in Kotlin, `Data?` in Swift): what the platform's
/// secret store answers.
#[derive(Debug)]
pub struct MaybeBytes(Option<SecretBytes>);

impl MaybeBytes {
    /// Wraps an answer.
    pub fn new(bytes: Option<Zeroizing<Vec<u8>>>) -> Self {
        Self(bytes.map(SecretBytes::from))
    }

    /// The bytes, if any, still wiped when dropped.
    pub fn into_inner(self) -> Option<Zeroizing<Vec<u8>>> {
        self.0.map(SecretBytes::into_zeroizing)
    }
}

impl Zeroize for MaybeBytes {
    fn zeroize(&mut self) {
        // The bytes are wiped as they are dropped.
        self.0 = None;
    }
}

// SAFETY: written and read exactly as uniffi's own `Option<Vec<u8>>` (a byte 0 or 1, then
// the value), whose foreign type it names in `TYPE_ID_META`.
#[allow(unsafe_code)]
unsafe impl FfiConverter<UniFfiTag> for MaybeBytes {
    type FfiType = RustBuffer;

    fn lower(obj: Self) -> RustBuffer {
        let size = 1 + obj.0.as_ref().map_or(0, written_size);
        let mut buf = Vec::with_capacity(size);
        Self::write(obj, &mut buf);
        RustBuffer::from_vec(buf)
    }

    fn try_lift(buf: RustBuffer) -> uniffi::Result<Self> {
        lift_whole(buf, <Self as FfiConverter<UniFfiTag>>::try_read)
    }

    fn write(obj: Self, buf: &mut Vec<u8>) {
        match obj.0 {
            None => buf.push(0),
            Some(bytes) => {
                buf.reserve(1 + written_size(&bytes));
                buf.push(1);
                write_into(&bytes, buf);
            }
        }
    }

    fn try_read(buf: &mut &[u8]) -> uniffi::Result<Self> {
        let Some((tag, rest)) = buf.split_first() else {
            return anyhow_bail("an option's tag is missing");
        };
        *buf = rest;
        match tag {
            0 => Ok(Self(None)),
            1 => Ok(Self(Some(read_bytes(buf)?))),
            _ => anyhow_bail("an option's tag is neither 0 nor 1"),
        }
    }

    const TYPE_ID_META: MetadataBuffer = <Option<Vec<u8>> as TypeId<UniFfiTag>>::TYPE_ID_META;
}

uniffi::derive_ffi_traits!(local MaybeBytes);

/// The values `Wiped` lifts: those whose top-level lift is their own reader over the whole
/// buffer (enums, records, options; not `String`, whose top-level lift has no length
/// prefix), and that wipe themselves.
pub trait Composite: Lift<UniFfiTag, FfiType = RustBuffer> + TypeId<UniFfiTag> + Zeroize {}

impl Composite for Confirm {}
impl Composite for Option<Confirm> {}

/// An argument from the shell whose buffer may hold a secret (a PIN in a `Confirm`): lifted
/// by `T`'s own reader, then the shell's buffer is wiped. `T`'s reader copies the secret
/// into a value of its own, which the core wipes once used, and which is wiped here if it
/// is dropped before the core took it (a call refused before it ran).
pub struct Wiped<T: Composite>(Option<T>);

impl<T: Composite> Wiped<T> {
    /// The lifted value.
    pub fn into_inner(mut self) -> T {
        match self.0.take() {
            Some(value) => value,
            // Taken only here, and `self` is consumed.
            None => unreachable!("a lifted value is taken once"),
        }
    }
}

impl<T: Composite> Drop for Wiped<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Composite> std::fmt::Debug for Wiped<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("secret::Wiped(..)")
    }
}

// SAFETY: lifts exactly as `T` does at the top level (its reader over the whole buffer,
// `Composite`), from the foreign type `T` names in `TYPE_ID_META`.
#[allow(unsafe_code)]
unsafe impl<T: Composite> Lift<UniFfiTag> for Wiped<T> {
    type FfiType = RustBuffer;

    fn try_lift(buf: RustBuffer) -> uniffi::Result<Self> {
        lift_whole(buf, T::try_read).map(|value| Self(Some(value)))
    }

    fn try_read(buf: &mut &[u8]) -> uniffi::Result<Self> {
        T::try_read(buf).map(|value| Self(Some(value)))
    }
}

// SAFETY: an argument is lifted as itself.
#[allow(unsafe_code)]
unsafe impl<T: Composite> LiftRef<UniFfiTag> for Wiped<T> {
    type LiftType = Self;
}

impl<T: Composite> TypeId<UniFfiTag> for Wiped<T> {
    const TYPE_ID_META: MetadataBuffer = T::TYPE_ID_META;
}
