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


class Duration(Tuple[int, int, int, int]):
    """A Cypher duration: ``months``, ``days``, ``seconds``, ``nanoseconds``."""

    def __new__(cls, months: int = 0, days: int = 0, seconds: int = 0, nanoseconds: int = 0) -> "Duration":
        return tuple.__new__(cls, (int(months), int(days), int(seconds), int(nanoseconds)))

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

    @classmethod
    def from_timedelta(cls, td: _dt.timedelta) -> "Duration":
        return cls(0, td.days, td.seconds, td.microseconds * 1000)

    def to_timedelta(self) -> _dt.timedelta:
        """The duration as a ``timedelta`` (a month counts as 30 days; nanoseconds truncated)."""
        return _dt.timedelta(
            days=self[0] * 30 + self[1], seconds=self[2], microseconds=self[3] // 1000
        )

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
