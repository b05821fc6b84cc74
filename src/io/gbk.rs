//! GBK / GB18030 text decoded to UTF-8 with a table of the two-byte
//! characters: the same text encoding_rs gives (tests compare them on
//! random bytes, read sizes and buffer sizes), at a fraction of the cost
//! for Chinese text (a label export spent a third of its time decoding).
//! ASCII is copied as it is, up to eight bytes at a time; a valid two-byte
//! character is one table lookup; anything else (four-byte characters,
//! invalid bytes) is decoded by encoding_rs, from the start of that
//! character to the next byte that cannot be inside one, included (an
//! ASCII byte below `@` that is not a digit), so that its errors come out
//! exactly as in one pass over the whole text.
//!
//! Only encoding_rs writes U+FFFD here (the table holds none), so the
//! decoder knows where the last one it wrote ends (`Replacements`): the
//! reader looks for them in a record only when one may be there.

use super::record::REPLACEMENT;
use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use encoding_rs::{CoderResult, Encoding};

/// UTF-8 of each two-byte character, at `pair_index(lead, trail)` (the
/// two bytes read as a little-endian u16), as the little-endian bytes
/// [utf8 0, 1, 2, length << 6] (`utf8_len`: at most 3, as the compiler
/// sees); 0: not a valid pair on its own (an ASCII lead among them). Any
/// two bytes index it in bounds: the lookup needs no check, and none for
/// the lead's range.
struct Pairs(Box<[u32; 1 << 16]>);

#[inline]
fn pair_index(lead: u8, trail: u8) -> usize {
    usize::from(u16::from_le_bytes([lead, trail]))
}

/// The one table of both encodings: GBK's decoder is GB18030's
/// (the Encoding Standard; a test checks every pair against both).
fn pairs() -> &'static Pairs {
    static PAIRS: OnceLock<Pairs> = OnceLock::new();
    PAIRS.get_or_init(|| Pairs(table()))
}

/// Every pair that can be valid: a lead and a trail byte.
fn candidate_pairs() -> impl Iterator<Item = (u8, u8)> {
    (0x81u8..=0xFE).flat_map(|lead| (0x40u8..=0x7E).chain(0x80..=0xFE).map(move |t| (lead, t)))
}

/// The table, from one pass of encoding_rs over every pair followed by a
/// comma (a comma ends any character, so each pair decodes as on its own;
/// one call instead of 24,000 saves a tenth of the build). A pair
/// decodes to one character of at most three UTF-8 bytes, or it is left
/// to encoding_rs (0): any error gives U+FFFD, which is never kept.
fn table() -> Box<[u32; 1 << 16]> {
    let mut all = Vec::with_capacity(24_000 * 3);
    for (lead, trail) in candidate_pairs() {
        all.extend_from_slice(&[lead, trail, b',']);
    }
    let (text, _) = encoding_rs::GB18030.decode_without_bom_handling(&all);
    let mut table = vec![0u32; 1 << 16];
    for ((lead, trail), piece) in candidate_pairs().zip(text.split(',')) {
        table[pair_index(lead, trail)] = entry(piece);
    }
    table
        .into_boxed_slice()
        .try_into()
        .expect("1 << 16 entries")
}

/// The table entry of a pair that decodes to `text`.
fn entry(text: &str) -> u32 {
    let mut chars = text.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return 0;
    };
    let mut utf8 = [0u8; 4];
    let len = c.encode_utf8(&mut utf8).len();
    // (no pair decodes to U+FFFD; were one to, encoding_rs, which is
    // watched for it, would decode it)
    if len > 3 || c == char::REPLACEMENT_CHARACTER {
        return 0;
    }
    utf8[3] = (len as u8) << 6;
    u32::from_le_bytes(utf8)
}

/// Output room the table loop keeps: it stores up to four pairs of four
/// bytes (keeping at most three of each) and eight ASCII bytes after them
/// (its furthest write ends at byte 19).
const SLACK: usize = 24;

/// The high bit of each of eight bytes.
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The UTF-8 length of a table entry.
#[inline]
fn utf8_len(v: u32) -> usize {
    (v >> 30) as usize
}

/// One step of `table_run` that began with a lead byte, remembered: the
/// eight bytes it read (`word`; 0 for none, which is ASCII) and what it
/// wrote. A step depends on nothing but those eight bytes, and in a label
/// export the same few labels, so the same few words, come on every row:
/// a remembered step is one lookup and one copy instead of up to four
/// table lookups, each behind a branch that mispredicts.
#[derive(Clone, Copy, Default)]
struct Step {
    word: u64,
    out: [u8; 16],
    read: u8,
    wrote: u8,
}

/// Steps remembered, by a hash of their word (the last one of a hash
/// wins); 32 KiB.
struct Steps(Box<[Step; STEPS]>);

const STEPS: usize = 1 << 10;

impl Steps {
    fn new() -> Steps {
        Steps(
            vec![Step::default(); STEPS]
                .into_boxed_slice()
                .try_into()
                .unwrap_or_else(|_| unreachable!("STEPS entries")),
        )
    }

    #[inline]
    fn slot(&mut self, word: u64) -> &mut Step {
        // the top bits of a multiplicative hash
        let at = word.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - STEPS.trailing_zeros());
        &mut self.0[at as usize & (STEPS - 1)]
    }
}

/// Decode ASCII and two-byte characters from the start of `src` into
/// `out`, eight bytes of input at a time, while at least eight are left
/// and `SLACK` bytes of room: stops at anything the table does not decode.
/// Returns (bytes read, bytes written).
#[inline]
fn table_run(
    pairs: &[u32; 1 << 16],
    steps: &mut Steps,
    src: &[u8],
    out: &mut [u8],
) -> (usize, usize) {
    let (mut i, mut j) = (0, 0);
    // (one bounds check each, as the loop's condition)
    while let (Some(word), Some(to)) = (src.get(i..i + 8), out.get_mut(j..j + SLACK)) {
        let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let to: &mut [u8; SLACK] = to.try_into().expect("SLACK bytes");
        if w & HIGH == 0 {
            to[..8].copy_from_slice(&w.to_le_bytes());
            i += 8;
            j += 8;
            continue;
        }
        let slot = steps.slot(w);
        if slot.word == w {
            to[..16].copy_from_slice(&slot.out);
            i += usize::from(slot.read);
            j += usize::from(slot.wrote);
            continue;
        }
        let (read, wrote) = step(pairs, w, to);
        if read == 0 {
            break;
        }
        *slot = Step {
            word: w,
            out: to[..16].try_into().expect("16 bytes"),
            // at most 8 and 12
            read: read as u8,
            wrote: wrote as u8,
        };
        i += read;
        j += wrote;
    }
    (i, j)
}

/// One step of `table_run` over eight bytes `w` that are not all ASCII:
/// the ASCII before the first lead byte, as many pairs as there are from
/// it (a label is a run of them), then the ASCII after them (a comma), up
/// to the next byte that is not ASCII. Returns (bytes read, bytes written
/// to `to`); (0, 0) when `w` starts with a byte the table does not decode.
#[inline]
fn step(pairs: &[u32; 1 << 16], w: u64, to: &mut [u8; SLACK]) -> (usize, usize) {
    to[..8].copy_from_slice(&w.to_le_bytes());
    let ascii = (w & HIGH).trailing_zeros() as usize / 8;
    let (mut read, mut k) = (ascii, ascii);
    while read <= 6 {
        let v = pairs[(w >> (8 * read)) as u16 as usize];
        if v == 0 {
            break;
        }
        to[k..k + 4].copy_from_slice(&v.to_le_bytes());
        k += utf8_len(v);
        read += 2;
    }
    if read == 0 {
        return (0, 0);
    }
    if read < 8 && read > ascii {
        // the bytes after the pairs, those past `w` marked not ASCII
        let rest = (w >> (8 * read)) | (!0u64 << (64 - 8 * read));
        to[k..k + 8].copy_from_slice(&rest.to_le_bytes());
        let ascii = (rest & HIGH).trailing_zeros() as usize / 8;
        k += ascii;
        read += ascii;
    }
    (read, k)
}

/// Can this byte not be part of a multi-byte character (so that the
/// decoder is between characters after it)? ASCII below `@`, not a digit.
#[inline]
fn ends_characters(b: u8) -> bool {
    b < 0x40 && !b.is_ascii_digit()
}

/// Is `enc` one this module decodes (GBK or GB18030)?
pub fn decodes(enc: &'static Encoding) -> bool {
    enc == encoding_rs::GB18030 || enc == encoding_rs::GBK
}

/// Can the GB18030 encoding of the character at code point `cp` (from
/// U+0080 up to U+FFFF) begin a UTF-8 character, as far as this module
/// knows? False only for a character that a pair decodes to (each pair
/// that does, if several) whose lead is not a UTF-8 lead byte (C2–F4) or
/// whose trail is not a UTF-8 continuation byte (80–BF): about three in
/// four of the common Chinese characters. Text whose first character
/// beyond ASCII is one of them is not UTF-8 once encoded back to GB18030
/// (the mixed-encoding check, `record::MixedCells`, asks no more of it).
/// Tests check every character against encoding_rs's encoder.
pub fn may_begin_utf8(cp: u32) -> bool {
    static STARTS: OnceLock<Box<[u64; 1 << 10]>> = OnceLock::new();
    let starts = STARTS.get_or_init(|| {
        let pairs = &pairs().0;
        // per code point: some pair decodes to it; one that may begin UTF-8 does
        let (mut decoded, mut may) = (vec![0u64; 1 << 10], vec![0u64; 1 << 10]);
        for (lead, trail) in candidate_pairs() {
            let Some(cp) = entry_code_point(pairs[pair_index(lead, trail)]) else {
                continue;
            };
            let (word, bit) = (cp as usize / 64, 1u64 << (cp % 64));
            decoded[word] |= bit;
            if (0xC2..=0xF4).contains(&lead) && (0x80..=0xBF).contains(&trail) {
                may[word] |= bit;
            }
        }
        let starts: Vec<u64> = decoded.iter().zip(&may).map(|(d, m)| !d | m).collect();
        starts
            .into_boxed_slice()
            .try_into()
            .unwrap_or_else(|_| unreachable!("1 << 10 words"))
    });
    match starts.get(cp as usize / 64) {
        Some(word) => word & (1 << (cp % 64)) != 0,
        None => true,
    }
}

/// The code point of a table entry (`None` for 0: no character).
fn entry_code_point(v: u32) -> Option<u32> {
    let bytes = v.to_le_bytes();
    let text = std::str::from_utf8(bytes.get(..utf8_len(v))?).ok()?;
    text.chars().next().map(u32::from)
}

/// Where the last U+FFFD a `Decoder` wrote ends, as an offset in the text
/// it decoded (0: none yet), shared with whoever reads that text.
#[derive(Clone, Default, Debug)]
pub struct Replacements(Arc<AtomicU64>);

impl Replacements {
    /// May the decoded text from offset `from` on, as far as it has been
    /// read, hold a U+FFFD? (Whether the decoder wrote it for bytes that
    /// are not valid or for the character itself, written in the file.)
    #[inline]
    pub fn may_be_from(&self, from: u64) -> bool {
        self.0.load(Ordering::Relaxed) > from
    }

    fn wrote_until(&self, end: u64) {
        self.0.fetch_max(end, Ordering::Relaxed);
    }
}

/// A reader of GBK / GB18030 bytes that yields their UTF-8.
pub struct Decoder<R> {
    inner: R,
    enc: &'static Encoding,
    pairs: &'static Pairs,
    steps: Steps,
    /// Bytes read: the first `raw_len` of `raw` (the rest is room, kept
    /// between reads so that it is zeroed only when it grows).
    raw: Vec<u8>,
    raw_len: usize,
    /// Bytes of `raw` not decoded yet start here.
    start: usize,
    eof: bool,
    /// A character the table does not decode, being decoded by
    /// encoding_rs up to the next byte that ends characters (it may take
    /// more than one read).
    slow: Option<encoding_rs::Decoder>,
    /// Text decoded for a caller's buffer too small to decode into: the
    /// first `small_len` bytes, handed out up to `small_pos`.
    small: Vec<u8>,
    small_len: usize,
    small_pos: usize,
    /// Bytes of text decoded so far (before the current `decode`).
    decoded: u64,
    replacements: Replacements,
}

/// Raw bytes read at a time.
const CHUNK: usize = 1 << 16;

/// A caller's buffer at least this long is decoded into directly.
const DIRECT: usize = 64;

/// Room encoding_rs is given at least (enough for any character and a
/// U+FFFD before it).
const SLOW_ROOM: usize = 16;

impl<R: Read> Decoder<R> {
    pub fn new(inner: R, enc: &'static Encoding) -> Decoder<R> {
        Decoder {
            inner,
            enc,
            pairs: pairs(),
            steps: Steps::new(),
            raw: Vec::new(),
            raw_len: 0,
            start: 0,
            eof: false,
            slow: None,
            small: Vec::new(),
            small_len: 0,
            small_pos: 0,
            decoded: 0,
            replacements: Replacements::default(),
        }
    }

    /// Where the U+FFFD this decoder writes are.
    pub fn replacements(&self) -> Replacements {
        self.replacements.clone()
    }

    /// Decode what `raw` holds from `start` into `out`, as much as fits,
    /// up to where more input may change the result (all of it at the end
    /// of the input). Returns the bytes written: 0 when more input is
    /// needed (or the input has ended).
    fn decode(&mut self, out: &mut [u8]) -> usize {
        let pairs = &*self.pairs.0;
        let src = &self.raw[..self.raw_len];
        let mut i = self.start;
        let mut j = 0;
        loop {
            if let Some(slow) = &mut self.slow {
                if j + SLOW_ROOM > out.len() {
                    break;
                }
                // through the next byte that ends characters, if read yet
                let stop = src[i..].iter().position(|&c| ends_characters(c));
                let (end, last) = match stop {
                    Some(k) => (i + k + 1, true),
                    None => (src.len(), self.eof),
                };
                let (result, read, written, _) =
                    slow.decode_to_utf8(&src[i..end], &mut out[j..], last);
                let text = &out[j..j + written];
                if let Some(k) = memchr::memmem::rfind(text, REPLACEMENT) {
                    let at = self.decoded + (j + k + REPLACEMENT.len()) as u64;
                    self.replacements.wrote_until(at);
                }
                i += read;
                j += written;
                match result {
                    CoderResult::InputEmpty if last => self.slow = None,
                    // more input, or more room, to go on
                    _ => break,
                }
            }
            let (read, written) = table_run(pairs, &mut self.steps, &src[i..], &mut out[j..]);
            i += read;
            j += written;
            // the last bytes, or a character the table does not decode
            if i == src.len() || j + SLACK > out.len() {
                break;
            }
            let lead = src[i];
            if lead < 0x80 {
                out[j] = lead;
                i += 1;
                j += 1;
                continue;
            }
            match src.get(i + 1) {
                Some(&trail) => {
                    let v = pairs[pair_index(lead, trail)];
                    if v != 0 {
                        out[j..j + 4].copy_from_slice(&v.to_le_bytes());
                        j += utf8_len(v);
                        i += 2;
                        continue;
                    }
                }
                // its trail is still to come
                None if !self.eof => break,
                None => {}
            }
            self.slow = Some(self.enc.new_decoder_without_bom_handling());
        }
        self.start = i;
        self.decoded += j as u64;
        j
    }

    /// Read more input after what is not decoded yet.
    fn refill(&mut self) -> io::Result<()> {
        self.raw.copy_within(self.start..self.raw_len, 0);
        self.raw_len -= self.start;
        self.start = 0;
        let have = self.raw_len;
        if self.raw.len() < have + CHUNK {
            self.raw.resize(have + CHUNK, 0);
        }
        let n = loop {
            match self.inner.read(&mut self.raw[have..have + CHUNK]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => break other,
            }
        }?;
        self.raw_len = have + n;
        self.eof = n == 0;
        Ok(())
    }
}

impl<R: Read> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.small_pos < self.small_len {
                let n = buf.len().min(self.small_len - self.small_pos);
                buf[..n].copy_from_slice(&self.small[self.small_pos..self.small_pos + n]);
                self.small_pos += n;
                return Ok(n);
            }
            if buf.is_empty() {
                return Ok(0);
            }
            let n = if buf.len() >= DIRECT {
                self.decode(buf)
            } else {
                // decoded here, handed out from the top of the loop
                let mut small = std::mem::take(&mut self.small);
                small.resize(CHUNK, 0);
                self.small_len = self.decode(&mut small);
                self.small_pos = 0;
                self.small = small;
                if self.small_len > 0 {
                    continue;
                }
                0
            };
            if n > 0 {
                return Ok(n);
            }
            if self.eof {
                // at the end `decode` takes all there is
                return Ok(0);
            }
            self.refill()?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads in pieces of `step` bytes.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn decoded(bytes: &[u8], enc: &'static Encoding, step: usize) -> String {
        let mut out = String::new();
        Decoder::new(Trickle(bytes, step), enc)
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    /// The text read in pieces of `step` bytes into buffers of the sizes
    /// in `bufs` (in turn), checking after each read that every U+FFFD
    /// decoded so far is where `Replacements` says one may be.
    fn decoded_into(bytes: &[u8], enc: &'static Encoding, step: usize, bufs: &[usize]) -> String {
        let mut decoder = Decoder::new(Trickle(bytes, step), enc);
        let replacements = decoder.replacements();
        let mut out = Vec::new();
        for &size in bufs.iter().cycle() {
            let mut buf = vec![0u8; size];
            let n = decoder.read(&mut buf).unwrap();
            // (the new bytes, and any U+FFFD they end)
            let from = out.len().saturating_sub(2);
            out.extend_from_slice(&buf[..n]);
            for at in memchr::memmem::find_iter(&out[from..], REPLACEMENT) {
                let at = from + at;
                assert!(
                    replacements.may_be_from(at as u64),
                    "U+FFFD at {at} not marked"
                );
            }
            if n == 0 && size > 0 {
                break;
            }
        }
        if memchr::memmem::find(&out, REPLACEMENT).is_none() {
            assert!(!replacements.may_be_from(0), "none written");
        }
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn chinese_text_and_errors_decode_as_encoding_rs_decodes_them() {
        let (gbk, _, _) = encoding_rs::GB18030.encode("学号,班级\n完全不会,几乎每天,€,😀\r\n");
        let cases: Vec<Vec<u8>> = vec![
            gbk.to_vec(),
            b"\x81".to_vec(),
            b"\x81\x30\x81,".to_vec(),
            b"\x81\x30\x81\x30x".to_vec(),
            b"\x81\x30\x81".to_vec(),
            b"a\xFF\xFE,\x80\n".to_vec(),
            b"\xA1\x7F,\xA1\x40".to_vec(),
        ];
        for bytes in cases {
            for enc in [encoding_rs::GB18030, encoding_rs::GBK] {
                let want = enc.decode_without_bom_handling(&bytes).0;
                for step in [1, 2, 3, 64] {
                    assert_eq!(decoded(&bytes, enc, step), want, "{bytes:?} {step}");
                }
            }
        }
    }

    /// Cells that repeat (as in a label export), cells one byte off them,
    /// invalid and long ones: the runs copied from earlier rows decode as
    /// encoding_rs decodes them, whatever the order and the read sizes.
    #[test]
    fn repeated_cells_decode_as_encoding_rs_decodes_them() {
        let gb = |t: &str| encoding_rs::GB18030.encode(t).0.into_owned();
        let mut cells: Vec<Vec<u8>> = [
            "完全不会",
            "好几天",
            "一半以上的天数",
            "几乎每天",
            "初二(2)班",
            "张三",
        ]
        .iter()
        .map(|t| gb(t))
        .collect();
        let mut off = gb("一半以上的天数");
        off[9] ^= 1;
        cells.push(off);
        let mut bad = gb("好几天");
        bad[1] = 0xFF;
        cells.push(bad);
        cells.push(gb(&"很长的回答".repeat(6)));
        cells.push(b"\x81\x30\x81\x30".to_vec());
        cells.push(gb("好几天€"));
        let mut seed = 7u64;
        let mut bytes = Vec::new();
        for row in 0..400 {
            for col in 0..6 {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let pick = usize::try_from(seed >> 33).unwrap() % cells.len();
                bytes.extend_from_slice(&cells[pick]);
                bytes.push(if col == 5 { b'\n' } else { b',' });
            }
            if row % 7 == 0 {
                bytes.extend_from_slice(b"\r\n");
            }
        }
        for enc in [encoding_rs::GB18030, encoding_rs::GBK] {
            let want = enc.decode_without_bom_handling(&bytes).0;
            for step in [1, 5, 64, 1 << 16] {
                assert_eq!(decoded(&bytes, enc, step), want, "{step}");
            }
        }
    }

    /// Every lead byte with every trail byte, each pair between two
    /// separators (a comma, a digit, a letter or nothing), at both
    /// alignments, in reads and buffers of many sizes: as encoding_rs.
    #[test]
    fn every_pair_decodes_as_encoding_rs_decodes_it() {
        for sep in [&b","[..], b"7", b"a", b""] {
            for skew in [&b""[..], b"x"] {
                let mut bytes = skew.to_vec();
                for lead in 0x80..=0xFFu8 {
                    for trail in 0..=0xFFu8 {
                        bytes.extend_from_slice(&[lead, trail]);
                        bytes.extend_from_slice(sep);
                    }
                }
                for enc in [encoding_rs::GB18030, encoding_rs::GBK] {
                    let want = enc.decode_without_bom_handling(&bytes).0;
                    assert_eq!(decoded(&bytes, enc, 1 << 16), want);
                    for (step, buf) in [(1 << 16, 1 << 16), (4093, 100), (7, 64), (1, 3)] {
                        assert_eq!(
                            decoded_into(&bytes, enc, step, &[buf]),
                            want,
                            "{step} {buf}"
                        );
                    }
                }
            }
        }
    }

    /// ASCII runs of every length from 0 to 20 between characters of
    /// every kind (two-byte, four-byte, invalid), at every offset of the
    /// eight bytes the table loop reads at a time.
    #[test]
    fn ascii_runs_of_every_length_decode_as_encoding_rs_decodes_them() {
        let gb = |t: &str| encoding_rs::GB18030.encode(t).0.into_owned();
        let chars: Vec<Vec<u8>> = vec![
            gb("完全不会"),
            gb("好"),
            gb("😀"),
            gb("\u{FFFD}"),
            b"\x81\x30".to_vec(),
            b"\xFF".to_vec(),
            b"\x80".to_vec(),
            b"\xA1\x7F".to_vec(),
        ];
        for offset in 0..8 {
            let mut bytes = b"12345678"[..offset].to_vec();
            for run in 0..=20 {
                for c in &chars {
                    bytes.extend(std::iter::repeat_n(b'a' + (run % 26) as u8, run));
                    bytes.extend_from_slice(c);
                }
            }
            for enc in [encoding_rs::GB18030, encoding_rs::GBK] {
                let want = enc.decode_without_bom_handling(&bytes).0;
                for (step, buf) in [(1 << 16, 1 << 16), (13, 64), (64, 65), (5, 1)] {
                    assert_eq!(
                        decoded_into(&bytes, enc, step, &[buf]),
                        want,
                        "{offset} {step} {buf}"
                    );
                }
            }
        }
    }

    /// U+FFFD written in the file (GB18030 84 31 A4 37) is marked as the
    /// replacements are, and a file with neither has none marked.
    #[test]
    fn replacement_characters_are_marked_where_they_are() {
        let gb = |t: &str| encoding_rs::GB18030.encode(t).0.into_owned();
        let mut bytes = gb(&"完全不会,好几天\n".repeat(5000));
        let clean = bytes.len();
        bytes.extend_from_slice(&gb("学\u{FFFD}生\n"));
        bytes.extend_from_slice(&gb(&"完全不会,好几天\n".repeat(10)));
        let mut decoder = Decoder::new(bytes.as_slice(), encoding_rs::GB18030);
        let replacements = decoder.replacements();
        let mut text = String::new();
        decoder.read_to_string(&mut text).unwrap();
        let at = text.find('\u{FFFD}').unwrap() as u64;
        assert!(replacements.may_be_from(at));
        assert!(!replacements.may_be_from(at + 3), "nothing after it");
        let mut decoder = Decoder::new(&bytes[..clean], encoding_rs::GB18030);
        let replacements = decoder.replacements();
        decoder.read_to_string(&mut text).unwrap();
        assert!(!replacements.may_be_from(0));
    }

    /// The table built in one pass holds what decoding each pair on its
    /// own gives.
    #[test]
    fn the_table_decodes_each_pair_as_on_its_own() {
        let table = table();
        for enc in [encoding_rs::GB18030, encoding_rs::GBK] {
            let mut valid = 0;
            for lead in 0..=0xFFu8 {
                for trail in 0..=0xFFu8 {
                    let pair = [lead, trail];
                    let alone = enc.decode_without_bom_handling_and_without_replacement(&pair);
                    let want = match alone {
                        Some(text) if lead >= 0x80 => entry(&text),
                        _ => 0,
                    };
                    assert_eq!(table[pair_index(lead, trail)], want, "{lead:x} {trail:x}");
                    valid += usize::from(want != 0);
                }
            }
            assert!(valid > 21_000, "{valid}");
        }
    }

    /// More distinct cells than steps are remembered (each step replaced
    /// many times over), in runs of every alignment, with ASCII of every
    /// length before them: as encoding_rs.
    #[test]
    fn steps_forgotten_and_replaced_decode_as_encoding_rs_decodes_them() {
        let mut seed = 11u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        // GB2312 pairs, a few invalid or four-byte characters among them
        let mut cells: Vec<Vec<u8>> = Vec::new();
        for _ in 0..3000 {
            let mut cell = Vec::new();
            for _ in 0..1 + next(9) {
                match next(40) {
                    0 => cell.extend_from_slice(b"\x81\x30\x81\x30"),
                    1 => cell.extend_from_slice(b"\xFF"),
                    2 => cell.extend_from_slice(b"\xA1\x7F"),
                    _ => {
                        cell.extend_from_slice(&[0xB0 + next(0x48) as u8, 0xA1 + next(0x5E) as u8])
                    }
                }
            }
            cells.push(cell);
        }
        let mut bytes = Vec::new();
        for _ in 0..40_000 {
            bytes.extend(std::iter::repeat_n(b'7', next(11) as usize));
            bytes.extend_from_slice(&cells[next(cells.len() as u64) as usize]);
            bytes.push(if next(8) == 0 { b'\n' } else { b',' });
        }
        for enc in [encoding_rs::GB18030, encoding_rs::GBK] {
            let want = enc.decode_without_bom_handling(&bytes).0;
            for (step, buf) in [(1 << 16, 1 << 16), (4093, 100), (61, 64)] {
                assert_eq!(
                    decoded_into(&bytes, enc, step, &[buf]),
                    want,
                    "{step} {buf}"
                );
            }
        }
    }

    /// Every character from U+0080 to U+FFFF that `may_begin_utf8` rules
    /// out is encoded by encoding_rs's GB18030 encoder to bytes that cannot
    /// begin a UTF-8 character; most common Chinese characters are ruled
    /// out.
    #[test]
    fn characters_ruled_out_never_begin_utf8_when_encoded() {
        let mut ruled_out = 0;
        for cp in 0x80..=0xFFFFu32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            if may_begin_utf8(cp) {
                continue;
            }
            ruled_out += 1;
            let text = c.to_string();
            let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
            assert!(!unmappable, "{cp:x}");
            let begins = bytes.len() >= 2
                && (0xC2..=0xF4).contains(&bytes[0])
                && (0x80..=0xBF).contains(&bytes[1]);
            assert!(bytes[0] >= 0x80 && !begins, "{cp:x} {bytes:x?}");
        }
        assert!(ruled_out > 15_000, "{ruled_out}");
        let common = "完全不会好几天一半以上的天数几乎每天秒初班学号姓名";
        let out = common
            .chars()
            .filter(|&c| !may_begin_utf8(c.into()))
            .count();
        assert!(out * 2 > common.chars().count(), "{out}");
        // (beyond the BMP: left to the caller)
        assert!(may_begin_utf8(0x1_F600));
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_decode_as_encoding_rs_decodes_them(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    0x81u8..=0xFE, 0x81u8..=0xFE, 0x40u8..=0x7E, 0x30u8..=0x39,
                    proptest::sample::select(vec![b',', b'\n', b'\r', b'"', 0x80, 0xFF, 0x7F]),
                ],
                0..200,
            ),
            step in 1usize..70,
            bufs in proptest::collection::vec(1usize..100, 1..4),
        ) {
            for enc in [encoding_rs::GB18030, encoding_rs::GBK] {
                let want = enc.decode_without_bom_handling(&bytes).0;
                proptest::prop_assert_eq!(decoded(&bytes, enc, step), want.clone());
                proptest::prop_assert_eq!(decoded_into(&bytes, enc, step, &bufs), want);
            }
        }
    }
}
