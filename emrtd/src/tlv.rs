//! BER-TLV as ICAO 9303 uses it: tags of one to three bytes, definite lengths of up to four
//! length bytes. Every read is bounds-checked; a short or overlong field is an error.

/// One data object: its tag (the tag bytes as a number, `0x5F1F`) and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag bytes, big-endian.
    pub tag: u32,
    /// The value bytes.
    pub value: &'a [u8],
}

/// Reads the first data object of `bytes`; returns it and what follows it.
pub fn read(bytes: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (tag, rest) = read_tag(bytes)?;
    let (len, rest) = read_len(rest)?;
    let (value, rest) = rest.split_at_checked(len)?;
    Some((Tlv { tag, value }, rest))
}

/// The whole length of the data object that `header` begins (tag, length and value), from
/// its first bytes alone: how much of a file to read. `None` if the sum does not fit a
/// `usize`: a four-byte length near 4 GiB would otherwise wrap to a small number on a 32-bit
/// phone and pass every size check.
pub fn total_len(header: &[u8]) -> Option<usize> {
    let (_, rest) = read_tag(header)?;
    let (len, after) = read_len(rest)?;
    whole(header.len() - after.len(), len)
}

/// A header's length plus its value's, if the sum fits.
fn whole(header: usize, value: usize) -> Option<usize> {
    header.checked_add(value)
}

/// The data objects of `bytes`, in order; `None` if any is malformed.
pub fn read_all(bytes: &[u8]) -> Option<Vec<Tlv<'_>>> {
    Some(
        read_all_as_sent(bytes)?
            .into_iter()
            .map(|(t, _)| t)
            .collect(),
    )
}

/// [`read_all`], each object with its bytes as they were sent (BER lets a length take more
/// bytes than it needs, so encoding an object again may not give them back).
pub fn read_all_as_sent(mut bytes: &[u8]) -> Option<Vec<(Tlv<'_>, &[u8])>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let (tlv, rest) = read(bytes)?;
        out.push((tlv, &bytes[..bytes.len() - rest.len()]));
        bytes = rest;
    }
    Some(out)
}

/// The value of the first object tagged `tag` among the objects of `bytes`.
pub fn find(bytes: &[u8], tag: u32) -> Option<&[u8]> {
    read_all(bytes)?
        .into_iter()
        .find(|t| t.tag == tag)
        .map(|t| t.value)
}

/// A big-endian unsigned integer without its leading zero bytes (BSI TR-03110's unsigned
/// integers; empty for zero).
pub fn unsigned(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// Encodes one data object.
pub fn encode(tag: u32, value: &[u8]) -> Vec<u8> {
    // The tag's bytes without leading zero bytes, but at least one (tag `00` is one byte).
    let bytes = tag.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(3);
    let mut out = bytes[first..].to_vec();
    out.extend(encode_len(value.len()));
    out.extend_from_slice(value);
    out
}

fn encode_len(len: usize) -> Vec<u8> {
    match len {
        0..=0x7F => vec![len as u8],
        0x80..=0xFF => vec![0x81, len as u8],
        0x100..=0xFFFF => vec![0x82, (len >> 8) as u8, len as u8],
        _ => vec![0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8],
    }
}

fn read_tag(bytes: &[u8]) -> Option<(u32, &[u8])> {
    let (&first, mut rest) = bytes.split_first()?;
    let mut tag = u32::from(first);
    if first & 0x1F == 0x1F {
        // Subsequent tag bytes while bit 8 is set; at most two more.
        for _ in 0..2 {
            let (&b, r) = rest.split_first()?;
            tag = (tag << 8) | u32::from(b);
            rest = r;
            if b & 0x80 == 0 {
                return Some((tag, rest));
            }
        }
        return None;
    }
    Some((tag, rest))
}

fn read_len(bytes: &[u8]) -> Option<(usize, &[u8])> {
    let (&first, rest) = bytes.split_first()?;
    if first < 0x80 {
        return Some((usize::from(first), rest));
    }
    let n = usize::from(first & 0x7F);
    if n == 0 || n > 4 {
        return None;
    }
    let (len, rest) = rest.split_at_checked(n)?;
    Some((
        len.iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b)),
        rest,
    ))
}

#[cfg(test)]
mod tests {
    use super::whole;

    /// A four-byte length near 4 GiB on a 32-bit phone (armeabi-v7a) is this sum at the top
    /// of `usize`: before, it wrapped to a few bytes, under every size limit, and a hostile
    /// chip's file was taken as that short (in a debug build, the read panicked).
    #[test]
    fn a_length_at_the_top_of_usize_is_refused_not_wrapped() {
        assert_eq!(whole(6, usize::MAX - 5), None);
        assert_eq!(whole(6, usize::MAX - 6), Some(usize::MAX));
    }
}
