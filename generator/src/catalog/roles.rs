//! The source columns the site gives a role (position, likelihood, flux, …), by the names each
//! catalogue layout uses: the `SC_*` columns of a 4XMM detection catalogue, the summary-row
//! columns of a stacked catalogue (5XMM-DR15: `RA`, `STACK_DET_ML`, `EP_FLUX`; 4XMM-DRns:
//! `EP_8_FLUX`). Each role lists candidates in order; the first column a table has plays it.

use xcat_core::Table;

/// Right ascension of the source, degrees.
pub const RA: &[&str] = &["SC_RA", "RA"];
/// Declination of the source, degrees.
pub const DEC: &[&str] = &["SC_DEC", "DEC"];
/// Position error, arcsec.
pub const POSERR: &[&str] = &["SC_POSERR", "RADEC_ERR", "POSERR"];
/// Detection likelihood of the source.
pub const DET_ML: &[&str] = &["SC_DET_ML", "STACK_DET_ML", "EP_8_DET_ML", "EP_DET_ML"];
/// All-EPIC flux in the total band (0.2–12 keV).
pub const FLUX: &[&str] = &["SC_EP_8_FLUX", "EP_FLUX", "EP_8_FLUX"];
/// Its error.
pub const FLUX_ERR: &[&str] = &["SC_EP_8_FLUX_ERR", "EP_FLUX_ERR", "EP_8_FLUX_ERR"];
/// Extent (core radius), arcsec.
pub const EXTENT: &[&str] = &["SC_EXTENT", "EXTENT", "EP_EXTENT"];
/// Its error.
pub const EXT_ERR: &[&str] = &["SC_EXT_ERR", "EXTENT_ERR", "EP_EXTENT_ERR"];
/// Likelihood of the extent.
pub const EXT_ML: &[&str] = &["SC_EXT_ML", "EXTENT_ML", "EP_EXTENT_ML"];
/// Summary quality flag.
pub const SUM_FLAG: &[&str] = &["SC_SUM_FLAG", "SUM_FLAG"];
/// Probability of a constant light curve.
pub const CHI2PROB: &[&str] = &["SC_CHI2PROB", "CHI2PROB"];
/// Fractional variability amplitude.
pub const FVAR: &[&str] = &["SC_FVAR", "FVAR"];
/// Its error.
pub const FVAR_ERR: &[&str] = &["SC_FVARERR", "FVARERR"];
/// Variability flag.
pub const VAR_FLAG: &[&str] = &["SC_VAR_FLAG", "VAR_FLAG"];

/// The all-EPIC flux of band `n` (and its error) among the candidates of a layout.
pub fn band_flux(n: u8) -> [String; 2] {
    [format!("SC_EP_{n}_FLUX"), format!("EP_{n}_FLUX")]
}

/// The all-EPIC hardness ratio `n` among the candidates of a layout.
pub fn hardness_ratio(n: u8) -> [String; 2] {
    [format!("SC_HR{n}"), format!("EP_HR{n}")]
}

/// The first candidate `t` has, else the first candidate (which then reads as nulls).
pub fn pick<'a, S: AsRef<str>>(t: &Table, candidates: &'a [S]) -> &'a str {
    candidates
        .iter()
        .map(AsRef::as_ref)
        .find(|c| t.column(c).is_some())
        .unwrap_or(candidates[0].as_ref())
}

/// The first candidate `t` has.
pub fn find<'a, S: AsRef<str>>(t: &Table, candidates: &'a [S]) -> Option<&'a str> {
    candidates
        .iter()
        .map(AsRef::as_ref)
        .find(|c| t.column(c).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use xcat_core::{Column, ColumnData, DataType, Field};

    fn table(names: &[&str]) -> Table {
        let mut t = Table::with_rows(1);
        for n in names {
            t.push(
                Field::new(*n, DataType::F64),
                Column::from_data(ColumnData::F64(vec![1.0])),
            )
            .unwrap();
        }
        t
    }

    #[test]
    fn the_4xmm_source_columns_win_over_the_stacked_names() {
        let t = table(&["SC_RA", "RA", "SC_DET_ML"]);
        assert_eq!(pick(&t, RA), "SC_RA");
        assert_eq!(pick(&t, DET_ML), "SC_DET_ML");
    }

    #[test]
    fn stacked_summary_rows_play_the_roles_by_their_own_names() {
        let t = table(&["RA", "DEC", "STACK_DET_ML", "EP_FLUX", "EP_8_FLUX"]);
        assert_eq!(pick(&t, RA), "RA");
        assert_eq!(pick(&t, DET_ML), "STACK_DET_ML");
        // 5XMM's unsuffixed total band comes before the 4XMM-DRns name.
        assert_eq!(pick(&t, FLUX), "EP_FLUX");
        assert_eq!(find(&t, POSERR), None);
        assert_eq!(pick(&t, POSERR), "SC_POSERR");
        assert_eq!(pick(&t, &hardness_ratio(2)), "SC_HR2");
    }
}
