//! Damaged spectral files found by fuzzing (`scripts/fuzz.sh ogip`) stay clear errors: a
//! gzip-compressed file whose stream is corrupt and whose trailer claims gigabytes made the
//! FITS library size a buffer from that trailer (out of memory); the readers now decompress
//! such files themselves, with a limit.

mod common;

use xcat_fit::ogip::{Arf, Pha, Rmf};

/// A real gzip-compressed pipeline spectrum with its deflate stream damaged in the middle and
/// its trailer's size field set to almost 4 GiB.
fn damaged_ftz(dir: &std::path::Path) -> std::path::PathBuf {
    let src = common::spectra("xmm_pn_0760940101").join("P0760940101PNS003SRSPEC0017.FTZ");
    let mut bytes = std::fs::read(&src).unwrap();
    assert_eq!(
        &bytes[..2],
        &[0x1f, 0x8b],
        "{} is gzip-compressed",
        src.display()
    );
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 64] {
        *b ^= 0x5a;
    }
    let n = bytes.len();
    bytes[n - 4..].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
    let out = dir.join("damaged.FTZ");
    std::fs::write(&out, bytes).unwrap();
    out
}

#[test]
fn a_damaged_gzip_file_is_a_clear_error_not_an_allocation_of_its_claimed_size() {
    let dir = tempfile::tempdir().unwrap();
    let f = damaged_ftz(dir.path());
    let e = Pha::read(&f).unwrap_err().to_string();
    assert!(e.contains("damaged.FTZ") && e.contains("gzip"), "{e}");
    assert!(Arf::read(&f).unwrap_err().to_string().contains("gzip"));
    assert!(Rmf::read(&f).unwrap_err().to_string().contains("gzip"));
    // The undamaged file still reads, through the same path.
    let good = common::spectra("xmm_pn_0760940101").join("P0760940101PNS003SRSPEC0017.FTZ");
    let pha = Pha::read(&good).unwrap();
    assert!(!pha.counts.is_empty());
}

#[test]
fn a_header_asking_for_millions_of_columns_is_refused_before_the_fits_library_reads_it() {
    // An ARF (plain FITS) whose table claims 900 million columns: cfitsio would size its
    // column descriptions from that before checking it.
    let dir = tempfile::tempdir().unwrap();
    let src = common::spectra("chandra_acis_3c273").join("3c273.arf");
    let mut bytes = std::fs::read(&src).unwrap();
    let i = bytes
        .windows(10)
        .position(|w| w == b"TFIELDS = ")
        .expect("a table header");
    bytes[i + 10..i + 30].copy_from_slice(b"           900000000");
    let f = dir.path().join("columns.arf");
    std::fs::write(&f, bytes).unwrap();
    let e = Arf::read(&f).unwrap_err().to_string();
    assert!(
        e.contains("columns.arf") && e.contains("TFIELDS = 900000000 is outside 0–999"),
        "{e}"
    );
}

#[test]
fn a_file_that_ends_inside_a_header_is_refused_before_the_fits_library_reads_it() {
    // Found by fuzzing `ogip`: a spectrum cut inside its table's header made cfitsio size its
    // column descriptions from what followed (hundreds of gigabytes).
    let dir = tempfile::tempdir().unwrap();
    let src = common::spectra("chandra_acis_3c273").join("3c273.pi");
    let bytes = std::fs::read(&src).unwrap();
    let xt = bytes
        .windows(9)
        .position(|w| w == b"XTENSION=")
        .expect("an extension");
    let f = dir.path().join("cut.pi");
    std::fs::write(&f, &bytes[..xt + 800]).unwrap();
    let e = Pha::read(&f).unwrap_err().to_string();
    assert!(
        e.contains("cut.pi") && e.contains("HDU 2: the file ends inside this header"),
        "{e}"
    );
}

#[test]
fn a_header_whose_cards_are_shifted_is_refused_before_the_fits_library_reads_it() {
    // Found by fuzzing: bytes inserted inside the GCOUNT card of a spectrum's table header
    // shift every later card off its 80-byte place; cfitsio then read a TFIELDS value from
    // the garbage where TFIELDS belongs and asked for petabytes of column descriptions.
    let dir = tempfile::tempdir().unwrap();
    let src = common::spectra("chandra_acis_3c273").join("3c273.pi");
    let mut bytes = std::fs::read(&src).unwrap();
    let i = bytes
        .windows(10)
        .position(|w| w == b"GCOUNT  = ")
        .expect("a table header");
    bytes.splice(i + 60..i + 60, std::iter::repeat_n(0xfd, 36));
    // Blanks before the header's END card taken out, so that END is on its place again.
    let mut card = b"END".to_vec();
    card.resize(80, b' ');
    let end = i + bytes[i..]
        .windows(80)
        .position(|w| w == card.as_slice())
        .expect("an END card");
    assert!(
        bytes[end - 36..end].iter().all(|&b| b == b' '),
        "blank cards before END"
    );
    bytes.drain(end - 36..end);
    let f = dir.path().join("shifted.pi");
    std::fs::write(&f, bytes).unwrap();
    let e = Pha::read(&f).unwrap_err().to_string();
    assert!(
        e.contains("shifted.pi") && e.contains("mandatory keyword TFIELDS"),
        "{e}"
    );
    // The undamaged file reads.
    assert!(!Pha::read(&src).unwrap().counts.is_empty());
}

#[test]
fn a_mandatory_keyword_that_is_not_an_integer_is_refused_before_the_fits_library_reads_it() {
    // Found by fuzzing `ogip`: a table header whose PCOUNT reads `(    255344` made cfitsio
    // size its column descriptions from garbage (680 GB).
    let dir = tempfile::tempdir().unwrap();
    let src = common::spectra("chandra_acis_3c273").join("3c273.pi");
    let mut bytes = std::fs::read(&src).unwrap();
    let i = bytes
        .windows(10)
        .position(|w| w == b"PCOUNT  = ")
        .expect("a table header");
    bytes[i + 10..i + 30].copy_from_slice(b"         (         0");
    let f = dir.path().join("pcount.pi");
    std::fs::write(&f, bytes).unwrap();
    let e = Pha::read(&f).unwrap_err().to_string();
    assert!(
        e.contains("pcount.pi")
            && e.contains("PCOUNT = \"(         0\" is not a non-negative integer"),
        "{e}"
    );
}
