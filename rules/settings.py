"""The rule thresholds a manager can tune, with DOMAIN.md's defaults.

Each threshold is a whole number with a sane range; a team's settings are
a mapping of these names to values, and anything missing takes the default.
"""

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Threshold:
    name: str
    rule: str
    label: str
    default: int
    minimum: int
    maximum: int
    unit: str = "days"


THRESHOLDS: dict[str, Threshold] = {
    t.name: t
    for t in (
        Threshold("thank_you_due_days", "thank_you", "Thank-you due after the referral", 2, 0, 30),
        Threshold(
            "personal_date_days", "personal_date", "Birthday or anniversary within", 7, 0, 60
        ),
        Threshold("keep_warm_days", "keep_warm", "No live contact for", 30, 1, 365),
        Threshold("coffee_days", "coffee", "Met, and no live contact, for", 21, 1, 365),
        Threshold("capture_details_days", "capture_details", "Met within the last", 2, 1, 14),
        Threshold(
            "promote_referrals", "promote", "Referrals received, at least", 2, 1, 10, "referrals"
        ),
        Threshold("promote_days", "promote", "Referrals counted over the last", 180, 1, 730),
        Threshold("promote_live_days", "promote", "Live contact in the last", 30, 1, 365),
        Threshold("cool_down_days", "cool_down", "No referral received in the last", 180, 1, 730),
        Threshold(
            "disengage_disrespect_days",
            "disengage",
            "A disrespectful interaction in the last",
            365,
            1,
            1095,
        ),
        Threshold(
            "disengage_attempts",
            "disengage",
            "Unanswered outbound attempts, at least",
            4,
            1,
            20,
            "attempts",
        ),
        Threshold(
            "disengage_attempts_days",
            "disengage",
            "The first unanswered attempt at least",
            60,
            0,
            365,
        ),
        Threshold("disengage_sent", "disengage", "Referrals sent, at least", 3, 1, 10, "referrals"),
        Threshold(
            "disengage_one_sided_days",
            "disengage",
            "Sent, and none received, over the last",
            365,
            1,
            1095,
        ),
        Threshold("co_market_days", "co_market", "No co-marketing in the last", 90, 1, 730),
        Threshold(
            "agreement_renewal_days", "agreement_renewal", "An agreement ends within", 30, 1, 180
        ),
    )
}

DEFAULTS: dict[str, int] = {name: t.default for name, t in THRESHOLDS.items()}


def resolve(values: Mapping[str, object] | None = None) -> dict[str, int]:
    """A complete set of thresholds: the defaults, overridden by valid stored values."""
    settings = dict(DEFAULTS)
    for name, value in (values or {}).items():
        threshold = THRESHOLDS.get(name)
        if threshold is None or isinstance(value, bool) or not isinstance(value, int):
            continue
        if threshold.minimum <= value <= threshold.maximum:
            settings[name] = value
    return settings
