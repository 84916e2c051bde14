"""Time units of a scenario: how many of each make an hour, and hours in a year.

A module of its own, without numpy, so that number formatting (and so the
CLI's start) does not import the calendar's numerics.
"""

HOURS_PER_YEAR = 8760.0
UNIT_PER_HOUR = {"s": 3600.0, "min": 60.0, "h": 1.0}
