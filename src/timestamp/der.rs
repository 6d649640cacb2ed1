//! The small DER reader responses are read with: it borrows from the
//! bytes, never copies, and never panics.

use super::{Result, malformed};

pub(super) mod tag {
    pub const BOOLEAN: u8 = 0x01;
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const OCTET_STRING: u8 = 0x04;
    pub const OID: u8 = 0x06;
    pub const GENERALIZED_TIME: u8 = 0x18;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;

    /// [n], constructed (EXPLICIT, or IMPLICIT over a constructed type).
    pub const fn context(n: u8) -> u8 {
        0xa0 | n
    }

    /// [n] IMPLICIT over a primitive type.
    pub const fn context_primitive(n: u8) -> u8 {
        0x80 | n
    }
}

/// One element: its tag, its contents, and its whole encoding.
#[derive(Clone, Copy)]
pub(super) struct Tlv<'a> {
    pub(super) tag: u8,
    pub(super) value: &'a [u8],
    pub(super) raw: &'a [u8],
}

/// Reads the elements of a DER encoding one after another. Definite
/// lengths only (BER's indefinite form is refused), tag numbers below 31
/// (all that these structures use), every length checked against what is
/// left: it borrows, never copies, and never panics.
pub(super) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(super) fn new(input: &'a [u8]) -> Reader<'a> {
        Reader { rest: input }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    pub(super) fn next(&mut self, what: &str) -> Result<Tlv<'a>> {
        let (tlv, rest) = read_tlv(self.rest).map_err(|why| malformed(format!("{what}: {why}")))?;
        self.rest = rest;
        Ok(tlv)
    }

    pub(super) fn expect(&mut self, expected: u8, what: &str) -> Result<Tlv<'a>> {
        match self.peek() {
            Some(t) if t == expected => self.next(what),
            Some(t) => Err(malformed(format!(
                "{what}: expected tag 0x{expected:02x}, found 0x{t:02x}"
            ))),
            None => Err(malformed(format!("{what} is missing"))),
        }
    }

    pub(super) fn optional(&mut self, expected: u8, what: &str) -> Result<Option<Tlv<'a>>> {
        if self.peek() == Some(expected) {
            self.next(what).map(Some)
        } else {
            Ok(None)
        }
    }

    pub(super) fn finish(&self, what: &str) -> Result<()> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(malformed(format!("unexpected bytes after {what}")))
        }
    }
}

fn read_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), &'static str> {
    let (&tag, after_tag) = input.split_first().ok_or("truncated")?;
    if tag & 0x1f == 0x1f {
        return Err("a high tag number, which these structures never use");
    }
    let (&first, mut rest) = after_tag.split_first().ok_or("truncated")?;
    let len = match first {
        0..0x80 => usize::from(first),
        0x80 => return Err("an indefinite length (BER), not DER"),
        _ => {
            let n = usize::from(first & 0x7f);
            if n > 4 {
                return Err("a length beyond 4 GiB");
            }
            let (bytes, after) = rest.split_at_checked(n).ok_or("truncated")?;
            rest = after;
            let len = bytes.iter().fold(0u64, |len, &b| (len << 8) | u64::from(b));
            usize::try_from(len).map_err(|_| "a length beyond this machine's memory")?
        }
    };
    let (value, after) = rest.split_at_checked(len).ok_or("truncated")?;
    let raw_len = input.len() - after.len();
    let raw = input.get(..raw_len).ok_or("truncated")?;
    Ok((Tlv { tag, value, raw }, after))
}
