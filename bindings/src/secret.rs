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
//! uniffi's converter traits are `unsafe` to implement (a converter must match the foreign
//! side's reading); the impls below perform no unsafe operation, and each names the uniffi
//! type whose encoding it keeps. They are the workspace's only `unsafe impl`s.

use uniffi::{FfiConverter, Lift, LiftRef, MetadataBuffer, RustBuffer, TypeId};
use zeroize::Zeroizing;

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

/// The lift error (uniffi's own `anyhow` error, which the shells see as an internal error).
fn anyhow_bail<T>(what: &'static str) -> uniffi::Result<T> {
    Err(uniffi::deps::anyhow::anyhow!(what))
}

/// Takes the shell's buffer into a wiping `Vec`, the same block, no copy.
fn taken(buf: RustBuffer) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(buf.destroy_into_vec())
}

/// Reads a whole buffer with `read`; the buffer is wiped whatever the outcome.
fn lift_whole<T>(
    buf: RustBuffer,
    read: impl FnOnce(&mut &[u8]) -> uniffi::Result<T>,
) -> uniffi::Result<T> {
    let whole = taken(buf);
    let mut rest = whole.as_slice();
    let value = read(&mut rest)?;
    if !rest.is_empty() {
        return anyhow_bail("bytes left over after the value");
    }
    Ok(value)
}

/// Secret bytes (`ByteArray` in Kotlin, `Data` in Swift), wiped when dropped.
pub struct Bytes(Zeroizing<Vec<u8>>);

impl Bytes {
    /// Wraps secret bytes.
    pub fn new(bytes: Zeroizing<Vec<u8>>) -> Self {
        Self(bytes)
    }

    /// The bytes. Never log them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, still wiped when dropped.
    pub fn into_inner(self) -> Zeroizing<Vec<u8>> {
        self.0
    }

    /// Reads a length-prefixed value into a block of its exact size.
    fn read(buf: &mut &[u8]) -> uniffi::Result<Self> {
        let length = read_length(buf)?;
        let Some((bytes, rest)) = buf.split_at_checked(length) else {
            return anyhow_bail("the bytes are cut short");
        };
        *buf = rest;
        let mut copy = Zeroizing::new(Vec::with_capacity(length));
        copy.extend_from_slice(bytes);
        Ok(Self(copy))
    }

    /// The size of the written value.
    fn written_size(&self) -> usize {
        PREFIX + self.0.len()
    }

    /// Writes the length prefix and the bytes (the caller reserved the room).
    fn write_into(&self, buf: &mut Vec<u8>) {
        // A secret here is a key or a face image: far below 2 GiB, uniffi's own limit.
        let length = i32::try_from(self.0.len()).unwrap_or(i32::MAX);
        buf.extend_from_slice(&length.to_be_bytes());
        buf.extend_from_slice(&self.0);
    }
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "secret::Bytes({} bytes)", self.0.len())
    }
}

// SAFETY: the value is written and read exactly as uniffi's own `Vec<u8>` (a big-endian
// `i32` length, then the bytes), whose foreign type it names in `TYPE_ID_META`.
#[allow(unsafe_code)]
unsafe impl FfiConverter<UniFfiTag> for Bytes {
    type FfiType = RustBuffer;

    fn lower(obj: Self) -> RustBuffer {
        let mut buf = Vec::with_capacity(obj.written_size());
        obj.write_into(&mut buf);
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
        Ok(Self(whole))
    }

    fn write(obj: Self, buf: &mut Vec<u8>) {
        buf.reserve(obj.written_size());
        obj.write_into(buf);
    }

    fn try_read(buf: &mut &[u8]) -> uniffi::Result<Self> {
        Self::read(buf)
    }

    const TYPE_ID_META: MetadataBuffer = <Vec<u8> as TypeId<UniFfiTag>>::TYPE_ID_META;
}

uniffi::derive_ffi_traits!(local Bytes);

/// Secret bytes or none (`ByteArray?` in Kotlin, `Data?` in Swift): what the platform's
/// secret store answers.
#[derive(Debug)]
pub struct MaybeBytes(Option<Bytes>);

impl MaybeBytes {
    /// Wraps an answer.
    pub fn new(bytes: Option<Zeroizing<Vec<u8>>>) -> Self {
        Self(bytes.map(Bytes::new))
    }

    /// The bytes, if any, still wiped when dropped.
    pub fn into_inner(self) -> Option<Zeroizing<Vec<u8>>> {
        self.0.map(Bytes::into_inner)
    }
}

// SAFETY: written and read exactly as uniffi's own `Option<Vec<u8>>` (a byte 0 or 1, then
// the value), whose foreign type it names in `TYPE_ID_META`.
#[allow(unsafe_code)]
unsafe impl FfiConverter<UniFfiTag> for MaybeBytes {
    type FfiType = RustBuffer;

    fn lower(obj: Self) -> RustBuffer {
        let size = 1 + obj.0.as_ref().map_or(0, Bytes::written_size);
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
                buf.reserve(1 + bytes.written_size());
                buf.push(1);
                bytes.write_into(buf);
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
            1 => Ok(Self(Some(Bytes::read(buf)?))),
            _ => anyhow_bail("an option's tag is neither 0 nor 1"),
        }
    }

    const TYPE_ID_META: MetadataBuffer = <Option<Vec<u8>> as TypeId<UniFfiTag>>::TYPE_ID_META;
}

uniffi::derive_ffi_traits!(local MaybeBytes);

/// An argument from the shell whose buffer may hold a secret (a PIN in a `Confirm`): lifted
/// by `T`'s own reader, then the shell's buffer is wiped. `T`'s reader copies the secret
/// into a value of its own, which the core wipes once used.
#[derive(Debug)]
pub struct Wiped<T>(T);

impl<T> Wiped<T> {
    /// The lifted value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

// SAFETY: lifts exactly as `T` does, from the foreign type `T` names in `TYPE_ID_META`.
#[allow(unsafe_code)]
unsafe impl<T: Lift<UniFfiTag, FfiType = RustBuffer>> Lift<UniFfiTag> for Wiped<T> {
    type FfiType = RustBuffer;

    fn try_lift(buf: RustBuffer) -> uniffi::Result<Self> {
        lift_whole(buf, T::try_read).map(Self)
    }

    fn try_read(buf: &mut &[u8]) -> uniffi::Result<Self> {
        T::try_read(buf).map(Self)
    }
}

// SAFETY: an argument is lifted as itself.
#[allow(unsafe_code)]
unsafe impl<T: Lift<UniFfiTag, FfiType = RustBuffer>> LiftRef<UniFfiTag> for Wiped<T> {
    type LiftType = Self;
}

impl<T: TypeId<UniFfiTag>> TypeId<UniFfiTag> for Wiped<T> {
    const TYPE_ID_META: MetadataBuffer = T::TYPE_ID_META;
}
