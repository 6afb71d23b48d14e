//! X-ray spectral fitting for xcat (work in progress).
