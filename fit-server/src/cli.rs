//! Command-line interface: `xcat-fit fit …` and `xcat-fit serve …`.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use crate::dataset::{DataOptions, Spectrum, SpectrumFiles};
use crate::fit::{FitOutput, FitRequest, run};
use crate::server::{ServerConfig, serve};
use crate::stat::Statistic;

/// X-ray spectral fitting of OGIP spectra (Sherpa-compatible statistics).
#[derive(Debug, Parser)]
#[command(name = "xcat-fit", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fit (or evaluate) a model on one spectrum.
    Fit(Box<FitArgs>),
    /// Serve fits over HTTP.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
struct FitArgs {
    /// Source spectrum (PHA type I; gzip allowed).
    #[arg(long)]
    pha: PathBuf,
    /// Background spectrum (default: BACKFILE from the header).
    #[arg(long)]
    bkg: Option<PathBuf>,
    /// Ancillary response (default: ANCRFILE).
    #[arg(long)]
    arf: Option<PathBuf>,
    /// Response matrix (default: RESPFILE).
    #[arg(long)]
    rmf: Option<PathBuf>,
    /// Model expression, e.g. 'wabs*powerlaw'.
    #[arg(long)]
    model: String,
    /// Set a parameter (or NAME.min / NAME.max); repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
    /// Freeze a parameter, optionally at a value; repeatable.
    #[arg(long = "freeze", value_name = "NAME[=VALUE]")]
    freeze: Vec<String>,
    /// Statistic: chi2gehrels (default, as Sherpa), chi2datavar, cash, cstat, wstat.
    #[arg(long, default_value = "chi2gehrels")]
    stat: String,
    /// Energy range to notice in keV; repeatable.
    #[arg(long, value_name = "LO:HI", conflicts_with = "notice_channels")]
    notice: Vec<String>,
    /// Energy range to ignore in keV; repeatable.
    #[arg(long, value_name = "LO:HI")]
    ignore: Vec<String>,
    /// Channel range to notice (inclusive channel numbers).
    #[arg(long, value_name = "LO:HI")]
    notice_channels: Option<String>,
    /// Group to at least N source counts per bin.
    #[arg(long, value_name = "N", conflicts_with = "ungroup")]
    group_min: Option<f64>,
    /// Ignore the file's grouping.
    #[arg(long)]
    ungroup: bool,
    /// Background model fitted jointly with the source.
    #[arg(long, value_name = "EXPR")]
    bkg_model: Option<String>,
    /// Only evaluate the statistic at the given parameters.
    #[arg(long)]
    eval: bool,
    /// Also compute profile confidence intervals.
    #[arg(long)]
    conf: bool,
    /// Flux band in keV; repeatable (default 0.5:2, 2:10, 0.5:10).
    #[arg(long, value_name = "LO:HI")]
    flux_band: Vec<String>,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Directory holding pipeline products (P<OBS_ID><INST><EXPID>SRSPEC<SRCNUM>.FTZ, …).
    #[arg(long)]
    products: PathBuf,
    /// Directory holding canned response matrices.
    #[arg(long)]
    rmf_dir: Option<PathBuf>,
    /// Port to listen on.
    #[arg(long, default_value_t = 8765)]
    port: u16,
    /// Address to bind (loopback by default).
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// Origin allowed by CORS (e.g. https://xcat.example.org).
    #[arg(long)]
    allow_origin: Option<String>,
    /// Maximum request body in MiB.
    #[arg(long, default_value_t = 32)]
    max_upload_mib: usize,
    /// Maximum time per fit in seconds.
    #[arg(long, default_value_t = 20.0)]
    fit_timeout: f64,
    /// Maximum number of fits running at once.
    #[arg(long, default_value_t = 2)]
    max_concurrent: usize,
}

/// Parses `LO:HI` into two numbers (either side may be empty for an open range).
pub fn parse_range(s: &str) -> Result<(f64, f64)> {
    let (a, b) = s
        .split_once(':')
        .with_context(|| format!("range {s:?} must look like LO:HI"))?;
    let num = |t: &str, open: f64| -> Result<f64> {
        let t = t.trim();
        if t.is_empty() {
            return Ok(open);
        }
        t.parse::<f64>()
            .ok()
            .filter(|v| !v.is_nan())
            .with_context(|| format!("{t:?} in range {s:?} is not a number"))
    };
    let (lo, hi) = (num(a, f64::NEG_INFINITY)?, num(b, f64::INFINITY)?);
    if lo >= hi {
        bail!("range {s:?} is empty (LO must be below HI)");
    }
    Ok((lo, hi))
}

fn parse_assign(s: &str, what: &str) -> Result<(String, Option<f64>)> {
    match s.split_once('=') {
        Some((n, v)) => {
            let v: f64 = v
                .trim()
                .parse()
                .with_context(|| format!("{what} {s:?}: {v:?} is not a number"))?;
            Ok((n.trim().to_string(), Some(v)))
        }
        None => Ok((s.trim().to_string(), None)),
    }
}

fn fit_request(a: &FitArgs) -> Result<FitRequest> {
    let stat: Statistic = a.stat.parse().map_err(anyhow::Error::msg)?;
    let mut set = Vec::new();
    for s in &a.set {
        match parse_assign(s, "--set")? {
            (n, Some(v)) => set.push((n, v)),
            (n, None) => bail!("--set {n:?} needs a value: NAME=VALUE"),
        }
    }
    let freeze = a
        .freeze
        .iter()
        .map(|s| parse_assign(s, "--freeze"))
        .collect::<Result<Vec<_>>>()?;
    let data = DataOptions {
        group_min: a.group_min,
        ungroup: a.ungroup,
        notice: a
            .notice
            .iter()
            .map(|s| parse_range(s))
            .collect::<Result<_>>()?,
        ignore: a
            .ignore
            .iter()
            .map(|s| parse_range(s))
            .collect::<Result<_>>()?,
        notice_channels: match &a.notice_channels {
            Some(s) => {
                let (lo, hi) = parse_range(s)?;
                Some((
                    lo.max(i64::MIN as f64) as i64,
                    hi.min(i64::MAX as f64) as i64,
                ))
            }
            None => None,
        },
    };
    if let Some(n) = a.group_min
        && !(n >= 1.0)
    {
        bail!("--group-min must be at least 1");
    }
    let mut req = FitRequest {
        model: a.model.clone(),
        bkg_model: a.bkg_model.clone(),
        stat,
        data,
        set,
        freeze,
        eval_only: a.eval,
        conf: a.conf,
        ..FitRequest::default()
    };
    if !a.flux_band.is_empty() {
        req.flux_bands = a
            .flux_band
            .iter()
            .map(|s| parse_range(s))
            .collect::<Result<_>>()?;
    }
    Ok(req)
}

fn print_text(out: &FitOutput) {
    let s = &out.stat;
    println!("model      {}", out.model);
    if let Some(b) = &out.bkg_model {
        println!("bkg model  {b}");
    }
    println!(
        "statistic  {} = {:.6} ({} bins, {} dof{}; {}, {}converged, {} evaluations)",
        s.name,
        s.value,
        s.numpoints,
        s.dof,
        s.reduced
            .map(|r| format!(", reduced {r:.4}"))
            .unwrap_or_default(),
        s.method,
        if s.converged { "" } else { "NOT " },
        s.nfev
    );
    for (name, p) in &out.params {
        let err = match (p.frozen, p.error) {
            (true, _) => "(frozen)".to_string(),
            (false, Some(e)) => format!("± {e:.6e}"),
            (false, None) => "± ?".to_string(),
        };
        let conf = p
            .conf
            .map(|[l, h]| {
                let f = |v: Option<f64>| v.map(|v| format!("{v:.6e}")).unwrap_or("-".into());
                format!("  conf [{}, {}]", f(l), f(h))
            })
            .unwrap_or_default();
        println!("  {name:<28} {:>14.6e} {err}{conf}", p.value);
    }
    for (band, f) in &out.fluxes {
        println!(
            "flux {band} keV: {:.4e} ph/cm²/s, {:.4e} erg/cm²/s (unabsorbed {:.4e})",
            f.photon, f.energy, f.energy_unabsorbed
        );
    }
    for w in &out.warnings {
        println!("warning: {w}");
    }
}

/// Runs the command line; errors are returned for `main` to print (exit code 2).
pub fn main_with(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Fit(a) => {
            let req = fit_request(&a)?;
            let spec = Spectrum::load(&SpectrumFiles {
                pha: a.pha.clone(),
                bkg: a.bkg.clone(),
                arf: a.arf.clone(),
                rmf: a.rmf.clone(),
                no_links: false,
            })
            .with_context(|| format!("loading {}", a.pha.display()))?;
            let out = run(&spec, &req).context("fitting")?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                print_text(&out);
            }
            Ok(())
        }
        Command::Serve(a) => {
            if !(a.fit_timeout > 0.0) {
                bail!("--fit-timeout must be positive");
            }
            let cfg = ServerConfig {
                products: a.products,
                rmf_dir: a.rmf_dir,
                bind: a.bind,
                port: a.port,
                allow_origin: a.allow_origin,
                max_body: a.max_upload_mib.saturating_mul(1 << 20),
                fit_timeout: std::time::Duration::from_secs_f64(a.fit_timeout),
                max_concurrent: a.max_concurrent.max(1),
            };
            serve(cfg)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("0.5:7").unwrap(), (0.5, 7.0));
        assert_eq!(parse_range(":7").unwrap().0, f64::NEG_INFINITY);
        assert!(parse_range("7:0.5").is_err());
        assert!(parse_range("a:b").is_err());
        assert!(parse_range("7").is_err());
    }
}
