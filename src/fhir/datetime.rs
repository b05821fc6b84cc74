//! A survey platform's submission time as a FHIR `dateTime`, written only
//! when the cell says it unambiguously: the year first (`2026-03-16
//! 08:12:00`, wjx's `2026/3/16 8:12:00`, ISO 8601's
//! `2026-03-16T08:12:00+08:00`). A date with the month or the day first
//! (`3/16/2026`: Google Forms, SurveyMonkey) depends on a locale the file
//! does not name, so it gives none. FHIR requires a time zone with a
//! time, and the exports give their times in the platform's or the
//! account's zone without saying which: without a zone in the cell only
//! the date is written, as the platform recorded it.

/// The FHIR `dateTime` of `cell`, or `None` when it is not one that can
/// be read unambiguously.
pub fn date_time(cell: &str) -> Option<String> {
    let s = cell.trim();
    let (date, rest) = match s.find([' ', 'T']) {
        Some(at) => (&s[..at], s[at + 1..].trim_start()),
        None => (s, ""),
    };
    let (y, m, d) = ymd(date)?;
    let day = format!("{y:04}-{m:02}-{d:02}");
    if rest.is_empty() {
        return Some(day);
    }
    let (time, zone) = split_zone(rest)?;
    let time = hms(time)?;
    Some(match zone {
        Some(z) => format!("{day}T{time}{z}"),
        // a time without its zone is no FHIR dateTime: the date alone
        None => day,
    })
}

/// `YYYY-M-D` or `YYYY/M/D` (one separator throughout).
fn ymd(date: &str) -> Option<(u32, u32, u32)> {
    let sep = if date.contains('/') { '/' } else { '-' };
    let mut parts = date.split(sep);
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() > 2 || d.len() > 2 {
        return None;
    }
    let (y, m, d) = (number(y)?, number(m)?, number(d)?);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    // FHIR has no year 0000
    (y > 0 && (1..=days).contains(&d)).then_some((y, m, d))
}

/// The time and its zone (`Z`, `+08:00`, `+0800`, `+08`), normalised to
/// FHIR's `Z` or `±hh:mm`; `None` inside: no zone.
fn split_zone(rest: &str) -> Option<(&str, Option<String>)> {
    if let Some(time) = rest.strip_suffix('Z') {
        return Some((time.trim_end(), Some("Z".into())));
    }
    let Some(at) = rest.rfind(['+', '-']) else {
        return Some((rest, None));
    };
    let (time, zone) = (rest[..at].trim_end(), &rest[at..]);
    let (sign, digits) = zone.split_at(1);
    let digits = digits.replace(':', "");
    let (h, m) = match digits.len() {
        2 => (&digits[..], "00"),
        4 => (&digits[..2], &digits[2..]),
        _ => return None,
    };
    let (hours, minutes) = (number(h)?, number(m)?);
    // FHIR's zones run from -14:00 to +14:00
    let valid = minutes < 60 && (hours < 14 || (hours == 14 && minutes == 0));
    valid.then(|| (time, Some(format!("{sign}{h}:{m}"))))
}

/// `H:MM`, `H:MM:SS` or `H:MM:SS.fff` as `hh:mm:ss[.fff]`.
fn hms(time: &str) -> Option<String> {
    let (clock, fraction) = match time.split_once('.') {
        Some((c, f)) => (c, Some(f)),
        None => (time, None),
    };
    let mut parts = clock.split(':');
    let (h, m) = (parts.next()?, parts.next()?);
    let s = parts.next().unwrap_or("00");
    if parts.next().is_some() || h.len() > 2 || m.len() != 2 || s.len() != 2 {
        return None;
    }
    let (h, m, s) = (number(h)?, number(m)?, number(s)?);
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    let fraction = match fraction {
        Some(f) if (1..=9).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()) => {
            format!(".{f}")
        }
        Some(_) => return None,
        None => String::new(),
    };
    Some(format!("{h:02}:{m:02}:{s:02}{fraction}"))
}

/// ASCII digits only (no sign, no spaces), as a number.
fn number(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::date_time;

    #[test]
    fn the_year_first_gives_a_date_and_a_zone_gives_the_time() {
        let d = |s: &str| date_time(s);
        // Qualtrics, LimeSurvey, 腾讯问卷: no zone, so the date alone
        assert_eq!(d("2026-03-16 08:10:35").as_deref(), Some("2026-03-16"));
        // 问卷星: slashes, one-digit month, day and hour
        assert_eq!(d("2026/3/16 8:12:00").as_deref(), Some("2026-03-16"));
        assert_eq!(d(" 2026-03-16 ").as_deref(), Some("2026-03-16"));
        assert_eq!(d("2024-02-29 23:59").as_deref(), Some("2024-02-29"));
        // a zone: the whole time
        assert_eq!(
            d("2026-03-16T08:10:35Z").as_deref(),
            Some("2026-03-16T08:10:35Z")
        );
        assert_eq!(
            d("2026-03-16 08:10:35+0800").as_deref(),
            Some("2026-03-16T08:10:35+08:00")
        );
        assert_eq!(
            d("2026-03-16T8:10-05:30").as_deref(),
            Some("2026-03-16T08:10:00-05:30")
        );
        assert_eq!(
            d("2026-03-16T08:10:35.123+14:00").as_deref(),
            Some("2026-03-16T08:10:35.123+14:00")
        );
    }

    #[test]
    fn what_could_be_read_two_ways_or_is_no_date_gives_none() {
        for s in [
            "",
            "3/16/2026 8:12:00",      // Google Forms: month or day first?
            "03/16/2026 08:12:00 AM", // SurveyMonkey
            "16.03.2026",
            "26-03-16",
            "2026-3",
            "2026-02-29", // not a leap year
            "2026-13-01",
            "0000-01-01",
            "2026-03-16 24:00:00",
            "2026-03-16 08:60",
            "2026-03-16 08:10:35 PM",
            "2026-03-16T08:10:35+15:00",
            "2026-03-16T08:10:35+14:30",
            "2026-03-16T08:10:35+8",
            "2026/03-16",
            "[not completed]",
            "２０２６-03-16",
            "2026-03-16 08:10:35.1234567890Z",
        ] {
            assert_eq!(date_time(s), None, "{s}");
        }
    }
}
