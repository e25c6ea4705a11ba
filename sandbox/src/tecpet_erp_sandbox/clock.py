"""Brasília time, in which both emulated ERPs write their dates and read their date filters.

Kept apart from ``erp`` on purpose: the sandbox plays the ERPs and imports nothing of the clients.
"""

from __future__ import annotations

import datetime as dt

BRT = dt.timezone(dt.timedelta(hours=-3), "BRT")  # no daylight saving time since 2019
STAMP_FORMAT = "%Y-%m-%d %H:%M:%S"  # a date and time as both ERPs write it, without offset


def now_brt(offset_seconds: float = 0.0) -> dt.datetime:
    """The current Brasília time to the second, moved by ``offset_seconds`` (an emulator's clock)."""
    return dt.datetime.now(BRT).replace(microsecond=0) + dt.timedelta(seconds=offset_seconds)


def stamp(moment: dt.datetime) -> str:
    """``moment`` as the ERPs write it: Brasília local time, ``YYYY-MM-DD HH:MM:SS``."""
    return moment.astimezone(BRT).strftime(STAMP_FORMAT)
