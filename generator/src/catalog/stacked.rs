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

use super::load::{ColumnMap, Origin, check_positions, check_srcids, read_columns};
use crate::error::{Error, Result};
use crate::fits::FitsTable;
use std::collections::HashMap;
use std::path::Path;
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
}

/// Reads a stacked catalogue from an open table.
pub fn read(ft: &mut FitsTable, map: &ColumnMap, progress: &dyn Fn(usize)) -> Result<Stacked> {
    let path = ft.path().to_path_buf();
    let hdu = ft.hdu;
    let srcid_name = map.file_name_of("SRCID").unwrap_or("SRCID").to_string();
    match ft.column(&srcid_name) {
        None => {
            return Err(Error::MissingColumn {
                path,
                hdu,
                column: "SRCID".into(),
                needed_for: "telling the sources of a stacked catalogue apart",
            });
        }
        Some(c) if !c.dtype().is_some_and(|d| d.is_integer()) => {
            return Err(Error::WrongType {
                path,
                hdu,
                column: c.name.clone(),
                found: c
                    .dtype()
                    .map_or_else(|| "unsupported".to_string(), |t| t.to_string()),
                tform: c.tform.clone(),
                expected: "an integer column (FITS K or J)",
            });
        }
        Some(_) => {}
    }
    let (table, mut warnings) = read_columns(ft, map, progress)?;
    let summary = summary_rows(&table, &path, hdu)?;
    let srcid = table.column("SRCID").expect("checked above");
    let at = Origin { path: &path, hdu };
    check_srcids(
        at,
        &table,
        "every row of a stacked catalogue belongs to a source",
    )?;
    // Sources in SRCID order (as the site's pages and indexes expect), ties by row.
    let mut source_rows: Vec<usize> = (0..table.rows()).filter(|&i| summary[i]).collect();
    source_rows.sort_by_key(|&i| (srcid.i64(i), i));
    if source_rows.is_empty() {
        return Err(Error::Fits {
            path,
            detail: format!(
                "HDU {hdu}: none of the {} rows is a summary row (N_OBS or N_CONTRIB set, OBS_ID blank)",
                table.rows()
            ),
            hint: "a stacked catalogue needs the summary row of each source; keep the rows with N_OBS > 0 in your selection".into(),
        });
    }
    let mut index: HashMap<i64, usize> = HashMap::with_capacity(source_rows.len());
    for (k, &row) in source_rows.iter().enumerate() {
        let id = srcid.i64(row).expect("checked non-null");
        if let Some(&first) = index.get(&id) {
            return Err(Error::DuplicateSource {
                path,
                hdu,
                srcid: id,
                first: source_rows[first] + 1,
                second: row + 1,
            });
        }
        index.insert(id, k);
    }
    check_positions(at, &table, source_rows.iter().copied())?;
    let obs = table.column("OBS_ID");
    let mut measurement_rows = Vec::with_capacity(table.rows() - source_rows.len());
    let mut source_of = Vec::with_capacity(measurement_rows.capacity());
    let mut orphans: Vec<usize> = Vec::new();
    for i in (0..table.rows()).filter(|&i| !summary[i]) {
        let id = srcid.i64(i).expect("checked non-null");
        let Some(&k) = index.get(&id) else {
            orphans.push(i);
            continue;
        };
        if obs.is_none_or(|c| c.str(i).is_none_or(|s| s.trim().is_empty())) {
            return Err(at.bad(
                "OBS_ID",
                i,
                "blank".into(),
                "observation identifiers on observation-specific rows",
                "a row without N_OBS/N_CONTRIB is the measurement of a source in one observation and must name it",
            ));
        }
        measurement_rows.push(i);
        source_of.push(k as u32);
    }
    if let Some(&first) = orphans.first() {
        warnings.push(format!(
            "{}: {} observation-specific row(s) have no summary row and were left out (e.g. row {}, SRCID {}); the file looks like a selection: keep the summary rows (N_OBS > 0) of the sources you select",
            path.display(),
            orphans.len(),
            first + 1,
            srcid.value(first)
        ));
    }
    check_counts(&table, &source_rows, &source_of, &path, hdu, &mut warnings)?;
    let (mut sources, measurements, marker) = split(table, &source_rows, &measurement_rows);
    if marker.is_none() && !measurement_rows.is_empty() {
        warnings.push(format!(
            "{}: no PPS_SRCNUM, SRC_NUM or DETID column, so detections cannot be told from upper limits (DETECTED is null)",
            path.display()
        ));
    }
    derive_counts(&mut sources, &measurements, &source_of);
    Ok(Stacked {
        sources,
        measurements,
        source_of,
        detection_marker: marker,
        warnings,
    })
}

/// Which rows are summary rows: N_OBS set (else N_CONTRIB set, else OBS_ID blank).
fn summary_rows(t: &Table, path: &Path, hdu: usize) -> Result<Vec<bool>> {
    for m in SUMMARY_MARKERS {
        if let Some(c) = t.column(m) {
            return Ok((0..t.rows()).map(|i| !c.is_null(i)).collect());
        }
    }
    match t.column("OBS_ID") {
        Some(c) => Ok((0..t.rows())
            .map(|i| c.str(i).is_none_or(|s| s.trim().is_empty()))
            .collect()),
        None => Err(Error::MissingColumn {
            path: path.to_path_buf(),
            hdu,
            column: "N_OBS".into(),
            needed_for: "telling summary rows from observation-specific rows (N_OBS, N_CONTRIB or OBS_ID)",
        }),
    }
}

/// N_CONTRIB (else N_OBS) against the observation-specific rows present: fewer rows is a
/// selection (a counted warning); more rows than the summary row counts is an inconsistent file.
fn check_counts(
    t: &Table,
    source_rows: &[usize],
    source_of: &[u32],
    path: &Path,
    hdu: usize,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let Some((name, col)) = ["N_CONTRIB", "N_OBS"]
        .iter()
        .find_map(|n| t.column(n).map(|c| (*n, c)))
    else {
        return Ok(());
    };
    let mut present = vec![0i64; source_rows.len()];
    for &k in source_of {
        present[k as usize] += 1;
    }
    let mut fewer = Vec::new();
    for (k, &row) in source_rows.iter().enumerate() {
        let Some(claimed) = col.i64(row) else {
            continue;
        };
        if present[k] > claimed {
            return Err(Error::Fits {
                path: path.to_path_buf(),
                detail: format!(
                    "HDU {hdu}, row {}: SRCID {} has {} observation-specific rows but its summary row says {name} = {claimed}",
                    row + 1,
                    t.value("SRCID", row),
                    present[k]
                ),
                hint: "the rows of two catalogues may have been mixed; a stacked catalogue has at most {name} rows per source besides its summary row".replace("{name}", name),
            });
        }
        if present[k] < claimed {
            fewer.push((row, claimed, present[k]));
        }
    }
    if let Some(&(row, claimed, got)) = fewer.first() {
        warnings.push(format!(
            "{}: {} source(s) have fewer observation-specific rows than {name} says (e.g. SRCID {}, row {}: {name} = {claimed}, {got} present); the file looks like a selection, and their pages show the rows present",
            path.display(),
            fewer.len(),
            t.value("SRCID", row),
            row + 1
        ));
    }
    Ok(())
}

/// Whether a column has no value in any of `rows`.
fn all_null(c: &Column, rows: &[usize]) -> bool {
    rows.iter().all(|&r| c.is_null(r))
}

/// Splits the file's table into the summary rows (the sources) and the observation-specific
/// rows (the measurements, with [`DETECTED`]), one column at a time so that the file's table
/// and the two parts are never all in memory at once. Columns that only observation rows fill
/// (OBS_ID, PPS_SRCNUM, …) are left out of the sources; the summary-only N_OBS, N_CONTRIB and
/// columns null on every observation row are left out of the measurements. Returns the column
/// that marked detections.
fn split(
    t: Table,
    source_rows: &[usize],
    measurement_rows: &[usize],
) -> (Table, Table, Option<&'static str>) {
    let marker = DETECTION_MARKERS
        .iter()
        .find(|m| t.column(m).is_some())
        .copied();
    let mut validity = Validity::all_valid(measurement_rows.len());
    let detected: Vec<bool> = match marker.and_then(|m| t.column(m)) {
        Some(c) => measurement_rows.iter().map(|&r| !c.is_null(r)).collect(),
        None => {
            (0..measurement_rows.len()).for_each(|i| validity.set(i, false));
            vec![false; measurement_rows.len()]
        }
    };
    let mut sources = Table::with_rows(source_rows.len());
    let mut measurements = Table::with_rows(measurement_rows.len());
    let (fields, columns) = t.into_parts();
    for (f, c) in fields.into_iter().zip(columns) {
        let name = f.name.as_str();
        if name == "SRCID" || name != "OBS_ID" && !all_null(&c, source_rows) {
            sources
                .push(f.clone(), c.take(source_rows))
                .expect("one row per source");
        }
        let summary_only = SUMMARY_MARKERS.contains(&name);
        if matches!(name, "SRCID" | "OBS_ID" | "IAUNAME")
            || !summary_only && !all_null(&c, measurement_rows)
        {
            measurements
                .push(f, c.take(measurement_rows))
                .expect("one row per measurement");
        }
    }
    let f = Field::new(DETECTED, DataType::Bool)
        .with_ucd("meta.code")
        .with_description(match marker {
            Some(m) => format!("Whether the source was detected in this observation (true) or the row is an upper limit measured at the source position (false); derived: {m} is set on detections."),
            None => "Whether the source was detected in this observation; unknown (null) because the file has no PPS_SRCNUM, SRC_NUM or DETID column.".to_string(),
        });
    measurements
        .push(f, Column::new(ColumnData::Bool(detected), validity))
        .expect("one row per measurement");
    (sources, measurements, marker)
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
