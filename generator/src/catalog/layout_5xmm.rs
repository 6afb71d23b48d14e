//! The 5XMM-DR15 stacked-catalogue layout as far as this project could establish it: name,
//! FITS TFORM and unit of each column, in the order of the User Guide's column groups
//! (5XMM-DR15 Catalogue User Guide, section 4: identification, position, the stack's fit,
//! likelihoods, counts and exposures, fluxes, rates, hardness ratios, extent, flags,
//! variability, counterparts). The released file has 421 columns; the first seven (SRCID …
//! N_EXP) are in the User Guide's order, the rest are those whose names, types and units are
//! documented (User Guide column pages, HEASARC's XMMSTACK tables, real rows of the ESA archive)
//! in group order. Not included: the Bayesian spectral fits (`SPEC_*_PL`) and the
//! classifications (`CLASSX_*`), whose exact columns are not documented where we could read
//! them. Integer columns carry TNULL = the most negative value of their type; floats are null
//! as NaN. Used by the 5XMM demo catalogue writer.

/// `NAME TFORM UNIT` per line, `-` for no unit.
pub const LAYOUT: &str = "\
SRCID K -\n\
IAUNAME 21A -\n\
OBS_ID 10A -\n\
PPS_SRCNUM J -\n\
N_OBS J -\n\
N_CONTRIB J -\n\
N_EXP J -\n\
RA D deg\n\
DEC D deg\n\
RADEC_ERR E arcsec\n\
LII D deg\n\
BII D deg\n\
ELL_MAJOR E arcsec\n\
ELL_MINOR E arcsec\n\
ELL_PA E deg\n\
MJD_FIRST D d\n\
MJD_LAST D d\n\
STACK_DET_ML E -\n\
STACK_FLUX E erg/cm**2/s\n\
STACK_GAMMA E -\n\
STACK_NH E cm**-2\n\
EP_DET_ML E -\n\
PN_DET_ML E -\n\
M1_DET_ML E -\n\
M2_DET_ML E -\n\
EP_CTS E count\n\
PN_CTS E count\n\
M1_CTS E count\n\
M2_CTS E count\n\
PN_ONTIME E s\n\
M1_ONTIME E s\n\
M2_ONTIME E s\n\
EP_FLUX E erg/cm**2/s\n\
EP_FLUX_ERR E erg/cm**2/s\n\
EP_1_FLUX E erg/cm**2/s\n\
EP_1_FLUX_ERR E erg/cm**2/s\n\
EP_2_FLUX E erg/cm**2/s\n\
EP_2_FLUX_ERR E erg/cm**2/s\n\
EP_3_FLUX E erg/cm**2/s\n\
EP_3_FLUX_ERR E erg/cm**2/s\n\
EP_4_FLUX E erg/cm**2/s\n\
EP_4_FLUX_ERR E erg/cm**2/s\n\
EP_5_FLUX E erg/cm**2/s\n\
EP_5_FLUX_ERR E erg/cm**2/s\n\
PN_1_RATE E count/s\n\
PN_1_RATE_ERR E count/s\n\
PN_2_RATE E count/s\n\
PN_2_RATE_ERR E count/s\n\
PN_3_RATE E count/s\n\
PN_3_RATE_ERR E count/s\n\
PN_4_RATE E count/s\n\
PN_4_RATE_ERR E count/s\n\
PN_5_RATE E count/s\n\
PN_5_RATE_ERR E count/s\n\
M1_1_RATE E count/s\n\
M1_1_RATE_ERR E count/s\n\
M1_2_RATE E count/s\n\
M1_2_RATE_ERR E count/s\n\
M1_3_RATE E count/s\n\
M1_3_RATE_ERR E count/s\n\
M1_4_RATE E count/s\n\
M1_4_RATE_ERR E count/s\n\
M1_5_RATE E count/s\n\
M1_5_RATE_ERR E count/s\n\
M2_1_RATE E count/s\n\
M2_1_RATE_ERR E count/s\n\
M2_2_RATE E count/s\n\
M2_2_RATE_ERR E count/s\n\
M2_3_RATE E count/s\n\
M2_3_RATE_ERR E count/s\n\
M2_4_RATE E count/s\n\
M2_4_RATE_ERR E count/s\n\
M2_5_RATE E count/s\n\
M2_5_RATE_ERR E count/s\n\
EP_HR1 E -\n\
EP_HR1_ERR E -\n\
EP_HR2 E -\n\
EP_HR2_ERR E -\n\
EP_HR3 E -\n\
EP_HR3_ERR E -\n\
EP_HR4 E -\n\
EP_HR4_ERR E -\n\
PN_HR1 E -\n\
PN_HR1_ERR E -\n\
PN_HR2 E -\n\
PN_HR2_ERR E -\n\
PN_HR3 E -\n\
PN_HR3_ERR E -\n\
PN_HR4 E -\n\
PN_HR4_ERR E -\n\
M1_HR1 E -\n\
M1_HR1_ERR E -\n\
M1_HR2 E -\n\
M1_HR2_ERR E -\n\
M1_HR3 E -\n\
M1_HR3_ERR E -\n\
M1_HR4 E -\n\
M1_HR4_ERR E -\n\
M2_HR1 E -\n\
M2_HR1_ERR E -\n\
M2_HR2 E -\n\
M2_HR2_ERR E -\n\
M2_HR3 E -\n\
M2_HR3_ERR E -\n\
M2_HR4 E -\n\
M2_HR4_ERR E -\n\
EXTENT E arcsec\n\
EXTENT_ERR E arcsec\n\
EXTENT_ERR_LO E arcsec\n\
EXTENT_ERR_UP E arcsec\n\
EXTENT_ML E -\n\
SUM_FLAG J -\n\
EP_FLAG 12A -\n\
PN_FLAG 12A -\n\
M1_FLAG 12A -\n\
M2_FLAG 12A -\n\
SPECTRA L -\n\
TSERIES L -\n\
CHI2PROB D -\n\
FVAR D -\n\
FVARERR D -\n\
VAR_FLAG L -\n\
VAR_CHI D -\n\
VAR_CHI_1 D -\n\
VAR_CHI_2 D -\n\
VAR_CHI_3 D -\n\
VAR_CHI_4 D -\n\
VAR_CHI_5 D -\n\
VAR_PROB D -\n\
VAR_PROB_1 D -\n\
VAR_PROB_2 D -\n\
VAR_PROB_3 D -\n\
VAR_PROB_4 D -\n\
VAR_PROB_5 D -\n\
GAIADR3_SOURCE_ID K -\n\
GAIA_MATCH_PROB D -\n\
WISE_NAME 19A -\n\
WISE_MATCH_PROB D -\n\
";
