//! What links the releases of a site that serves several (5XMM-DR15 beside 4XMM-DR14): a
//! small summary of each release (identifiers, names, positions, which sources each
//! observation holds), the counterparts of every source in every other release
//! ([`crate::catalog::crossmatch`]), and which release renders each observation's page.
//!
//! The build reads each release twice: once for its summary, then again, alone in memory, to
//! render its pages and data with the links to the others (two DR-scale catalogues at once
//! would need twice the memory).

use crate::catalog::crossmatch::{self, MatchParams, Positions};
use crate::catalog::{Catalogue, roles};
use crate::config::Release;
use crate::error::{Error, Result};
use std::collections::HashMap;
use xcat_core::{Column, ColumnData, DataType, Field, Validity};

/// The parts of a release the other releases' pages need.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Release identifier.
    pub id: String,
    /// Release title.
    pub title: String,
    /// Whether it is the current release.
    pub current: bool,
    /// Prefix of its IAU names.
    pub prefix: String,
    /// SRCID per source row (ascending).
    pub srcids: Vec<i64>,
    /// IAU name per source row.
    pub names: Vec<String>,
    /// Positions and total position errors per source row.
    pub positions: Positions,
    /// OBS_ID → the source rows measured in that observation, each with whether it was
    /// detected (`None`: the catalogue does not say, 4XMM detections).
    pub observations: HashMap<String, Vec<(u32, Option<bool>)>>,
}

impl Summary {
    /// The summary of `cat`, the catalogue of `release`.
    pub fn of(release: &Release, cat: &Catalogue) -> Summary {
        let t = &cat.sources;
        let col = |names: &[&str]| roles::find(t, names).and_then(|n| t.column(n));
        let srcid = t.column("SRCID");
        let name = t.column("IAUNAME");
        let (ra, dec) = (col(roles::RA), col(roles::DEC));
        // SC_POSERR and POSERR include the systematic error already; RADEC_ERR does not.
        let err_name = roles::find(t, roles::POSERR);
        let sys = if err_name == Some("RADEC_ERR") {
            release.systematic_arcsec
        } else {
            0.0
        };
        let err = err_name.and_then(|n| t.column(n));
        let mut s = Summary {
            id: release.id.clone(),
            title: release.title.clone(),
            current: release.current,
            prefix: release.prefix.clone(),
            ..Default::default()
        };
        for i in 0..t.rows() {
            s.srcids
                .push(srcid.and_then(|c| c.i64(i)).unwrap_or(i64::MIN));
            s.names
                .push(name.and_then(|c| c.str(i)).unwrap_or("").to_string());
            s.positions.push(
                ra.and_then(|c| c.f64(i)).unwrap_or(f64::NAN),
                dec.and_then(|c| c.f64(i)).unwrap_or(f64::NAN),
                err.and_then(|c| c.f64(i)),
                sys,
            );
        }
        let d = &cat.detections;
        let (msrc, detected) = (
            d.column("SRCID"),
            d.column(crate::catalog::stacked::DETECTED),
        );
        let obs = cat.observations.column("OBS_ID");
        for k in 0..cat.observations.rows() {
            let Some(obs_id) = obs.and_then(|c| c.str(k)) else {
                continue;
            };
            let mut rows: Vec<(u32, Option<bool>)> = cat
                .observation_detections
                .members(k)
                .iter()
                .filter_map(|&r| {
                    let id = msrc.and_then(|c| c.i64(r as usize))?;
                    let row = s.srcids.binary_search(&id).ok()?;
                    Some((row as u32, detected.and_then(|c| c.bool(r as usize))))
                })
                .collect();
            rows.sort_unstable_by_key(|&(r, _)| r);
            rows.dedup_by_key(|&mut (r, _)| r);
            s.observations.insert(obs_id.to_string(), rows);
        }
        s
    }

    /// Output path of the page of source row `i`.
    pub fn href(&self, root: &str, i: usize) -> String {
        format!("{root}source/{}/", self.srcids[i])
    }
}

/// A counterpart of a source in another release.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    /// Source row in the other release.
    pub row: u32,
    /// Separation, arcsec.
    pub sep_arcsec: f32,
    /// Number of qualifying candidates (more than one: ambiguous).
    pub candidates: u32,
}

/// Every release's summary, the counterparts between them and which release renders each
/// observation page.
#[derive(Debug, Default)]
pub struct Releases {
    /// Summaries, the current release first.
    pub summaries: Vec<Summary>,
    /// `matches[r][o][i]`: the counterpart in release `o` of source row `i` of release `r`
    /// (empty for `o == r`).
    matches: Vec<Vec<Vec<Option<Match>>>>,
    /// OBS_ID → the release that renders its page (the first, in order, that has it).
    owners: HashMap<String, usize>,
    /// Time taken by the cross-matches, seconds.
    pub match_seconds: f64,
}

impl Releases {
    /// Links `summaries` (current first): fails when two releases share a SRCID, since they
    /// share the `/source/<SRCID>/` URLs.
    pub fn new(summaries: Vec<Summary>, config_file: &std::path::Path) -> Result<Releases> {
        let mut all: Vec<(i64, usize)> = summaries
            .iter()
            .enumerate()
            .flat_map(|(r, s)| s.srcids.iter().map(move |&id| (id, r)))
            .collect();
        all.sort_unstable();
        if let Some(w) = all
            .windows(2)
            .find(|w| w[0].0 == w[1].0 && w[0].1 != w[1].1)
        {
            let (a, b) = (&summaries[w[0].1], &summaries[w[1].1]);
            return Err(Error::Config {
                path: config_file.to_path_buf(),
                detail: format!(
                    "releases {} and {} both have a source with SRCID {}: source pages are /source/<SRCID>/ for every release, so their SRCIDs must not collide",
                    a.id, b.id, w[0].0
                ),
                hint: "check that each [[release]] reads its own catalogue (4XMM and 5XMM SRCIDs never collide)".into(),
            });
        }
        drop(all);
        let t0 = std::time::Instant::now();
        let p = MatchParams::default();
        let n = summaries.len();
        let mut matches = vec![vec![Vec::new(); n]; n];
        for r in 0..n {
            for o in 0..n {
                if r == o {
                    continue;
                }
                let (a, b) = (&summaries[r].positions, &summaries[o].positions);
                let mut m = vec![None; a.len()];
                for c in crossmatch::crossmatch(a, b, &p) {
                    m[c.a as usize] = Some(Match {
                        row: c.b,
                        sep_arcsec: c.sep_arcsec as f32,
                        candidates: c.candidates,
                    });
                }
                matches[r][o] = m;
            }
        }
        let match_seconds = t0.elapsed().as_secs_f64();
        let mut owners = HashMap::new();
        for (r, s) in summaries.iter().enumerate() {
            for id in s.observations.keys() {
                owners.entry(id.clone()).or_insert(r);
            }
        }
        Ok(Releases {
            summaries,
            matches,
            owners,
            match_seconds,
        })
    }

    /// Index of release `id`.
    pub fn index(&self, id: &str) -> Option<usize> {
        self.summaries.iter().position(|s| s.id == id)
    }

    /// The counterparts of source row `i` of release `r`: (other release, its match).
    pub fn counterparts(&self, r: usize, i: usize) -> impl Iterator<Item = (usize, Match)> + '_ {
        self.matches[r]
            .iter()
            .enumerate()
            .filter_map(move |(o, m)| m.get(i).copied().flatten().map(|m| (o, m)))
    }

    /// Whether release `r` renders the page of observation `obs_id`.
    pub fn owns(&self, r: usize, obs_id: &str) -> bool {
        self.owners.get(obs_id).is_none_or(|&o| o == r)
    }

    /// Name of the column of release `r`'s sources that holds the SRCID of the counterpart
    /// in release `o` (`SRCID_4XMM_DR14`), of its separation (`SEP_4XMM_DR14`) and of the
    /// number of candidates (`NCAND_4XMM_DR14`).
    pub fn column_names(&self, o: usize) -> [String; 3] {
        let tag = self.summaries[o].id.to_ascii_uppercase().replace('-', "_");
        [
            format!("SRCID_{tag}"),
            format!("SEP_{tag}"),
            format!("NCAND_{tag}"),
        ]
    }

    /// Adds to `cat` (release `r`) the queryable counterpart columns: per other release the
    /// counterpart's SRCID, the separation and whether the match is ambiguous.
    pub fn add_columns(&self, r: usize, cat: &mut Catalogue) -> Result<()> {
        let n = cat.sources.rows();
        for (o, m) in self.matches[r].iter().enumerate() {
            if o == r {
                continue;
            }
            let other = &self.summaries[o];
            let [id_name, sep_name, n_name] = self.column_names(o);
            let mut ids = Vec::with_capacity(n);
            let mut seps = Vec::with_capacity(n);
            let mut cands = Vec::with_capacity(n);
            let mut valid = Validity::all_valid(n);
            for i in 0..n {
                match m.get(i).copied().flatten() {
                    Some(x) => {
                        ids.push(other.srcids[x.row as usize]);
                        seps.push(x.sep_arcsec);
                        cands.push(x.candidates.min(i32::MAX as u32) as i32);
                    }
                    None => {
                        ids.push(0);
                        seps.push(0.0);
                        cands.push(0);
                        valid.set(i, false);
                    }
                }
            }
            let criterion = "positional match within 3 combined 1σ position errors (statistical and systematic, in quadrature) and at most 15″; the best by normalised separation";
            let fields = [
                (
                    Field::new(id_name, DataType::I64)
                        .with_ucd("meta.id.cross")
                        .with_description(format!(
                            "SRCID of the counterpart in {} ({criterion}); null when none qualifies.",
                            other.title
                        )),
                    Column::new(ColumnData::I64(ids), valid.clone()),
                ),
                (
                    Field::new(sep_name, DataType::F32)
                        .with_unit("arcsec")
                        .with_ucd("pos.angDistance")
                        .with_description(format!(
                            "Separation from the counterpart in {}.",
                            other.title
                        )),
                    Column::new(ColumnData::F32(seps), valid.clone()),
                ),
                (
                    Field::new(n_name, DataType::I32)
                        .with_ucd("meta.number")
                        .with_description(format!(
                            "Number of sources of {} that qualify as counterparts; more than 1: the match is ambiguous.",
                            other.title
                        )),
                    Column::new(ColumnData::I32(cands), valid),
                ),
            ];
            for (f, c) in fields {
                cat.sources.push(f, c).expect("one value per source row");
            }
        }
        Ok(())
    }
}
