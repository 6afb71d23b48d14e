//! Famous X-ray targets the demo catalogue places its fields on, with the names the demo's
//! name table resolves. Positions are J2000 (ICRS) centres of the objects, to about an
//! arcsecond; distances (for X-ray luminosities of ULX candidates) in Mpc.

/// What sort of field a target gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A nearby galaxy: off-nuclear bright sources can be ULX candidates.
    Galaxy,
    /// A galaxy cluster: a bright extended source at the centre.
    Cluster,
    /// A Milky Way target: star-forming region, globular cluster, supernova remnant.
    Galactic,
    /// A deep survey field: many faint sources, many pointings.
    Deep,
}

/// A demo field target.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// Display name.
    pub name: &'static str,
    /// Other names the resolver knows.
    pub aliases: &'static [&'static str],
    /// Right ascension, degrees.
    pub ra: f64,
    /// Declination, degrees.
    pub dec: f64,
    /// Field kind.
    pub kind: Kind,
    /// Distance in Mpc (galaxies), 0 otherwise.
    pub distance_mpc: f64,
    /// Radius of the galaxy's optical disc (D25/2) in arcmin, capped at the field size.
    pub radius_arcmin: f64,
    /// Number of XMM pointings on the target.
    pub pointings: u32,
}

#[allow(clippy::too_many_arguments)]
const fn t(
    name: &'static str,
    aliases: &'static [&'static str],
    ra: f64,
    dec: f64,
    kind: Kind,
    distance_mpc: f64,
    radius_arcmin: f64,
    pointings: u32,
) -> Target {
    Target {
        name,
        aliases,
        ra,
        dec,
        kind,
        distance_mpc,
        radius_arcmin,
        pointings,
    }
}

/// The demo's famous fields.
pub const TARGETS: &[Target] = &[
    t(
        "M31",
        &["Messier 31", "NGC 224", "Andromeda Galaxy"],
        10.684708,
        41.268750,
        Kind::Galaxy,
        0.78,
        12.0,
        5,
    ),
    t(
        "M82",
        &["Messier 82", "NGC 3034", "Cigar Galaxy"],
        148.969687,
        69.679703,
        Kind::Galaxy,
        3.6,
        5.5,
        4,
    ),
    t(
        "M87",
        &["Messier 87", "NGC 4486", "Virgo A"],
        187.705930,
        12.391123,
        Kind::Galaxy,
        16.5,
        4.1,
        3,
    ),
    t(
        "M101",
        &["Messier 101", "NGC 5457", "Pinwheel Galaxy"],
        210.802267,
        54.348950,
        Kind::Galaxy,
        6.9,
        12.0,
        4,
    ),
    t(
        "M51",
        &["Messier 51", "NGC 5194", "Whirlpool Galaxy"],
        202.469575,
        47.195258,
        Kind::Galaxy,
        8.6,
        5.5,
        4,
    ),
    t(
        "M83",
        &["Messier 83", "NGC 5236", "Southern Pinwheel Galaxy"],
        204.253958,
        -29.865417,
        Kind::Galaxy,
        4.7,
        6.4,
        3,
    ),
    t(
        "NGC 253",
        &["Sculptor Galaxy"],
        11.888000,
        -25.288222,
        Kind::Galaxy,
        3.5,
        12.0,
        3,
    ),
    t(
        "Centaurus A",
        &["NGC 5128", "Cen A"],
        201.365063,
        -43.019112,
        Kind::Galaxy,
        3.8,
        12.0,
        4,
    ),
    t(
        "NGC 1313",
        &[],
        49.566875,
        -66.498250,
        Kind::Galaxy,
        4.2,
        4.6,
        4,
    ),
    t(
        "M33",
        &["Messier 33", "NGC 598", "Triangulum Galaxy"],
        23.462042,
        30.660222,
        Kind::Galaxy,
        0.87,
        12.0,
        3,
    ),
    t(
        "NGC 5139",
        &["Omega Centauri", "omega Cen"],
        201.696991,
        -47.479472,
        Kind::Galactic,
        0.0,
        0.0,
        3,
    ),
    t(
        "Orion Nebula",
        &["M42", "Messier 42", "NGC 1976"],
        83.822083,
        -5.391111,
        Kind::Galactic,
        0.0,
        0.0,
        3,
    ),
    t(
        "Cas A",
        &["Cassiopeia A", "3C 461"],
        350.850000,
        58.815000,
        Kind::Galactic,
        0.0,
        0.0,
        3,
    ),
    t(
        "Sgr A*",
        &["Sagittarius A*", "Galactic Centre"],
        266.416837,
        -29.007810,
        Kind::Galactic,
        0.0,
        0.0,
        5,
    ),
    t(
        "Crab Nebula",
        &["M1", "Messier 1", "NGC 1952"],
        83.633083,
        22.014500,
        Kind::Galactic,
        0.0,
        0.0,
        2,
    ),
    t(
        "47 Tuc",
        &["NGC 104", "47 Tucanae"],
        6.023625,
        -72.081444,
        Kind::Galactic,
        0.0,
        0.0,
        3,
    ),
    t(
        "LMC",
        &["Large Magellanic Cloud"],
        80.893860,
        -69.756126,
        Kind::Galactic,
        0.0,
        0.0,
        3,
    ),
    t(
        "SMC",
        &["Small Magellanic Cloud"],
        13.186588,
        -72.828599,
        Kind::Galactic,
        0.0,
        0.0,
        2,
    ),
    t(
        "Chandra Deep Field South",
        &["CDFS", "CDF-S"],
        53.116250,
        -27.808333,
        Kind::Deep,
        0.0,
        0.0,
        6,
    ),
    t(
        "Lockman Hole",
        &[],
        163.179167,
        57.480000,
        Kind::Deep,
        0.0,
        0.0,
        5,
    ),
    t(
        "Coma Cluster",
        &["Abell 1656"],
        194.952917,
        27.980556,
        Kind::Cluster,
        0.0,
        0.0,
        3,
    ),
    t(
        "Perseus Cluster",
        &["Abell 426", "NGC 1275"],
        49.950667,
        41.511696,
        Kind::Cluster,
        0.0,
        0.0,
        3,
    ),
];

/// The demo name table as CSV (`name,ra,dec`), one line per name or alias.
pub fn names_csv() -> String {
    let mut s = String::from("name,ra,dec\n");
    for t in TARGETS {
        for n in std::iter::once(&t.name).chain(t.aliases) {
            s.push_str(&format!("{n},{:.6},{:.6}\n", t.ra, t.dec));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_on_the_sky_and_names_unique() {
        let mut names = Vec::new();
        for t in TARGETS {
            assert!(
                (0.0..360.0).contains(&t.ra) && (-90.0..=90.0).contains(&t.dec),
                "{}",
                t.name
            );
            assert!(t.pointings >= 2, "{} needs overlapping pointings", t.name);
            names.push(t.name.to_ascii_lowercase());
            names.extend(t.aliases.iter().map(|a| a.to_ascii_lowercase()));
        }
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n, "a name is listed twice");
        assert!(names_csv().contains("M82,148.969687,69.679703\nMessier 82,"));
    }
}
