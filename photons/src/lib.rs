//! XMM-Newton photons for xcat: EPIC event lists read as the SAS and the pipeline write them
//! (events, the X/Y sky-pixel WCS, the good time intervals of each CCD), with their sky
//! positions.

pub mod events;
pub mod wcs;

pub use events::{EventError, EventList, Events};
pub use wcs::SkyWcs;
