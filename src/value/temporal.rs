//! Temporal and spatial values, kept in the plain numeric form Bolt uses.

/// A date: days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Date {
    /// Days since the Unix epoch.
    pub days: i64,
}

/// A time of day with a UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Time {
    /// Nanoseconds since midnight (local time).
    pub nanoseconds: i64,
    /// Offset from UTC in seconds.
    pub tz_offset_seconds: i32,
}

/// A time of day without a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LocalTime {
    /// Nanoseconds since midnight.
    pub nanoseconds: i64,
}

/// An instant with a fixed UTC offset.
///
/// Stored in UTC (the Bolt 5.0 form); the codec converts for older protocol versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    /// Seconds since the Unix epoch, UTC.
    pub seconds: i64,
    /// Nanoseconds within the second (0..1e9).
    pub nanoseconds: i32,
    /// Offset from UTC in seconds.
    pub tz_offset_seconds: i32,
}

/// An instant in a named IANA time zone.
///
/// Stored in UTC (the Bolt 5.0 form); the codec converts for older protocol versions
/// using the IANA zone database. A record holding a zone id that database does not know fails
/// with `ErrorKind::Conversion` (whatever the protocol version); the next records are fine.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DateTimeZoneId {
    /// Seconds since the Unix epoch, UTC.
    pub seconds: i64,
    /// Nanoseconds within the second (0..1e9).
    pub nanoseconds: i32,
    /// The IANA zone name, e.g. `Europe/Stockholm`.
    pub tz_id: String,
}

/// A date and time without a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LocalDateTime {
    /// Seconds since 1970-01-01T00:00:00 (wall clock).
    pub seconds: i64,
    /// Nanoseconds within the second (0..1e9).
    pub nanoseconds: i32,
}

/// A temporal amount in months, days, seconds and nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Duration {
    /// Months.
    pub months: i64,
    /// Days.
    pub days: i64,
    /// Seconds.
    pub seconds: i64,
    /// Nanoseconds.
    pub nanoseconds: i32,
}

/// A 2D point in a coordinate reference system.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point2D {
    /// The coordinate reference system id (7203 cartesian, 4326 WGS-84).
    pub srid: i64,
    /// x (or longitude).
    pub x: f64,
    /// y (or latitude).
    pub y: f64,
}

/// A 3D point in a coordinate reference system.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point3D {
    /// The coordinate reference system id (9157 cartesian-3d, 4979 WGS-84-3d).
    pub srid: i64,
    /// x (or longitude).
    pub x: f64,
    /// y (or latitude).
    pub y: f64,
    /// z (or height).
    pub z: f64,
}
