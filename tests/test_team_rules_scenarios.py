"""Scenarios: a book file with team rules in, `recommendations --as-of DAY --json` out,
on the day before, the day of and the day after each threshold, across a year end."""

import io
import json

import pytest

BOOK = {
    "format": "partnerplan-book/3",
    "team": {"name": "Harbor Realty Group", "commission_per_side": 12000},
    "users": [
        {"email": "dana@harbor.example", "name": "Dana Reyes", "role": "manager"},
        {"email": "sam@harbor.example", "name": "Sam Ortiz", "role": "agent"},
    ],
    "partners": [
        {
            "key": "lender",
            "owner": "sam@harbor.example",
            "name": "Lena Lender",
            "profession": "lender",
            "tier": "maintain",
            "met_on": "2026-06-01",
            "client_types": ["first_time_buyers"],
            "interactions": [
                {"at": "2026-12-20T10:00:00", "kind": "lunch", "direction": "outbound",
                 "outcome": "connected"},
            ],
            "referrals": [],
        },
        {
            "key": "referrer",
            "owner": "sam@harbor.example",
            "name": "Rita Referrer",
            "profession": "cpa",
            "tier": "cultivate",
            "source": "bni",
            "met_on": "2026-06-01",
            "interactions": [
                {"at": "2026-10-05T09:00:00", "kind": "thank_you", "direction": "outbound"},
                {"at": "2026-11-01T09:00:00", "kind": "thank_you", "direction": "outbound"},
            ],
            "referrals": [
                {"direction": "received", "on": "2026-10-05", "client": "The Parks"},
                {"direction": "received", "on": "2026-11-01", "client": "The Quinns"},
            ],
        },
    ],
    "team_rules": [
        {
            "slug": "lender-coffee",
            "name": "Lenders in Maintain: coffee",
            "enabled": True,
            "match": "all",
            "conditions": [
                {"fact": "profession", "op": "==", "value": "lender"},
                {"fact": "tier", "op": "==", "value": "maintain"},
                {"fact": "live_contact_ago", "op": ">=", "value": 14},
            ],
            "action": "coffee",
            "due_days": 2,
            "tier_to": None,
            "priority": 85,
            "reason": "{name} is a lender in {tier}; last live contact {live_contact_on} "
            "({live_contact_days} days ago)",
        },
        {
            "slug": "busy-bni",
            "name": "Busy BNI referrers up to Maintain",
            "enabled": True,
            "match": "all",
            "conditions": [
                {"fact": "source", "op": "==", "value": "bni"},
                {"fact": "tier", "op": "==", "value": "cultivate"},
                {"fact": "received_last_90_days", "op": ">=", "value": 2},
            ],
            "action": None,
            "due_days": 0,
            "tier_to": "maintain",
            "priority": 105,
            "reason": "{name}: {received_last_90_days} referrals in 90 days, the last "
            "{received_1_on}",
        },
        {
            "slug": "first-timers",
            "name": "Switched off: first-time buyers",
            "enabled": False,
            "match": "any",
            "conditions": [{"fact": "client_first_time_buyers", "op": "==", "value": True}],
            "action": "call",
            "due_days": 0,
            "tier_to": None,
            "priority": 5,
            "reason": "{name} serves first-time buyers",
        },
    ],
}  # fmt: skip


@pytest.fixture(autouse=True)
def imported(runner, db, frozen):
    frozen("2027-01-20T10:00-05:00")
    text = json.dumps(BOOK)
    result = runner.invoke(args=["book", "import", "-"], input=io.BytesIO(text.encode()))
    assert result.exit_code == 0, result.output


def team_recommendations(runner, day: str) -> dict[tuple[str, str], dict]:
    result = runner.invoke(args=["recommendations", "--as-of", day, "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["as_of"] == day
    return {
        (rec["partner"], rec["rule"]): rec
        for rec in document["recommendations"]
        if rec["rule"].startswith("team:")
    }


@pytest.mark.parametrize(
    ("day", "fires"),
    [("2027-01-02", False), ("2027-01-03", True), ("2027-01-04", True)],
)
def test_no_live_contact_in_14_days_across_the_year_end(runner, day, fires):
    found = team_recommendations(runner, day)
    assert (("lender", "team:lender-coffee") in found) is fires


def test_the_team_rules_recommendation_as_json(runner):
    rec = team_recommendations(runner, "2027-01-03")[("lender", "team:lender-coffee")]
    assert rec == {
        "partner": "lender",
        "partner_name": "Lena Lender",
        "rule": "team:lender-coffee",
        "kind": "action",
        "tier_to": None,
        "due": "2027-01-05",
        "reason": "Lena Lender is a lender in Maintain; last live contact "
        "20 Dec 2026 (14 days ago) (14 days ago).",
    }


@pytest.mark.parametrize(
    ("day", "fires"),
    # The first referral (5 Oct) is 89, 90 and 91 days old: "in the last 90 days" ends at 89.
    [("2027-01-02", True), ("2027-01-03", False), ("2027-01-04", False)],
)
def test_referrals_in_the_last_90_days_at_the_window_edge(runner, day, fires):
    found = team_recommendations(runner, day)
    assert (("referrer", "team:busy-bni") in found) is fires


def test_a_tier_move_from_a_team_rule_and_a_switched_off_rule(runner):
    found = team_recommendations(runner, "2027-01-02")
    rec = found[("referrer", "team:busy-bni")]
    assert (rec["kind"], rec["tier_to"], rec["due"]) == ("tier_change", "maintain", None)
    assert (
        rec["reason"] == "Rita Referrer: 2 referrals in 90 days, the last 1 Nov 2026 (62 days ago)."
    )
    assert not any(rule == "team:first-timers" for _, rule in found)  # switched off


def test_before_any_live_contact_the_rule_holds_and_says_never(runner):
    """As of a day before the lunch, the lender has no live contact at all: never is
    more than 14 days, and the words say never."""
    rec = team_recommendations(runner, "2026-12-19")[("lender", "team:lender-coffee")]
    assert rec["reason"] == (
        "Lena Lender is a lender in Maintain; last live contact never (never days ago)."
    )
