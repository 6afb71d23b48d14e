//! Virtual Observatory products of the site: MOC coverage maps, the HiPS catalogue and
//! VOTable documents.

pub mod hips;
pub mod local;
pub mod moc;
pub mod server;
pub mod tap_schema;
pub mod uws;
pub mod votable;
