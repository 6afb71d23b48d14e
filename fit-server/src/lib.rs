//! X-ray spectral fitting for xcat.
//!
//! Reads OGIP spectra and responses ([`ogip`]), folds XSPEC-style models ([`model`]) through
//! the response ([`dataset`]), and fits them with Sherpa's statistics ([`stat`]) using a
//! bounded Levenberg–Marquardt optimiser ([`optim`]), with covariance and profile errors
//! ([`uncertainty`]) and band fluxes ([`flux`]). [`fit::run`] ties it together; [`server`]
//! exposes it over HTTP.

// Numerical code indexes parallel arrays by position, and `!(x > 0.0)` deliberately rejects
// NaN along with non-positive values.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

pub mod cli;
pub mod dataset;
pub mod fit;
pub mod flux;
pub mod model;
pub mod ogip;
pub mod optim;
pub mod problem;
pub mod server;
pub mod stat;
pub mod uncertainty;

pub use dataset::{DataOptions, NetCounts, Spectrum, SpectrumFiles};
pub use fit::{FitError, FitOutput, FitRequest, run};
pub use model::Model;
pub use stat::Statistic;
