//! What DER values say, as numbers, times and text: INTEGERs, OBJECT
//! IDENTIFIERs, GeneralizedTime, and names as RFC 4514 writes them.

use chrono::{DateTime, NaiveDate, Utc};

use super::der::{Reader, Tlv, tag};
use super::{Result, malformed, oid};

/// An INTEGER's magnitude without sign padding or leading zeros.
pub(super) fn unsigned(value: &[u8]) -> &[u8] {
    let start = value.iter().position(|&b| b != 0).unwrap_or(value.len());
    &value[start..]
}

/// An INTEGER in hex, at least one byte.
pub(super) fn integer_hex(value: &[u8]) -> String {
    let magnitude = unsigned(value);
    if magnitude.is_empty() {
        "00".into()
    } else {
        hex::encode(magnitude)
    }
}

/// A non-negative INTEGER that fits 64 bits.
pub(super) fn small_uint(value: &[u8], what: &str) -> Result<u64> {
    match value.first() {
        None => return Err(malformed(format!("{what} is an empty integer"))),
        Some(b) if b & 0x80 != 0 => return Err(malformed(format!("{what} is negative"))),
        _ => {}
    }
    let magnitude = unsigned(value);
    if magnitude.len() > 8 {
        return Err(malformed(format!("{what} is too large")));
    }
    Ok(magnitude.iter().fold(0u64, |n, &b| (n << 8) | u64::from(b)))
}

/// An OBJECT IDENTIFIER in dotted form, any length of arc.
pub(super) fn oid_string(value: &[u8]) -> Result<String> {
    let bad = || malformed("an object identifier is badly encoded");
    if value.last().is_none_or(|b| b & 0x80 != 0) {
        return Err(bad());
    }
    let mut arcs: Vec<u128> = Vec::new();
    let mut arc: u128 = 0;
    let mut fresh = true;
    for &b in value {
        if fresh && b == 0x80 {
            return Err(bad());
        }
        arc = arc.checked_mul(128).ok_or_else(bad)? | u128::from(b & 0x7f);
        fresh = b & 0x80 == 0;
        if fresh {
            arcs.push(arc);
            arc = 0;
        }
    }
    let Some((&first, rest)) = arcs.split_first() else {
        return Err(bad());
    };
    let (a, b) = match first {
        0..40 => (0, first),
        40..80 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut out = format!("{a}.{b}");
    for arc in rest {
        out.push_str(&format!(".{arc}"));
    }
    Ok(out)
}

/// GeneralizedTime in UTC, with or without a fraction of a second.
pub(super) fn generalized_time(value: &[u8]) -> Result<DateTime<Utc>> {
    let bad = || {
        malformed(format!(
            "genTime '{}' is not a UTC GeneralizedTime",
            printable(value)
        ))
    };
    let text = std::str::from_utf8(value).map_err(|_| bad())?;
    let body = text.strip_suffix('Z').ok_or_else(bad)?;
    let (whole, fraction) = match body.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let field = |from: usize, to: usize| -> Result<u32> {
        whole.get(from..to).and_then(|s| s.parse().ok()).ok_or_else(bad)
    };
    let nanos = match fraction {
        None => 0,
        Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{f:0<9}").parse::<u32>().map_err(|_| bad())?
        }
        Some(_) => return Err(bad()),
    };
    let year = i32::try_from(field(0, 4)?).map_err(|_| bad())?;
    let (month, day) = (field(4, 6)?, field(6, 8)?);
    let (hour, minute, second) = (field(8, 10)?, field(10, 12)?, field(12, 14)?);
    NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|d| d.and_hms_nano_opt(hour, minute, second, nanos))
        .map(|t| t.and_utc())
        .ok_or_else(bad)
}

/// The TSA's GeneralName: a directory name as RFC 4514 writes it, other
/// forms with openssl's prefixes.
pub(super) fn general_name(explicit: &[u8]) -> Result<String> {
    let mut r = Reader::new(explicit);
    let name = r.next("the TSA's name")?;
    r.finish("the TSA's name")?;
    Ok(match name.tag {
        t if t == tag::context(4) => {
            let mut n = Reader::new(name.value);
            let dn = n.expect(tag::SEQUENCE, "the TSA's directory name")?;
            n.finish("the TSA's directory name")?;
            name_string(dn.raw)?
        }
        t if t == tag::context_primitive(1) => format!("email:{}", printable(name.value)),
        t if t == tag::context_primitive(2) => format!("DNS:{}", printable(name.value)),
        t if t == tag::context_primitive(6) => format!("URI:{}", printable(name.value)),
        t => format!("[{}]#{}", t & 0x1f, hex::encode(name.value)),
    })
}

/// A Name (its whole DER) as RFC 4514 writes it: most specific first,
/// attributes of one RDN joined by `+`, unknown types as dotted OIDs with
/// the value's DER in hex.
pub(super) fn name_string(der: &[u8]) -> Result<String> {
    let mut top = Reader::new(der);
    let seq = top.expect(tag::SEQUENCE, "a name")?;
    top.finish("a name")?;
    let mut r = Reader::new(seq.value);
    let mut rdns = Vec::new();
    while !r.is_empty() {
        let set = r.expect(tag::SET, "a name's component")?;
        let mut s = Reader::new(set.value);
        let mut parts = Vec::new();
        while !s.is_empty() {
            let atv = s.expect(tag::SEQUENCE, "a name's attribute")?;
            let mut a = Reader::new(atv.value);
            let kind = a.expect(tag::OID, "a name's attribute type")?.value;
            let value = a.next("a name's attribute value")?;
            a.finish("a name's attribute")?;
            let short = oid::NAMES
                .iter()
                .find(|(o, _)| o.as_bytes() == kind)
                .map(|(_, n)| *n);
            parts.push(match (short, directory_string(value)) {
                (Some(short), Some(text)) => format!("{short}={}", escape_dn_value(&text)),
                (Some(short), None) => format!("{short}=#{}", hex::encode(value.raw)),
                (None, _) => format!("{}=#{}", oid_string(kind)?, hex::encode(value.raw)),
            });
        }
        if parts.is_empty() {
            return Err(malformed("a name has an empty component"));
        }
        rdns.push(parts.join("+"));
    }
    rdns.reverse();
    Ok(rdns.join(","))
}

/// The text of a DirectoryString (or the ASCII string types), if it is one
/// and decodes.
fn directory_string(value: Tlv) -> Option<String> {
    match value.tag {
        // UTF8String, NumericString, PrintableString, IA5String.
        0x0c | 0x12 | 0x13 | 0x16 => std::str::from_utf8(value.value).ok().map(str::to_string),
        // TeletexString: Latin-1 in practice.
        0x14 => Some(value.value.iter().map(|&b| char::from(b)).collect()),
        // BMPString: UTF-16BE.
        0x1e => {
            let units = value
                .value
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]));
            value
                .value
                .len()
                .is_multiple_of(2)
                .then(|| {
                    char::decode_utf16(units)
                        .collect::<std::result::Result<String, _>>()
                        .ok()
                })
                .flatten()
        }
        // UniversalString: UTF-32BE.
        0x1c => value
            .value
            .len()
            .is_multiple_of(4)
            .then(|| {
                value
                    .value
                    .chunks_exact(4)
                    .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                    .collect::<Option<String>>()
            })
            .flatten(),
        _ => None,
    }
}

/// RFC 4514 2.4, and control characters as hex pairs so that a name stays
/// on one line.
fn escape_dn_value(text: &str) -> String {
    let count = text.chars().count();
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i + 1 == count => out.push_str("\\ "),
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Text from the response for a one-line message: lossy UTF-8, control
/// characters escaped.
pub(super) fn printable(bytes: &[u8]) -> String {
    let mut out = String::new();
    for c in String::from_utf8_lossy(bytes).chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_written() {
        let t = |s: &str| generalized_time(s.as_bytes()).map(|t| t.to_rfc3339());
        assert_eq!(t("20260102030405Z").unwrap(), "2026-01-02T03:04:05+00:00");
        assert_eq!(t("20260102030405.5Z").unwrap(), "2026-01-02T03:04:05.500+00:00");
        for bad in [
            "20260102030405",
            "2026010203040Z",
            "20261302030405Z",
            "20260102030405.Z",
            "+0260102030405Z",
        ] {
            assert!(t(bad).is_err(), "{bad}");
        }
        assert_eq!(
            oid_string(oid::TST_INFO.as_bytes()).unwrap(),
            "1.2.840.113549.1.9.16.1.4"
        );
        assert_eq!(oid_string(&[0x2a, 0x83, 0x08]).unwrap(), "1.2.392");
        assert!(oid_string(&[0x2a, 0x83]).is_err());
        assert!(oid_string(&[0x80, 0x01]).is_err());
        assert_eq!(integer_hex(&[0x00, 0x8a]), "8a");
        assert_eq!(integer_hex(&[0x00]), "00");
        assert_eq!(escape_dn_value(" a,b+c\n#"), "\\ a\\,b\\+c\\0A#");
        assert_eq!(escape_dn_value("#x "), "\\#x\\ ");
        // SEQUENCE { SET { CN "A" }, SET { 2.5.4.99 "B", O "C," } }
        let name = hex::decode(concat!(
            "3023",
            "310a",
            "3008",
            "0603550403",
            "0c0141",
            "3115",
            "3008",
            "0603550463",
            "0c0142",
            "3009",
            "060355040a",
            "0c02432c",
        ))
        .unwrap();
        assert_eq!(name_string(&name).unwrap(), "2.5.4.99=#0c0142+O=C\\,,CN=A");
    }
}
