//! A small safe wrapper over the cfitsio calls the catalogue needs (bundled by `fitsio-sys`):
//! open/create, move between HDUs, read and write header keywords, and read or write whole
//! rows of a binary table as raw bytes. Reading raw row blocks and decoding big-endian values
//! ourselves is several times faster than cfitsio's per-column conversions on wide tables.
#![allow(unsafe_code)] // FFI to cfitsio; every call below checks the returned status.

use fitsio::sys;
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int};
use std::path::Path;

/// A cfitsio status code with its text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (cfitsio status {status})")]
pub struct CfitsioError {
    /// cfitsio status code.
    pub status: i32,
    /// cfitsio's description of it.
    pub message: String,
}

type R<T> = Result<T, CfitsioError>;

fn check(status: c_int) -> R<()> {
    if status == 0 {
        return Ok(());
    }
    let mut buf = [0 as c_char; 81];
    // SAFETY: ffgerr writes at most 30 characters plus NUL into the 81-byte buffer.
    unsafe { sys::ffgerr(status, buf.as_mut_ptr()) };
    // SAFETY: the buffer is NUL-terminated by ffgerr (or still all zeros).
    let message = unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned();
    Err(CfitsioError { status, message })
}

fn cstring(s: &str) -> R<CString> {
    CString::new(s).map_err(|_| CfitsioError {
        status: 0,
        message: format!("text contains a NUL byte: {s:?}"),
    })
}

/// Kind of an HDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HduKind {
    /// Primary array or IMAGE extension.
    Image,
    /// ASCII table.
    AsciiTable,
    /// Binary table.
    BinTable,
}

/// An open FITS file. Closed on drop.
#[derive(Debug)]
pub struct CFits {
    ptr: *mut sys::fitsfile,
}

impl CFits {
    /// Opens an existing file read-only (cfitsio also reads gzip-compressed files).
    pub fn open(path: &Path) -> R<Self> {
        let name = cstring(&path.to_string_lossy())?;
        let mut ptr = std::ptr::null_mut();
        let mut status = 0;
        // SAFETY: valid NUL-terminated file name and out-pointers.
        unsafe { sys::ffopen(&mut ptr, name.as_ptr(), 0, &mut status) };
        check(status)?;
        Ok(CFits { ptr })
    }

    /// Creates a new file (fails if it exists) with an empty primary HDU.
    pub fn create(path: &Path) -> R<Self> {
        let name = cstring(&path.to_string_lossy())?;
        let mut ptr = std::ptr::null_mut();
        let mut status = 0;
        // SAFETY: valid NUL-terminated file name and out-pointers.
        unsafe { sys::ffinit(&mut ptr, name.as_ptr(), &mut status) };
        check(status)?;
        let f = CFits { ptr };
        let mut status = 0;
        // SAFETY: `f.ptr` is an open file; an empty primary array (BITPIX 8, NAXIS 0).
        unsafe { sys::ffcrim(f.ptr, 8, 0, std::ptr::null_mut(), &mut status) };
        check(status)?;
        Ok(f)
    }

    /// Number of HDUs.
    pub fn num_hdus(&mut self) -> R<usize> {
        let (mut n, mut status) = (0, 0);
        // SAFETY: open file, valid out-pointers.
        unsafe { sys::ffthdu(self.ptr, &mut n, &mut status) };
        check(status)?;
        Ok(n as usize)
    }

    /// Makes HDU `index` (0 = primary) current and returns its kind.
    pub fn move_to(&mut self, index: usize) -> R<HduKind> {
        let (mut kind, mut status) = (0, 0);
        // SAFETY: open file, valid out-pointers; cfitsio numbers HDUs from 1.
        unsafe { sys::ffmahd(self.ptr, index as c_int + 1, &mut kind, &mut status) };
        check(status)?;
        Ok(match kind {
            1 => HduKind::AsciiTable,
            2 => HduKind::BinTable,
            _ => HduKind::Image,
        })
    }

    /// Raw value text of a keyword in the current HDU (quotes removed for strings), `None` if
    /// the keyword is absent.
    pub fn key(&mut self, name: &str) -> R<Option<String>> {
        let cname = cstring(name)?;
        let mut value = [0 as c_char; 72];
        let mut status = 0;
        // SAFETY: 72 bytes hold the longest value field (FLEN_VALUE = 71 + NUL).
        unsafe {
            sys::ffgkey(
                self.ptr,
                cname.as_ptr(),
                value.as_mut_ptr(),
                std::ptr::null_mut(),
                &mut status,
            )
        };
        if status == 202 {
            // KEY_NO_EXIST
            return Ok(None);
        }
        check(status)?;
        // SAFETY: NUL-terminated by cfitsio.
        let raw = unsafe { CStr::from_ptr(value.as_ptr()) }
            .to_string_lossy()
            .into_owned();
        let raw = raw.trim();
        let text = if raw.len() >= 2 && raw.starts_with('\'') && raw.ends_with('\'') {
            raw[1..raw.len() - 1]
                .replace("''", "'")
                .trim_end()
                .to_string()
        } else {
            raw.to_string()
        };
        Ok(Some(text))
    }

    /// Byte offsets of the current HDU: (header start, data start, data end).
    pub fn addresses(&mut self) -> R<(u64, u64, u64)> {
        let (mut h, mut d, mut e, mut status) = (0, 0, 0, 0);
        // SAFETY: open file, valid out-pointers.
        unsafe { sys::ffghadll(self.ptr, &mut h, &mut d, &mut e, &mut status) };
        check(status)?;
        Ok((h as u64, d as u64, e as u64))
    }

    /// Reads `buf.len()` bytes of table data starting at row `first_row` (0-based), byte 0.
    pub fn read_rows(&mut self, first_row: usize, buf: &mut [u8]) -> R<()> {
        if buf.is_empty() {
            return Ok(());
        }
        let mut status = 0;
        // SAFETY: cfitsio writes exactly `buf.len()` bytes into `buf`.
        unsafe {
            sys::ffgtbb(
                self.ptr,
                first_row as i64 + 1,
                1,
                buf.len() as i64,
                buf.as_mut_ptr(),
                &mut status,
            )
        };
        check(status)
    }

    /// Creates a binary-table extension after the current HDU and makes it current.
    pub fn create_bintable(
        &mut self,
        extname: &str,
        names: &[&str],
        tforms: &[&str],
        units: &[&str],
    ) -> R<()> {
        let to_c = |v: &[&str]| v.iter().map(|s| cstring(s)).collect::<R<Vec<_>>>();
        let (n, f, u) = (to_c(names)?, to_c(tforms)?, to_c(units)?);
        let mut np: Vec<*mut c_char> = n.iter().map(|s| s.as_ptr() as *mut c_char).collect();
        let mut fp: Vec<*mut c_char> = f.iter().map(|s| s.as_ptr() as *mut c_char).collect();
        let mut up: Vec<*mut c_char> = u.iter().map(|s| s.as_ptr() as *mut c_char).collect();
        let ext = cstring(extname)?;
        let mut status = 0;
        // SAFETY: three arrays of `names.len()` valid C strings that outlive the call; cfitsio
        // only reads them.
        unsafe {
            sys::ffcrtb(
                self.ptr,
                2,
                0,
                names.len() as c_int,
                np.as_mut_ptr(),
                fp.as_mut_ptr(),
                up.as_mut_ptr(),
                ext.as_ptr(),
                &mut status,
            )
        };
        check(status)
    }

    /// Writes an integer keyword in the current HDU.
    pub fn write_key_int(&mut self, name: &str, value: i64, comment: &str) -> R<()> {
        let (n, c) = (cstring(name)?, cstring(comment)?);
        let mut status = 0;
        // SAFETY: valid C strings; open file.
        unsafe { sys::ffpkyj(self.ptr, n.as_ptr(), value, c.as_ptr(), &mut status) };
        check(status)
    }

    /// Writes a floating-point keyword in the current HDU (exponential notation, 16
    /// significant digits: every double reads back exactly).
    pub fn write_key_f64(&mut self, name: &str, value: f64, comment: &str) -> R<()> {
        let (n, c) = (cstring(name)?, cstring(comment)?);
        let mut status = 0;
        // SAFETY: valid C strings; open file.
        unsafe { sys::ffpkyd(self.ptr, n.as_ptr(), value, 15, c.as_ptr(), &mut status) };
        check(status)
    }

    /// Writes a string keyword in the current HDU.
    pub fn write_key_str(&mut self, name: &str, value: &str, comment: &str) -> R<()> {
        let (n, v, c) = (cstring(name)?, cstring(value)?, cstring(comment)?);
        let mut status = 0;
        // SAFETY: valid C strings; open file.
        unsafe { sys::ffpkys(self.ptr, n.as_ptr(), v.as_ptr(), c.as_ptr(), &mut status) };
        check(status)
    }

    /// Writes whole rows of raw table bytes starting at row `first_row` (0-based).
    pub fn write_rows(&mut self, first_row: usize, bytes: &[u8]) -> R<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let mut status = 0;
        // SAFETY: cfitsio reads exactly `bytes.len()` bytes (the pointer is not written to).
        unsafe {
            sys::ffptbb(
                self.ptr,
                first_row as i64 + 1,
                1,
                bytes.len() as i64,
                bytes.as_ptr() as *mut u8,
                &mut status,
            )
        };
        check(status)
    }

    /// Flushes and closes the file, reporting any error (drop closes silently).
    pub fn close(mut self) -> R<()> {
        let mut status = 0;
        // SAFETY: the pointer is open and is nulled so drop does not close it twice.
        unsafe { sys::ffclos(self.ptr, &mut status) };
        self.ptr = std::ptr::null_mut();
        check(status)
    }
}

impl Drop for CFits {
    fn drop(&mut self) {
        if !self.ptr.is_null() {
            let mut status = 0;
            // SAFETY: open pointer, closed once.
            unsafe { sys::ffclos(self.ptr, &mut status) };
        }
    }
}

// cfitsio file handles are used from one thread at a time; moving one between threads is fine.
// SAFETY: the handle has no thread affinity; `&mut self` methods serialise access.
unsafe impl Send for CFits {}
