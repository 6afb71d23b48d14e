//! Adaptive HEALPix tiling of the sky (NESTED scheme, Górski et al. 2005, ApJ 622, 759) on
//! `cdshealpix`: a cell becomes a tile when it holds at most a row budget or reaches the
//! deepest order, otherwise it is split into its four children. Rows are ordered by their
//! NESTED index at [`HASH_DEPTH`], so every tile is one contiguous range of rows, and a cone
//! maps to tiles through its (conservative) HEALPix coverage.

use super::{HASH_DEPTH, TileEntry};

/// Deepest tile order accepted in a manifest.
pub const MAX_ORDER: u8 = 16;

/// A tile before its chunk is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    /// HEALPix order.
    pub order: u8,
    /// NESTED index at `order` of the first cell.
    pub ipix: u64,
    /// Consecutive cells at `order` from `ipix` (siblings joined into one tile).
    pub cells: u32,
    /// First row in tile order.
    pub start: usize,
    /// Rows.
    pub rows: usize,
}

/// Rows in tile order and the tiles over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tiling {
    /// `order[k]` is the input row that comes `k`-th in tile order.
    pub order: Vec<usize>,
    /// Tiles in order; together they cover every row once.
    pub cells: Vec<Cell>,
}

/// NESTED index at [`HASH_DEPTH`] of a position in degrees; an invalid position (NaN, |dec| >
/// 90) is placed at (0, 0) — it can never match a cone, and it must live in some tile.
pub fn position_hash(ra: f64, dec: f64) -> u64 {
    let (ra, dec) = if ra.is_finite() && dec.is_finite() && dec.abs() <= 90.0 {
        (ra.rem_euclid(360.0), dec)
    } else {
        (0.0, 0.0)
    };
    cdshealpix::nested::hash(HASH_DEPTH, ra.to_radians(), dec.to_radians())
}

/// Tiles `ra`/`dec` (degrees, same length) with at most `budget` rows a tile unless the tile is
/// at `max_order` (capped at [`MAX_ORDER`]).
pub fn build(ra: &[f64], dec: &[f64], budget: usize, max_order: u8) -> Tiling {
    let max_order = max_order.min(MAX_ORDER);
    let hashes: Vec<u64> = ra
        .iter()
        .zip(dec)
        .map(|(&r, &d)| position_hash(r, d))
        .collect();
    let mut order: Vec<usize> = (0..hashes.len()).collect();
    order.sort_by_key(|&i| (hashes[i], i));
    let sorted: Vec<u64> = order.iter().map(|&i| hashes[i]).collect();
    let budget = budget.max(1);
    let rows_of = |o: u8, p: u64| {
        let shift = 2 * u32::from(HASH_DEPTH - o);
        let (lo, hi) = (p << shift, (p + 1) << shift);
        let start = sorted.partition_point(|&h| h < lo);
        (start, sorted.partition_point(|&h| h < hi) - start)
    };
    let mut cells = Vec::new();
    // The twelve base cells are siblings too: runs may join them.
    split(&rows_of, &mut cells, 0, 0..12, budget, max_order);
    Tiling { order, cells }
}

/// Tiles of the cells `ipix` at order `o` (siblings, in NESTED order): a cell over the budget
/// is split into its children (unless at `max_order`); consecutive cells join into one tile
/// (a run) while the run's rows stay within half the budget, so that small cells stop costing
/// a manifest entry each without making the tiles a cone fetches much fuller. Empty cells
/// only extend a run (they hold no rows).
fn split(
    rows_of: &dyn Fn(u8, u64) -> (usize, usize),
    cells: &mut Vec<Cell>,
    o: u8,
    ipix: std::ops::Range<u64>,
    budget: usize,
    max_order: u8,
) {
    let mut run: Option<Cell> = None;
    for p in ipix {
        let (start, rows) = rows_of(o, p);
        if rows > budget && o < max_order {
            cells.extend(run.take().filter(|r| r.rows > 0));
            split(rows_of, cells, o + 1, 4 * p..4 * p + 4, budget, max_order);
            continue;
        }
        match &mut run {
            Some(r) if r.rows + rows <= budget / 2 => {
                if r.rows == 0 {
                    r.start = start;
                }
                r.cells += 1;
                r.rows += rows;
            }
            _ => {
                cells.extend(run.take().filter(|r| r.rows > 0));
                run = Some(Cell {
                    order: o,
                    ipix: p,
                    cells: 1,
                    start,
                    rows,
                });
            }
        }
    }
    cells.extend(run.filter(|r| r.rows > 0));
}

fn cell_range(order: u8, ipix: u64, cells: u32, depth: u8) -> (u64, u64) {
    let shift = 2 * u32::from(depth.saturating_sub(order)).min(62);
    (
        ipix.saturating_mul(1 << shift),
        ipix.saturating_add(u64::from(cells.max(1)))
            .saturating_mul(1 << shift),
    )
}

/// Indices of the tiles overlapping a cone (degrees), ascending. Conservative: a tile may be
/// returned that holds no row of the cone, never the reverse.
pub fn cone_tiles(tiles: &[TileEntry], ra: f64, dec: f64, radius_deg: f64) -> Vec<usize> {
    if !(ra.is_finite() && dec.is_finite() && radius_deg.is_finite()) || radius_deg < 0.0 {
        return Vec::new();
    }
    if radius_deg >= 90.0 {
        return (0..tiles.len()).collect();
    }
    let depth = tiles.iter().map(|t| t.order).max().unwrap_or(0);
    let bmoc = cdshealpix::nested::cone_coverage_approx(
        depth,
        ra.rem_euclid(360.0).to_radians(),
        dec.clamp(-90.0, 90.0).to_radians(),
        radius_deg.max(1e-9).to_radians(),
    );
    let ranges: Vec<(u64, u64)> = tiles
        .iter()
        .map(|t| cell_range(t.order, t.ipix, t.cells, depth))
        .collect();
    let mut out = Vec::new();
    for r in bmoc.to_ranges().iter() {
        let mut k = ranges.partition_point(|&(_, end)| end <= r.start);
        while k < ranges.len() && ranges[k].0 < r.end {
            out.push(k);
            k += 1;
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::FileRef;

    fn entries(t: &Tiling) -> Vec<TileEntry> {
        t.cells
            .iter()
            .map(|c| TileEntry {
                order: c.order,
                ipix: c.ipix,
                cells: c.cells,
                start: c.start as u32,
                rows: c.rows as u32,
                file: FileRef {
                    hash: 0,
                    len: 0,
                    stored: 0,
                },
            })
            .collect()
    }

    #[test]
    fn tiles_cover_every_row_once_and_respect_the_budget() {
        let mut ra = Vec::new();
        let mut dec = Vec::new();
        for i in 0..5000 {
            let f = i as f64;
            ra.push((f * 0.37) % 360.0);
            dec.push(((f * 0.011) % 180.0) - 90.0);
        }
        // A dense field to force deep splits.
        for i in 0..3000 {
            ra.push(10.68 + (i % 50) as f64 * 1e-3);
            dec.push(41.27 + (i / 50) as f64 * 1e-3);
        }
        let t = build(&ra, &dec, 200, 12);
        let mut next = 0;
        for c in &t.cells {
            assert_eq!(c.start, next);
            assert!(c.rows <= 200 || c.order == 12, "{c:?}");
            next += c.rows;
        }
        assert_eq!(next, ra.len());
        let mut seen = t.order.clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..ra.len()).collect::<Vec<_>>());
        assert!(t.cells.iter().any(|c| c.order >= 6));
        // Sibling cells within the budget share a tile.
        assert!(t.cells.iter().any(|c| c.cells > 1));
    }

    #[test]
    fn cone_finds_the_tile_of_every_row_inside() {
        let ra = [0.001, 359.999, 180.0, 45.0, 10.0];
        let dec = [0.0, 0.0, 89.999, -89.999, 10.0];
        let t = build(&ra, &dec, 1, 10);
        let e = entries(&t);
        for (k, &row) in t.order.iter().enumerate() {
            let tile = e
                .iter()
                .position(|x| (x.start as usize..(x.start + x.rows) as usize).contains(&k))
                .unwrap();
            let found = cone_tiles(&e, ra[row], dec[row], 1.0 / 3600.0);
            assert!(found.contains(&tile), "row {row} tile {tile} {found:?}");
        }
        // Across RA = 0: a cone at 359.99 reaches the row at 0.001.
        let found = cone_tiles(&e, 359.99, 0.0, 0.05);
        assert!(found.len() >= 2, "{found:?}");
        assert_eq!(cone_tiles(&e, f64::NAN, 0.0, 1.0), Vec::<usize>::new());
        assert_eq!(cone_tiles(&e, 0.0, 0.0, 120.0).len(), e.len());
    }
}
