//! Conversions between UTC and wall-clock seconds in a named IANA zone (legacy `f` form).

use chrono::{Offset, TimeZone};
use chrono_tz::Tz;

/// Parses an IANA zone name.
pub(crate) fn parse(tz_id: &str) -> Option<Tz> {
    tz_id.parse::<Tz>().ok()
}

/// Wall-clock seconds in `tz` for the UTC instant `utc_seconds`.
pub(crate) fn utc_to_local(tz: Tz, utc_seconds: i64) -> Option<i64> {
    let utc = chrono::DateTime::from_timestamp(utc_seconds, 0)?.naive_utc();
    let offset = tz.offset_from_utc_datetime(&utc).fix().local_minus_utc();
    utc_seconds.checked_add(i64::from(offset))
}

/// UTC seconds for the wall-clock seconds `local_seconds` in `tz`.
///
/// An ambiguous wall-clock time (a backward shift) resolves to the earlier instant; a time in a
/// gap (a forward shift) is read with the offset in force before the gap.
pub(crate) fn local_to_utc(tz: Tz, local_seconds: i64) -> Option<i64> {
    let local = chrono::DateTime::from_timestamp(local_seconds, 0)?.naive_utc();
    let offset = match tz.offset_from_local_datetime(&local) {
        chrono::LocalResult::Single(o) => o.fix().local_minus_utc(),
        chrono::LocalResult::Ambiguous(a, b) => {
            // The earlier instant has the larger offset (utc = local - offset).
            a.fix().local_minus_utc().max(b.fix().local_minus_utc())
        }
        chrono::LocalResult::None => {
            let before = local.checked_sub_signed(chrono::TimeDelta::try_days(1)?)?;
            tz.offset_from_utc_datetime(&before).fix().local_minus_utc()
        }
    };
    local_seconds.checked_sub(i64::from(offset))
}
