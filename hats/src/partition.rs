//! The spatial index and the adaptive partitioning of HATS: every row gets the NESTED HEALPix
//! index of its position at order 29 (`_healpix_29`), and the sky is cut into HEALPix cells of
//! orders 0… that each hold at most a row budget, as `hats-import` cuts it.

use std::ops::Range;

/// The order of the `_healpix_29` index (cells of about 0.4 milliarcseconds).
pub const INDEX_ORDER: u8 = 29;

/// The `_healpix_29` index of a position in degrees (NESTED scheme, Górski et al. 2005), or
/// `None` for a position that is not finite or whose declination is beyond ±90°.
pub fn healpix29(ra_deg: f64, dec_deg: f64) -> Option<u64> {
    if !ra_deg.is_finite() || !dec_deg.is_finite() || dec_deg.abs() > 90.0 {
        return None;
    }
    let lon = ra_deg.to_radians().rem_euclid(std::f64::consts::TAU);
    Some(cdshealpix::nested::hash(
        INDEX_ORDER,
        lon,
        dec_deg.to_radians(),
    ))
}

/// One HEALPix cell (NESTED): a partition of a HATS catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pixel {
    /// HEALPix order (`Norder`).
    pub order: u8,
    /// NESTED index at that order (`Npix`).
    pub npix: u64,
}

impl Pixel {
    /// The cell of `order` that holds the `_healpix_29` index `h29`.
    pub fn of(order: u8, h29: u64) -> Self {
        Pixel {
            order,
            npix: h29 >> (2 * (INDEX_ORDER - order) as u32),
        }
    }

    /// The `_healpix_29` indices inside the cell.
    pub fn range29(self) -> Range<u64> {
        let shift = 2 * (INDEX_ORDER - self.order) as u32;
        (self.npix << shift)..((self.npix + 1) << shift)
    }

    /// The `Dir` of the cell's folder: `Npix` rounded down to a multiple of 10,000.
    pub fn dir(self) -> u64 {
        self.npix / 10_000 * 10_000
    }

    /// Path of the cell's leaf file below `dataset/`.
    pub fn leaf(self) -> String {
        format!(
            "Norder={}/Dir={}/Npix={}.parquet",
            self.order,
            self.dir(),
            self.npix
        )
    }

    /// The four cells of the next order inside this one.
    pub fn children(self) -> [Pixel; 4] {
        std::array::from_fn(|i| Pixel {
            order: self.order + 1,
            npix: self.npix * 4 + i as u64,
        })
    }

    /// Whether the cell contains `other` (or is it).
    pub fn contains(self, other: Pixel) -> bool {
        other.order >= self.order
            && other.npix >> (2 * (other.order - self.order) as u32) == self.npix
    }
}

/// Cuts the sky adaptively: starting from the 12 cells of order 0, a cell is split into its
/// four children while it holds more than `max_rows` rows and its order is below `max_order`.
/// `sorted` is the `_healpix_29` of every row in ascending order. Returns the cells that hold
/// rows, in index order, each with its rows' range in `sorted`; empty cells are left out.
pub fn partition(sorted: &[u64], max_rows: usize, max_order: u8) -> Vec<(Pixel, Range<usize>)> {
    debug_assert!(sorted.is_sorted());
    let mut out = Vec::new();
    let mut stack: Vec<Pixel> = (0..12).rev().map(|npix| Pixel { order: 0, npix }).collect();
    while let Some(cell) = stack.pop() {
        let r = cell.range29();
        let rows = sorted.partition_point(|&h| h < r.start)..sorted.partition_point(|&h| h < r.end);
        if rows.is_empty() {
            continue;
        }
        if rows.len() <= max_rows.max(1) || cell.order >= max_order {
            out.push((cell, rows));
        } else {
            stack.extend(cell.children().into_iter().rev());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_matches_cdshealpix_at_known_positions() {
        // The values of the Python cdshealpix 0.9 (`cdshealpix.nested.lonlat_to_healpix`, order
        // 29) for the same positions: exact integers.
        assert_eq!(healpix29(0.0, 0.0), Some(1_369_094_286_720_630_784));
        assert_eq!(healpix29(45.0, 60.0), Some(230_796_076_577_406_768));
        assert_eq!(healpix29(45.0, -60.0), Some(2_363_277_308_787_998_927));
        assert_eq!(healpix29(200.5, -47.3), Some(3_043_378_375_957_257_702));
        // Base cells of the NESTED scheme (Górski et al. 2005, fig. 4): 4 on the equator at
        // RA 0°, 0 in the north and 8 in the south at RA 45°.
        assert_eq!(healpix29(0.0, 0.0).unwrap() >> 58, 4);
        assert_eq!(healpix29(45.0, 60.0).unwrap() >> 58, 0);
        assert_eq!(healpix29(45.0, -60.0).unwrap() >> 58, 8);
        // RA 360° is RA 0°.
        assert_eq!(healpix29(360.0, 10.0), healpix29(0.0, 10.0));
        assert_eq!(healpix29(f64::NAN, 0.0), None);
        assert_eq!(healpix29(10.0, 90.5), None);
    }

    #[test]
    fn cells_split_until_within_budget_and_cover_every_row_once() {
        let mut h: Vec<u64> = (0..5000u64)
            .map(|i| {
                let ra = (i as f64 * 0.7) % 20.0;
                let dec = (i as f64 * 0.013) % 10.0;
                healpix29(ra, dec).unwrap()
            })
            .collect();
        h.sort_unstable();
        let parts = partition(&h, 400, 9);
        let total: usize = parts.iter().map(|(_, r)| r.len()).sum();
        assert_eq!(total, h.len());
        for w in parts.windows(2) {
            assert_eq!(
                w[0].1.end, w[1].1.start,
                "ranges are contiguous and in order"
            );
            assert!(!w[0].0.contains(w[1].0) && !w[1].0.contains(w[0].0));
        }
        for (cell, rows) in &parts {
            assert!(rows.len() <= 400 || cell.order == 9);
            assert!(h[rows.clone()].iter().all(|&x| cell.range29().contains(&x)));
        }
        assert!(parts.iter().any(|(c, _)| c.order > 0));
    }

    #[test]
    fn max_order_stops_splitting() {
        let h = vec![healpix29(10.0, 10.0).unwrap(); 50];
        let parts = partition(&h, 10, 3);
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].0.order, 3);
        assert_eq!(parts[0].1, 0..50);
    }

    #[test]
    fn leaf_paths_follow_the_hats_layout() {
        let p = Pixel {
            order: 6,
            npix: 43_210,
        };
        assert_eq!(p.leaf(), "Norder=6/Dir=40000/Npix=43210.parquet");
        assert_eq!(Pixel::of(6, p.range29().start), p);
        assert_eq!(Pixel::of(6, p.range29().end - 1), p);
    }
}
