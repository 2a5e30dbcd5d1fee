"""The one clock: a team's day is its own zone's, and a frozen instant is seen in each zone."""

from datetime import date, datetime

from webapp import clock


def test_a_frozen_instant_is_each_zones_own_wall_time(app):
    app.config["PARTNERPLAN_NOW"] = "2026-12-31T23:30-05:00"  # New Year's Eve in New York
    assert clock.today("America/New_York") == date(2026, 12, 31)
    assert clock.today("Europe/Paris") == date(2027, 1, 1)
    assert clock.now("America/Los_Angeles") == datetime(2026, 12, 31, 20, 30)
    assert clock.utcnow() == datetime(2027, 1, 1, 4, 30)


def test_a_frozen_wall_time_is_the_same_in_every_zone(app):
    app.config["PARTNERPLAN_NOW"] = "2026-11-20"
    assert clock.now("America/New_York") == datetime(2026, 11, 20, 9, 0)
    assert clock.now("Asia/Tokyo") == datetime(2026, 11, 20, 9, 0)
    assert clock.utcnow() == datetime(2026, 11, 20, 9, 0)


def test_across_a_daylight_saving_change(app):
    # 8 March 2026, 07:30 UTC: 03:30 EDT (the clocks jumped at 02:00), 23:30 PST the day before.
    app.config["PARTNERPLAN_NOW"] = "2026-03-08T07:30+00:00"
    assert clock.now("America/New_York") == datetime(2026, 3, 8, 3, 30)
    assert clock.today("America/Los_Angeles") == date(2026, 3, 7)
    assert clock.local(datetime(2026, 3, 8, 7, 30), "America/Chicago") == datetime(
        2026, 3, 8, 1, 30
    )


def test_the_real_clock_when_nothing_is_frozen(app):
    app.config["PARTNERPLAN_NOW"] = None
    assert abs((clock.now("UTC") - clock.utcnow()).total_seconds()) < 5
