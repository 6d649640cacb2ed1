//! Timestamps as they appear on disk: UTC, RFC 3339, milliseconds, `Z`.

use std::fmt;
use std::time::SystemTime;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A UTC instant, always written `2026-11-28T04:30:00.123Z`: one fixed
/// spelling, so that the same instant is the same bytes in every entry.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    pub fn now() -> Timestamp {
        Timestamp::from(Utc::now())
    }

    pub fn to_rfc3339(&self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    /// Milliseconds since the Unix epoch: the form that sorts and compares
    /// as numbers (the index keeps this).
    pub fn millis(&self) -> i64 {
        self.0.timestamp_millis()
    }

    pub fn from_millis(millis: i64) -> Option<Timestamp> {
        DateTime::from_timestamp_millis(millis).map(Timestamp)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    /// Truncates to the millisecond, so that a value survives a round trip
    /// through its written form unchanged.
    fn from(t: DateTime<Utc>) -> Timestamp {
        let millis = t.timestamp_millis();
        Timestamp(DateTime::from_timestamp_millis(millis).unwrap_or(t))
    }
}

impl Timestamp {
    /// A file system time, or `None` when it lies outside what RFC 3339
    /// can write (chrono's own conversion would panic there).
    pub fn from_system(t: SystemTime) -> Option<Timestamp> {
        let millis = match t.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).ok()?,
            Err(e) => i64::try_from(e.duration().as_millis()).ok()?.checked_neg()?,
        };
        DateTime::from_timestamp_millis(millis).map(Timestamp)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let t = DateTime::parse_from_rfc3339(&s).map_err(serde::de::Error::custom)?;
        Ok(Timestamp::from(t.with_timezone(&Utc)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_times_out_of_range_are_none_not_a_panic() {
        use std::time::Duration;
        let before_epoch = SystemTime::UNIX_EPOCH - Duration::from_millis(1500);
        assert_eq!(
            Timestamp::from_system(before_epoch).unwrap().to_rfc3339(),
            "1969-12-31T23:59:58.500Z"
        );
        if let Some(far) = SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(u64::MAX / 4)) {
            assert_eq!(Timestamp::from_system(far), None);
        }
    }

    #[test]
    fn written_form_is_utc_millis_and_round_trips() {
        let t = Timestamp::now();
        let s = serde_json::to_string(&t).unwrap();
        assert_eq!(s.len(), "\"2026-11-28T04:30:00.123Z\"".len(), "{s}");
        assert!(s.ends_with("Z\""));
        assert_eq!(serde_json::from_str::<Timestamp>(&s).unwrap(), t);
    }
}
