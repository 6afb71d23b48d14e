//! Column positions of the 4XMM and 5XMM layouts for the demo writer, resolved once, and the
//! encoding of one row's values into a FITS row.

use crate::catalog::{layout_4xmm, layout_5xmm};
use crate::fits::layout::parse_tform;
use std::collections::HashMap;

/// Instruments in column-name order: EPIC combined, pn, MOS1, MOS2.
pub const INSTRUMENTS: [&str; 4] = ["EP", "PN", "M1", "M2"];
/// Band numbers in column-name order (1–5 narrow, 8 = 0.2–12 keV, 9 = 0.5–4.5 keV).
pub const BANDS: [&str; 7] = ["1", "2", "3", "4", "5", "8", "9"];
/// Per-band quantities.
pub const QTYS: [&str; 10] = [
    "FLUX", "FLUX_ERR", "RATE", "RATE_ERR", "CTS", "CTS_ERR", "DET_ML", "EXP", "BG", "VIG",
];

/// Quantity indices into [`QTYS`].
pub mod q {
    /// Flux.
    pub const FLUX: usize = 0;
    /// Flux error.
    pub const FLUX_ERR: usize = 1;
    /// Count rate.
    pub const RATE: usize = 2;
    /// Count-rate error.
    pub const RATE_ERR: usize = 3;
    /// Counts.
    pub const CTS: usize = 4;
    /// Counts error.
    pub const CTS_ERR: usize = 5;
    /// Detection likelihood.
    pub const DET_ML: usize = 6;
    /// Exposure.
    pub const EXP: usize = 7;
    /// Background.
    pub const BG: usize = 8;
    /// Vignetting.
    pub const VIG: usize = 9;
}

/// The layout with every column's position and encoding.
#[derive(Debug)]
pub struct Layout {
    /// (name, tform, unit) in file order.
    pub columns: Vec<(String, String, String)>,
    codes: Vec<char>,
    widths: Vec<usize>,
    /// Bytes per row.
    pub row_len: usize,
    by_name: HashMap<String, usize>,
    /// `band[inst][band][qty]`: position of `<INST>_<BAND>_<QTY>` if the layout has it.
    pub band: [[[Option<usize>; 10]; 7]; 4],
    /// `hr[inst][i]`: positions of `<INST>_HR<i+1>` and its error.
    pub hr: [[(usize, usize); 4]; 4],
}

impl Layout {
    /// The 4XMM detection-catalogue layout.
    pub fn fourxmm() -> Self {
        Self::from_text(layout_4xmm::LAYOUT)
    }

    /// The 5XMM-DR15 stacked-catalogue layout.
    pub fn fivexmm() -> Self {
        Self::from_text(layout_5xmm::LAYOUT)
    }

    /// A layout from `NAME TFORM UNIT` lines.
    fn from_text(text: &str) -> Self {
        let mut l = Layout {
            columns: Vec::new(),
            codes: Vec::new(),
            widths: Vec::new(),
            row_len: 0,
            by_name: HashMap::new(),
            band: [[[None; 10]; 7]; 4],
            hr: [[(0, 0); 4]; 4],
        };
        for line in text.lines() {
            let mut it = line.split_whitespace();
            let (Some(name), Some(tform), Some(unit)) = (it.next(), it.next(), it.next()) else {
                continue;
            };
            let (_, code, width) = parse_tform(tform).expect("valid TFORM in the built-in layout");
            l.by_name.insert(name.to_string(), l.columns.len());
            l.columns.push((
                name.into(),
                tform.into(),
                if unit == "-" {
                    String::new()
                } else {
                    unit.into()
                },
            ));
            l.codes.push(code);
            l.widths.push(width);
            l.row_len += width;
        }
        for (i, inst) in INSTRUMENTS.iter().enumerate() {
            for (b, band) in BANDS.iter().enumerate() {
                for (k, qty) in QTYS.iter().enumerate() {
                    l.band[i][b][k] = l.by_name.get(&format!("{inst}_{band}_{qty}")).copied();
                }
            }
            for h in 0..4 {
                l.hr[i][h] = (
                    l.get(&format!("{inst}_HR{}", h + 1)),
                    l.get(&format!("{inst}_HR{}_ERR", h + 1)),
                );
            }
        }
        l
    }

    /// The column specifications for a FITS writer: name, TFORM, unit and TNULL (the most
    /// negative value of integer columns).
    pub fn specs(&self) -> Vec<(&str, &str, &str, Option<i64>)> {
        self.columns
            .iter()
            .map(|(n, t, u)| {
                let tnull = match t.as_str() {
                    "J" => Some(i64::from(i32::MIN)),
                    "K" => Some(i64::MIN),
                    "I" => Some(i64::from(i16::MIN)),
                    _ => None,
                };
                (n.as_str(), t.as_str(), u.as_str(), tnull)
            })
            .collect()
    }

    /// Position of a column that the layout must have.
    pub fn get(&self, name: &str) -> usize {
        *self
            .by_name
            .get(name)
            .unwrap_or_else(|| panic!("built-in layout lacks {name}"))
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Whether the layout is empty.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// Whether column `c` holds text.
    pub fn is_text(&self, c: usize) -> bool {
        self.codes[c] == 'A'
    }

    /// Appends one row: numbers from `v` (NaN = null; integers and logicals as whole numbers),
    /// text from `s`.
    pub fn encode(&self, v: &[f64], s: &[String], out: &mut Vec<u8>) {
        for c in 0..self.columns.len() {
            let x = v[c];
            let w = self.widths[c];
            match self.codes[c] {
                'A' => {
                    let b = s[c].as_bytes();
                    let n = b.len().min(w);
                    out.extend_from_slice(&b[..n]);
                    out.extend(std::iter::repeat_n(b' ', w - n));
                }
                'L' => out.push(if x.is_nan() {
                    0
                } else if x != 0.0 {
                    b'T'
                } else {
                    b'F'
                }),
                'I' => out.extend_from_slice(
                    &(if x.is_nan() { i16::MIN } else { x as i16 }).to_be_bytes(),
                ),
                'J' => out.extend_from_slice(
                    &(if x.is_nan() { i32::MIN } else { x as i32 }).to_be_bytes(),
                ),
                'K' => out.extend_from_slice(
                    &(if x.is_nan() { i64::MIN } else { x as i64 }).to_be_bytes(),
                ),
                'E' => out.extend_from_slice(&(x as f32).to_be_bytes()),
                'D' => out.extend_from_slice(&x.to_be_bytes()),
                other => unreachable!("the built-in layouts have no {other} columns"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_the_real_row_length() {
        // NAXIS1 of the real 4XMM-DR10 file is 1489 bytes for 336 columns.
        let l = Layout::fourxmm();
        assert_eq!(l.len(), 336);
        assert_eq!(l.row_len, 1489);
        assert!(l.band[1][2][q::FLUX].is_some(), "PN_3_FLUX");
        assert!(l.band[0][0][q::RATE].is_none(), "EP_1_RATE does not exist");
        assert!(l.band[0][5][q::DET_ML].is_some(), "EP_8_DET_ML");
    }
}
