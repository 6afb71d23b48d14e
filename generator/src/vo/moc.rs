//! Sky coverage as IVOA MOC 2.0 (Fernique et al., IVOA Recommendation 2022) with the CDS `moc`
//! crate: the footprint of each observation (the EPIC field of view, a 15′-radius disc around
//! the centre of its detections) and of the whole catalogue (their union), serialised as FITS
//! MOC and as the JSON that Aladin reads.

use crate::catalog::Catalogue;
use moc::moc::range::{CellSelection, RangeMOC};
use moc::moc::{RangeMOCIntoIterator, RangeMOCIterator};
use moc::qty::Hpx;

/// A spatial MOC.
pub type SkyMoc = RangeMOC<u64, Hpx<u64>>;

/// Radius of the EPIC field of view, degrees.
pub const FOV_RADIUS_DEG: f64 = 15.0 / 60.0;
/// MOC order of the coverage maps: cells of 3.4′ at order 10.
pub const DEPTH: u8 = 10;
/// Square degrees on the whole sky (4π sr).
pub const SKY_DEG2: f64 = 41_252.961_249_419_27;

/// Footprint of an observation centred at (ra, dec), degrees.
pub fn field_moc(ra: f64, dec: f64) -> SkyMoc {
    RangeMOC::from_cone(
        ra.to_radians(),
        dec.to_radians(),
        FOV_RADIUS_DEG.to_radians(),
        DEPTH,
        2,
        CellSelection::All,
    )
}

/// Footprints of every observation (row order of `cat.observations`).
pub fn observation_mocs(cat: &Catalogue) -> Vec<SkyMoc> {
    let o = &cat.observations;
    let (ra, dec) = (o.column("RA_CENTRE"), o.column("DEC_CENTRE"));
    (0..o.rows())
        .map(|i| {
            let r = ra.and_then(|c| c.f64(i)).unwrap_or(0.0);
            let d = dec.and_then(|c| c.f64(i)).unwrap_or(0.0);
            field_moc(r, d)
        })
        .collect()
}

/// Union of MOCs, pairwise so it stays fast for tens of thousands of fields.
pub fn union(mut mocs: Vec<SkyMoc>) -> SkyMoc {
    if mocs.is_empty() {
        return RangeMOC::new_empty(DEPTH);
    }
    while mocs.len() > 1 {
        mocs = mocs
            .chunks(2)
            .map(|p| {
                if p.len() == 2 {
                    p[0].or(&p[1])
                } else {
                    p[0].clone()
                }
            })
            .collect();
    }
    mocs.pop().expect("one left")
}

/// Area in square degrees.
pub fn area_deg2(m: &SkyMoc) -> f64 {
    m.coverage_percentage() * SKY_DEG2
}

/// FITS MOC 2.0 bytes (deterministic: no date is written).
pub fn to_fits(m: &SkyMoc, id: &str) -> Vec<u8> {
    let mut out = Vec::new();
    m.into_range_moc_iter()
        .to_fits_ivoa(
            Some(id.to_string()),
            Some(moc::deser::fits::keywords::MocType::Catalog),
            &mut out,
        )
        .expect("writing into memory cannot fail");
    out
}

/// Aladin JSON (`{"order": [cells], …}`).
pub fn to_json(m: &SkyMoc) -> Vec<u8> {
    let mut out = Vec::new();
    moc::deser::json::to_json_aladin(m.into_range_moc_iter().cells(), &Some(100), "", &mut out)
        .expect("writing into memory cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use moc::moc::{CellMOCIntoIterator, CellMOCIterator};

    #[test]
    fn field_area_matches_the_disc() {
        // A 15′ disc covers π (0.25°)² = 0.19635 deg²; the MOC of all cells touching it at
        // order 10 (3.4′ cells) is larger by about one ring of cells. Tolerance: within +60 %.
        let m = field_moc(10.68, 41.27);
        let a = area_deg2(&m);
        assert!(a > 0.19635 && a < 0.19635 * 1.6, "{a}");
    }

    #[test]
    fn union_and_serialisations_round_trip() {
        let u = union(vec![
            field_moc(0.1, 0.0),
            field_moc(359.9, 0.0),
            field_moc(180.0, -89.9),
        ]);
        assert!(area_deg2(&u) > area_deg2(&field_moc(180.0, -89.9)));
        let fits = to_fits(&u, "test");
        assert_eq!(&fits[..9], b"SIMPLE  =");
        let back = moc::deser::fits::from_fits_ivoa(std::io::Cursor::new(&fits)).unwrap();
        let moc::deser::fits::MocIdxType::U64(moc::deser::fits::MocQtyType::Hpx(
            moc::deser::fits::MocType::Ranges(r),
        )) = back
        else {
            panic!("expected a u64 HEALPix range MOC");
        };
        let back: SkyMoc = r.into_range_moc();
        assert_eq!(back, u);
        let json = String::from_utf8(to_json(&u)).unwrap();
        let parsed = moc::deser::json::from_json_aladin::<u64, Hpx<u64>>(&json).unwrap();
        assert_eq!(parsed.into_cell_moc_iter().ranges().into_range_moc(), u);
    }
}
