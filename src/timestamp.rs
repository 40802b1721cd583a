//! [`Timestamp`]: every `format: date-time` of the spec, strict in what the client sends and
//! lenient in what it reads.
//!
//! Servers do not all write RFC 3339: the vendor's v3 examples carry `2017-05-04 18:00:00`,
//! with no offset, and .NET servers write what `DateTime` prints. One such value must not fail
//! a whole page, so a response value that is not RFC 3339 is kept as sent, with its offset-less
//! reading when it has one. A `Timestamp` the client builds itself comes from a
//! [`chrono::DateTime`] or a strict RFC 3339 string, so requests stay RFC 3339.

use std::fmt;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time as the server wrote it. See the module docs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Timestamp {
    raw: String,
    reading: Reading,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Reading {
    /// RFC 3339: the instant is known.
    Instant(DateTime<Utc>),
    /// A date and time without an offset: the instant depends on the server's time zone.
    Local(NaiveDateTime),
    /// Neither: kept only as text.
    Unreadable,
}

/// Date-time forms without an offset that servers are known to write (the v3 examples'
/// `2017-05-04 18:00:00`, .NET's sortable `2017-05-04T18:00:00`), with or without fractions.
const LOCAL_FORMATS: [&str; 4] = [
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
];

impl Timestamp {
    /// Reads a server's value: RFC 3339, else an offset-less form, else text only. Never fails.
    pub fn lenient(text: &str) -> Self {
        let text = text.trim();
        let reading = match DateTime::parse_from_rfc3339(text) {
            Ok(instant) => Reading::Instant(instant.with_timezone(&Utc)),
            Err(_) => LOCAL_FORMATS
                .iter()
                .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
                .map_or(Reading::Unreadable, Reading::Local),
        };
        Self {
            raw: text.to_string(),
            reading,
        }
    }

    /// The instant, when the value says it (RFC 3339, with an offset).
    pub fn instant(&self) -> Option<DateTime<Utc>> {
        match self.reading {
            Reading::Instant(instant) => Some(instant),
            _ => None,
        }
    }

    /// The date and time as written, without an offset: for RFC 3339 values, in UTC.
    pub fn naive(&self) -> Option<NaiveDateTime> {
        match self.reading {
            Reading::Instant(instant) => Some(instant.naive_utc()),
            Reading::Local(local) => Some(local),
            Reading::Unreadable => None,
        }
    }

    /// The value exactly as the server wrote it (or as RFC 3339, when built here).
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(instant: DateTime<Utc>) -> Self {
        Self {
            raw: instant.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            reading: Reading::Instant(instant),
        }
    }
}

/// Strict: only RFC 3339, for values that the client will send.
impl std::str::FromStr for Timestamp {
    type Err = chrono::ParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        DateTime::parse_from_rfc3339(text).map(|t| Self::from(t.with_timezone(&Utc)))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|text| Self::lenient(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_offsetless_and_unreadable_values_are_all_kept() {
        let strict = Timestamp::lenient("2020-03-02T10:00:05+01:00");
        assert_eq!(
            strict.instant().unwrap().to_rfc3339(),
            "2020-03-02T09:00:05+00:00"
        );
        let local = Timestamp::lenient("2017-05-04 18:00:00");
        assert_eq!(
            (local.instant(), local.naive().unwrap().to_string()),
            (None, "2017-05-04 18:00:00".into())
        );
        let text = Timestamp::lenient("last Tuesday");
        assert_eq!((text.naive(), text.as_str()), (None, "last Tuesday"));
        assert!("2017-05-04 18:00:00".parse::<Timestamp>().is_err());
        assert_eq!(
            Timestamp::from(strict.instant().unwrap()).as_str(),
            "2020-03-02T09:00:05Z"
        );
    }
}
