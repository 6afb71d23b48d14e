//! Content hashes of data files: 64-bit FNV-1a (Fowler, Noll and Vo), written as 16 hex digits
//! in file names. It detects damaged or mixed-up files and gives every distinct file its own
//! immutable name; it is not a defence against deliberate forgery (the site's own HTTPS is).

const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a 64 of `bytes`.
pub fn content_hash(bytes: &[u8]) -> u64 {
    let mut h = OFFSET;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(PRIME);
    }
    h
}

/// 16 lower-case hex digits.
pub fn hex(hash: u64) -> String {
    format!("{hash:016x}")
}

/// Reads [`hex`] back.
pub fn parse_hex(text: &str) -> Option<u64> {
    if text.len() != 16 {
        return None;
    }
    u64::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_values() {
        // Published FNV-1a 64 test vectors (draft-eastlake-fnv, appendix C).
        assert_eq!(content_hash(b""), 0xcbf29ce484222325);
        assert_eq!(content_hash(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(content_hash(b"foobar"), 0x85944171f73967e8);
        assert_eq!(
            parse_hex(&hex(0x85944171f73967e8)),
            Some(0x85944171f73967e8)
        );
        assert_eq!(parse_hex("xyz"), None);
    }
}
