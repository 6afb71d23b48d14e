//! The xcat generator: reads the XMM-Newton serendipitous source catalogue (4XMM/3XMM FITS)
//! and writes a static website — a page per source and per observation, docs and news, tiled
//! catalogue chunks for the in-browser query engine.
//!
//! The pipeline reads like the process: [`config`] → [`catalog`] (FITS ingestion through
//! [`fits`]) → [`site`] (rendering and writing `dist/`). [`demo`] writes the built-in demo
//! catalogue in the exact 4XMM layout.

pub mod catalog;
pub mod config;
pub mod demo;
pub mod error;
pub mod fits;
pub mod names;
pub mod serve;
pub mod site;
pub mod vo;

pub use catalog::Catalogue;
pub use config::Config;
pub use error::{Error, Result};
