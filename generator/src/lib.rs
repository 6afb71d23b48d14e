//! The xcat generator.
