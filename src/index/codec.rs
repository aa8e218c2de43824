//! The byte formats of the static index, shared by [`super::export`] (which
//! writes them) and [`super::query`] (which reads them); `search.js` decodes
//! the same bytes.
//!
//! - **Files.** Every file of `search/` is one JavaScript call,
//!   `window.__havenSearch.add("KEY",PAYLOAD);`, where PAYLOAD is JSON: an
//!   object, or a string holding base64 of binary data. A page opened from
//!   disk runs it with a `<script>`; over http the same file is fetched as
//!   text and PAYLOAD parsed, so there is one copy of every shard.
//! - **Numbers** are unsigned LEB128 varints.
//! - **A postings block** is `n, min` then `n` postings sorted by
//!   (page, section): `page delta × 8 + min(section, 7)`, `section − 7` when
//!   the section is 7 or more, and `score − min`.
//! - **Section text** is raw DEFLATE (RFC 1951) of its UTF-8 (the browser
//!   inflates it with `DecompressionStream("deflate-raw")`).

use std::io::Read;

/// One posting: a section (page, section within the page) and its score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Posting {
    pub page: u32,
    pub section: u32,
    pub score: u32,
}

/// A malformed file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

fn err(what: &str) -> DecodeError {
    DecodeError(what.to_string())
}

pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub fn put_str(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// A cursor over bytes.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pub at: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, at: 0 }
    }

    pub fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    pub fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self.bytes.get(self.at).ok_or_else(|| err("truncated number"))?;
            self.at += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(err("number too long"))
    }

    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        u32::try_from(self.varint()?).map_err(|_| err("number out of range"))
    }

    /// Length-prefixed bytes.
    pub fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.varint()? as usize;
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or_else(|| err("truncated text"))?;
        let b = &self.bytes[self.at..end];
        self.at = end;
        Ok(b)
    }

    pub fn str(&mut self) -> Result<&'a str, DecodeError> {
        std::str::from_utf8(self.bytes()?).map_err(|_| err("text is not UTF-8"))
    }
}

/// Encode postings (sorted by page, section) as one block.
pub fn put_block(out: &mut Vec<u8>, postings: &[Posting]) {
    let min = postings.iter().map(|p| p.score).min().unwrap_or(0);
    put_varint(out, postings.len() as u64);
    put_varint(out, u64::from(min));
    let mut page = 0u32;
    for p in postings {
        let delta = u64::from(p.page - page);
        put_varint(out, delta * 8 + u64::from(p.section.min(7)));
        if p.section >= 7 {
            put_varint(out, u64::from(p.section - 7));
        }
        put_varint(out, u64::from(p.score - min));
        page = p.page;
    }
}

/// Decode one block written by [`put_block`].
pub fn read_block(r: &mut Reader<'_>) -> Result<Vec<Posting>, DecodeError> {
    let n = r.varint()? as usize;
    let min = r.u32()?;
    let mut out = Vec::with_capacity(n.min(1 << 16));
    let mut page = 0u32;
    for _ in 0..n {
        let v = r.varint()?;
        page = page
            .checked_add(u32::try_from(v >> 3).map_err(|_| err("page out of range"))?)
            .ok_or_else(|| err("page out of range"))?;
        let mut section = (v & 7) as u32;
        if section == 7 {
            section += r.u32()?;
        }
        let score = min.checked_add(r.u32()?).ok_or_else(|| err("score out of range"))?;
        out.push(Posting { page, section, score });
    }
    Ok(out)
}

/// Standard base64 with padding (what `atob` reads), by the `base64` crate.
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Inverse of [`base64()`].
pub fn unbase64(s: &str) -> Result<Vec<u8>, DecodeError> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).map_err(|_| err("bad base64"))
}

/// The compression level of [`deflate`]: libdeflate's fastest, 1.
///
/// The section texts of the search files are most of what a build
/// compresses, in files of 1–3 KB. On those of the long-article corpus
/// (8,512 files, 26.2 MB of JSON at 1,000 pages) libdeflate's level 1
/// compressed at 102–103 MB/s into 12.95 MB, where zlib-rs (flate2's
/// backend, a port of zlib-ng) at level 3, which Haven used before, managed
/// 55 MB/s into 12.89 MB (+0.5%); on the shipped site's 419 files, 55
/// against 29 MB/s, 0.187 against 0.186 MB. zlib-rs's own level 1 writes
/// 26% more, and its level 2 was no faster than its 3. A small file costs
/// zlib more than its bytes: every stream starts by clearing a 128 KB hash
/// table.
const LEVEL: i32 = 1;

/// Raw DEFLATE of `text` (what a browser's `DecompressionStream("deflate-raw")`
/// and [`inflate`] read).
///
/// Each thread keeps one compressor: making one allocates its tables, and
/// one compressor writes the same bytes for a text whatever it compressed
/// before.
pub fn deflate(text: &str) -> Vec<u8> {
    thread_local! {
        static COMPRESSOR: std::cell::RefCell<libdeflater::Compressor> = std::cell::RefCell::new(
            libdeflater::Compressor::new(libdeflater::CompressionLvl::new(LEVEL).unwrap_or_default()),
        );
    }
    COMPRESSOR.with_borrow_mut(|c| {
        let mut out = vec![0; c.deflate_compress_bound(text.len())];
        // The buffer is the bound libdeflate gives for the text, so it
        // cannot run out of room: an error is impossible, and would leave
        // the output empty.
        let len = c.deflate_compress(text.as_bytes(), &mut out).unwrap_or(0);
        out.truncate(len);
        out
    })
}

/// Inverse of [`deflate`].
pub fn inflate(bytes: &[u8]) -> Result<String, DecodeError> {
    let mut s = String::new();
    flate2::read::DeflateDecoder::new(bytes).read_to_string(&mut s).map_err(|e| DecodeError(e.to_string()))?;
    Ok(s)
}

/// What a file carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    Json(Vec<u8>),
    Binary(Vec<u8>),
}

/// The file for `key`: `window.__havenSearch.add("KEY",PAYLOAD);`.
pub fn script(key: &str, payload: &Payload) -> Vec<u8> {
    let mut out = format!("window.__havenSearch.add({},", serde_json::Value::from(key)).into_bytes();
    match payload {
        Payload::Json(j) => out.extend_from_slice(j),
        Payload::Binary(b) => {
            out.push(b'"');
            out.extend_from_slice(base64(b).as_bytes());
            out.push(b'"');
        }
    }
    out.extend_from_slice(b");\n");
    out
}

/// The payload of a file written by [`script`].
pub fn unscript(file: &[u8]) -> Result<Payload, DecodeError> {
    let text = std::str::from_utf8(file).map_err(|_| err("file is not UTF-8"))?;
    let start = text.find(',').ok_or_else(|| err("not a search shard"))? + 1;
    let end = text.rfind(')').filter(|&e| e >= start).ok_or_else(|| err("not a search shard"))?;
    let inner = text[start..end].trim();
    if let Some(b64) = inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Ok(Payload::Binary(unbase64(b64)?))
    } else {
        Ok(Payload::Json(inner.as_bytes().to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_strings_round_trip() {
        let mut out = Vec::new();
        for v in [0u64, 1, 127, 128, 300, 65_535, u64::from(u32::MAX)] {
            put_varint(&mut out, v);
        }
        put_str(&mut out, "ünï");
        let mut r = Reader::new(&out);
        for v in [0u64, 1, 127, 128, 300, 65_535, u64::from(u32::MAX)] {
            assert_eq!(r.varint().unwrap(), v);
        }
        assert_eq!(r.str().unwrap(), "ünï");
        assert!(r.done());
        assert!(Reader::new(&[0x80]).varint().is_err(), "truncated");
    }

    #[test]
    fn blocks_round_trip_with_large_sections() {
        let ps = vec![
            Posting { page: 3, section: 0, score: 900 },
            Posting { page: 3, section: 9, score: 65_535 },
            Posting { page: 70_000, section: 6, score: 1 },
            Posting { page: 70_000, section: 7, score: 2 },
        ];
        let mut out = Vec::new();
        put_block(&mut out, &ps);
        assert_eq!(read_block(&mut Reader::new(&out)).unwrap(), ps);
        let mut empty = Vec::new();
        put_block(&mut empty, &[]);
        assert_eq!(read_block(&mut Reader::new(&empty)).unwrap(), []);
        assert!(read_block(&mut Reader::new(&out[..out.len() - 1])).is_err());
    }

    #[test]
    fn base64_matches_the_standard_alphabet() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
        for n in 0..20u8 {
            let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(unbase64(&base64(&bytes)).unwrap(), bytes);
        }
        assert!(unbase64("a*b=").is_err());
    }

    #[test]
    fn scripts_carry_json_or_base64() {
        let json = Payload::Json(b"{\"a\":1}".to_vec());
        assert_eq!(script("v1/p1", &json), b"window.__havenSearch.add(\"v1/p1\",{\"a\":1});\n");
        assert_eq!(unscript(&script("v1/p1", &json)).unwrap(), json);
        let bin = Payload::Binary(vec![0, 255, 7]);
        assert_eq!(script("k", &bin), b"window.__havenSearch.add(\"k\",\"AP8H\");\n");
        assert_eq!(unscript(&script("k", &bin)).unwrap(), bin);
        assert_eq!(inflate(&deflate("some text, some text")).unwrap(), "some text, some text");
    }

    #[test]
    fn a_reused_compressor_writes_what_a_new_one_does() {
        let fresh = |t: &str| {
            let mut c = libdeflater::Compressor::new(libdeflater::CompressionLvl::new(LEVEL).unwrap());
            let mut out = vec![0; c.deflate_compress_bound(t.len())];
            let len = c.deflate_compress(t.as_bytes(), &mut out).unwrap();
            out.truncate(len);
            out
        };
        let long = "bond, goals and tasks; rupture and repair. ".repeat(2000);
        let varied: String = (0..3000u32).map(|i| char::from_u32(0x61 + (i * 7919 % 26)).unwrap_or('a')).collect();
        // The same texts twice over on one thread: nothing of one text's
        // stream (window, pending bits) may reach the next.
        for t in ["alliance", "", &long, "alliance", "a", &varied, &long, "", "Ünïcode — ok"].iter().cycle().take(18)
        {
            let ours = deflate(t);
            assert_eq!(ours, fresh(t), "{} bytes of input", t.len());
            assert_eq!(inflate(&ours).unwrap(), *t);
        }
        assert!(deflate(&long).len() < long.len() / 50, "repetition is compressed");
    }
}
