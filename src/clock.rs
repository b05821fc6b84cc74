//! UTC time as text, without a time-zone database: timestamps for saved
//! rows, journals and manifests, and the date printed on reports.

/// Now, UTC, as `2026-01-02T03:04:05Z`.
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format_utc(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// Seconds since 1970 as an RFC 3339 UTC timestamp (earlier times too).
pub fn format_utc(unix: i64) -> String {
    let rem = unix.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date(unix),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `YYYY-MM-DD` (UTC) of a time in seconds since 1970.
pub fn date(unix: i64) -> String {
    // days to a civil date (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms")
    let z = unix.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_timestamps() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(-86_400), "1969-12-31");
        assert_eq!(format_utc(1_767_323_045), "2026-01-02T03:04:05Z");
        assert_eq!(format_utc(-1), "1969-12-31T23:59:59Z");
    }
}
