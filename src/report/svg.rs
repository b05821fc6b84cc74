//! One inline SVG per group: a 100 % stacked bar of band counts for each
//! scale, then one of risk levels. Bands use one sequential blue ramp (a
//! band's colour says its place in the scale's order, not good or bad:
//! for WHO-5 the top band is the best); levels go from grey (the lowest)
//! through yellow to red, as a policy's levels are ordered by urgency.

use std::fmt::Write as _;

use super::{esc, level_label, ReportData};
use crate::summary::Tally;

pub const INCOMPLETE: &str = "#bdbdbd";

/// The narrowest and widest label column; between them it fits the
/// longest label (`DASS-21 depression (x2)` would run into its bar).
const LABEL_MIN: u32 = 118;
const LABEL_MAX: u32 = 260;
/// Room right of the bar.
const RIGHT: u32 = 82;
const BAR: u32 = 440;
const ROW: u32 = 24;
const GAP: u32 = 10;

fn mix(a: (u8, u8, u8), b: (u8, u8, u8), t: f64) -> String {
    let ch = |x: u8, y: u8| {
        let v = f64::from(x) + (f64::from(y) - f64::from(x)) * t.clamp(0.0, 1.0);
        // in 0..=255 by construction
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let v = v.round() as u8;
        v
    };
    format!(
        "#{:02x}{:02x}{:02x}",
        ch(a.0, b.0),
        ch(a.1, b.1),
        ch(a.2, b.2)
    )
}

fn ramp(i: usize, n: usize) -> f64 {
    if n <= 1 {
        return 0.5;
    }
    let (i, n) = (
        u32::try_from(i).unwrap_or(u32::MAX),
        u32::try_from(n - 1).unwrap_or(u32::MAX),
    );
    f64::from(i) / f64::from(n)
}

pub fn band_colour(b: usize, bands: usize) -> String {
    mix((222, 235, 247), (8, 69, 148), ramp(b, bands))
}

fn band_text(b: usize, bands: usize) -> &'static str {
    if ramp(b, bands) > 0.45 {
        "#ffffff"
    } else {
        "#1f2933"
    }
}

pub fn level_colour(l: usize, levels: usize) -> String {
    if l == 0 {
        return "#e4e7eb".to_string();
    }
    mix(
        (253, 216, 53),
        (183, 28, 28),
        ramp(l - 1, levels.saturating_sub(1)),
    )
}

fn level_text(l: usize, levels: usize) -> &'static str {
    if l > 0 && ramp(l - 1, levels.saturating_sub(1)) > 0.55 {
        "#ffffff"
    } else {
        "#1f2933"
    }
}

struct Segment {
    count: u64,
    fill: String,
    text: &'static str,
    title: String,
}

/// The label column's width for these labels at 12 px: about 7 px a
/// Latin character, 12 px a wide (CJK) one, and a gap.
fn label_width<'l>(labels: impl Iterator<Item = &'l str>) -> u32 {
    use unicode_width::UnicodeWidthStr as _;
    let widest = labels.map(|l| l.width()).max().unwrap_or(0);
    let px = u32::try_from(widest).unwrap_or(u32::MAX).saturating_mul(7) + 12;
    px.clamp(LABEL_MIN, LABEL_MAX)
}

fn bar(out: &mut String, (y, label_w): (u32, u32), label: &str, n: u64, segments: &[Segment]) {
    let _ = write!(out, "<text x=\"0\" y=\"{}\">{}</text>", y + 16, esc(label));
    let x0 = f64::from(label_w);
    let width = f64::from(BAR);
    #[allow(clippy::cast_precision_loss)] // group sizes
    let total = n.max(1) as f64;
    let mut cum = 0u64;
    for s in segments.iter().filter(|s| s.count > 0) {
        #[allow(clippy::cast_precision_loss)]
        let a = x0 + width * cum as f64 / total;
        cum += s.count;
        #[allow(clippy::cast_precision_loss)]
        let b = x0 + width * cum as f64 / total;
        let _ = write!(
            out,
            "<rect x=\"{a:.1}\" y=\"{y}\" width=\"{:.1}\" height=\"{ROW}\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"1\"><title>{}: {}</title></rect>",
            b - a,
            s.fill,
            esc(&s.title),
            s.count
        );
        if b - a >= 16.0 {
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\">{}</text>",
                (a + b) / 2.0,
                y + 16,
                s.text,
                s.count
            );
        }
    }
    let _ = write!(
        out,
        "<rect x=\"{label_w}\" y=\"{y}\" width=\"{BAR}\" height=\"{ROW}\" fill=\"none\" stroke=\"#9aa5b1\" stroke-width=\"1\"/>"
    );
}

/// The chart of one shown group of `n` respondents.
pub fn group_chart(d: &ReportData<'_>, name: &str, n: u64, t: &Tally) -> String {
    let lang = d.lang;
    let rows = u32::try_from(d.scales.len() + 1).unwrap_or(1);
    let height = rows * (ROW + GAP);
    let level_label_text = match lang {
        crate::instrument::Lang::En => "risk level",
        crate::instrument::Lang::Zh => "风险级别",
    };
    let label_w = label_width(
        (0..d.scales.len())
            .map(|k| super::scale_name(d, k))
            .chain([level_label_text]),
    );
    let width = label_w + BAR + RIGHT;
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg role=\"img\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" aria-label=\"{}\">",
        esc(&format!("{name}: n = {n}"))
    );
    let mut y = 0;
    for (k, s) in d.scales.iter().enumerate() {
        let st = t.scales.get(k).cloned().unwrap_or_default();
        let nb = s.bands.len();
        let mut segs: Vec<Segment> = s
            .bands
            .iter()
            .enumerate()
            .map(|(b, band)| Segment {
                count: st.band(b),
                fill: band_colour(b, nb),
                text: band_text(b, nb),
                title: band.display(lang),
            })
            .collect();
        segs.push(Segment {
            count: st.incomplete,
            fill: INCOMPLETE.to_string(),
            text: "#1f2933",
            title: match lang {
                crate::instrument::Lang::En => "incomplete".into(),
                crate::instrument::Lang::Zh => "不完整".into(),
            },
        });
        bar(&mut out, (y, label_w), super::scale_name(d, k), n, &segs);
        y += ROW + GAP;
    }
    let nl = d.levels.len();
    let segs: Vec<Segment> = (0..nl)
        .map(|l| Segment {
            count: t.level(l),
            fill: level_colour(l, nl),
            text: level_text(l, nl),
            title: level_label(d, l),
        })
        .collect();
    bar(&mut out, (y, label_w), level_label_text, n, &segs);
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours() {
        assert_eq!(band_colour(0, 4), "#deebf7");
        assert_eq!(band_colour(3, 4), "#084594");
        assert_eq!(level_colour(0, 4), "#e4e7eb");
        assert_eq!(level_colour(1, 4), "#fdd835");
        assert_eq!(level_colour(3, 4), "#b71c1c");
        assert!(level_colour(1, 2).starts_with('#'), "two levels: no panic");
        assert_eq!(band_colour(0, 1), mix((222, 235, 247), (8, 69, 148), 0.5));
    }
}
