//! Virtual Observatory products of the site: MOC coverage maps and the HiPS catalogue.

pub mod hips;
pub mod moc;
