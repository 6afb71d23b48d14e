//! Binary-table layouts: TFORM parsing and the byte position of every field in a row
//! (FITS Standard 4.0, §7.3 "Binary table extension").

use xcat_core::DataType;

/// One field of a binary table as the header declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct BinColumn {
    /// TTYPEn (trailing blanks removed).
    pub name: String,
    /// TFORMn as written.
    pub tform: String,
    /// Data-type letter of TFORMn (`L`, `B`, `I`, `J`, `K`, `E`, `D`, `A`, `X`, `P`, …).
    pub code: char,
    /// Repeat count of TFORMn.
    pub repeat: usize,
    /// Byte offset of the field inside a row.
    pub offset: usize,
    /// Bytes the field occupies in a row.
    pub width: usize,
    /// TUNITn, empty if absent.
    pub unit: String,
    /// TNULLn for integer fields.
    pub tnull: Option<i64>,
    /// TSCALn (1 if absent).
    pub tscal: f64,
    /// TZEROn (0 if absent).
    pub tzero: f64,
}

impl BinColumn {
    /// Whether this field of `row` (a whole row's bytes) holds no value: an integer equal to
    /// TNULL, a NaN float, blank text, an undefined logical.
    pub fn is_null_in(&self, row: &[u8]) -> bool {
        let b = &row[self.offset..self.offset + self.width];
        let int = |x: i64| self.tnull == Some(x);
        match self.code {
            'A' => b.iter().all(|&c| c == b' ' || c == 0),
            'L' => b.first().is_none_or(|&c| c != b'T' && c != b'F'),
            'B' => int(i64::from(b[0])),
            'I' => int(i64::from(i16::from_be_bytes([b[0], b[1]]))),
            'J' => int(i64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))),
            'K' => int(i64::from_be_bytes(b[..8].try_into().expect("8 bytes"))),
            'E' => f32::from_be_bytes([b[0], b[1], b[2], b[3]]).is_nan(),
            'D' => f64::from_be_bytes(b[..8].try_into().expect("8 bytes")).is_nan(),
            _ => false,
        }
    }
}

/// How a field is decoded into a typed column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decode {
    /// Stored type maps straight onto `DataType`.
    Plain(DataType),
    /// FITS unsigned-integer convention (TZERO = 2^15, 2^31 or −128): widened exactly.
    Offset(DataType, i64),
    /// Other TSCAL/TZERO: physical value = tscal × stored + tzero, kept as float64.
    Scaled,
    /// Not a scalar the catalogue model keeps (vectors, bits, variable-length arrays, complex).
    Unsupported,
}

/// Bytes per element of a TFORM data-type letter; `None` for an unknown letter.
fn element_bytes(code: char) -> Option<usize> {
    Some(match code {
        'L' | 'B' | 'A' => 1,
        'I' => 2,
        'J' | 'E' => 4,
        'K' | 'D' | 'C' | 'P' => 8,
        'M' | 'Q' => 16,
        'X' => 0,
        _ => return None,
    })
}

/// Parses a TFORM (`E`, `21A`, `1K`, `8X`, `1PE(4096)`) into (repeat, letter, bytes in a row).
pub fn parse_tform(tform: &str) -> Result<(usize, char, usize), String> {
    let t = tform.trim();
    let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
    let repeat = if digits.is_empty() {
        1
    } else {
        digits
            .parse::<usize>()
            .map_err(|_| format!("repeat count too large in TFORM '{t}'"))?
    };
    let code = t[digits.len()..]
        .chars()
        .next()
        .ok_or_else(|| format!("TFORM '{t}' has no data type letter"))?
        .to_ascii_uppercase();
    let bytes =
        element_bytes(code).ok_or_else(|| format!("unknown data type '{code}' in TFORM '{t}'"))?;
    let width = match code {
        'X' => repeat.div_ceil(8),
        'P' | 'Q' => bytes * repeat.min(1),
        _ => bytes * repeat,
    };
    Ok((repeat, code, width))
}

impl BinColumn {
    /// How this field decodes.
    pub fn decode(&self) -> Decode {
        let plain = match (self.code, self.repeat) {
            ('A', _) => return Decode::Plain(DataType::Str),
            (_, r) if r != 1 => return Decode::Unsupported,
            ('L', _) => DataType::Bool,
            ('B', _) => DataType::U8,
            ('I', _) => DataType::I16,
            ('J', _) => DataType::I32,
            ('K', _) => DataType::I64,
            ('E', _) => DataType::F32,
            ('D', _) => DataType::F64,
            _ => return Decode::Unsupported,
        };
        let scaled = self.tscal != 1.0 || self.tzero != 0.0;
        if !scaled || !plain.is_numeric() {
            return Decode::Plain(plain);
        }
        match (plain, self.tscal, self.tzero) {
            (DataType::I16, s, z) if s == 1.0 && z == 32768.0 => {
                Decode::Offset(DataType::I32, 32768)
            }
            (DataType::I32, s, z) if s == 1.0 && z == 2_147_483_648.0 => {
                Decode::Offset(DataType::I64, 2_147_483_648)
            }
            (DataType::U8, s, z) if s == 1.0 && z == -128.0 => Decode::Offset(DataType::I16, -128),
            _ => Decode::Scaled,
        }
    }

    /// Storage type after decoding, `None` when unsupported.
    pub fn dtype(&self) -> Option<DataType> {
        match self.decode() {
            Decode::Plain(t) | Decode::Offset(t, _) => Some(t),
            Decode::Scaled => Some(DataType::F64),
            Decode::Unsupported => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(tform: &str) -> BinColumn {
        let (repeat, code, width) = parse_tform(tform).unwrap();
        BinColumn {
            name: "X".into(),
            tform: tform.into(),
            code,
            repeat,
            offset: 0,
            width,
            unit: String::new(),
            tnull: None,
            tscal: 1.0,
            tzero: 0.0,
        }
    }

    #[test]
    fn raw_fields_know_their_nulls() {
        let j = BinColumn {
            tnull: Some(i64::from(i32::MIN)),
            offset: 2,
            ..col("J")
        };
        let mut row = vec![0u8; 8];
        row[2..6].copy_from_slice(&i32::MIN.to_be_bytes());
        assert!(j.is_null_in(&row));
        row[2..6].copy_from_slice(&3i32.to_be_bytes());
        assert!(!j.is_null_in(&row));
        // Without TNULL an integer is never null.
        assert!(!col("J").is_null_in(&i32::MIN.to_be_bytes()));
        assert!(col("E").is_null_in(&f32::NAN.to_be_bytes()));
        assert!(!col("E").is_null_in(&1.5f32.to_be_bytes()));
        assert!(col("10A").is_null_in(b"          "));
        assert!(col("10A").is_null_in(&[0u8; 10]));
        assert!(!col("10A").is_null_in(b"0112220101"));
        assert!(col("L").is_null_in(&[0]));
        assert!(!col("L").is_null_in(b"F"));
    }

    #[test]
    fn tform_widths() {
        assert_eq!(parse_tform("K").unwrap(), (1, 'K', 8));
        assert_eq!(parse_tform("21A").unwrap(), (21, 'A', 21));
        assert_eq!(parse_tform("1E").unwrap(), (1, 'E', 4));
        assert_eq!(parse_tform("12X").unwrap(), (12, 'X', 2));
        assert_eq!(parse_tform("1PE(4096)").unwrap(), (1, 'P', 8));
        assert!(
            parse_tform("3Z")
                .unwrap_err()
                .contains("unknown data type 'Z'")
        );
        assert!(parse_tform("").is_err());
    }

    #[test]
    fn decode_conventions() {
        assert_eq!(col("E").decode(), Decode::Plain(DataType::F32));
        assert_eq!(col("15A").decode(), Decode::Plain(DataType::Str));
        assert_eq!(col("3E").decode(), Decode::Unsupported);
        let mut u16 = col("I");
        u16.tzero = 32768.0;
        assert_eq!(u16.decode(), Decode::Offset(DataType::I32, 32768));
        let mut scaled = col("J");
        scaled.tscal = 0.01;
        assert_eq!(scaled.decode(), Decode::Scaled);
        assert_eq!(scaled.dtype(), Some(DataType::F64));
    }
}
