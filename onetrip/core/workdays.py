"""Working days on the Chinese calendar: public holidays and swapped working days
(调休) from `chinesecalendar`. Time limits in the rules are counted in these."""

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    """The current date in Asia/Shanghai, whatever the server's zone."""
    return dt.datetime.now(SHANGHAI).date()


@lru_cache(maxsize=8192)
def is_working_day(day: dt.date) -> bool:
    """True on a working day. Past the years `chinesecalendar` knows, Monday to Friday."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start`; `start` itself is not counted
    (a limit of 1 accepted on Monday ends on Tuesday). `days == 0` gives `start`."""
    if days < 0:
        return subtract_working_days(start, -days)
    day = start
    while days > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def subtract_working_days(end: dt.date, days: int) -> dt.date:
    """The date such that exactly `days` working days lie after it, up to and including `end`."""
    day = end
    while days > 0:
        if is_working_day(day):
            days -= 1
        day -= dt.timedelta(days=1)
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in the half-open span (start, end]; 0 when end <= start."""
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
