"""neo4j.time types without a server: nanosecond fields, conversion, equality and arithmetic
(the values the official driver gives are checked in test_compat_official.py)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from boltc.time import Date, DateTime, Duration, Time

UTC = dt.timezone.utc
PLUS2 = dt.timezone(dt.timedelta(hours=2))


def test_datetime_fields_keep_nanoseconds():
    x = DateTime(2024, 1, 2, 3, 4, 5, 123456789, tzinfo=PLUS2)
    assert (x.year, x.month, x.day, x.hour, x.minute, x.second, x.nanosecond) == (2024, 1, 2, 3, 4, 5, 123456789)
    assert x.tzinfo is PLUS2 and x.utcoffset() == dt.timedelta(hours=2)
    assert x.iso_format() == "2024-01-02T03:04:05.123456789+02:00" == str(x)
    assert x.date() == Date(2024, 1, 2) and x.time() == Time(3, 4, 5, 123456789)
    assert x.timetz() == Time(3, 4, 5, 123456789, tzinfo=PLUS2)
    assert x.to_native() == dt.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=PLUS2)
    assert DateTime.from_native(dt.datetime(2020, 1, 1, 1, 1, 1, 5)).nanosecond == 5000
    paris = DateTime(2024, 7, 1, 12, tzinfo=ZoneInfo("Europe/Paris"))
    assert paris.utcoffset() == dt.timedelta(hours=2)
    assert paris.astimezone(UTC) == DateTime(2024, 7, 1, 10, tzinfo=UTC)


def test_equality_and_hash_with_each_other_and_natives():
    a = DateTime(2024, 1, 1, 1, 0, 0, 5, tzinfo=UTC)
    b = DateTime(2024, 1, 1, 3, 0, 0, 5, tzinfo=PLUS2)
    assert a == b and hash(a) == hash(b) and not a < b
    assert DateTime(2024, 1, 1, 0, 0, 0, 5000) == dt.datetime(2024, 1, 1, 0, 0, 0, 5)
    assert hash(DateTime(2024, 1, 1, 0, 0, 0, 5000)) == hash(dt.datetime(2024, 1, 1, 0, 0, 0, 5))
    assert DateTime(2024, 1, 1, 0, 0, 0, 5001) != dt.datetime(2024, 1, 1, 0, 0, 0, 5)
    assert DateTime(2024, 1, 1) != DateTime(2024, 1, 1, tzinfo=UTC)
    with pytest.raises(TypeError):
        DateTime(2024, 1, 1) < DateTime(2024, 1, 1, tzinfo=UTC)  # noqa: B015
    assert Date(2020, 1, 2) == dt.date(2020, 1, 2) and Date(2020, 1, 2) < dt.date(2021, 1, 1)
    assert {Date(2020, 1, 2), dt.date(2020, 1, 2)} == {Date(2020, 1, 2)}
    assert Time(1, 2, 3, 4000) == dt.time(1, 2, 3, 4) and Time(1, 2, 3, 4) != dt.time(1, 2, 3)
    assert Time(1, 0, 0, tzinfo=PLUS2) < Time(0, 0, 0, tzinfo=UTC)
    assert Time(3, 0, 0, tzinfo=PLUS2) == Time(1, 0, 0, tzinfo=UTC)
    assert Time(1, 0, 0, tzinfo=PLUS2) != Time(23, 0, 0, tzinfo=UTC)  # no wrap-around, as officially
    assert DateTime(2024, 1, 1) != "2024-01-01" and Date(2024, 1, 1) != DateTime(2024, 1, 1)


def test_arithmetic():
    a = DateTime(2024, 1, 31, 5, 0, 0, 123456789)
    assert a + Duration(months=1) == DateTime(2024, 2, 29, 5, 0, 0, 123456789)
    assert a + Duration(months=1, seconds=-6 * 3600) == DateTime(2024, 2, 28, 23, 0, 0, 123456789)
    assert a - Duration(nanoseconds=123456790) == DateTime(2024, 1, 31, 4, 59, 59, 999999999)
    assert a + dt.timedelta(hours=20) == DateTime(2024, 2, 1, 1, 0, 0, 123456789)
    assert a - DateTime(2023, 3, 1, 6, 30, 0, 1) == Duration(months=10, days=30, seconds=-5400,
                                                             nanoseconds=123456788)
    assert Date(2024, 1, 31) + Duration(months=1, days=3) == Date(2024, 3, 3)
    assert Date(2024, 3, 1) - Date(2023, 3, 1) == Duration(days=366)
    with pytest.raises(ValueError):
        Date(2024, 1, 1) + Duration(hours=1)
    with pytest.raises(OverflowError):
        DateTime(9999, 12, 1) + Duration(months=1)
    d = Duration(days=2, hours=3)
    assert tuple(d) == (0, 2, 10800, 0)
    assert d + Duration(hours=3) == Duration(days=2, hours=6) and tuple(d * 3) == (0, 6, 32400, 0)
    assert str(d) == "P2DT3H" and Duration(seconds=-1.5).iso_format() == "PT-1.5S"
    assert Duration().iso_format() == "PT0S" and Duration(years=1, nanoseconds=100).iso_format() == "P1YT0.0000001S"


def test_ranges():
    with pytest.raises(ValueError):
        Time(24, 0, 0)
    with pytest.raises(ValueError):
        Time(0, 0, 0, 10**9)
    with pytest.raises(ValueError):
        Date(10000, 1, 1)
    assert Date.min == Date(1, 1, 1) and DateTime.max.nanosecond == 999999999
