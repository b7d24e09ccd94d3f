"""Temporal values, as in the official driver's ``neo4j.time``.

``Date``, ``Time`` and ``DateTime`` keep nanoseconds (the standard ``datetime`` types stop at
microseconds); ``Duration`` is a Cypher duration (months, days, seconds, nanoseconds). Values from
the server come back as these types: a date-time with an offset carries a ``datetime.timezone``,
one with a zone id a ``zoneinfo.ZoneInfo``, local values are naive. ``to_native()`` and
``from_native()`` convert to and from the ``datetime`` module (``to_native`` truncates to
microseconds); the standard types are accepted as parameters too.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Callable, Optional, Tuple


_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1
_NS_PER_S = 1_000_000_000
_NS_PER_DAY = 86400 * _NS_PER_S
_US = _dt.timedelta(microseconds=1)


def _offset_ns(off: Optional[_dt.timedelta]) -> Optional[int]:
    return None if off is None else (off // _US) * 1000


def _offset_text(off: Optional[_dt.timedelta]) -> str:
    if off is None:
        return ""
    total = off // _dt.timedelta(seconds=1)
    sign = "-" if total < 0 else "+"
    h, rest = divmod(abs(total), 3600)
    m, s = divmod(rest, 60)
    return "%s%02d:%02d" % (sign, h, m) + (":%02d" % s if s else "")


def _compare_key(a: Any, b: Any) -> Tuple[Any, Any]:
    """The keys ordering ``a`` and ``b`` (both Time or both DateTime); ``TypeError`` when one
    is naive and the other aware, as the standard types do."""
    ka, kb = a._key(), b._key()
    if (ka[1] is None) != (kb[1] is None):
        raise TypeError("can't compare offset-naive and offset-aware values")
    return ka, kb


class _OffsetOrdered:
    """The comparisons and hash of ``Time`` and ``DateTime``, from each class's ``_other``
    (the other operand as this class, None when it is neither this class nor its standard
    type) and ``_key`` (nanoseconds, moved to UTC when aware, and the offset or None): equal
    when both are naive or both aware with the same key (False for other types); ordered by
    key (NotImplemented for other types, ``TypeError`` between naive and aware); hashed as the
    standard value when the nanoseconds are whole microseconds (``_whole_us``), where the two
    compare equal."""

    __slots__ = ()

    # Provided by each class.
    _other: Callable[[object], Any]
    _key: Callable[[], Tuple[int, Optional[int]]]
    _whole_us: Callable[[], bool]
    to_native: Callable[[], Any]

    def __eq__(self, other: object) -> bool:
        o = self._other(other)
        if o is None:
            return False
        a, b = self._key(), o._key()
        return (a[1] is None) == (b[1] is None) and a[0] == b[0]

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __lt__(self, other: object) -> bool:
        o = self._other(other)
        if o is None:
            return NotImplemented
        a, b = _compare_key(self, o)
        return a[0] < b[0]

    def __le__(self, other: object) -> bool:
        return self == other or self < other

    def __gt__(self, other: object) -> bool:
        o = self._other(other)
        if o is None:
            return NotImplemented
        a, b = _compare_key(self, o)
        return a[0] > b[0]

    def __ge__(self, other: object) -> bool:
        return self == other or self > other

    def __hash__(self) -> int:
        if self._whole_us():
            return hash(self.to_native())
        key = self._key()
        return hash((key[0], key[1] is None))


class Date:
    """A calendar date (years 1 to 9999, as ``datetime.date``). Compares and hashes equal to
    the same ``datetime.date``; ``Date + Duration`` adds months (clamping the day to the end of
    the month) then days; ``Date - Date`` is a ``Duration`` of days."""

    __slots__ = ("_d",)

    min: "Date"
    max: "Date"

    def __init__(self, year: int, month: int, day: int) -> None:
        self._d = _dt.date(year, month, day)

    @classmethod
    def _native(cls, d: _dt.date) -> "Date":
        out = cls.__new__(cls)
        out._d = d
        return out

    @classmethod
    def from_native(cls, d: _dt.date) -> "Date":
        """The ``Date`` of a ``datetime.date``."""
        return cls._native(_dt.date(d.year, d.month, d.day))

    @classmethod
    def from_ordinal(cls, ordinal: int) -> "Date":
        """The date with this proleptic Gregorian ordinal (0001-01-01 is 1)."""
        return cls._native(_dt.date.fromordinal(ordinal))

    @classmethod
    def today(cls, tz: Optional[_dt.tzinfo] = None) -> "Date":
        """Today's date (in ``tz`` when given)."""
        return cls._native(_dt.datetime.now(tz).date())

    @property
    def year(self) -> int:
        return self._d.year

    @property
    def month(self) -> int:
        return self._d.month

    @property
    def day(self) -> int:
        return self._d.day

    @property
    def year_month_day(self) -> Tuple[int, int, int]:
        return self._d.year, self._d.month, self._d.day

    def to_ordinal(self) -> int:
        """The proleptic Gregorian ordinal (0001-01-01 is 1)."""
        return self._d.toordinal()

    def to_native(self) -> _dt.date:
        """This date as a ``datetime.date``."""
        return self._d

    def weekday(self) -> int:
        return self._d.weekday()

    def iso_weekday(self) -> int:
        return self._d.isoweekday()

    def iso_format(self) -> str:
        return self._d.isoformat()

    def replace(self, **kw: int) -> "Date":
        return Date._native(self._d.replace(**kw))

    def _plus_months(self, months: int) -> _dt.date:
        y, m = divmod(self._d.year * 12 + self._d.month - 1 + months, 12)
        if not 1 <= y <= 9999:
            raise OverflowError("date out of range")
        day = self._d.day
        while True:
            try:
                return _dt.date(y, m + 1, day)
            except ValueError:
                day -= 1

    def _plus(self, d: "Duration") -> "Date":
        if d[2] or d[3]:
            raise ValueError("only whole days can be added to a Date, not %r" % (d,))
        return Date._native(self._plus_months(d[0]) + _dt.timedelta(days=d[1]))

    def __add__(self, other: object) -> "Date":
        if isinstance(other, Duration):
            return self._plus(other)
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, other: object) -> Any:
        if isinstance(other, Duration):
            return self._plus(-other)
        if isinstance(other, Date):
            return Duration(days=self._d.toordinal() - other._d.toordinal())
        if isinstance(other, _dt.date) and not isinstance(other, _dt.datetime):
            return Duration(days=self._d.toordinal() - other.toordinal())
        return NotImplemented

    @staticmethod
    def _other(other: object) -> Optional[_dt.date]:
        if isinstance(other, Date):
            return other._d
        if isinstance(other, _dt.date) and not isinstance(other, _dt.datetime):
            return other
        return None

    def __eq__(self, other: object) -> bool:
        o = Date._other(other)
        return o is not None and self._d == o

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __lt__(self, other: object) -> bool:
        o = Date._other(other)
        return NotImplemented if o is None else self._d < o  # type: ignore[return-value]

    def __le__(self, other: object) -> bool:
        o = Date._other(other)
        return NotImplemented if o is None else self._d <= o  # type: ignore[return-value]

    def __gt__(self, other: object) -> bool:
        o = Date._other(other)
        return NotImplemented if o is None else self._d > o  # type: ignore[return-value]

    def __ge__(self, other: object) -> bool:
        o = Date._other(other)
        return NotImplemented if o is None else self._d >= o  # type: ignore[return-value]

    def __hash__(self) -> int:
        return hash(self._d)

    def __str__(self) -> str:
        return self.iso_format()

    def __repr__(self) -> str:
        return "neo4j.time.Date(%d, %d, %d)" % self.year_month_day


Date.min = Date(1, 1, 1)
Date.max = Date(9999, 12, 31)


class Time(_OffsetOrdered):
    """A time of day with nanoseconds and an optional ``tzinfo``. Equal to a ``datetime.time``
    when the nanoseconds are whole microseconds; aware times order by their UTC time."""

    __slots__ = ("_ticks", "_tz")

    min: "Time"
    max: "Time"

    def __init__(
        self,
        hour: int = 0,
        minute: int = 0,
        second: int = 0,
        nanosecond: int = 0,
        tzinfo: Optional[_dt.tzinfo] = None,
    ) -> None:
        for name, v, top in (("hour", hour, 24), ("minute", minute, 60), ("second", second, 60),
                             ("nanosecond", nanosecond, _NS_PER_S)):
            if not 0 <= v < top:
                raise ValueError("%s must be in 0..%d, not %r" % (name, top - 1, v))
        self._ticks = ((int(hour) * 60 + int(minute)) * 60 + int(second)) * _NS_PER_S + int(nanosecond)
        self._tz = tzinfo

    @classmethod
    def from_ticks(cls, ticks: int, tz: Optional[_dt.tzinfo] = None) -> "Time":
        """The time ``ticks`` nanoseconds after midnight."""
        if not 0 <= ticks < _NS_PER_DAY:
            raise ValueError("ticks out of range: %d" % ticks)
        out = cls.__new__(cls)
        out._ticks = ticks
        out._tz = tz
        return out

    @classmethod
    def from_native(cls, t: _dt.time) -> "Time":
        """The ``Time`` of a ``datetime.time``."""
        return cls(t.hour, t.minute, t.second, t.microsecond * 1000, t.tzinfo)

    @property
    def ticks(self) -> int:
        """Nanoseconds since midnight."""
        return self._ticks

    @property
    def hour_minute_second_nanosecond(self) -> Tuple[int, int, int, int]:
        s, ns = divmod(self._ticks, _NS_PER_S)
        m, s = divmod(s, 60)
        h, m = divmod(m, 60)
        return h, m, s, ns

    @property
    def hour(self) -> int:
        return self._ticks // (3600 * _NS_PER_S)

    @property
    def minute(self) -> int:
        return self.hour_minute_second_nanosecond[1]

    @property
    def second(self) -> int:
        return self.hour_minute_second_nanosecond[2]

    @property
    def nanosecond(self) -> int:
        return self._ticks % _NS_PER_S

    @property
    def tzinfo(self) -> Optional[_dt.tzinfo]:
        return self._tz

    def utcoffset(self) -> Optional[_dt.timedelta]:
        """The offset of the ``tzinfo`` (None for a naive time or a zone whose offset needs a
        date)."""
        return None if self._tz is None else self._tz.utcoffset(None)

    def replace(self, **kw: Any) -> "Time":
        h, m, s, ns = self.hour_minute_second_nanosecond
        return Time(kw.get("hour", h), kw.get("minute", m), kw.get("second", s),
                    kw.get("nanosecond", ns), kw.get("tzinfo", self._tz))

    def to_native(self) -> _dt.time:
        """This time as a ``datetime.time`` (nanoseconds truncated to microseconds)."""
        h, m, s, ns = self.hour_minute_second_nanosecond
        return _dt.time(h, m, s, ns // 1000, self._tz)

    def iso_format(self) -> str:
        return "%02d:%02d:%02d.%09d" % self.hour_minute_second_nanosecond + _offset_text(
            self.utcoffset()
        )

    def _key(self) -> Tuple[int, Optional[int]]:
        off = _offset_ns(self.utcoffset())
        return (self._ticks if off is None else self._ticks - off), off

    @staticmethod
    def _other(other: object) -> Optional["Time"]:
        if isinstance(other, Time):
            return other
        if isinstance(other, _dt.time):
            return Time.from_native(other)
        return None

    def _whole_us(self) -> bool:
        return self._ticks % 1000 == 0

    def __str__(self) -> str:
        return self.iso_format()

    def __repr__(self) -> str:
        text = "neo4j.time.Time(%d, %d, %d, %d" % self.hour_minute_second_nanosecond
        return text + (", tzinfo=%r)" % (self._tz,) if self._tz is not None else ")")


Time.min = Time(0, 0, 0, 0)
Time.max = Time(23, 59, 59, 999_999_999)


class DateTime(_OffsetOrdered):
    """A date and time of day with nanoseconds and an optional ``tzinfo``. Equal to a
    ``datetime.datetime`` when the nanoseconds are whole microseconds; aware values compare by
    their instant. ``+``/``-`` a ``Duration`` or ``timedelta`` add months (clamping the day),
    days, then the time; ``DateTime - DateTime`` is the ``Duration`` between their local
    fields (months, days, seconds, nanoseconds), as in the official driver."""

    __slots__ = ("_date", "_time")

    min: "DateTime"
    max: "DateTime"

    def __init__(
        self,
        year: int,
        month: int,
        day: int,
        hour: int = 0,
        minute: int = 0,
        second: int = 0,
        nanosecond: int = 0,
        tzinfo: Optional[_dt.tzinfo] = None,
    ) -> None:
        self._date = Date(year, month, day)
        self._time = Time(hour, minute, second, nanosecond, tzinfo)

    @classmethod
    def combine(cls, date: Date, time: Time) -> "DateTime":
        """The date-time of ``date`` at ``time`` (with the time's ``tzinfo``)."""
        out = cls.__new__(cls)
        out._date = date if isinstance(date, Date) else Date.from_native(date)
        out._time = time if isinstance(time, Time) else Time.from_native(time)
        return out

    @classmethod
    def from_native(cls, d: _dt.datetime) -> "DateTime":
        """The ``DateTime`` of a ``datetime.datetime``."""
        return cls.combine(Date._native(d.date()), Time.from_native(d.timetz()))

    @classmethod
    def _from_native_ns(cls, d: _dt.datetime, ns: int) -> "DateTime":
        t = d.timetz()
        secs = (t.hour * 60 + t.minute) * 60 + t.second
        return cls.combine(Date._native(d.date()), Time.from_ticks(secs * _NS_PER_S + ns, t.tzinfo))

    @classmethod
    def now(cls, tz: Optional[_dt.tzinfo] = None) -> "DateTime":
        return cls.from_native(_dt.datetime.now(tz))

    @property
    def year(self) -> int:
        return self._date.year

    @property
    def month(self) -> int:
        return self._date.month

    @property
    def day(self) -> int:
        return self._date.day

    @property
    def hour(self) -> int:
        return self._time.hour

    @property
    def minute(self) -> int:
        return self._time.minute

    @property
    def second(self) -> int:
        return self._time.second

    @property
    def nanosecond(self) -> int:
        return self._time.nanosecond

    @property
    def tzinfo(self) -> Optional[_dt.tzinfo]:
        return self._time._tz

    def date(self) -> Date:
        return self._date

    def time(self) -> Time:
        """The time of day, naive."""
        return Time.from_ticks(self._time._ticks)

    def timetz(self) -> Time:
        """The time of day with this value's ``tzinfo``."""
        return self._time

    def to_native(self) -> _dt.datetime:
        """This value as a ``datetime.datetime`` (nanoseconds truncated to microseconds)."""
        return _dt.datetime.combine(self._date._d, self._time.to_native())

    def utcoffset(self) -> Optional[_dt.timedelta]:
        tz = self._time._tz
        return None if tz is None else tz.utcoffset(self.to_native())

    def dst(self) -> Optional[_dt.timedelta]:
        tz = self._time._tz
        return None if tz is None else tz.dst(self.to_native())

    def tzname(self) -> Optional[str]:
        tz = self._time._tz
        return None if tz is None else tz.tzname(self.to_native())

    def replace(self, **kw: Any) -> "DateTime":
        date = self._date.replace(**{k: kw[k] for k in ("year", "month", "day") if k in kw})
        time = self._time.replace(
            **{k: kw[k] for k in ("hour", "minute", "second", "nanosecond", "tzinfo") if k in kw}
        )
        return DateTime.combine(date, time)

    def astimezone(self, tz: _dt.tzinfo) -> "DateTime":
        """The same instant in ``tz`` (nanoseconds kept)."""
        if self.utcoffset() is None:
            raise ValueError("a naive DateTime has no instant to convert")
        return DateTime._from_native_ns(
            self.to_native().replace(microsecond=0).astimezone(tz), self.nanosecond
        )

    def iso_format(self, sep: str = "T") -> str:
        return self._date.iso_format() + sep + self._time.replace(tzinfo=None).iso_format() + (
            _offset_text(self.utcoffset())
        )

    def _key(self) -> Tuple[int, Optional[int]]:
        local = (self._date._d.toordinal() * 86400) * _NS_PER_S + self._time._ticks
        off = _offset_ns(self.utcoffset())
        return (local if off is None else local - off), off

    @staticmethod
    def _other(other: object) -> Optional["DateTime"]:
        if isinstance(other, DateTime):
            return other
        if isinstance(other, _dt.datetime):
            return DateTime.from_native(other)
        return None

    def _whole_us(self) -> bool:
        return self._time._ticks % 1000 == 0

    def _plus(self, d: "Duration") -> "DateTime":
        date = self._date._plus_months(d[0])
        days, ticks = divmod(self._time._ticks + d[2] * _NS_PER_S + d[3], _NS_PER_DAY)
        date = date + _dt.timedelta(days=d[1] + days)
        return DateTime.combine(Date._native(date), Time.from_ticks(ticks, self._time._tz))

    def __add__(self, other: object) -> "DateTime":
        if isinstance(other, _dt.timedelta):
            other = Duration.from_timedelta(other)
        if isinstance(other, Duration):
            return self._plus(other)
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, other: object) -> Any:
        if isinstance(other, _dt.timedelta):
            other = Duration.from_timedelta(other)
        if isinstance(other, Duration):
            return self._plus(-other)
        if isinstance(other, DateTime):
            months = (self.year - other.year) * 12 + self.month - other.month
            return Duration._of(months, self.day - other.day, 0,
                                self._time._ticks - other._time._ticks)
        if isinstance(other, _dt.datetime):
            return self.to_native() - other
        return NotImplemented

    def __str__(self) -> str:
        return self.iso_format()

    def __repr__(self) -> str:
        text = "neo4j.time.DateTime(%d, %d, %d, %d, %d, %d, %d" % (
            self.year, self.month, self.day, *self._time.hour_minute_second_nanosecond)
        return text + (", tzinfo=%r)" % (self.tzinfo,) if self.tzinfo is not None else ")")


DateTime.min = DateTime(1, 1, 1)
DateTime.max = DateTime(9999, 12, 31, 23, 59, 59, 999_999_999)


class Duration(Tuple[int, int, int, int]):
    """A Cypher duration, stored (as the official driver does) as the tuple ``months``,
    ``days``, ``seconds``, ``nanoseconds`` with ``|nanoseconds| < 10**9`` of the sign of
    ``seconds`` (-0.5 s is ``seconds=0, nanoseconds=-500_000_000``). Built from the
    official keyword arguments (``Duration(days=2, hours=3)``; fractions cascade down, e.g.
    ``hours=1.5``); ``+``, ``-`` (with another Duration or a ``timedelta``), unary ``-``,
    ``*`` and ``//`` an integer, ``abs`` and ``bool`` work component-wise as officially.
    Components beyond 64 bits raise ``ValueError``."""

    def __new__(
        cls,
        years: float = 0,
        months: float = 0,
        weeks: float = 0,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
        seconds: float = 0,
        subseconds: float = 0,
        milliseconds: float = 0,
        microseconds: float = 0,
        nanoseconds: float = 0,
    ) -> "Duration":
        mo = years * 12 + months
        d = weeks * 7 + days
        s = hours * 3600 + minutes * 60 + seconds + subseconds
        ns = milliseconds * 1_000_000 + microseconds * 1000 + nanoseconds
        # Fractional months and days cascade into days and seconds (a month: 30.436875 days,
        # as in the official driver), fractional seconds into nanoseconds.
        mo_i = int(mo)
        d += (mo - mo_i) * 30.436875
        d_i = int(d)
        s += (d - d_i) * 86400
        s_i = int(s)
        ns += (s - s_i) * 1_000_000_000
        return cls._of(mo_i, d_i, s_i, round(ns))

    @classmethod
    def _of(cls, months: int, days: int, seconds: int, nanoseconds: int) -> "Duration":
        """The duration with these components, seconds and nanoseconds normalised as the
        official driver does: ``|nanoseconds| < 10**9`` with the sign of the total."""
        total = int(seconds) * 1_000_000_000 + int(nanoseconds)
        seconds = abs(total) // 1_000_000_000 * (1 if total >= 0 else -1)
        nanoseconds = total - seconds * 1_000_000_000
        for name, v in (("months", months), ("days", days), ("seconds", seconds)):
            if not _I64_MIN <= v <= _I64_MAX:
                raise ValueError("Duration %s out of range: %d" % (name, v))
        return tuple.__new__(cls, (int(months), int(days), seconds, nanoseconds))

    @property
    def months(self) -> int:
        return self[0]

    @property
    def days(self) -> int:
        return self[1]

    @property
    def seconds(self) -> int:
        return self[2]

    @property
    def nanoseconds(self) -> int:
        return self[3]

    @property
    def years_months_days(self) -> Tuple[int, int, int]:
        years, months = divmod(self[0], 12) if self[0] >= 0 else (-((-self[0]) // 12), -((-self[0]) % 12))
        return years, months, self[1]

    @property
    def hours_minutes_seconds_nanoseconds(self) -> Tuple[int, int, int, int]:
        sign = -1 if self[2] < 0 else 1
        minutes, seconds = divmod(abs(self[2]), 60)
        hours, minutes = divmod(minutes, 60)
        return sign * hours, sign * minutes, sign * seconds, self[3]

    @classmethod
    def from_timedelta(cls, td: _dt.timedelta) -> "Duration":
        return cls._of(0, td.days, td.seconds, td.microseconds * 1000)

    def to_timedelta(self) -> _dt.timedelta:
        """The duration as a ``timedelta`` (a month counts as 30 days; nanoseconds truncated)."""
        return _dt.timedelta(
            days=self[0] * 30 + self[1], seconds=self[2], microseconds=self[3] // 1000
        )

    def __add__(self, other: object) -> "Duration":  # type: ignore[override]
        if isinstance(other, _dt.timedelta):
            other = Duration.from_timedelta(other)
        if not isinstance(other, Duration):
            return NotImplemented
        return Duration._of(*(a + b for a, b in zip(self, other)))

    __radd__ = __add__

    def __sub__(self, other: object) -> "Duration":
        if isinstance(other, _dt.timedelta):
            other = Duration.from_timedelta(other)
        if not isinstance(other, Duration):
            return NotImplemented
        return Duration._of(*(a - b for a, b in zip(self, other)))

    def __rsub__(self, other: object) -> "Duration":
        if isinstance(other, _dt.timedelta):
            return Duration.from_timedelta(other) - self
        return NotImplemented

    def __neg__(self) -> "Duration":
        return Duration._of(-self[0], -self[1], -self[2], -self[3])

    def __pos__(self) -> "Duration":
        return self

    def __abs__(self) -> "Duration":
        return Duration._of(abs(self[0]), abs(self[1]), abs(self[2]), abs(self[3]))

    def __mul__(self, other: object) -> "Duration":  # type: ignore[override]
        if isinstance(other, bool) or not isinstance(other, (int, float)):
            return NotImplemented
        if isinstance(other, int):
            return Duration._of(*(v * other for v in self))
        return Duration(months=self[0] * other, days=self[1] * other, seconds=self[2] * other,
                        nanoseconds=self[3] * other)

    __rmul__ = __mul__

    def __floordiv__(self, other: object) -> "Duration":
        if isinstance(other, bool) or not isinstance(other, int):
            return NotImplemented
        total_ns = self[2] * 1_000_000_000 + self[3]
        return Duration._of(self[0] // other, self[1] // other, 0, total_ns // other)

    def __bool__(self) -> bool:
        return any(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _dt.timedelta):
            return self[0] == 0 and self.to_timedelta() == other and self[3] % 1000 == 0
        return tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return tuple.__hash__(self)

    def iso_format(self, sep: str = "T") -> str:
        """The ISO 8601 form, e.g. ``P1Y2M3DT4H5M6.000000007S`` (``PT0S`` when zero); each
        part carries its own sign, as Cypher prints durations."""
        y, mo, d = self.years_months_days
        h, mi, sec, ns = self.hours_minutes_seconds_nanoseconds
        date = "".join("%d%s" % (v, u) for v, u in ((y, "Y"), (mo, "M"), (d, "D")) if v)
        time = "".join("%d%s" % (v, u) for v, u in ((h, "H"), (mi, "M")) if v)
        if sec or ns:
            sign = "-" if sec < 0 or ns < 0 else ""
            frac = (".%09d" % abs(ns)).rstrip("0") if ns else ""
            time += "%s%d%sS" % (sign, abs(sec), frac)
        if not date and not time:
            return "PT0S"
        return "P" + date + (sep + time if time else "")

    def __str__(self) -> str:
        return self.iso_format()

    def __repr__(self) -> str:
        return "neo4j.time.Duration(months=%d, days=%d, seconds=%d, nanoseconds=%d)" % tuple(self)
