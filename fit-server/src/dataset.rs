//! A spectrum ready for fitting: source PHA, optional background, ARF and RMF checked against
//! each other; grouping, quality and channel/energy filters turned into "bins" (noticed
//! groups); and the response folded onto those bins.
//!
//! Forward folding (OGIP CAL/GEN/92-002): predicted counts in channel c =
//! EXPOSURE × AREASCAL_c × Σ_E RMF(E→c) · ARF(E) · ∫_E model. Background counts are scaled to
//! the source by (EXPOSURE × BACKSCAL × AREASCAL)_src / (…)_bkg. Channels with QUALITY ≠ 0 are
//! always excluded (like XSPEC, and Sherpa after `ignore_bad`). Energy filters keep every
//! group that overlaps the range, using the EBOUNDS energies of its first and last channel
//! (Sherpa's `notice`/`ignore` semantics).

use std::path::{Path, PathBuf};

use crate::ogip::{Arf, OgipError, Pha, Rmf};

/// How to bin and filter the data.
#[derive(Debug, Clone, Default)]
pub struct DataOptions {
    /// Regroup to at least this many source counts per bin (replaces the file's grouping).
    pub group_min: Option<f64>,
    /// Ignore the file's grouping (one bin per channel).
    pub ungroup: bool,
    /// Energy ranges (keV) to notice; empty means all.
    pub notice: Vec<(f64, f64)>,
    /// Energy ranges (keV) to ignore (applied after `notice`).
    pub ignore: Vec<(f64, f64)>,
    /// Inclusive channel range to notice (channel numbers as in the file).
    pub notice_channels: Option<(i64, i64)>,
}

/// Source spectrum with everything it needs.
#[derive(Debug, Clone)]
pub struct Spectrum {
    /// Source spectrum.
    pub src: Pha,
    /// Background spectrum, if any.
    pub bkg: Option<Pha>,
    /// Ancillary response, if any (otherwise the RMF must include the effective area).
    pub arf: Option<Arf>,
    /// Redistribution matrix.
    pub rmf: Rmf,
    /// Things the user should know (e.g. a BACKFILE named in the header that is missing).
    pub warnings: Vec<String>,
}

/// Paths of the files that make up a spectrum; `None` means "use the PHA header link".
#[derive(Debug, Clone, Default)]
pub struct SpectrumFiles {
    /// Source PHA.
    pub pha: PathBuf,
    /// Background PHA.
    pub bkg: Option<PathBuf>,
    /// ARF.
    pub arf: Option<PathBuf>,
    /// RMF.
    pub rmf: Option<PathBuf>,
    /// Do not follow the header links (BACKFILE, ANCRFILE, RESPFILE) at all.
    pub no_links: bool,
}

/// Source and background counts summed over all channels, with the background scaled to the
/// source region: net = S − B·r, SNR = net / √(S + B·r), r = (BACKSCAL·EXPOSURE)_src/(…)_bkg.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NetCounts {
    /// Source counts.
    pub source: f64,
    /// Background counts.
    pub background: f64,
    /// Background scale r.
    pub scale: f64,
    /// Net counts.
    pub net: f64,
    /// Signal-to-noise ratio.
    pub snr: f64,
}

impl Spectrum {
    /// Loads the files, following the PHA header links for those not given.
    pub fn load(files: &SpectrumFiles) -> Result<Self, OgipError> {
        let src = Pha::read(&files.pha)?;
        let mut warnings = Vec::new();
        let links = !files.no_links;
        let bkg = match (&files.bkg, &src.backfile, files.no_links) {
            (Some(p), _, _) => Some(Pha::read(p)?),
            (None, Some(p), false) if p.is_file() => Some(Pha::read(p)?),
            (None, Some(p), false) => {
                warnings.push(format!(
                    "BACKFILE {} named in {} was not found; fitting without a background",
                    p.display(),
                    files.pha.display()
                ));
                None
            }
            _ => None,
        };
        let arf = match (&files.arf, &src.ancrfile) {
            (Some(p), _) => Some(Arf::read(p)?),
            (None, Some(p)) if links => Some(Arf::read(p)?),
            _ => None,
        };
        let rmf_path = match (&files.rmf, &src.respfile) {
            (Some(p), _) => p.clone(),
            (None, Some(p)) if links => p.clone(),
            _ => {
                return Err(OgipError::MissingFile(format!(
                    "{} names no RESPFILE; give the response matrix explicitly (--rmf)",
                    files.pha.display()
                )));
            }
        };
        if !rmf_path.is_file() {
            return Err(OgipError::MissingFile(format!(
                "response matrix {} (RESPFILE of {}) not found; give it explicitly (--rmf)",
                rmf_path.display(),
                files.pha.display()
            )));
        }
        let rmf = Rmf::read(&rmf_path)?;
        Spectrum::from_parts(src, bkg, arf, rmf, warnings)
    }

    /// Assembles a spectrum from already-read parts, checking that they fit together.
    pub fn from_parts(
        src: Pha,
        bkg: Option<Pha>,
        arf: Option<Arf>,
        rmf: Rmf,
        warnings: Vec<String>,
    ) -> Result<Self, OgipError> {
        if src.len() != rmf.detchans {
            return Err(OgipError::Mismatch(format!(
                "{} has {} channels but the response {} has {} (DETCHANS / EBOUNDS)",
                src.path.display(),
                src.len(),
                rmf.path.display(),
                rmf.detchans
            )));
        }
        if let Some(b) = &bkg
            && b.len() != src.len()
        {
            return Err(OgipError::Mismatch(format!(
                "background {} has {} channels but the source {} has {}",
                b.path.display(),
                b.len(),
                src.path.display(),
                src.len()
            )));
        }
        if let Some(a) = &arf {
            check_same_grid(a, &rmf)?;
        }
        Ok(Spectrum {
            src,
            bkg,
            arf,
            rmf,
            warnings,
        })
    }

    /// Background scale per channel: (EXPOSURE·BACKSCAL·AREASCAL)_src / (…)_bkg.
    pub fn bkg_scale(&self) -> Option<Vec<f64>> {
        let b = self.bkg.as_ref()?;
        let s = &self.src;
        Some(
            (0..s.len())
                .map(|i| {
                    (s.exposure * s.backscal[i] * s.areascal[i])
                        / (b.exposure * b.backscal[i] * b.areascal[i])
                })
                .collect(),
        )
    }

    /// Net counts and SNR over all channels.
    pub fn net_counts(&self) -> NetCounts {
        let source = self.src.total_counts();
        let (background, scale) = match (&self.bkg, self.bkg_scale()) {
            (Some(b), Some(r)) => (b.total_counts(), r[0]),
            _ => (0.0, 0.0),
        };
        let net = source - background * scale;
        let snr = net / (source + background * scale).sqrt();
        NetCounts {
            source,
            background,
            scale,
            net,
            snr,
        }
    }

    /// Whether channel index `i` has good quality (QUALITY = 0 or no QUALITY).
    pub fn good(&self, i: usize) -> bool {
        self.src.quality.as_ref().is_none_or(|q| q[i] == 0)
    }

    /// Sums `values` over the good channels of each group.
    pub fn group_sum(&self, groups: &[(usize, usize)], values: &[f64]) -> Vec<f64> {
        groups
            .iter()
            .map(|&(a, b)| (a..b).filter(|&i| self.good(i)).map(|i| values[i]).sum())
            .collect()
    }

    /// Channel groups as index ranges `[a, b)` before filtering; bad-quality channels inside a
    /// range are skipped by every sum, and groups holding only bad channels are dropped.
    pub fn groups(&self, opts: &DataOptions) -> Vec<(usize, usize)> {
        let n = self.src.len();
        let good = |i: usize| self.good(i);
        let mut groups = Vec::new();
        if let Some(min) = opts.group_min {
            let mut start = None;
            let mut acc = 0.0;
            for i in 0..n {
                if !good(i) {
                    continue;
                }
                let s = *start.get_or_insert(i);
                acc += self.src.counts[i];
                if acc >= min {
                    groups.push((s, i + 1));
                    start = None;
                    acc = 0.0;
                }
            }
            return groups;
        }
        let grouping = if opts.ungroup {
            None
        } else {
            self.src.grouping.as_ref()
        };
        let mut current: Option<(usize, usize)> = None;
        for i in 0..n {
            let starts = grouping.is_none_or(|g| g[i] != -1);
            if starts && let Some(g) = current.take() {
                groups.push(g);
            }
            if !good(i) {
                continue;
            }
            current = match current {
                Some((s, _)) => Some((s, i + 1)),
                None => Some((i, i + 1)),
            };
        }
        if let Some(g) = current {
            groups.push(g);
        }
        groups
    }

    /// The noticed groups after energy and channel filters.
    pub fn noticed_groups(&self, opts: &DataOptions) -> Vec<(usize, usize)> {
        let eb = &self.rmf.ebounds;
        let overlaps =
            |(a, b): (usize, usize), (lo, hi): (f64, f64)| eb.e_min[a] < hi && eb.e_max[b - 1] > lo;
        self.groups(opts)
            .into_iter()
            .filter(|&g| opts.notice.is_empty() || opts.notice.iter().any(|&r| overlaps(g, r)))
            .filter(|&g| !opts.ignore.iter().any(|&r| overlaps(g, r)))
            .filter(|&(a, b)| match opts.notice_channels {
                Some((lo, hi)) => self.src.channels[a] <= hi && self.src.channels[b - 1] >= lo,
                None => true,
            })
            .collect()
    }

    /// Folds the response onto `groups`: exposure × AREASCAL × ARF × RMF summed per group.
    pub fn fold_response(
        &self,
        groups: &[(usize, usize)],
        exposure: f64,
        areascal: &[f64],
    ) -> Response {
        let n_ch = self.rmf.detchans;
        let mut group_of = vec![usize::MAX; n_ch];
        for (g, &(a, b)) in groups.iter().enumerate() {
            for ch in a..b {
                if self.good(ch) {
                    group_of[ch] = g;
                }
            }
        }
        let mut rows = Vec::new();
        let mut values = Vec::new();
        let mut dense = vec![0.0; groups.len()];
        for e in 0..self.rmf.n_energies() {
            let area = self.arf.as_ref().map_or(1.0, |a| a.specresp[e]);
            if area == 0.0 {
                continue;
            }
            let (mut gmin, mut gmax) = (usize::MAX, 0usize);
            for (first, m) in self.rmf.row(e) {
                for (k, v) in m.iter().enumerate() {
                    let ch = first + k;
                    let g = group_of[ch];
                    if g != usize::MAX && *v != 0.0 {
                        dense[g] += v * areascal[ch];
                        gmin = gmin.min(g);
                        gmax = gmax.max(g);
                    }
                }
            }
            if gmin == usize::MAX {
                continue;
            }
            let start = values.len();
            for v in &mut dense[gmin..=gmax] {
                values.push(*v * area * exposure);
                *v = 0.0;
            }
            rows.push(ResponseRow {
                energy: e,
                first_group: gmin,
                start,
                len: gmax - gmin + 1,
            });
        }
        Response {
            n_bins: groups.len(),
            rows,
            values,
        }
    }

    /// The model energy grid (RMF ENERG_LO / ENERG_HI).
    pub fn energy_grid(&self) -> (&[f64], &[f64]) {
        (&self.rmf.energ_lo, &self.rmf.energ_hi)
    }

    /// Path of the source spectrum.
    pub fn path(&self) -> &Path {
        &self.src.path
    }
}

fn check_same_grid(arf: &Arf, rmf: &Rmf) -> Result<(), OgipError> {
    let n = arf.energ_lo.len();
    if n != rmf.n_energies() {
        return Err(OgipError::Mismatch(format!(
            "ARF {} (SPECRESP, {n} energy bins) and RMF {} (MATRIX, {} energy bins) use different energy grids",
            arf.path.display(),
            rmf.path.display(),
            rmf.n_energies()
        )));
    }
    for i in 0..n {
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-5 * a.abs().max(b.abs()).max(1e-3);
        if !close(arf.energ_lo[i], rmf.energ_lo[i]) || !close(arf.energ_hi[i], rmf.energ_hi[i]) {
            return Err(OgipError::Mismatch(format!(
                "ARF {} and RMF {} energy grids differ at row {} (ENERG_LO {} vs {})",
                arf.path.display(),
                rmf.path.display(),
                i + 1,
                arf.energ_lo[i],
                rmf.energ_lo[i]
            )));
        }
    }
    Ok(())
}

#[derive(Debug, Clone)]
struct ResponseRow {
    energy: usize,
    first_group: usize,
    start: usize,
    len: usize,
}

/// A response folded onto bins: maps model photon fluxes per energy bin to counts per bin.
#[derive(Debug, Clone)]
pub struct Response {
    n_bins: usize,
    rows: Vec<ResponseRow>,
    values: Vec<f64>,
}

impl Response {
    /// Predicted counts per bin for photon fluxes per energy bin.
    pub fn fold(&self, flux: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.n_bins];
        self.fold_add(flux, 1.0, &mut out);
        out
    }

    /// Adds `scale` × folded `flux` into `out`.
    pub fn fold_add(&self, flux: &[f64], scale: f64, out: &mut [f64]) {
        for r in &self.rows {
            let f = flux[r.energy] * scale;
            if f == 0.0 {
                continue;
            }
            let dst = &mut out[r.first_group..r.first_group + r.len];
            for (o, v) in dst.iter_mut().zip(&self.values[r.start..r.start + r.len]) {
                *o += f * v;
            }
        }
    }
}
