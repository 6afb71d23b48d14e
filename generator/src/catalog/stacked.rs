//! Stacked catalogues: 5XMM-DR15 and the 4XMM-DR11s…DR14s stacked catalogues.
//!
//! A stacked catalogue has, for every source, one *summary row* (the simultaneous fit of all
//! observations of the source; `N_OBS` and `N_CONTRIB` are set and `OBS_ID` is blank) and one
//! *observation-specific row* per observation that covers the source (`N_OBS` and `N_CONTRIB`
//! null): 5XMM-DR15 Catalogue User Guide, section 4, "Identification of the source" (columns
//! SRCID … N_EXP). Each summary row becomes a row of the sources table; each
//! observation-specific row becomes a *measurement* of that source in that observation (the
//! rows of [`Catalogue::detections`](super::Catalogue::detections), so that a 4XMM detection
//! catalogue is the special case in which every measurement is a detection).
//!
//! A measurement is a **detection** when the standard pipeline detected the source in that
//! observation, which the catalogue records by giving the row that detection's source number:
//! `PPS_SRCNUM` (5XMM-DR15 User Guide, section 4, "Identification of the source": the source
//! number attributed to a detection by the pipeline processing), or, in 4XMM-DRns files and
//! exports without it, `SRC_NUM` or `DETID` of the matching single-observation detection. A
//! measurement without one is an **upper limit**: the fluxes of such a row are measured at the
//! source position in an observation where the source was not detected. A file with none of
//! these columns leaves the kind unknown (null), and says so.

use super::load::{ColumnMap, Origin, canonical, check_column, check_positions, check_srcids};
use crate::error::{Error, Result};
use crate::fits::FitsTable;
use crate::fits::layout::BinColumn;
use std::collections::HashMap;
use xcat_core::{Column, ColumnData, DataType, Field, Table, Validity};

/// Columns that mark a summary row when set, in order of preference (5XMM-DR15 User Guide,
/// section 4: "N_OBS > 0 selects the summary rows").
pub const SUMMARY_MARKERS: [&str; 2] = ["N_OBS", "N_CONTRIB"];

/// Columns that carry the pipeline's source number of a detection, in order of preference.
pub const DETECTION_MARKERS: [&str; 3] = ["PPS_SRCNUM", "SRC_NUM", "DETID"];

/// The derived column of measurements: detection (true) or upper limit (false).
pub const DETECTED: &str = "DETECTED";

/// Whether a table of these columns is a stacked catalogue: it has a summary-row marker.
pub fn has_stacked_columns(ft: &FitsTable, map: &ColumnMap) -> bool {
    SUMMARY_MARKERS.iter().any(|m| {
        let name = map.file_name_of(m).unwrap_or(m);
        ft.column(name).is_some()
    })
}

/// Whether header text names a stacked release: `5XMM…`, or a release name ending in `s`
/// such as `4XMM-DR13s`.
pub fn names_stacked_release(text: &str) -> bool {
    let t = text.trim().to_ascii_uppercase();
    if t.contains("5XMM") || t.contains("STACK") {
        return true;
    }
    t.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
        w.starts_with("DR")
            && w.len() > 3
            && w.ends_with('S')
            && w[2..w.len() - 1].bytes().all(|b| b.is_ascii_digit())
    })
}

/// A stacked catalogue split into its two tables.
#[derive(Debug)]
pub struct Stacked {
    /// One row per source (the summary rows), in file order.
    pub sources: Table,
    /// One row per source × observation (the observation-specific rows), in file order, with
    /// [`DETECTED`] added.
    pub measurements: Table,
    /// Source row of each measurement.
    pub source_of: Vec<u32>,
    /// Which column told detections from upper limits, if any.
    pub detection_marker: Option<&'static str>,
    /// Non-fatal findings.
    pub warnings: Vec<String>,
    /// Every measurement column of the file in file order when only some were read (see
    /// [`read`]), else empty.
    pub fields: Vec<Field>,
}

/// Reads a stacked catalogue from an open table.
/// Of the measurements, only the columns `keep` accepts (canonical names) are read, besides
/// those the model needs (SRCID, OBS_ID, IAUNAME, the detection markers).
pub fn read(
    ft: &mut FitsTable,
    map: &ColumnMap,
    keep: Option<&dyn Fn(&str) -> bool>,
    progress: &dyn Fn(usize),
) -> Result<Stacked> {
    let path = ft.path().to_path_buf();
    let hdu = ft.hdu;
    check_column(
        ft,
        map,
        "SRCID",
        "telling the sources of a stacked catalogue apart",
        true,
    )?;
    // One pass over the file: summary rows to one table, observation rows to the other.
    let marker = summary_marker(ft, map)?;
    let to_first = |row: &[u8]| match marker.1 {
        Marker::SetOnSummary => !marker.0.is_null_in(row),
        Marker::BlankOnSummary => marker.0.is_null_in(row),
    };
    let needed = |name: &str| {
        matches!(name, "SRCID" | "OBS_ID" | "IAUNAME")
            || DETECTION_MARKERS.contains(&name)
            || keep.is_none_or(|k| k(name))
    };
    let select_second = |c: &BinColumn| needed(&map.canonical(&c.name));
    // The measurements' fields as if every column were read, for the column reference.
    let fields = if keep.is_some() {
        let mut w = Vec::new();
        let header = canonical(ft.header_table(), map, &path, &mut w);
        header
            .schema()
            .fields()
            .iter()
            .filter(|f| !SUMMARY_MARKERS.contains(&f.name.as_str()))
            .cloned()
            .chain([detected_field(None)])
            .collect()
    } else {
        Vec::new()
    };
    let split = ft.read_split(&|_| true, &select_second, &to_first, progress)?;
    let mut warnings = split.warnings;
    let s_all = canonical(split.first, map, &path, &mut warnings);
    let m_all = canonical(split.second, map, &path, &mut warnings);
    let (s_rows, m_rows) = (split.first_rows, split.second_rows);
    let hint = "every row of a stacked catalogue belongs to a source";
    let at_s = Origin {
        path: &path,
        hdu,
        rows: Some(&s_rows),
    };
    let at_m = Origin {
        rows: Some(&m_rows),
        ..at_s
    };
    check_srcids(at_s, &s_all, hint)?;
    check_srcids(at_m, &m_all, hint)?;
    if s_all.rows() == 0 {
        return Err(Error::Fits {
            path: path.clone(),
            detail: format!(
                "HDU {hdu}: none of the {} rows is a summary row (N_OBS or N_CONTRIB set, OBS_ID blank)",
                m_all.rows()
            ),
            hint: "a stacked catalogue needs the summary row of each source; keep the rows with N_OBS > 0 in your selection".into(),
        });
    }
    // Sources in SRCID order (as the site's pages and indexes expect), ties by file row.
    let srcid = s_all.column("SRCID").expect("checked above");
    let mut order: Vec<usize> = (0..s_all.rows()).collect();
    order.sort_by_key(|&i| (srcid.i64(i), i));
    if let Some(w) = order
        .windows(2)
        .find(|w| srcid.i64(w[0]) == srcid.i64(w[1]))
    {
        return Err(Error::DuplicateSource {
            path: path.clone(),
            hdu,
            srcid: srcid.i64(w[0]).expect("checked non-null"),
            first: s_rows[w[0]] + 1,
            second: s_rows[w[1]] + 1,
        });
    }
    check_positions(at_s, &s_all, 0..s_all.rows())?;
    let sorted_rows: Vec<usize> = order.iter().map(|&i| s_rows[i]).collect();
    let sources = take_consuming(s_all, &order);
    let srcid = sources.column("SRCID").expect("checked above");
    let index: HashMap<i64, u32> = (0..sources.rows())
        .map(|k| (srcid.i64(k).expect("checked non-null"), k as u32))
        .collect();
    let m_srcid = m_all.column("SRCID").expect("checked above");
    let obs = m_all.column("OBS_ID");
    let mut kept = Vec::with_capacity(m_all.rows());
    let mut source_of = Vec::with_capacity(m_all.rows());
    let mut orphans: Vec<usize> = Vec::new();
    for i in 0..m_all.rows() {
        let id = m_srcid.i64(i).expect("checked non-null");
        let Some(&k) = index.get(&id) else {
            orphans.push(i);
            continue;
        };
        if obs.is_none_or(|c| c.str(i).is_none_or(|s| s.trim().is_empty())) {
            return Err(at_m.bad(
                "OBS_ID",
                i,
                "blank".into(),
                "observation identifiers on observation-specific rows",
                "a row without N_OBS/N_CONTRIB is the measurement of a source in one observation and must name it",
            ));
        }
        kept.push(i);
        source_of.push(k);
    }
    if let Some(&first) = orphans.first() {
        warnings.push(format!(
            "{}: {} observation-specific row(s) have no summary row and were left out (e.g. row {}, SRCID {}); the file looks like a selection: keep the summary rows (N_OBS > 0) of the sources you select",
            path.display(),
            orphans.len(),
            m_rows[first] + 1,
            m_srcid.value(first)
        ));
    }
    let at_sources = Origin {
        rows: Some(&sorted_rows),
        ..at_s
    };
    check_counts(&sources, &source_of, at_sources, &mut warnings)?;
    let measurements = if orphans.is_empty() {
        m_all
    } else {
        take_consuming(m_all, &kept)
    };
    let (mut sources, measurements, marker) = finish(sources, measurements);
    if marker.is_none() && measurements.rows() > 0 {
        warnings.push(format!(
            "{}: no PPS_SRCNUM, SRC_NUM or DETID column, so detections cannot be told from upper limits (DETECTED is null)",
            path.display()
        ));
    }
    derive_counts(&mut sources, &measurements, &source_of);
    let fields = fields
        .into_iter()
        .map(|f| match measurements.schema().get(&f.name) {
            Some(loaded) => loaded.clone(),
            None => f,
        })
        .collect();
    Ok(Stacked {
        sources,
        measurements,
        source_of,
        detection_marker: marker,
        warnings,
        fields,
    })
}

/// How the summary rows are told from the observation-specific rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    /// The column (N_OBS, N_CONTRIB) is set on summary rows only.
    SetOnSummary,
    /// The column (OBS_ID) is blank on summary rows only.
    BlankOnSummary,
}

/// The column that marks summary rows: N_OBS, else N_CONTRIB, else OBS_ID (5XMM-DR15 User
/// Guide, section 4).
fn summary_marker(ft: &FitsTable, map: &ColumnMap) -> Result<(BinColumn, Marker)> {
    for m in SUMMARY_MARKERS {
        if let Some(c) = ft.column(map.file_name_of(m).unwrap_or(m)) {
            return Ok((c.clone(), Marker::SetOnSummary));
        }
    }
    match ft.column(map.file_name_of("OBS_ID").unwrap_or("OBS_ID")) {
        Some(c) => Ok((c.clone(), Marker::BlankOnSummary)),
        None => Err(Error::MissingColumn {
            path: ft.path().to_path_buf(),
            hdu: ft.hdu,
            column: "N_OBS".into(),
            needed_for: "telling summary rows from observation-specific rows (N_OBS, N_CONTRIB or OBS_ID)",
        }),
    }
}

/// The rows `idx` of `t` in that order, one column at a time (each column of `t` is freed once
/// copied).
fn take_consuming(t: Table, idx: &[usize]) -> Table {
    if idx.len() == t.rows() && idx.iter().enumerate().all(|(k, &i)| k == i) {
        return t;
    }
    let mut out = Table::with_rows(idx.len());
    let (fields, columns) = t.into_parts();
    for (f, c) in fields.into_iter().zip(columns) {
        out.push(f, c.take(idx)).expect("one row per index");
    }
    out
}

/// N_CONTRIB (else N_OBS) against the observation-specific rows present: fewer rows is a
/// selection (a counted warning); more rows than the summary row counts is an inconsistent file.
fn check_counts(
    sources: &Table,
    source_of: &[u32],
    at: Origin<'_>,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let Some((name, col)) = ["N_CONTRIB", "N_OBS"]
        .iter()
        .find_map(|n| sources.column(n).map(|c| (*n, c)))
    else {
        return Ok(());
    };
    let mut present = vec![0i64; sources.rows()];
    for &k in source_of {
        present[k as usize] += 1;
    }
    let mut fewer = Vec::new();
    for (k, &got) in present.iter().enumerate() {
        let Some(claimed) = col.i64(k) else {
            continue;
        };
        if got > claimed {
            return Err(Error::Fits {
                path: at.path.to_path_buf(),
                detail: format!(
                    "HDU {}, row {}: SRCID {} has {got} observation-specific rows but its summary row says {name} = {claimed}",
                    at.hdu,
                    at.file_row(k) + 1,
                    sources.value("SRCID", k),
                ),
                hint: "the rows of two catalogues may have been mixed; a stacked catalogue has at most {name} rows per source besides its summary row".replace("{name}", name),
            });
        }
        if got < claimed {
            fewer.push((k, claimed, got));
        }
    }
    // Named by the first in file order.
    if let Some(&(k, claimed, got)) = fewer.iter().min_by_key(|f| at.file_row(f.0)) {
        warnings.push(format!(
            "{}: {} source(s) have fewer observation-specific rows than {name} says (e.g. SRCID {}, row {}: {name} = {claimed}, {got} present); the file looks like a selection, and their pages show the rows present",
            at.path.display(),
            fewer.len(),
            sources.value("SRCID", k),
            at.file_row(k) + 1
        ));
    }
    Ok(())
}

/// The two tables without the columns of the other kind of row: columns that only observation
/// rows fill (OBS_ID, PPS_SRCNUM, …) leave the sources; the summary-only N_OBS, N_CONTRIB and
/// columns null on every observation row leave the measurements, which get [`DETECTED`].
/// Returns the column that marked detections.
fn finish(sources: Table, measurements: Table) -> (Table, Table, Option<&'static str>) {
    let marker = DETECTION_MARKERS
        .iter()
        .find(|m| measurements.column(m).is_some())
        .copied();
    let n = measurements.rows();
    let mut validity = Validity::all_valid(n);
    let detected: Vec<bool> = match marker.and_then(|m| measurements.column(m)) {
        Some(c) => (0..n).map(|r| !c.is_null(r)).collect(),
        None => {
            (0..n).for_each(|i| validity.set(i, false));
            vec![false; n]
        }
    };
    let has_values = |c: &Column| c.null_count() < c.len();
    let sources = keep_only(sources, &|name, c| {
        name == "SRCID" || name != "OBS_ID" && has_values(c)
    });
    let mut measurements = keep_only(measurements, &|name, c| {
        matches!(name, "SRCID" | "OBS_ID" | "IAUNAME")
            || !SUMMARY_MARKERS.contains(&name) && has_values(c)
    });
    measurements
        .push(
            detected_field(marker),
            Column::new(ColumnData::Bool(detected), validity),
        )
        .expect("one row per measurement");
    (sources, measurements, marker)
}

/// The field of [`DETECTED`], derived from `marker`.
fn detected_field(marker: Option<&str>) -> Field {
    Field::new(DETECTED, DataType::Bool)
        .with_ucd("meta.code")
        .with_description(match marker {
            Some(m) => format!("Whether the source was detected in this observation (true) or the row is an upper limit measured at the source position (false); derived: {m} is set on detections."),
            None => "Whether the source was detected in this observation (true) or the row is an upper limit measured at the source position (false); derived from PPS_SRCNUM (else SRC_NUM or DETID), set on detections.".to_string(),
        })
}

/// The columns of `t` for which `keep(name, column)` holds.
fn keep_only(t: Table, keep: &dyn Fn(&str, &Column) -> bool) -> Table {
    let mut out = Table::with_rows(t.rows());
    let (fields, columns) = t.into_parts();
    for (f, c) in fields.into_iter().zip(columns) {
        if keep(&f.name, &c) {
            out.push(f, c).expect("same rows");
        }
    }
    out
}

/// Adds N_DETECTIONS, N_UPPER_LIMITS and HAS_SPECTRUM to the sources, derived from the
/// measurements present.
fn derive_counts(sources: &mut Table, m: &Table, source_of: &[u32]) {
    let n = sources.rows();
    let detected = m.column(DETECTED).expect("added");
    let spectra = m.column("SPECTRA");
    let (mut det, mut ul) = (vec![0i32; n], vec![0i32; n]);
    let mut has = vec![false; n];
    let known = (0..m.rows()).all(|i| !detected.is_null(i));
    for (i, &k) in source_of.iter().enumerate() {
        match detected.bool(i) {
            Some(true) => det[k as usize] += 1,
            Some(false) => ul[k as usize] += 1,
            None => {}
        }
        if spectra.and_then(|c| c.bool(i)) == Some(true) {
            has[k as usize] = true;
        }
    }
    let counts = |v: Vec<i32>| {
        let mut validity = Validity::all_valid(n);
        if !known {
            (0..n).for_each(|i| validity.set(i, false));
        }
        Column::new(ColumnData::I32(v), validity)
    };
    if sources.column("N_DETECTIONS").is_none() {
        let f = Field::new("N_DETECTIONS", DataType::I32)
            .with_ucd("meta.number")
            .with_description("Number of observations in which the source was detected (derived from the observation-specific rows present).");
        sources.push(f, counts(det)).expect("one row per source");
    }
    let f = Field::new("N_UPPER_LIMITS", DataType::I32)
        .with_ucd("meta.number")
        .with_description("Number of observations covering the source in which it was not detected: upper limits measured at its position (derived from the observation-specific rows present).");
    sources.push(f, counts(ul)).expect("one row per source");
    if sources.column("HAS_SPECTRUM").is_none() {
        let f = Field::new("HAS_SPECTRUM", DataType::Bool)
            .with_ucd("meta.code")
            .with_description("Whether the pipeline extracted a spectrum in any observation of the source (derived from SPECTRA).");
        sources
            .push(f, Column::from_data(ColumnData::Bool(has)))
            .expect("one row per source");
    }
}
