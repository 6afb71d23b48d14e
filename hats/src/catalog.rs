//! Writing a table as a HATS catalogue with its margin catalogue, and collections.

use crate::leaf::{INDEX_COLUMN, LeafFormat};
use crate::partition::{INDEX_ORDER, Pixel, healpix29, partition};
use crate::properties::{number, render};
use crate::{Error, Sink};
use parquet::file::metadata::ParquetMetaData;
use rayon::prelude::*;
use std::ops::Range;
use xcat_core::Table;

/// The version of the HATS format written.
pub const HATS_VERSION: &str = "v1.0";

/// How a catalogue is cut and written.
#[derive(Debug, Clone)]
pub struct Options {
    /// Most rows in one partition (`hats_max_rows`): a cell holding more is split.
    pub max_rows: usize,
    /// Highest partition order: cells of this order are not split further.
    pub max_order: u8,
    /// Most rows in one Parquet row group.
    pub row_group_rows: usize,
    /// Width of the margin catalogue in arcseconds (`hats_margin_threshold`); 0 writes none.
    pub margin_arcsec: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_rows: 50_000,
            max_order: 10,
            row_group_rows: 10_000,
            margin_arcsec: 10.0,
        }
    }
}

/// One table to write as a HATS catalogue.
#[derive(Debug)]
pub struct Catalog<'a> {
    /// Folder name of the catalogue inside its collection (`sources`).
    pub name: String,
    /// `obs_collection` of its properties (`4xmm_dr14_sources`).
    pub collection: String,
    /// The rows.
    pub table: &'a Table,
    /// Right-ascension column (degrees, ICRS).
    pub ra: String,
    /// Declination column (degrees, ICRS).
    pub dec: String,
    /// `dataproduct_type`: `object` for a table of sources, `source` for one of detections.
    pub kind: &'static str,
    /// `hats_cols_default`: the columns LSDB loads unless asked for others.
    pub default_columns: Vec<String>,
    /// Further `hats.properties` entries (`obs_title`, `obs_regime`, `t_min`, `t_max`, …).
    pub properties: Vec<(String, String)>,
}

/// What was written for one catalogue.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Written {
    /// Rows of the catalogue.
    pub rows: usize,
    /// Its partitions (leaf files).
    pub partitions: usize,
    /// Highest order of a partition.
    pub max_order: u8,
    /// Rows of its margin catalogue (a row near several partitions counts once for each).
    pub margin_rows: usize,
    /// Partitions of the margin catalogue.
    pub margin_partitions: usize,
    /// Files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
}

/// Counts what goes through a sink.
struct Counting<'a> {
    sink: &'a Sink<'a>,
    files: std::sync::atomic::AtomicUsize,
    bytes: std::sync::atomic::AtomicU64,
}

impl Counting<'_> {
    fn put(&self, path: &str, bytes: &[u8]) -> Result<(), Error> {
        use std::sync::atomic::Ordering::Relaxed;
        (self.sink)(path, bytes).map_err(|message| Error::Write {
            path: path.to_string(),
            message,
        })?;
        self.files.fetch_add(1, Relaxed);
        self.bytes.fetch_add(bytes.len() as u64, Relaxed);
        Ok(())
    }
}

/// Name of the margin catalogue of `name` with a margin of `arcsec`: `sources_10arcs`.
pub fn margin_name(name: &str, arcsec: f64) -> String {
    format!("{name}_{}arcs", number(arcsec))
}

/// Writes `catalog` below `dir` (a path relative to the sink's root, without trailing slash)
/// as `dir/<name>/`, its margin catalogue as `dir/<name>_<N>arcs/`.
pub fn write_catalog(
    dir: &str,
    catalog: &Catalog,
    options: &Options,
    sink: &Sink,
) -> Result<Written, Error> {
    let out = Counting {
        sink,
        files: 0.into(),
        bytes: 0.into(),
    };
    let table = catalog.table;
    let position = |column: &str| -> Result<_, Error> {
        table
            .column(column)
            .filter(|c| c.dtype().is_numeric())
            .ok_or_else(|| Error::Column {
                table: catalog.collection.clone(),
                column: column.to_string(),
            })
    };
    let (ra, dec) = (position(&catalog.ra)?, position(&catalog.dec)?);
    if u32::try_from(table.rows()).is_err() {
        return Err(Error::TooManyRows {
            table: catalog.collection.clone(),
            rows: table.rows(),
        });
    }
    // Every row's index, then the rows in index order (ties in input order).
    let mut order: Vec<(u64, u32)> = (0..table.rows())
        .into_par_iter()
        .map(|r| {
            let (a, d) = (ra.f64(r), dec.f64(r));
            match a.zip(d).and_then(|(a, d)| healpix29(a, d)) {
                Some(h) => Ok((h, r as u32)),
                None => Err(Error::Position(format!(
                    "row {} of {} has no valid position ({} = {}, {} = {})",
                    r + 1,
                    catalog.collection,
                    catalog.ra,
                    a.map_or("null".into(), |x| x.to_string()),
                    catalog.dec,
                    d.map_or("null".into(), |x| x.to_string()),
                ))),
            }
        })
        .collect::<Result<_, _>>()?;
    order.par_sort_unstable();
    let index: Vec<u64> = order.iter().map(|&(h, _)| h).collect();
    let rows: Vec<u32> = order.iter().map(|&(_, r)| r).collect();
    let parts = partition(&index, options.max_rows, options.max_order);
    let format = LeafFormat::new(table.schema().fields(), options.row_group_rows, Vec::new());

    let base = format!("{dir}/{}", catalog.name);
    let leaves = write_leaves(&base, &format, table, &parts, &rows, &index, &out)?;
    let max_order = parts.iter().map(|(p, _)| p.order).max().unwrap_or(0);
    let mut props = vec![
        ("obs_collection".to_string(), catalog.collection.clone()),
        ("dataproduct_type".into(), catalog.kind.into()),
        ("hats_nrows".into(), table.rows().to_string()),
        ("hats_col_ra".into(), catalog.ra.clone()),
        ("hats_col_dec".into(), catalog.dec.clone()),
        ("hats_col_healpix".into(), INDEX_COLUMN.into()),
        ("hats_col_healpix_order".into(), INDEX_ORDER.to_string()),
    ];
    if !catalog.default_columns.is_empty() {
        props.push((
            "hats_cols_default".into(),
            catalog.default_columns.join(" "),
        ));
    }
    props.extend([
        ("hats_npix_suffix".into(), ".parquet".into()),
        ("hats_max_rows".into(), options.max_rows.to_string()),
        ("hats_order".into(), max_order.to_string()),
    ]);
    let tail = |bytes: u64| {
        [
            ("hats_estsize".to_string(), (bytes / 1024).to_string()),
            (
                "hats_builder".into(),
                format!("xcat v{}", env!("CARGO_PKG_VERSION")),
            ),
            ("hats_version".into(), HATS_VERSION.into()),
        ]
    };
    let leaf_bytes = leaves.iter().map(|l| l.2).sum::<u64>();
    let mut main_props = props.clone();
    main_props.extend(catalog.properties.iter().cloned());
    main_props.extend(tail(leaf_bytes));
    finish_catalog(&base, &format, &leaves, &main_props, &out)?;
    let mut written = Written {
        rows: table.rows(),
        partitions: parts.len(),
        max_order,
        ..Written::default()
    };

    if options.margin_arcsec > 0.0 {
        let margins = margin_rows(&parts, &index, &rows, options.margin_arcsec);
        let name = margin_name(&catalog.name, options.margin_arcsec);
        let mbase = format!("{dir}/{name}");
        let mparts: Vec<(Pixel, Range<usize>)> = {
            let mut start = 0;
            margins
                .iter()
                .map(|(p, m)| {
                    start += m.len();
                    (*p, start - m.len()..start)
                })
                .collect()
        };
        let mrows: Vec<u32> = margins
            .iter()
            .flat_map(|(_, m)| m.iter().map(|&(_, r)| r))
            .collect();
        let mindex: Vec<u64> = margins
            .iter()
            .flat_map(|(_, m)| m.iter().map(|&(h, _)| h))
            .collect();
        let mleaves = write_leaves(&mbase, &format, table, &mparts, &mrows, &mindex, &out)?;
        let mut mprops = props.clone();
        mprops[0].1 = format!(
            "{}_{}arcs",
            catalog.collection,
            number(options.margin_arcsec)
        );
        mprops[1].1 = "margin".into();
        mprops[2].1 = mrows.len().to_string();
        mprops.extend([
            (
                "hats_primary_table_url".to_string(),
                format!("../{}", catalog.name),
            ),
            (
                "hats_margin_threshold".into(),
                number(options.margin_arcsec),
            ),
        ]);
        mprops.extend(tail(mleaves.iter().map(|l| l.2).sum()));
        finish_catalog(&mbase, &format, &mleaves, &mprops, &out)?;
        written.margin_rows = mrows.len();
        written.margin_partitions = mparts.len();
    }
    use std::sync::atomic::Ordering::Relaxed;
    written.files = out.files.load(Relaxed);
    written.bytes = out.bytes.load(Relaxed);
    Ok(written)
}

/// Writes the leaf of every partition (in parallel); returns each leaf's path below
/// `dataset/`, footer and size, in partition order.
fn write_leaves(
    base: &str,
    format: &LeafFormat,
    table: &Table,
    parts: &[(Pixel, Range<usize>)],
    rows: &[u32],
    index: &[u64],
    out: &Counting,
) -> Result<Vec<(String, ParquetMetaData, u64)>, Error> {
    parts
        .par_iter()
        .map(|(pixel, range)| {
            let (bytes, meta) = format.write(table, &rows[range.clone()], &index[range.clone()])?;
            let leaf = pixel.leaf();
            out.put(&format!("{base}/dataset/{leaf}"), &bytes)?;
            Ok((leaf, meta, bytes.len() as u64))
        })
        .collect()
}

/// The files beside the leaves: `dataset/_metadata`, `dataset/_common_metadata`,
/// `partition_info.csv` and `hats.properties`.
fn finish_catalog(
    base: &str,
    format: &LeafFormat,
    leaves: &[(String, ParquetMetaData, u64)],
    props: &[(String, String)],
    out: &Counting,
) -> Result<(), Error> {
    let described: Vec<(String, &ParquetMetaData)> =
        leaves.iter().map(|(p, m, _)| (p.clone(), m)).collect();
    out.put(
        &format!("{base}/dataset/_metadata"),
        &format.dataset_metadata(&described)?,
    )?;
    out.put(
        &format!("{base}/dataset/_common_metadata"),
        &format.common_metadata()?,
    )?;
    let mut csv = String::from("Norder,Npix\n");
    for (leaf, _, _) in leaves {
        // "Norder=K/Dir=D/Npix=N.parquet"
        let mut it = leaf.split('/');
        let order = it.next().unwrap_or_default().trim_start_matches("Norder=");
        let npix = it
            .nth(1)
            .unwrap_or_default()
            .trim_start_matches("Npix=")
            .trim_end_matches(".parquet");
        csv.push_str(&format!("{order},{npix}\n"));
    }
    out.put(&format!("{base}/partition_info.csv"), csv.as_bytes())?;
    out.put(
        &format!("{base}/hats.properties"),
        render("HATS catalog", props).as_bytes(),
    )
}

/// The HEALPix order of the margin cells for a margin of `arcsec`: the deepest whose cells are
/// at least twice as wide as the margin (nominal size √(4π/12)/2ᵏ, halved for the narrowest
/// cells), so that a point within the margin of a partition lies in a cell that is inside it
/// or one of its eight neighbours.
pub fn margin_order(arcsec: f64) -> u8 {
    let nominal0 = (std::f64::consts::PI / 3.0).sqrt().to_degrees() * 3600.0;
    let mut k = 0u8;
    while k < 29 && nominal0 / f64::from(1u32 << (k + 1)) / 2.0 >= arcsec {
        k += 1;
    }
    k
}

/// For each partition, the rows of the other partitions within `arcsec` of it, as
/// (`_healpix_29`, row) in index order. As `hats-import` does, a row is taken by every
/// partition that overlaps its cell of the margin order ([`margin_order`]) or one of that
/// cell's eight neighbours: every row within the margin, and some up to about two cells
/// farther (a superset).
#[allow(clippy::type_complexity)]
fn margin_rows(
    parts: &[(Pixel, Range<usize>)],
    index: &[u64],
    rows: &[u32],
    arcsec: f64,
) -> Vec<(Pixel, Vec<(u64, u32)>)> {
    let order = margin_order(arcsec);
    let ranges: Vec<Range<u64>> = parts.iter().map(|(p, _)| p.range29()).collect();
    let shift = 2 * u32::from(INDEX_ORDER - order);
    // Partitions overlapping the `_healpix_29` range r (sorted, disjoint ranges).
    let overlapping = |r: Range<u64>, out: &mut Vec<usize>| {
        let mut k = ranges.partition_point(|p| p.end <= r.start);
        while k < ranges.len() && ranges[k].start < r.end {
            out.push(k);
            k += 1;
        }
    };
    let mut hits: Vec<(usize, u64, u32)> = parts
        .par_iter()
        .enumerate()
        .flat_map_iter(|(own, (_, range))| {
            let overlapping = &overlapping;
            let mut last: Option<(u64, Vec<usize>)> = None;
            range.clone().flat_map(move |k| {
                let (h, r) = (index[k], rows[k]);
                let cell = h >> shift;
                // Rows come sorted: consecutive rows of one cell share its answer.
                if last.as_ref().is_none_or(|(c, _)| *c != cell) {
                    let mut near = Vec::new();
                    let map = cdshealpix::nested::neighbours(order, cell, true);
                    for n in map.values_vec() {
                        overlapping((n << shift)..((n + 1) << shift), &mut near);
                    }
                    near.sort_unstable();
                    near.dedup();
                    near.retain(|&p| p != own);
                    last = Some((cell, near));
                }
                let near = last.as_ref().map(|(_, v)| v.clone()).unwrap_or_default();
                near.into_iter().map(move |p| (p, h, r))
            })
        })
        .collect();
    hits.par_sort_unstable();
    let mut out: Vec<(Pixel, Vec<(u64, u32)>)> = Vec::new();
    for (p, h, r) in hits {
        match out.last_mut() {
            Some((pixel, v)) if *pixel == parts[p].0 => v.push((h, r)),
            _ => out.push((parts[p].0, vec![(h, r)])),
        }
    }
    out
}

/// Writes `collection.properties` of a collection at `dir` whose primary catalogue is
/// `primary` with the margins `margins` (the first is the default).
pub fn write_collection(
    dir: &str,
    name: &str,
    primary: &str,
    margins: &[String],
    extra: &[(String, String)],
    sink: &Sink,
) -> Result<(), Error> {
    let mut props = vec![
        ("obs_collection".to_string(), name.to_string()),
        ("hats_primary_table_url".into(), primary.into()),
    ];
    if let Some(first) = margins.first() {
        props.push(("all_margins".into(), margins.join(" ")));
        props.push(("default_margin".into(), first.clone()));
    }
    props.extend(extra.iter().cloned());
    let path = format!("{dir}/collection.properties");
    sink(&path, render("HATS collection", &props).as_bytes())
        .map_err(|message| Error::Write { path, message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_cells_are_at_least_twice_the_margin_wide() {
        // Nominal cell size √(π/3) rad / 2ᵏ: 25.8″ at order 13, 12.9″ at order 14.
        assert_eq!(margin_order(10.0), 13);
        assert_eq!(margin_order(6.0), 14);
        assert_eq!(margin_order(1800.0), 5);
        assert_eq!(margin_order(1e-9), 29);
    }
}
