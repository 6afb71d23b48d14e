//! What the home page and the column reference need from the catalogue, kept in the build
//! state so they are available when the catalogue is not reloaded: counts, an estimate of the
//! sky area covered, example identifiers, and the schema of the three tables.

use crate::catalog::Catalogue;
use serde::{Deserialize, Serialize};
use xcat_core::Table;

/// HEALPix order of the sky-area estimate (cells of about 3.4′).
pub const AREA_ORDER: u8 = 10;
/// Radius of the EPIC field of view around an observation's centre, arcmin.
pub const FOV_ARCMIN: f64 = 15.0;

/// Catalogue statistics and examples.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Stats {
    /// Rows of the sources table.
    pub sources: usize,
    /// Rows of the detections table.
    pub detections: usize,
    /// Rows of the observations table.
    pub observations: usize,
    /// Sky area estimate, square degrees, as text.
    pub sky_area: String,
    /// HEALPix order of the estimate.
    pub order: u8,
    /// Cell size of the estimate, arcmin, as text.
    pub cell_arcmin: String,
    /// IAU name of the source with the most detections.
    pub example_name: String,
    /// Two SRCIDs for the `IN` example.
    pub example_srcids: Vec<i64>,
    /// Whether the sources table has an `IS_ULX` column.
    pub has_ulx: bool,
}

/// One column of the reference.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ColumnDoc {
    /// Name.
    pub name: String,
    /// Type name.
    pub dtype: String,
    /// Unit.
    pub unit: String,
    /// UCD.
    pub ucd: String,
    /// Description.
    pub description: String,
}

/// The columns of one table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TableDoc {
    /// `sources`, `detections` or `observations`.
    pub name: String,
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub columns: Vec<ColumnDoc>,
}

fn table_doc(name: &str, t: &Table) -> TableDoc {
    TableDoc {
        name: name.to_string(),
        rows: t.rows(),
        columns: t
            .schema()
            .fields()
            .iter()
            .map(|f| ColumnDoc {
                name: f.name.clone(),
                dtype: f.dtype.name().to_string(),
                unit: f.unit.clone(),
                ucd: f.ucd.clone(),
                description: f.description.clone(),
            })
            .collect(),
    }
}

/// The schema of the three tables.
pub fn schema(cat: &Catalogue) -> Vec<TableDoc> {
    vec![
        table_doc("sources", &cat.sources),
        table_doc("detections", &cat.detections),
        table_doc("observations", &cat.observations),
    ]
}

/// Square degrees covered by circles of [`FOV_ARCMIN`] around the observations' centres,
/// counted on HEALPix cells of order [`AREA_ORDER`] whose centre lies inside a circle.
pub fn sky_area(cat: &Catalogue) -> f64 {
    let o = &cat.observations;
    let (Some(ra), Some(dec)) = (o.column("RA_CENTRE"), o.column("DEC_CENTRE")) else {
        return 0.0;
    };
    let mut cells: Vec<u64> = Vec::new();
    for i in 0..o.rows() {
        if let (Some(a), Some(d)) = (ra.f64(i), dec.f64(i))
            && a.is_finite()
            && d.is_finite()
        {
            let bmoc = cdshealpix::nested::cone_coverage_centers(
                AREA_ORDER,
                a.to_radians(),
                d.to_radians(),
                (FOV_ARCMIN / 60.0).to_radians(),
            );
            cells.extend(bmoc.flat_iter());
        }
    }
    cells.sort_unstable();
    cells.dedup();
    let cell_sr = 4.0 * std::f64::consts::PI / (12.0 * 4f64.powi(i32::from(AREA_ORDER)));
    cells.len() as f64 * cell_sr * (180.0 / std::f64::consts::PI).powi(2)
}

/// Statistics of `cat`.
pub fn stats(cat: &Catalogue) -> Stats {
    let s = &cat.sources;
    let n = s.column("N_DETECTIONS");
    let best = (0..s.rows())
        .max_by_key(|&i| (n.and_then(|c| c.i64(i)).unwrap_or(0), std::cmp::Reverse(i)))
        .unwrap_or(0);
    let example_name = s
        .column("IAUNAME")
        .and_then(|c| c.str(best))
        .unwrap_or("")
        .to_string();
    let srcid = s.column("SRCID");
    let example_srcids = (0..s.rows().min(2))
        .filter_map(|i| srcid.and_then(|c| c.i64(i)))
        .collect();
    let cell_arcmin = (4.0 * std::f64::consts::PI / (12.0 * 4f64.powi(i32::from(AREA_ORDER))))
        .sqrt()
        .to_degrees()
        * 60.0;
    Stats {
        sources: s.rows(),
        detections: cat.detections.rows(),
        observations: cat.observations.rows(),
        sky_area: format!("{:.1}", sky_area(cat)),
        order: AREA_ORDER,
        cell_arcmin: format!("{cell_arcmin:.1}"),
        example_name,
        example_srcids,
        has_ulx: s.column("IS_ULX").is_some(),
    }
}
