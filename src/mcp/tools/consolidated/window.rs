//! Time arguments of `search` and `stats`: an ISO 8601 instant with an offset
//! (`2025-06-01T10:00:00Z`, `…+02:00`), a day (`2025-06-01`: its start, or its end for an end
//! bound), `now`, or a relative time (`last 24h`, `24h ago`, `last 7d`, `30m ago`, `last 2w`).
//! Models ask for "last week" far more often than for an instant, so both are accepted; anything
//! else is refused with the accepted forms listed.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::mcp::tools::common::ToolError;

/// Which end of a window an argument is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// The start (a day means its first millisecond).
    Start,
    /// The end (a day means its last millisecond).
    End,
}

/// A checked time window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Inclusive start.
    pub start: DateTime<Utc>,
    /// Inclusive end.
    pub end: DateTime<Utc>,
}

impl Window {
    /// Its length, e.g. "7 days", "36 hours".
    pub fn length(&self) -> String {
        let d = self.end - self.start;
        if d.num_hours() >= 72 {
            format!("{:.1} days", d.num_minutes() as f64 / 1440.0)
        } else if d.num_minutes() >= 120 {
            format!("{:.1} hours", d.num_minutes() as f64 / 60.0)
        } else {
            format!("{} minutes", d.num_minutes())
        }
    }
}

/// An instant as Opik's query parameters take it.
pub fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

const FORMS: &str = "an ISO 8601 time with an offset (2025-06-01T10:00:00Z), a day \
                     (2025-06-01), \"now\", or a relative time (\"last 24h\", \"24h ago\", \
                     \"last 7d\", \"30m ago\", \"last 2w\")";

/// Parse `raw`, the argument at JSON path `field`.
pub fn instant(
    field: &str,
    raw: &str,
    bound: Bound,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ToolError> {
    let v = raw.trim().to_ascii_lowercase();
    let bad = || ToolError::invalid(format!("{field}: expected {FORMS}, got {raw:?}"));
    if v == "now" {
        return Ok(now);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(raw.trim()) {
        return Ok(t.to_utc());
    }
    if let Ok(day) = NaiveDate::parse_from_str(&v, "%Y-%m-%d") {
        let t = match bound {
            Bound::Start => day.and_hms_milli_opt(0, 0, 0, 0),
            Bound::End => day.and_hms_milli_opt(23, 59, 59, 999),
        };
        return t.map(|t| t.and_utc()).ok_or_else(bad);
    }
    let rel = v
        .strip_prefix("last ")
        .or_else(|| v.strip_suffix(" ago"))
        .ok_or_else(bad)?
        .replace(' ', "");
    let split = rel.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (n, unit) = rel.split_at(split);
    let n: i64 = n.parse().map_err(|_| bad())?;
    let d = match unit {
        "m" | "min" | "mins" | "minute" | "minutes" => Duration::minutes(n),
        "h" | "hour" | "hours" => Duration::hours(n),
        "d" | "day" | "days" => Duration::days(n),
        "w" | "week" | "weeks" => Duration::weeks(n),
        _ => return Err(bad()),
    };
    if !(1..=3650 * 24 * 60).contains(&d.num_minutes()) {
        return Err(bad());
    }
    Ok(now - d)
}

/// An optional start and an optional end.
pub type Bounds = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The window of optional `start`/`end` arguments (at `path.start`, `path.end`); an end
/// without a start, or a start without an end (until now), is fine. `None` when neither.
pub fn window(
    path: &str,
    start: Option<&str>,
    end: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Bounds, ToolError> {
    let s = start
        .map(|s| instant(&format!("{path}start"), s, Bound::Start, now))
        .transpose()?;
    let e = end
        .map(|e| instant(&format!("{path}end"), e, Bound::End, now))
        .transpose()?;
    if let (Some(s), Some(e)) = (s, e)
        && s >= e
    {
        return Err(ToolError::invalid(format!(
            "{path}start ({}) must be before {path}end ({})",
            iso(s),
            iso(e)
        )));
    }
    Ok((s, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z")
            .expect("t")
            .to_utc()
    }

    #[test]
    fn absolute_day_and_relative_forms() {
        let at = |s: &str, b| iso(instant("start", s, b, now()).expect(s));
        assert_eq!(
            at("2025-06-01T10:00:00+02:00", Bound::Start),
            "2025-06-01T08:00:00.000Z"
        );
        assert_eq!(at("2025-06-01", Bound::Start), "2025-06-01T00:00:00.000Z");
        assert_eq!(at("2025-06-01", Bound::End), "2025-06-01T23:59:59.999Z");
        assert_eq!(at("last 24h", Bound::Start), "2026-03-09T12:00:00.000Z");
        assert_eq!(at("7 days ago", Bound::Start), "2026-03-03T12:00:00.000Z");
        assert_eq!(at("last 2w", Bound::Start), "2026-02-24T12:00:00.000Z");
        assert_eq!(at("NOW", Bound::End), "2026-03-10T12:00:00.000Z");
    }

    #[test]
    fn bad_times_and_backwards_windows_name_the_field() {
        let err = instant("filters.start", "yesterday-ish", Bound::Start, now()).expect_err("x");
        assert!(
            err.message.contains("filters.start: expected an ISO 8601"),
            "{}",
            err.message
        );
        assert!(instant("s", "2025-06-01T10:00:00", Bound::Start, now()).is_err());
        let err = window("filters.", Some("now"), Some("last 1d"), now()).expect_err("backwards");
        assert!(
            err.message.contains("filters.start") && err.message.contains("before filters.end"),
            "{}",
            err.message
        );
    }
}
