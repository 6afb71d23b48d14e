//! Builds the sources table (detections grouped by SRCID) and the observations table
//! (grouped by OBS_ID) from the detections table, with derived columns.

use std::collections::HashMap;
use xcat_core::coords::{lon_lat, unit_vector};
use xcat_core::{Column, ColumnData, DataType, Field, StrColumn, Table, Validity};

/// Rows of one table grouped under the rows of another (compressed sparse rows).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Groups {
    offsets: Vec<u32>,
    members: Vec<u32>,
}

impl Groups {
    /// Groups rows by a key: `keys[i]` is the group of row `i`, groups numbered 0..n.
    pub fn from_keys(keys: &[u32], n: usize) -> Self {
        let mut counts = vec![0u32; n + 1];
        for &k in keys {
            counts[k as usize + 1] += 1;
        }
        for i in 1..=n {
            counts[i] += counts[i - 1];
        }
        let mut fill = counts.clone();
        let mut members = vec![0u32; keys.len()];
        for (row, &k) in keys.iter().enumerate() {
            members[fill[k as usize] as usize] = row as u32;
            fill[k as usize] += 1;
        }
        Groups {
            offsets: counts,
            members,
        }
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether there are no groups.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Rows of group `g`, in ascending row order.
    pub fn members(&self, g: usize) -> &[u32] {
        &self.members[self.offsets[g] as usize..self.offsets[g + 1] as usize]
    }
}

/// Source-level columns of the 4XMM detection catalogue (the same for every detection of a
/// source), besides those starting with `SC_`.
const SOURCE_COLUMNS: [&str; 7] = [
    "SRCID",
    "IAUNAME",
    "MJD_FIRST",
    "MJD_LAST",
    "N_DETECTIONS",
    "CONFUSED",
    "HIGH_BACKGROUND",
];

/// Whether a detection-catalogue column describes the source rather than the detection.
pub fn is_source_column(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper.starts_with("SC_") || SOURCE_COLUMNS.contains(&upper.as_str())
}

/// Observation-level columns copied from the first detection of each observation.
pub const OBSERVATION_COLUMNS: [&str; 10] = [
    "OBS_ID",
    "REVOLUT",
    "MJD_START",
    "MJD_STOP",
    "OBS_CLASS",
    "PN_FILTER",
    "M1_FILTER",
    "M2_FILTER",
    "PN_SUBMODE",
    "M1_SUBMODE",
];

/// Exposure columns whose largest value per observation the observations table keeps.
pub const ONTIME_COLUMNS: [&str; 4] = ["PN_ONTIME", "M1_ONTIME", "M2_ONTIME", "EP_ONTIME"];

/// Measurement columns the observations table is made from (besides OBS_ID, RA and DEC).
pub fn observation_inputs() -> impl Iterator<Item = &'static str> {
    OBSERVATION_COLUMNS
        .into_iter()
        .chain(["M2_SUBMODE"])
        .chain(ONTIME_COLUMNS)
}

/// Detections grouped into sources and observations.
#[derive(Debug)]
pub struct Grouping {
    /// Sources table, ordered by SRCID.
    pub sources: Table,
    /// Observations table, ordered by OBS_ID.
    pub observations: Table,
    /// Detections of each source.
    pub source_detections: Groups,
    /// Detections of each observation.
    pub observation_detections: Groups,
    /// Warnings about inconsistent source-level values.
    pub warnings: Vec<String>,
}

/// Groups `det` (which must have SRCID, OBS_ID, RA, DEC).
pub fn group(det: &Table, iau_prefix: &str) -> Grouping {
    let srcid = det.column("SRCID").expect("checked at load");
    let mut ids: Vec<i64> = (0..det.rows())
        .map(|i| srcid.i64(i).unwrap_or(i64::MIN))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let index: HashMap<i64, u32> = ids
        .iter()
        .enumerate()
        .map(|(k, &v)| (v, k as u32))
        .collect();
    let keys: Vec<u32> = (0..det.rows())
        .map(|i| index[&srcid.i64(i).unwrap_or(i64::MIN)])
        .collect();
    let source_detections = Groups::from_keys(&keys, ids.len());

    let observation_detections = by_observation(det);
    let mut warnings = Vec::new();
    let sources = sources_table(det, &source_detections, iau_prefix, &mut warnings);
    let observations = observations_table(det, &observation_detections);
    Grouping {
        sources,
        observations,
        source_detections,
        observation_detections,
        warnings,
    }
}

/// Rows of `det` grouped by OBS_ID, observations in OBS_ID order.
fn by_observation(det: &Table) -> Groups {
    // Only a stacked catalogue of summary rows alone (no measurement) may lack OBS_ID.
    let Some(obs) = det.column("OBS_ID").filter(|_| det.rows() > 0) else {
        return Groups::from_keys(&[], 0);
    };
    let mut names: Vec<&str> = (0..det.rows()).map(|i| obs.str(i).unwrap_or("")).collect();
    names.sort_unstable();
    names.dedup();
    let oindex: HashMap<&str, u32> = names
        .iter()
        .enumerate()
        .map(|(k, &v)| (v, k as u32))
        .collect();
    let okeys: Vec<u32> = (0..det.rows())
        .map(|i| oindex[obs.str(i).unwrap_or("")])
        .collect();
    Groups::from_keys(&okeys, names.len())
}

/// Groups the measurements of a stacked catalogue (whose sources are its summary rows) by
/// source and by observation, and adds the IAU names when the file has none.
pub fn group_stacked(
    mut sources: Table,
    measurements: &Table,
    source_of: &[u32],
    iau_prefix: &str,
) -> Grouping {
    let source_detections = Groups::from_keys(source_of, sources.rows());
    let observation_detections = by_observation(measurements);
    if sources.column("IAUNAME").is_none()
        && let (Some(ra), Some(dec)) = (
            super::roles::find(&sources, super::roles::RA),
            super::roles::find(&sources, super::roles::DEC),
        )
    {
        push_iau_names(&mut sources, ra, dec, iau_prefix);
    }
    let mut observations = observations_table(measurements, &observation_detections);
    // A stacked catalogue's observation rows give their observation's start and end as
    // MJD_FIRST and MJD_LAST (5XMM-DR15).
    for (from, to) in [("MJD_FIRST", "MJD_START"), ("MJD_LAST", "MJD_STOP")] {
        if let (None, Some(i)) = (
            observations.column(to),
            measurements.schema().position(from),
        ) {
            let reps = first_rows(&observation_detections);
            let col = measurements.column_at(i).take(&reps);
            let f = Field::new(to, col.dtype())
                .with_unit("d")
                .with_ucd(if to == "MJD_START" {
                    "time.start;obs"
                } else {
                    "time.end;obs"
                })
                .with_description(format!(
                    "{} of the observation (Modified Julian Date; {from} of its measurements).",
                    if to == "MJD_START" { "Start" } else { "End" }
                ));
            observations.push(f, col).expect("one row per observation");
        }
    }
    Grouping {
        sources,
        observations,
        source_detections,
        observation_detections,
        warnings: Vec::new(),
    }
}

/// Adds IAUNAME to `t`, built with `prefix` from its position columns `ra` and `dec`.
fn push_iau_names(t: &mut Table, ra: &str, dec: &str, prefix: &str) {
    let (r, d) = (
        t.column(ra).expect("position column"),
        t.column(dec).expect("position column"),
    );
    let names: Vec<String> = (0..t.rows())
        .map(|g| {
            xcat_core::coords::iau_name(prefix, r.f64(g).unwrap_or(0.0), d.f64(g).unwrap_or(0.0))
        })
        .collect();
    let f = Field::new("IAUNAME", DataType::Str)
        .with_width(22)
        .with_ucd("meta.id")
        .with_description("IAU designation built from the source position (derived).");
    let names: StrColumn = names.iter().map(String::as_str).collect();
    t.push(f, Column::from_data(ColumnData::Str(names)))
        .expect("one row per source");
}

fn first_rows(groups: &Groups) -> Vec<usize> {
    (0..groups.len())
        .map(|g| groups.members(g)[0] as usize)
        .collect()
}

/// Whether two cells hold the same value (nulls equal nulls).
fn same(c: &Column, a: usize, b: usize) -> bool {
    match (c.is_null(a), c.is_null(b)) {
        (true, true) => true,
        (false, false) => c.value(a) == c.value(b),
        _ => false,
    }
}

fn sources_table(det: &Table, groups: &Groups, prefix: &str, warnings: &mut Vec<String>) -> Table {
    let reps = first_rows(groups);
    let mut t = Table::with_rows(groups.len());
    for (field, col) in det.schema().fields().iter().zip(det.columns()) {
        if !is_source_column(&field.name) {
            continue;
        }
        let mut mismatched = Vec::new();
        for g in 0..groups.len() {
            let m = groups.members(g);
            if m[1..]
                .iter()
                .any(|&r| !same(col, m[0] as usize, r as usize))
            {
                mismatched.push(g);
            }
        }
        if !mismatched.is_empty() {
            let srcid = det.column("SRCID").expect("checked");
            let examples: Vec<String> = mismatched
                .iter()
                .take(3)
                .map(|&g| srcid.value(reps[g]).to_string())
                .collect();
            warnings.push(format!(
                "{} differs between detections of {} source(s) (e.g. SRCID {}); the value of the first detection is used",
                field.name,
                mismatched.len(),
                examples.join(", ")
            ));
        }
        t.push(field.clone(), col.take(&reps))
            .expect("one row per source");
    }
    derive_source_columns(det, groups, prefix, &mut t);
    t
}

fn float_column(values: Vec<f64>) -> Column {
    Column::from_data(ColumnData::F64(values))
}

/// Mean position (of unit vectors, so it is right across RA = 0 and near the poles) of the
/// detections of each group.
fn centroids(det: &Table, groups: &Groups) -> (Vec<f64>, Vec<f64>) {
    let ra = det.column("RA").expect("checked at load");
    let dec = det.column("DEC").expect("checked at load");
    (0..groups.len())
        .map(|g| {
            let mut v = [0.0; 3];
            for &i in groups.members(g) {
                let u = unit_vector(
                    ra.f64(i as usize).unwrap_or(0.0),
                    dec.f64(i as usize).unwrap_or(0.0),
                );
                (0..3).for_each(|k| v[k] += u[k]);
            }
            lon_lat(v)
        })
        .unzip()
}

/// Adds the derived columns (and those a slim catalogue would have but the file lacks).
fn derive_source_columns(det: &Table, groups: &Groups, prefix: &str, t: &mut Table) {
    let n = groups.len();
    if t.column("SC_RA").is_none() || t.column("SC_DEC").is_none() {
        let (r, d) = centroids(det, groups);
        let push = |t: &mut Table, name: &str, ucd: &str, v: Vec<f64>, what: &str| {
            let f = Field::new(name, DataType::F64)
                .with_unit("deg")
                .with_ucd(ucd)
                .with_description(format!(
                    "{what} of the source: mean of its detections (derived)."
                ));
            t.push(f, float_column(v)).expect("one row per source");
        };
        push(t, "SC_RA", "pos.eq.ra;meta.main", r, "Right ascension");
        push(t, "SC_DEC", "pos.eq.dec;meta.main", d, "Declination");
    }
    if t.column("IAUNAME").is_none() {
        push_iau_names(t, "SC_RA", "SC_DEC", prefix);
    }
    if t.column("N_DETECTIONS").is_none() {
        let counts: Vec<i32> = (0..n).map(|g| groups.members(g).len() as i32).collect();
        let f = Field::new("N_DETECTIONS", DataType::I32)
            .with_ucd("meta.number")
            .with_description("Number of detections of the source in the catalogue.");
        t.push(f, Column::from_data(ColumnData::I32(counts)))
            .expect("one row per source");
    }
    let spectra = det.column("SPECTRA");
    let has: Vec<bool> = (0..n)
        .map(|g| {
            groups
                .members(g)
                .iter()
                .any(|&i| spectra.and_then(|c| c.bool(i as usize)) == Some(true))
        })
        .collect();
    let f = Field::new("HAS_SPECTRUM", DataType::Bool)
        .with_ucd("meta.code")
        .with_description("Whether the pipeline extracted a spectrum for any detection of the source (derived from SPECTRA).");
    t.push(f, Column::from_data(ColumnData::Bool(has)))
        .expect("one row per source");
    let obs = det.column("OBS_ID").expect("checked");
    let n_obs: Vec<i32> = (0..n)
        .map(|g| {
            let mut o: Vec<&str> = groups
                .members(g)
                .iter()
                .filter_map(|&i| obs.str(i as usize))
                .collect();
            o.sort_unstable();
            o.dedup();
            o.len() as i32
        })
        .collect();
    let f = Field::new("N_OBSERVATIONS", DataType::I32)
        .with_ucd("meta.number;obs")
        .with_description(
            "Number of distinct observations in which the source is detected (derived).",
        );
    t.push(f, Column::from_data(ColumnData::I32(n_obs)))
        .expect("one row per source");
}

fn observations_table(det: &Table, groups: &Groups) -> Table {
    let reps = first_rows(groups);
    let n = groups.len();
    let mut t = Table::with_rows(n);
    for name in OBSERVATION_COLUMNS.iter().chain(&["M2_SUBMODE"]) {
        if let (Some(i), Some(col)) = (det.schema().position(name), det.column(name)) {
            t.push(det.schema().field(i).clone(), col.take(&reps))
                .expect("one row per observation");
        }
    }
    for name in ONTIME_COLUMNS {
        let (Some(i), Some(col)) = (det.schema().position(name), det.column(name)) else {
            continue;
        };
        let mut validity = Validity::all_valid(n);
        let values: Vec<f64> = (0..n)
            .map(|g| {
                let m = groups
                    .members(g)
                    .iter()
                    .filter_map(|&r| col.f64(r as usize))
                    .fold(f64::NAN, f64::max);
                if m.is_nan() {
                    validity.set(g, false);
                }
                m
            })
            .collect();
        let mut f = det.schema().field(i).clone();
        f.dtype = DataType::F64;
        f.description = format!(
            "Largest {name} among the observation's detections: the camera's good exposure time."
        );
        t.push(f, Column::new(ColumnData::F64(values), validity))
            .expect("one row per observation");
    }
    if det.column("RA").is_some() && det.column("DEC").is_some() {
        let (r, d) = centroids(det, groups);
        let f = Field::new("RA_CENTRE", DataType::F64)
            .with_unit("deg")
            .with_ucd("pos.eq.ra")
            .with_description(
                "Mean right ascension of the observation's detections (close to the pointing).",
            );
        t.push(f, float_column(r)).expect("one row per observation");
        let f = Field::new("DEC_CENTRE", DataType::F64)
            .with_unit("deg")
            .with_ucd("pos.eq.dec")
            .with_description(
                "Mean declination of the observation's detections (close to the pointing).",
            );
        t.push(f, float_column(d)).expect("one row per observation");
    }
    // Measurements of a stacked catalogue are detections or upper limits; count each kind.
    let detected = det.column(super::stacked::DETECTED);
    let count = |want: bool| -> Vec<i32> {
        (0..n)
            .map(|g| {
                let m = groups.members(g);
                match detected {
                    None => m.len() as i32,
                    Some(c) => m
                        .iter()
                        .filter(|&&r| c.bool(r as usize) == Some(want))
                        .count() as i32,
                }
            })
            .collect()
    };
    let f = Field::new("N_DETECTIONS", DataType::I32)
        .with_ucd("meta.number")
        .with_description("Number of catalogue detections in the observation.");
    t.push(f, Column::from_data(ColumnData::I32(count(true))))
        .expect("one row per observation");
    if detected.is_some() {
        let f = Field::new("N_UPPER_LIMITS", DataType::I32)
            .with_ucd("meta.number")
            .with_description("Number of catalogue sources in the field of the observation that it did not detect (upper limits measured at their positions).");
        t.push(f, Column::from_data(ColumnData::I32(count(false))))
            .expect("one row per observation");
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_from_keys() {
        let g = Groups::from_keys(&[1, 0, 1, 2, 1], 3);
        assert_eq!(g.len(), 3);
        assert_eq!(g.members(0), &[1]);
        assert_eq!(g.members(1), &[0, 2, 4]);
        assert_eq!(g.members(2), &[3]);
    }

    #[test]
    fn source_columns() {
        assert!(is_source_column("sc_det_ml"));
        assert!(is_source_column("IAUNAME"));
        assert!(!is_source_column("EP_8_FLUX"));
    }
}
