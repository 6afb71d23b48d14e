//! What the home page and the column reference need from the catalogue, kept in the build
//! state so they are available when the catalogue is not reloaded: counts, the sky area of the
//! catalogue's coverage map (MOC), example identifiers, and the schema of the three tables.

use crate::catalog::Catalogue;
use crate::vo::moc::{self, SkyMoc};
use serde::{Deserialize, Serialize};
use xcat_core::Table;

/// Catalogue statistics and examples.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Stats {
    /// Rows of the sources table.
    pub sources: usize,
    /// Rows of the detections table.
    pub detections: usize,
    /// Rows of the observations table.
    pub observations: usize,
    /// Area of the catalogue's coverage map, square degrees, as text.
    pub sky_area: String,
    /// HEALPix order of the coverage map.
    pub order: u8,
    /// Cell size at that order, arcmin, as text.
    pub cell_arcmin: String,
    /// Radius of the field of view each observation covers, arcmin, as text.
    pub fov_arcmin: String,
    /// IAU name of the source with the most detections.
    pub example_name: String,
    /// Two SRCIDs for the `IN` example.
    pub example_srcids: Vec<i64>,
    /// Whether the sources table has an `IS_ULX` column.
    pub has_ulx: bool,
    /// The detection-likelihood column of the sources (`SC_DET_ML`, `STACK_DET_ML`), for the
    /// examples.
    #[serde(default)]
    pub det_ml: String,
    /// Whether the catalogue is stacked (its measurements include upper limits).
    #[serde(default)]
    pub stacked: bool,
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
        columns: t.schema().fields().iter().map(column_doc).collect(),
    }
}

fn column_doc(f: &xcat_core::Field) -> ColumnDoc {
    ColumnDoc {
        name: f.name.clone(),
        dtype: f.dtype.name().to_string(),
        unit: f.unit.clone(),
        ucd: f.ucd.clone(),
        description: f.description.clone(),
    }
}

/// The schema of the three tables.
pub fn schema(cat: &Catalogue) -> Vec<TableDoc> {
    vec![
        table_doc("sources", &cat.sources),
        if cat.detection_fields.is_empty() {
            table_doc("detections", &cat.detections)
        } else {
            // Some measurement columns were not loaded: their fields say what they are.
            TableDoc {
                name: "detections".to_string(),
                rows: cat.detections.rows(),
                columns: cat.detection_fields.iter().map(column_doc).collect(),
            }
        },
        table_doc("observations", &cat.observations),
    ]
}

/// Statistics of `cat`; the sky area is that of `coverage`, the catalogue's MOC.
pub fn stats(cat: &Catalogue, coverage: &SkyMoc) -> Stats {
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
    let cell_arcmin = (4.0 * std::f64::consts::PI / (12.0 * 4f64.powi(i32::from(moc::DEPTH))))
        .sqrt()
        .to_degrees()
        * 60.0;
    Stats {
        sources: s.rows(),
        detections: cat.detections.rows(),
        observations: cat.observations.rows(),
        sky_area: format!("{:.1}", moc::area_deg2(coverage)),
        order: moc::DEPTH,
        cell_arcmin: format!("{cell_arcmin:.1}"),
        fov_arcmin: format!("{:.0}", moc::FOV_RADIUS_DEG * 60.0),
        example_name,
        example_srcids,
        has_ulx: s.column("IS_ULX").is_some(),
        det_ml: crate::catalog::roles::pick(s, crate::catalog::roles::DET_ML).to_string(),
        stacked: cat.layout == crate::catalog::Layout::Stacked,
    }
}
