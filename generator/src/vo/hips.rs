//! The catalogue as an IVOA HiPS 1.0 catalogue (Fernique et al., IVOA Recommendation 2017,
//! §4.2.2 and §4.4): tab-separated tiles `Norder<k>/Dir<d>/Npix<n>.tsv` in the HEALPix NESTED
//! scheme (Górski et al. 2005), each holding up to a budget of the most significant sources of
//! its cell that lower orders did not show, so Aladin overlays the catalogue progressively;
//! `Norder1/Allsky.tsv` and `Norder2/Allsky.tsv` pack the low orders, `properties`,
//! `Metadata.xml` (the columns as a VOTable; the name HiPS clients such as Aladin ask for) and `Moc.fits` (the coverage) describe it.
//!
//! Output is deterministic: sources are ranked by their detection likelihood (SC_DET_ML, or STACK_DET_ML of a stacked catalogue), ties by SRCID, and the release
//! date is the end of the catalogue's last observation, not the build date.

use super::moc::{self, SkyMoc};
use crate::catalog::{Catalogue, roles};
use std::collections::BTreeMap;
use xcat_core::{Column, DataType, Table};

/// Sources per tile.
pub const TILE_BUDGET: usize = 300;
/// Lowest order written.
pub const MIN_ORDER: u8 = 1;
/// Deepest order; every remaining source goes into the tiles of this order.
pub const MAX_ORDER: u8 = 11;

/// Columns of the tiles: (name in the tile, the sources-table columns that can play it, see
/// [`roles`]).
const COLUMNS: [(&str, &[&str]); 12] = [
    ("IAUNAME", &["IAUNAME"]),
    ("SRCID", &["SRCID"]),
    ("RA", roles::RA),
    ("DEC", roles::DEC),
    ("POSERR", roles::POSERR),
    ("DET_ML", roles::DET_ML),
    ("EP_8_FLUX", roles::FLUX),
    ("EP_8_FLUX_ERR", roles::FLUX_ERR),
    ("HR2", &["SC_HR2", "EP_HR2"]),
    ("EXTENT", roles::EXTENT),
    ("VAR_FLAG", roles::VAR_FLAG),
    ("N_DETECTIONS", &["N_DETECTIONS"]),
];

/// One file of the HiPS tree: path relative to the HiPS root, and its bytes.
pub type HipsFile = (String, Vec<u8>);

/// Sources placed at each order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HipsSummary {
    /// Rows per order, `(order, rows, tiles)`.
    pub orders: Vec<(u8, usize, usize)>,
    /// Deepest order with tiles.
    pub max_order: u8,
}

fn cell_text(c: Option<&Column>, i: usize) -> String {
    let Some(c) = c else { return String::new() };
    match c.dtype() {
        DataType::F32 => c.f64(i).map_or(String::new(), |x| {
            let x = x as f32;
            // Fluxes (1e-14 erg/cm²/s) in exponent form: shorter, and exact to f32.
            if x != 0.0 && !(1e-4..1e7).contains(&x.abs()) {
                format!("{x:e}")
            } else {
                format!("{x}")
            }
        }),
        DataType::Bool => c
            .bool(i)
            .map_or(String::new(), |b| if b { "T".into() } else { "F".into() }),
        _ => c.value(i).to_string().replace(['\t', '\n', '\r'], " "),
    }
}

fn header() -> String {
    COLUMNS.iter().map(|c| c.0).collect::<Vec<_>>().join("\t") + "\n"
}

fn row(t: &Table, i: usize) -> String {
    let mut s = COLUMNS
        .iter()
        .map(|(_, src)| cell_text(t.column(roles::pick(t, src)), i))
        .collect::<Vec<_>>()
        .join("\t");
    s.push('\n');
    s
}

/// Places every source: `(order, cell) → source rows`, most significant first.
pub fn place(sources: &Table) -> BTreeMap<(u8, u64), Vec<usize>> {
    let n = sources.rows();
    let ra = sources
        .column(roles::pick(sources, roles::RA))
        .expect("sources have positions");
    let dec = sources
        .column(roles::pick(sources, roles::DEC))
        .expect("sources have positions");
    let ml = sources.column(roles::pick(sources, roles::DET_ML));
    let id = sources.column("SRCID").expect("sources have SRCID");
    let mut order: Vec<usize> = (0..n).collect();
    let key = |i: usize| ml.and_then(|c| c.f64(i)).unwrap_or(f64::NEG_INFINITY);
    order.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(id.i64(a).cmp(&id.i64(b))));
    let lonlat: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            (
                ra.f64(i).unwrap_or(0.0).to_radians(),
                dec.f64(i).unwrap_or(0.0).to_radians(),
            )
        })
        .collect();
    let mut tiles: BTreeMap<(u8, u64), Vec<usize>> = BTreeMap::new();
    let mut remaining = order;
    for depth in MIN_ORDER..=MAX_ORDER {
        if remaining.is_empty() {
            break;
        }
        let mut next = Vec::new();
        let mut count: BTreeMap<u64, usize> = BTreeMap::new();
        for i in remaining {
            let cell = cdshealpix::nested::hash(depth, lonlat[i].0, lonlat[i].1);
            let k = count.entry(cell).or_insert(0);
            if *k < TILE_BUDGET || depth == MAX_ORDER {
                *k += 1;
                tiles.entry((depth, cell)).or_default().push(i);
            } else {
                next.push(i);
            }
        }
        remaining = next;
    }
    tiles
}

fn tile_path(order: u8, cell: u64) -> String {
    format!("Norder{order}/Dir{}/Npix{cell}.tsv", cell / 10_000 * 10_000)
}

/// MJD → `YYYY-MM-DD` (proleptic Gregorian).
fn mjd_date(mjd: f64) -> String {
    // Days since 1970-01-01 (MJD 40587), then the civil-from-days algorithm of H. Hinnant.
    let z = (mjd.floor() as i64) - 40_587 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn metadata_xml(t: &Table) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\">\n<RESOURCE>\n<TABLE name=\"sources\">\n",
    );
    for (name, src) in COLUMNS {
        let f = t.schema().get(roles::pick(t, src));
        let (datatype, extra) = match f.map(|f| f.dtype) {
            Some(DataType::Str) => ("char", " arraysize=\"*\""),
            Some(DataType::Bool) => ("boolean", ""),
            Some(DataType::I64) => ("long", ""),
            Some(DataType::I32) | Some(DataType::I16) | Some(DataType::U8) => ("int", ""),
            Some(DataType::F32) => ("float", ""),
            _ => ("double", ""),
        };
        let (unit, ucd, desc) = f.map_or((String::new(), String::new(), String::new()), |f| {
            (f.unit.clone(), f.ucd.clone(), f.description.clone())
        });
        s.push_str(&format!(
            "<FIELD name=\"{name}\" datatype=\"{datatype}\"{extra} unit=\"{}\" ucd=\"{}\"><DESCRIPTION>{}</DESCRIPTION></FIELD>\n",
            esc(&unit),
            esc(&ucd),
            esc(&desc)
        ));
    }
    s.push_str("<DATA><TABLEDATA></TABLEDATA></DATA>\n</TABLE>\n</RESOURCE>\n</VOTABLE>\n");
    s
}

/// Sources below each tile: `(deepest-order cell, order the source is placed at)`, sorted, so
/// the sources inside any cell of a lower order are one contiguous range.
fn placement_index(
    t: &Table,
    tiles: &BTreeMap<(u8, u64), Vec<usize>>,
    deepest: u8,
) -> Vec<(u64, u8)> {
    let (ra, dec) = (
        t.column(roles::pick(t, roles::RA))
            .expect("sources have positions"),
        t.column(roles::pick(t, roles::DEC))
            .expect("sources have positions"),
    );
    let mut v: Vec<(u64, u8)> = Vec::with_capacity(t.rows());
    for (&(order, _), rows) in tiles {
        for &i in rows {
            let (lon, lat) = (
                ra.f64(i).unwrap_or(0.0).to_radians(),
                dec.f64(i).unwrap_or(0.0).to_radians(),
            );
            v.push((cdshealpix::nested::hash(deepest, lon, lat), order));
        }
    }
    v.sort_unstable();
    v
}

/// `(shown, total)`: of the sources inside cell `(order, cell)`, how many this tile and its
/// ancestors show, and how many there are.
fn completeness(index: &[(u64, u8)], deepest: u8, order: u8, cell: u64) -> (usize, usize) {
    let shift = 2 * u32::from(deepest - order);
    let (lo, hi) = (cell << shift, (cell + 1) << shift);
    let a = index.partition_point(|e| e.0 < lo);
    let b = index.partition_point(|e| e.0 < hi);
    let shown = index[a..b].iter().filter(|e| e.1 <= order).count();
    (shown, b - a)
}

/// Writes every file of the HiPS catalogue through `sink(path, bytes)`, one tile at a time so
/// memory stays bounded by the placement of the sources, not by the text of the tree. `title`
/// names the catalogue in `properties`; `coverage` is written as `Moc.fits`.
pub fn write<E>(
    cat: &Catalogue,
    title: &str,
    coverage: &SkyMoc,
    mut sink: impl FnMut(&str, &[u8]) -> Result<(), E>,
) -> Result<HipsSummary, E> {
    let t = &cat.sources;
    let tiles = place(t);
    let head = header();
    let deepest = tiles.keys().map(|k| k.0).max().unwrap_or(MIN_ORDER);
    let index = placement_index(t, &tiles, deepest);
    let mut summary = HipsSummary::default();
    let mut allsky: BTreeMap<u8, String> = BTreeMap::new();
    for (&(order, cell), rows) in &tiles {
        let (shown, total) = completeness(&index, deepest, order, cell);
        let mut s = format!("# Completeness = {shown} / {total}\n");
        s.push_str(&head);
        for &i in rows {
            let r = row(t, i);
            if order <= 2 {
                allsky
                    .entry(order)
                    .or_insert_with(|| head.clone())
                    .push_str(&r);
            }
            s.push_str(&r);
        }
        sink(&tile_path(order, cell), s.as_bytes())?;
        match summary.orders.last_mut() {
            Some(last) if last.0 == order => {
                last.1 += rows.len();
                last.2 += 1;
            }
            _ => summary.orders.push((order, rows.len(), 1)),
        }
        summary.max_order = summary.max_order.max(order);
    }
    drop(index);
    for (order, text) in allsky {
        sink(&format!("Norder{order}/Allsky.tsv"), text.as_bytes())?;
    }
    let mjd_last = t.column("MJD_LAST");
    let last = (0..t.rows())
        .filter_map(|i| mjd_last.and_then(|c| c.f64(i)))
        .filter(|x| x.is_finite())
        .fold(51_544.0f64, f64::max);
    let properties = [
        ("creator_did", "ivo://xcat/P/XMM/sources".to_string()),
        ("obs_title", title.replace(['\n', '\r'], " ")),
        ("obs_description", "X-ray sources of the XMM-Newton serendipitous source catalogue, one row per source, most significant first in each tile.".to_string()),
        ("obs_regime", "X-ray".to_string()),
        ("dataproduct_type", "catalog".to_string()),
        ("hips_version", "1.4".to_string()),
        ("hips_release_date", format!("{}T00:00Z", mjd_date(last))),
        ("hips_status", "public master clonableOnce".to_string()),
        ("hips_tile_format", "tsv".to_string()),
        ("hips_frame", "equatorial".to_string()),
        ("hips_order", summary.max_order.to_string()),
        ("hips_order_min", MIN_ORDER.to_string()),
        ("hips_cat_nrows", t.rows().to_string()),
        ("moc_sky_fraction", format!("{:.6}", coverage.coverage_percentage())),
    ];
    let mut p = String::new();
    for (k, v) in properties {
        p.push_str(&format!("{k:<20} = {v}\n"));
    }
    sink("properties", p.as_bytes())?;
    sink("Metadata.xml", metadata_xml(t).as_bytes())?;
    sink("Moc.fits", &moc::to_fits(coverage, "xcat-coverage"))?;
    Ok(summary)
}

/// Builds every file of the HiPS catalogue in memory (see [`write`]; for tests and small
/// catalogues).
pub fn build(cat: &Catalogue, title: &str, coverage: &SkyMoc) -> (Vec<HipsFile>, HipsSummary) {
    let mut files: Vec<HipsFile> = Vec::new();
    let summary = write(cat, title, coverage, &mut |p: &str, b: &[u8]| {
        files.push((p.to_string(), b.to_vec()));
        Ok::<(), std::convert::Infallible>(())
    })
    .unwrap_or_else(|e| match e {});
    (files, summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_from_mjd() {
        assert_eq!(mjd_date(51_544.0), "2000-01-01");
        assert_eq!(mjd_date(60_000.5), "2023-02-25");
        assert_eq!(mjd_date(40_587.0), "1970-01-01");
    }

    #[test]
    fn tile_paths_use_ten_thousand_directories() {
        assert_eq!(tile_path(3, 712), "Norder3/Dir0/Npix712.tsv");
        assert_eq!(tile_path(7, 123_456), "Norder7/Dir120000/Npix123456.tsv");
    }
}
