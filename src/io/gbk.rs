//! GBK / GB18030 text decoded to UTF-8 with a table of the two-byte
//! characters: the same text encoding_rs gives (a test compares them on
//! random bytes), at a fraction of the cost for Chinese text (a label
//! export spent a third of its time decoding). ASCII is copied as it is; a
//! valid two-byte character is one table lookup; anything else (four-byte
//! characters, invalid bytes) is decoded by encoding_rs, from the start of
//! that character to the next byte that cannot be inside one, included (an
//! ASCII byte below `@` that is not a digit), so that its errors come out
//! exactly as in one pass over the whole text.

use std::io::{self, Read};
use std::sync::OnceLock;

use encoding_rs::Encoding;

/// UTF-8 of each two-byte character, at (lead − 0x81) × 256 + trail, as
/// the little-endian bytes [utf8 0, 1, 2, length]; 0: not a valid pair on
/// its own (any trail byte indexes the table: no range checks per pair).
/// (A fixed-size array: any lead − 0x81 and trail index it in bounds, so
/// the lookup needs no check.)
struct Pairs(Box<[u32; LEADS * 256]>);

/// Lead bytes 0x81..=0xFF (0xFF: never valid, a row of zeros).
const LEADS: usize = 127;

fn pairs(enc: &'static Encoding) -> &'static Pairs {
    static GB18030: OnceLock<Pairs> = OnceLock::new();
    static GBK: OnceLock<Pairs> = OnceLock::new();
    let cell = if enc == encoding_rs::GBK {
        &GBK
    } else {
        &GB18030
    };
    cell.get_or_init(|| {
        let mut table = vec![0u32; LEADS * 256];
        for lead in 0x81u8..=0xFE {
            for trail in (0x40u8..=0x7E).chain(0x80..=0xFE) {
                let pair = [lead, trail];
                let text = enc.decode_without_bom_handling_and_without_replacement(&pair);
                let Some(text) = text else { continue };
                let mut chars = text.chars();
                let (Some(c), None) = (chars.next(), chars.next()) else {
                    continue;
                };
                let mut utf8 = [0u8; 4];
                let len = c.encode_utf8(&mut utf8).len();
                if len <= 3 {
                    utf8[3] = len as u8;
                    table[usize::from(lead - 0x81) * 256 + usize::from(trail)] =
                        u32::from_le_bytes(utf8);
                }
            }
        }
        Pairs(
            table
                .into_boxed_slice()
                .try_into()
                .expect("LEADS × 256 entries"),
        )
    })
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

/// A reader of GBK / GB18030 bytes that yields their UTF-8.
pub struct Decoder<R> {
    inner: R,
    enc: &'static Encoding,
    pairs: &'static Pairs,
    /// Bytes read: the first `raw_len` of `raw` (the rest is room, kept
    /// between reads so that it is zeroed only when it grows).
    raw: Vec<u8>,
    raw_len: usize,
    /// Bytes of `raw` not decoded yet start here.
    start: usize,
    /// Decoded bytes: the first `out_len` of `out` (the rest is room, kept
    /// between calls), read up to `out_pos`.
    out: Vec<u8>,
    out_len: usize,
    out_pos: usize,
    eof: bool,
}

/// Raw bytes read at a time.
const CHUNK: usize = 1 << 16;

impl<R: Read> Decoder<R> {
    pub fn new(inner: R, enc: &'static Encoding) -> Decoder<R> {
        Decoder {
            inner,
            enc,
            pairs: pairs(enc),
            raw: Vec::with_capacity(CHUNK * 2),
            raw_len: 0,
            start: 0,
            out: Vec::with_capacity(CHUNK * 2),
            out_len: 0,
            out_pos: 0,
            eof: false,
        }
    }

    /// Decode what `raw` holds from `start` into `out` (after its first
    /// `out_len` bytes), up to where more input may change the result (all
    /// of it at the end of the input).
    fn decode(&mut self) {
        let src = &self.raw[self.start..self.raw_len];
        let pairs = &*self.pairs.0;
        let mut out = std::mem::take(&mut self.out);
        // room for the usual case (ASCII: 1 byte, a pair: at most 3 for 2);
        // `out` keeps its length between calls, so it is zeroed only when
        // it grows
        let mut j = self.out_len;
        let room = |out: &mut Vec<u8>, j: usize, left: usize| {
            let need = j + left * 3 / 2 + 8;
            if out.len() < need {
                out.resize(need, 0);
            }
        };
        room(&mut out, j, src.len());
        // what is left of `src` (slice patterns instead of indexes: no
        // bounds check per byte)
        let mut rest = src;
        while let [b, ..] = *rest {
            if b < 0x80 {
                // ASCII, 8 bytes at a time, then the rest one by one
                while let Some((eight, tail)) = rest.split_first_chunk::<8>() {
                    if u64::from_le_bytes(*eight) & 0x8080_8080_8080_8080 != 0 {
                        break;
                    }
                    out[j..j + 8].copy_from_slice(eight);
                    j += 8;
                    rest = tail;
                }
                while let [a, ref tail @ ..] = *rest {
                    if !a.is_ascii() {
                        break;
                    }
                    out[j] = a;
                    j += 1;
                    rest = tail;
                }
                continue;
            }
            // two-byte characters, one table lookup each (labels are runs
            // of them)
            let before = rest.len();
            // two at a time while both are valid pairs, then one
            while let [l1 @ 0x81..=0xFE, t1, l2 @ 0x81..=0xFE, t2, ref tail @ ..] = *rest {
                let v1 = pairs[usize::from(l1 - 0x81) << 8 | usize::from(t1)];
                let v2 = pairs[usize::from(l2 - 0x81) << 8 | usize::from(t2)];
                if v1 == 0 || v2 == 0 {
                    break;
                }
                out[j..j + 4].copy_from_slice(&v1.to_le_bytes());
                j += (v1 >> 24) as usize;
                out[j..j + 4].copy_from_slice(&v2.to_le_bytes());
                j += (v2 >> 24) as usize;
                rest = tail;
            }
            while let [lead @ 0x81..=0xFE, t, ref tail @ ..] = *rest {
                let v = pairs[usize::from(lead - 0x81) << 8 | usize::from(t)];
                if v == 0 {
                    break;
                }
                out[j..j + 4].copy_from_slice(&v.to_le_bytes());
                j += (v >> 24) as usize;
                rest = tail;
            }
            if rest.len() < before {
                continue;
            }
            let i = src.len() - rest.len();
            // the slow way, through the next byte that ends characters
            let end = match src[i + 1..].iter().position(|&c| ends_characters(c)) {
                Some(k) => i + 1 + k + 1,
                None if self.eof => src.len(),
                // wait for more input (the caller reads on)
                None => break,
            };
            let mut decoder = self.enc.new_decoder_without_bom_handling();
            let mut piece = String::with_capacity((end - i) * 3 + 8);
            let _ = decoder.decode_to_string(&src[i..end], &mut piece, true);
            room(&mut out, j + piece.len(), src.len() - end);
            out[j..j + piece.len()].copy_from_slice(piece.as_bytes());
            j += piece.len();
            rest = &src[end..];
        }
        self.out = out;
        self.out_len = j;
        self.start += src.len() - rest.len();
    }
}

impl<R: Read> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_pos == self.out_len {
            self.out_len = 0;
            self.out_pos = 0;
            if self.eof && self.start == self.raw_len {
                return Ok(0);
            }
            // keep what is not decoded, read more after it
            self.raw.copy_within(self.start..self.raw_len, 0);
            self.raw_len -= self.start;
            self.start = 0;
            if !self.eof {
                let have = self.raw_len;
                if self.raw.len() < have + CHUNK {
                    self.raw.resize(have + CHUNK, 0);
                }
                let n = loop {
                    match self.inner.read(&mut self.raw[have..have + CHUNK]) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        other => break other,
                    }
                };
                let n = n?;
                self.raw_len = have + n;
                self.eof = n == 0;
            }
            self.decode();
        }
        let n = buf.len().min(self.out_len - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
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
        ) {
            for enc in [encoding_rs::GB18030, encoding_rs::GBK] {
                let want = enc.decode_without_bom_handling(&bytes).0;
                proptest::prop_assert_eq!(decoded(&bytes, enc, step), want);
            }
        }
    }
}
