//! Dates the way the v4 server's JSON reader takes them.
//!
//! The v4 server reads bodies with Json.NET, whose `JsonReader.ReadDateTimeString` tries ISO
//! 8601 first and then `DateTime.TryParse(s, Culture, DateTimeStyles.RoundtripKind)` with the
//! serializer's culture, the invariant culture by default. So a `format: date-time` property
//! takes far more than RFC 3339: v4-era portals send `2026.12.02 06:58`. The simulator accepts
//! the subset below and rewrites it to RFC 3339 before the spec's schema checks the body; the
//! spec lists it under "Server leniencies". Anything else stays as sent, for the schema to
//! refuse.
//!
//! The subset, each with seconds and fractions optional where a time is given:
//! - year first, with `-`, `/` or `.` between the parts: `2026-12-02`, `2026/12/02 06:58`,
//!   `2026.12.02 06:58:30`; `T` or a space before the time; with or without an offset (`Z`,
//!   `+01:00`);
//! - the invariant culture's month first, with `/`: `12/02/2026`, `12/02/2026 06:58`,
//!   `12/02/2026 6:58 AM`;
//! - RFC 1123 (HTTP dates): `Wed, 02 Dec 2026 06:58:00 GMT`.
//!
//! A date alone is midnight. A time without an offset is read as UTC: `DateTime.TryParse`
//! leaves its kind unspecified, and a real server may read it in its own time zone.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

/// Date orders and separators of the year-first forms.
const YEAR_FIRST: [&str; 3] = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"];
/// Times after a date, with the separator before them.
const TIMES: [&str; 6] = [
    " %H:%M:%S%.f",
    " %H:%M",
    "T%H:%M:%S%.f",
    "T%H:%M",
    " %I:%M:%S%.f %p",
    " %I:%M %p",
];
/// Offsets after a time: none, or `Z`/`±hh:mm`.
const OFFSETS: [&str; 2] = ["%:z", "%#z"];

/// `text` in RFC 3339 (UTC, `Z`), if it is one of the forms above; `None` otherwise.
pub fn to_rfc3339(text: &str) -> Option<String> {
    parse(text).map(|time| time.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

fn parse(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.to_utc());
    }
    if let Ok(time) = DateTime::parse_from_rfc2822(text) {
        return Some(time.to_utc());
    }
    let dates = YEAR_FIRST.iter().chain(std::iter::once(&"%m/%d/%Y"));
    for date in dates {
        if let Ok(day) = NaiveDate::parse_from_str(text, date) {
            return day.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        }
        for time in TIMES {
            let format = format!("{date}{time}");
            if let Ok(naive) = NaiveDateTime::parse_from_str(text, &format) {
                return Some(naive.and_utc());
            }
            for offset in OFFSETS {
                if let Ok(time) = DateTime::parse_from_str(text, &format!("{format}{offset}")) {
                    return Some(time.to_utc());
                }
            }
        }
        // `Z` for UTC, which `%z` does not read.
        if let Some(utc) = text.strip_suffix('Z') {
            for time in TIMES {
                if let Ok(naive) = NaiveDateTime::parse_from_str(utc, &format!("{date}{time}")) {
                    return Some(naive.and_utc());
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_portals_form_and_its_neighbours_read_as_rfc_3339() {
        for (loose, strict) in [
            ("2026.12.02 06:58", "2026-12-02T06:58:00Z"),
            ("2026.12.02 06:58:30", "2026-12-02T06:58:30Z"),
            ("2026-12-02 06:58:30.25", "2026-12-02T06:58:30.250Z"),
            ("2026/12/02", "2026-12-02T00:00:00Z"),
            ("2026-12-02", "2026-12-02T00:00:00Z"),
            ("2026-12-02T06:58", "2026-12-02T06:58:00Z"),
            ("2026-12-02T06:58:00", "2026-12-02T06:58:00Z"),
            ("2026-12-02 07:58:00+01:00", "2026-12-02T06:58:00Z"),
            ("2026-12-02 06:58:00Z", "2026-12-02T06:58:00Z"),
            ("12/02/2026", "2026-12-02T00:00:00Z"),
            ("12/02/2026 06:58", "2026-12-02T06:58:00Z"),
            ("12/02/2026 6:58 PM", "2026-12-02T18:58:00Z"),
            ("Wed, 02 Dec 2026 06:58:00 GMT", "2026-12-02T06:58:00Z"),
            ("2026-12-02T06:58:00+00:00", "2026-12-02T06:58:00Z"),
        ] {
            assert_eq!(to_rfc3339(loose).as_deref(), Some(strict), "{loose}");
        }
    }

    #[test]
    fn what_is_not_a_date_stays_refused() {
        for text in [
            "",
            "null",
            "yesterday",
            "2026.13.02 06:58",
            "2026.02.30",
            "2026.12.02 25:00",
            "2026-12-02 06:58 trailing",
            "20261202",
        ] {
            assert_eq!(to_rfc3339(text), None, "{text:?}");
        }
    }
}
