//! Thin, checked access to FITS binary tables through cfitsio.
//!
//! fitsio 0.21 reads fixed-width columns but has no call for variable-length array columns
//! (`TFORM = 1PE(1107)`), which OGIP response matrices use (CAL/GEN/92-002). This module calls
//! the few cfitsio routines needed (`ffgcvd`, `ffgdes`, `ffgtcl`, keyword readers) on the file
//! fitsio opened, and turns every non-zero status into an [`OgipError`] naming file, HDU and
//! column. cfitsio reads gzip-compressed files (`.gz`, `.FTZ`) transparently.
//!
//! cfitsio's global state is not guaranteed thread-safe in the bundled build, so every open and
//! read holds one process-wide lock ([`FitsTable`] keeps the guard for its whole life).
#![allow(unsafe_code)] // Raw cfitsio calls: fitsio has no API for variable-length arrays.

use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_long};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use fitsio::sys;

use super::OgipError;

static FITS_LOCK: Mutex<()> = Mutex::new(());

/// cfitsio status for a missing keyword.
const KEY_NO_EXIST: c_int = 202;
/// cfitsio status when a keyword exists but has no value.
const VALUE_UNDEFINED: c_int = 204;
const BINARY_TBL: c_int = 2;

/// A column located in the current table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub num: c_int,
    /// Elements per row (the maximum length for variable-length columns).
    pub repeat: usize,
    pub variable: bool,
}

/// One binary-table HDU of an open FITS file.
pub struct FitsTable {
    file: fitsio::FitsFile,
    path: PathBuf,
    hdu: String,
    nrows: usize,
    /// The decompressed copy of a gzip-compressed file, read in its place.
    _plain: Option<tempfile::NamedTempFile>,
    _guard: MutexGuard<'static, ()>,
}

/// Largest decompressed size of a gzip-compressed spectral file (response matrices of the
/// EPIC cameras are a few tens of MB).
const MAX_GUNZIPPED: u64 = 1 << 30;

/// A plain copy of a gzip-compressed file, decompressed here with a size limit: cfitsio
/// would size its buffer from the file's own trailer, which a damaged or hostile file sets to
/// gigabytes.
fn gunzipped(path: &Path) -> Result<Option<tempfile::NamedTempFile>, OgipError> {
    use std::io::Read;
    let open_err = |message: String| OgipError::Open {
        path: path.to_path_buf(),
        message,
    };
    let mut f = std::fs::File::open(path).map_err(|e| open_err(e.to_string()))?;
    let mut magic = [0u8; 2];
    let n = f.read(&mut magic).map_err(|e| open_err(e.to_string()))?;
    if n < 2 || magic != [0x1f, 0x8b] {
        return Ok(None);
    }
    let f = std::fs::File::open(path).map_err(|e| open_err(e.to_string()))?;
    let mut plain = tempfile::NamedTempFile::new()
        .map_err(|e| open_err(format!("cannot make a temporary file: {e}")))?;
    let copied = std::io::copy(
        &mut flate2::read::MultiGzDecoder::new(f).take(MAX_GUNZIPPED + 1),
        plain.as_file_mut(),
    )
    .map_err(|e| open_err(format!("corrupt gzip data ({e})")))?;
    if copied > MAX_GUNZIPPED {
        return Err(open_err(format!(
            "decompresses to more than {MAX_GUNZIPPED} bytes"
        )));
    }
    Ok(Some(plain))
}

fn status_text(status: c_int) -> String {
    let mut buf = [0 as c_char; 81];
    // SAFETY: ffgerr writes at most 30 characters plus NUL into the buffer.
    unsafe { sys::ffgerr(status, buf.as_mut_ptr()) };
    // SAFETY: the buffer is NUL-terminated by cfitsio (and zero-initialised).
    let text = unsafe { CStr::from_ptr(buf.as_ptr()) };
    format!("cfitsio status {status}: {}", text.to_string_lossy())
}

fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', "")).unwrap_or_default()
}

impl FitsTable {
    /// Opens `path` and moves to the first binary table whose EXTNAME is one of `names`
    /// (case-insensitive) or, failing that, whose `HDUCLAS<n>` keyword equals the given value.
    pub fn open(
        path: &Path,
        names: &[&str],
        hduclas: Option<(&str, &str)>,
    ) -> Result<Self, OgipError> {
        let guard = FITS_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        if !path.is_file() {
            return Err(OgipError::Open {
                path: path.to_path_buf(),
                message: "no such file".into(),
            });
        }
        let plain = gunzipped(path)?;
        let readable = plain.as_ref().map_or(path, |p| p.path());
        let checked = std::fs::File::open(readable).and_then(|mut f| {
            let len = f.metadata()?.len();
            xcat_core::fits::check_headers(&mut f, len)
        });
        match checked {
            Ok(None) => {}
            Ok(Some((hdu, problem))) => {
                return Err(OgipError::Open {
                    path: path.to_path_buf(),
                    message: format!("not a readable FITS file (HDU {hdu}: {problem})"),
                });
            }
            Err(e) => {
                return Err(OgipError::Open {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                });
            }
        }
        let file = fitsio::FitsFile::open(readable).map_err(|e| OgipError::Open {
            path: path.to_path_buf(),
            message: format!("not a readable FITS file ({e})"),
        })?;
        let mut table = FitsTable {
            file,
            path: path.to_path_buf(),
            hdu: String::new(),
            nrows: 0,
            _plain: plain,
            _guard: guard,
        };
        let nhdus = table.num_hdus()?;
        let mut by_class = None;
        for hdunum in 2..=nhdus {
            let exttype = table.move_to(hdunum)?;
            if exttype != BINARY_TBL {
                continue;
            }
            let extname = table.key_str("EXTNAME")?.unwrap_or_default();
            if names.iter().any(|n| n.eq_ignore_ascii_case(extname.trim())) {
                return table.select(hdunum);
            }
            if by_class.is_none()
                && let Some((key, value)) = hduclas
            {
                let v = table.key_str(key)?.unwrap_or_default();
                if v.trim().eq_ignore_ascii_case(value) {
                    by_class = Some(hdunum);
                }
            }
        }
        if let Some(hdunum) = by_class {
            return table.select(hdunum);
        }
        Err(OgipError::MissingHdu {
            path: path.to_path_buf(),
            wanted: match hduclas {
                Some((k, v)) => format!("EXTNAME {} or {k} = {v}", names.join(" / ")),
                None => format!("EXTNAME {}", names.join(" / ")),
            },
        })
    }

    fn select(mut self, hdunum: c_int) -> Result<Self, OgipError> {
        self.goto(hdunum)?;
        Ok(self)
    }

    fn raw(&mut self) -> *mut sys::fitsfile {
        // SAFETY: the pointer stays owned by `self.file`, which outlives every use here.
        unsafe { self.file.as_raw() }
    }

    fn num_hdus(&mut self) -> Result<c_int, OgipError> {
        let mut n = 0;
        let mut status = 0;
        // SAFETY: valid open file.
        unsafe { sys::ffthdu(self.raw(), &mut n, &mut status) };
        self.check(status, None)?;
        Ok(n)
    }

    fn move_to(&mut self, hdunum: c_int) -> Result<c_int, OgipError> {
        let mut exttype = 0;
        let mut status = 0;
        // SAFETY: valid open file; hdunum within 1..=num_hdus.
        unsafe { sys::ffmahd(self.raw(), hdunum, &mut exttype, &mut status) };
        self.check(status, None)?;
        Ok(exttype)
    }

    fn check(&self, status: c_int, column: Option<&str>) -> Result<(), OgipError> {
        if status == 0 {
            return Ok(());
        }
        Err(OgipError::Fits {
            path: self.path.clone(),
            hdu: self.hdu.clone(),
            column: column.map(str::to_owned),
            message: status_text(status),
        })
    }

    /// Every binary table of the file: (HDU number as cfitsio counts them, 1 = primary;
    /// EXTNAME). Leaves the file at the last HDU: select one with [`goto`](Self::goto).
    pub fn tables(&mut self) -> Result<Vec<(c_int, String)>, OgipError> {
        let mut out = Vec::new();
        for hdunum in 2..=self.num_hdus()? {
            if self.move_to(hdunum)? == BINARY_TBL {
                out.push((hdunum, self.key_str("EXTNAME")?.unwrap_or_default()));
            }
        }
        Ok(out)
    }

    /// Moves to the binary table of HDU number `hdunum` (from [`tables`](Self::tables)).
    pub fn goto(&mut self, hdunum: c_int) -> Result<(), OgipError> {
        if self.move_to(hdunum)? != BINARY_TBL {
            return Err(OgipError::Invalid {
                path: self.path.clone(),
                hdu: format!("HDU {}", hdunum - 1),
                message: "not a binary table".into(),
            });
        }
        let extname = self.key_str("EXTNAME")?.unwrap_or_default();
        self.hdu = if extname.is_empty() {
            format!("HDU {}", hdunum - 1)
        } else {
            extname
        };
        let mut nrows: c_long = 0;
        let mut status = 0;
        // SAFETY: valid open file; cfitsio writes one long.
        unsafe { sys::ffgnrw(self.raw(), &mut nrows, &mut status) };
        self.check(status, None)?;
        self.nrows = usize::try_from(nrows).unwrap_or(0);
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn hdu(&self) -> &str {
        &self.hdu
    }

    pub fn nrows(&self) -> usize {
        self.nrows
    }

    /// A numeric keyword, `None` when absent or undefined.
    pub fn key_f64(&mut self, name: &str) -> Result<Option<f64>, OgipError> {
        let key = cstring(name);
        let mut value = 0.0f64;
        let mut status = 0;
        // SAFETY: valid file, NUL-terminated key, one double written; comment pointer may be null.
        unsafe {
            sys::ffgkyd(
                self.raw(),
                key.as_ptr(),
                &mut value,
                std::ptr::null_mut(),
                &mut status,
            )
        };
        match status {
            0 => Ok(Some(value)),
            KEY_NO_EXIST | VALUE_UNDEFINED => Ok(None),
            _ => {
                // Present but not numeric (e.g. a string): report clearly.
                Err(OgipError::Invalid {
                    path: self.path.clone(),
                    hdu: self.hdu.clone(),
                    message: format!("keyword {name} is not a number ({})", status_text(status)),
                })
            }
        }
    }

    /// A string keyword (any keyword value as text), `None` when absent.
    pub fn key_str(&mut self, name: &str) -> Result<Option<String>, OgipError> {
        let key = cstring(name);
        let mut buf = [0 as c_char; 72];
        let mut status = 0;
        // SAFETY: ffgkys writes at most 68 characters plus NUL (FLEN_VALUE = 71).
        unsafe {
            sys::ffgkys(
                self.raw(),
                key.as_ptr(),
                buf.as_mut_ptr(),
                std::ptr::null_mut(),
                &mut status,
            )
        };
        match status {
            0 => {
                // SAFETY: NUL-terminated by cfitsio.
                let s = unsafe { CStr::from_ptr(buf.as_ptr()) };
                Ok(Some(s.to_string_lossy().trim().to_string()))
            }
            KEY_NO_EXIST | VALUE_UNDEFINED => Ok(None),
            _ => Err(OgipError::Invalid {
                path: self.path.clone(),
                hdu: self.hdu.clone(),
                message: format!("keyword {name} unreadable ({})", status_text(status)),
            }),
        }
    }

    /// A logical keyword; `None` when absent.
    pub fn key_bool(&mut self, name: &str) -> Result<Option<bool>, OgipError> {
        Ok(self
            .key_str(name)?
            .map(|s| matches!(s.trim().to_ascii_uppercase().as_str(), "T" | "TRUE" | "1")))
    }

    /// Locates a column by name (case-insensitive).
    pub fn column(&mut self, name: &str) -> Result<Option<Column>, OgipError> {
        let templ = cstring(name);
        let mut templ_buf = templ.into_bytes_with_nul();
        let mut num = 0;
        let mut status = 0;
        // SAFETY: template is a NUL-terminated buffer we own; cfitsio does not write to it.
        unsafe {
            sys::ffgcno(
                self.raw(),
                0,
                templ_buf.as_mut_ptr() as *mut c_char,
                &mut num,
                &mut status,
            )
        };
        if status != 0 {
            // COL_NOT_FOUND (219) or a wildcard miss: treat as absent.
            return Ok(None);
        }
        let mut typecode = 0;
        let mut repeat: c_long = 0;
        let mut width: c_long = 0;
        // SAFETY: valid column number just returned by cfitsio.
        unsafe {
            sys::ffgtcl(
                self.raw(),
                num,
                &mut typecode,
                &mut repeat,
                &mut width,
                &mut status,
            )
        };
        self.check(status, Some(name))?;
        Ok(Some(Column {
            num,
            repeat: usize::try_from(repeat).unwrap_or(0),
            variable: typecode < 0,
        }))
    }

    /// A required column.
    pub fn require(&mut self, name: &str, why: &str) -> Result<Column, OgipError> {
        self.column(name)?.ok_or_else(|| OgipError::MissingColumn {
            path: self.path.clone(),
            hdu: self.hdu.clone(),
            column: name.to_string(),
            why: why.to_string(),
        })
    }

    /// `TLMIN<n>` of a column, if set.
    pub fn tlmin(&mut self, col: Column) -> Result<Option<f64>, OgipError> {
        self.key_f64(&format!("TLMIN{}", col.num))
    }

    /// All values of a scalar column as f64 (cfitsio converts the type).
    pub fn read_scalar(&mut self, name: &str, col: Column) -> Result<Vec<f64>, OgipError> {
        if col.variable || col.repeat != 1 {
            return Err(OgipError::Invalid {
                path: self.path.clone(),
                hdu: self.hdu.clone(),
                message: format!(
                    "column {name} holds {} values per row; one was expected",
                    if col.variable {
                        "a variable number of".to_string()
                    } else {
                        col.repeat.to_string()
                    }
                ),
            });
        }
        self.read_elements(name, col, 1, self.nrows)
    }

    fn read_elements(
        &mut self,
        name: &str,
        col: Column,
        row: usize,
        n: usize,
    ) -> Result<Vec<f64>, OgipError> {
        let mut out = vec![0.0f64; n];
        if n == 0 {
            return Ok(out);
        }
        let mut anynul = 0;
        let mut status = 0;
        // SAFETY: `out` has room for `n` doubles; cfitsio bounds-checks rows and elements.
        unsafe {
            sys::ffgcvd(
                self.raw(),
                col.num,
                row as i64,
                1,
                n as i64,
                f64::NAN,
                out.as_mut_ptr(),
                &mut anynul,
                &mut status,
            )
        };
        self.check(status, Some(name))?;
        Ok(out)
    }

    /// The values of one row (0-based) of a vector or variable-length column.
    pub fn read_row(&mut self, name: &str, col: Column, row: usize) -> Result<Vec<f64>, OgipError> {
        let n = if col.variable {
            let mut length: c_long = 0;
            let mut heap: c_long = 0;
            let mut status = 0;
            // SAFETY: valid column and 1-based row number.
            unsafe {
                sys::ffgdes(
                    self.raw(),
                    col.num,
                    row as i64 + 1,
                    &mut length,
                    &mut heap,
                    &mut status,
                )
            };
            self.check(status, Some(name))?;
            usize::try_from(length).unwrap_or(0)
        } else {
            col.repeat
        };
        if n > 1 << 24 {
            return Err(OgipError::Invalid {
                path: self.path.clone(),
                hdu: self.hdu.clone(),
                message: format!("column {name} row {} claims {n} elements", row + 1),
            });
        }
        self.read_elements(name, col, row + 1, n)
    }
}
