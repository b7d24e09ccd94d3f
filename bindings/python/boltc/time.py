"""Temporal values.

Dates, times and date-times come back as the standard ``datetime.date``, ``datetime.time`` and
``datetime.datetime`` (microsecond precision: nanoseconds are truncated). Values with an offset
carry a ``datetime.timezone``; values with a zone id carry a ``zoneinfo.ZoneInfo``; local values
are naive. Durations come back as ``Duration`` (months, days, seconds, nanoseconds), which
compares equal to a ``datetime.timedelta`` when it has no months; a ``timedelta`` may also be sent
as a parameter.
"""

from __future__ import annotations

import datetime as _dt
from typing import Tuple


_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1


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

    def __repr__(self) -> str:
        return "Duration(months=%d, days=%d, seconds=%d, nanoseconds=%d)" % tuple(self)
