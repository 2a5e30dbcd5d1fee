"""Every rule of the catalogue at its edges, through facts -> recommendations.

Each case runs on both engines: the durable_rules ruleset and the reference
interpreter must say the same thing.
"""

from datetime import date, datetime, timedelta

import pytest

from rules.engine import recommend
from rules.facts import (
    AgreementRecord,
    PartnerRecord,
    ReferralRecord,
    SessionRecord,
    Touch,
    partner_facts,
)

AS_OF = date(2026, 11, 20)


@pytest.fixture(params=["durable", "python"])
def engine(request):
    return request.param


def ago(days: int, hour: int = 10) -> datetime:
    return datetime.combine(AS_OF - timedelta(days=days), datetime.min.time()).replace(hour=hour)


def day(days: int) -> date:
    return AS_OF - timedelta(days=days)


def live(days: int, kind: str = "coffee") -> Touch:
    return Touch(ago(days), kind, "outbound", "connected")


def received(days: int, client: str = "J. Alvarez") -> ReferralRecord:
    return ReferralRecord(day(days), "received", client)


def sent(days: int) -> ReferralRecord:
    return ReferralRecord(day(days), "sent", "Someone")


def evaluate(
    engine, tier="cultivate", touches=(), referrals=(), sessions=(), as_of=AS_OF, **fields
):
    fields.setdefault("met_on", as_of - timedelta(days=400))
    partner = PartnerRecord(id=1, tier=tier, **fields)
    facts = partner_facts(partner, touches, referrals, sessions, as_of)
    return {rec.rule: rec for rec in recommend(facts, as_of, None, engine)}


# --- coffee: Cultivate, met >= 21 days ago, no live contact in the last 21 days ----
@pytest.mark.parametrize("days, expected", [(20, False), (21, True), (22, True)])
def test_coffee_from_the_21st_day_after_the_last_live_contact(engine, days, expected):
    assert ("coffee" in evaluate(engine, touches=[live(days)])) is expected


@pytest.mark.parametrize("days, expected", [(20, False), (21, True), (22, True)])
def test_coffee_only_for_partners_met_at_least_21_days_ago(engine, days, expected):
    assert ("coffee" in evaluate(engine, met_on=day(days))) is expected


def test_coffee_counts_only_live_contact(engine):
    texts = [
        Touch(ago(2), "text", "outbound", "connected"),
        Touch(ago(3), "call", "outbound", "no_response"),
    ]
    assert "coffee" in evaluate(engine, touches=texts)
    assert "coffee" not in evaluate(engine, touches=[live(3, "call")])
    inbound_lunch = Touch(ago(3), "lunch", "inbound", "connected")
    assert "coffee" not in evaluate(engine, touches=[inbound_lunch])


def test_a_held_planning_session_is_a_live_contact_on_its_day(engine):
    held = SessionRecord(ago(5), "held")
    assert "coffee" not in evaluate(engine, sessions=[held])
    assert "coffee" in evaluate(engine, sessions=[SessionRecord(ago(5), "skipped")])


def test_coffee_is_for_cultivate_partners_only(engine):
    assert "coffee" not in evaluate(engine, tier="maintain")


def test_history_after_the_as_of_day_is_ignored(engine):
    tomorrow = Touch(ago(-1), "coffee", "outbound", "connected")
    assert "coffee" in evaluate(engine, touches=[tomorrow])


# --- keep_warm: Maintain, no live contact in the last 30 days ---
@pytest.mark.parametrize("days, expected", [(29, False), (30, True), (31, True)])
def test_keep_warm_from_the_30th_day(engine, days, expected):
    result = evaluate(engine, tier="maintain", touches=[live(days)], referrals=[received(10)])
    assert ("keep_warm" in result) is expected


# --- promote: Cultivate, >= 2 referrals in 180 days, live contact in 30 days ---
def test_promote_with_exactly_two_referrals_in_the_window(engine):
    result = evaluate(engine, touches=[live(9)], referrals=[received(179), received(20)])
    rec = result["promote"]
    assert rec.kind == "tier_change" and rec.tier_to == "maintain" and rec.due is None
    assert rec.reason.startswith("2 referrals received in the last 180 days (25 May, 31 Oct)")
    assert "last live contact 11 Nov (9 days ago)" in rec.reason


@pytest.mark.parametrize(
    "referrals, contact, expected",
    [
        ([179, 20], 29, True),
        ([180, 20], 9, False),  # the older one is 180 days ago: out of the window
        ([20], 9, False),  # one referral is not enough
        ([179, 20], 30, False),  # no live contact in the last 30 days
    ],
)
def test_promote_edges(engine, referrals, contact, expected):
    result = evaluate(engine, touches=[live(contact)], referrals=[received(d) for d in referrals])
    assert ("promote" in result) is expected


def test_sent_referrals_do_not_promote(engine):
    result = evaluate(engine, touches=[live(3)], referrals=[sent(10), sent(20)])
    assert "promote" not in result


# --- cool_down: Maintain, no referral received in the last 180 days ---
@pytest.mark.parametrize("days, expected", [(179, False), (180, True), (181, True)])
def test_cool_down_edges(engine, days, expected):
    result = evaluate(engine, tier="maintain", touches=[live(3)], referrals=[received(days)])
    assert ("cool_down" in result) is expected


def test_cool_down_with_no_referral_ever(engine):
    rec = evaluate(engine, tier="maintain", touches=[live(3)])["cool_down"]
    assert rec.tier_to == "cultivate"
    assert rec.reason.startswith("No referral received yet")


# --- thank_you ---
def test_thank_you_due_two_days_after_the_referral(engine):
    rec = evaluate(engine, referrals=[received(5, "J. Alvarez")], touches=[live(1)])["thank_you"]
    assert rec.due == day(3)
    assert "J. Alvarez" in rec.reason and "15 Nov" in rec.reason


@pytest.mark.parametrize(
    "thanks, expected",
    [
        (Touch(ago(5, hour=18), "thank_you"), False),  # same day counts
        (Touch(ago(2), "gift"), False),
        (Touch(ago(6), "thank_you"), True),  # before the referral: not for it
        (Touch(ago(2), "email"), True),
    ],
)
def test_thank_you_needs_a_thank_you_or_gift_on_or_after_the_referral(engine, thanks, expected):
    result = evaluate(engine, referrals=[received(5)], touches=[thanks, live(1)])
    assert ("thank_you" in result) is expected


def test_an_older_unthanked_referral_is_named_first(engine):
    referrals = [received(40, "Old"), received(5, "New")]
    rec = evaluate(engine, referrals=referrals, touches=[Touch(ago(50), "gift")])["thank_you"]
    assert "Old" in rec.reason and "2 referrals await thanks" in rec.reason
    assert rec.due == day(38)


# --- personal_date ---
@pytest.mark.parametrize(
    "as_of, birthday, due",
    [
        (date(2027, 2, 21), "1980-02-29", date(2027, 2, 28)),  # 29 Feb in a non-leap year
        (date(2027, 2, 20), "1980-02-29", None),  # 8 days: too far
        (date(2028, 2, 22), "02-29", date(2028, 2, 29)),  # a leap year keeps 29 Feb
        (date(2028, 2, 21), "02-29", None),
        (date(2028, 2, 28), "02-29", date(2028, 2, 29)),
        (date(2026, 12, 28), "01-02", date(2027, 1, 2)),  # across the year boundary
        (date(2026, 12, 28), "1975-01-05", None),  # 8 days away
        (date(2026, 12, 28), "12-28", date(2026, 12, 28)),  # on the day
        (date(2026, 12, 28), "12-27", None),  # yesterday: next one is a year away
    ],
)
def test_personal_date_edges(engine, as_of, birthday, due):
    result = evaluate(engine, tier="maintain", birthday=birthday, as_of=as_of)
    assert (result["personal_date"].due if "personal_date" in result else None) == due


def test_personal_date_anniversary_and_only_for_maintain(engine):
    rec = evaluate(engine, tier="maintain", anniversary="2010-11-23")["personal_date"]
    assert rec.due == date(2026, 11, 23) and rec.reason.startswith("Anniversary 23 Nov (in 3 days)")
    assert "personal_date" not in evaluate(engine, tier="cultivate", anniversary="11-23")


# --- return_call ---
def test_return_call_after_an_inbound_voicemail(engine):
    voicemail = Touch(ago(3), "voicemail", "inbound")
    rec = evaluate(engine, touches=[voicemail, Touch(ago(1), "lunch", "inbound", "connected")])[
        "return_call"
    ]
    assert rec.due == day(3)
    assert rec.reason.startswith("Voicemail 17 Nov (3 days ago) not returned yet")


@pytest.mark.parametrize(
    "touches, expected",
    [
        ([Touch(ago(3), "call", "inbound", "no_response")], True),  # a missed call
        ([Touch(ago(3), "call", "inbound", "connected")], False),
        ([Touch(ago(3), "voicemail", "inbound"), Touch(ago(3, 11), "email", "outbound")], False),
        ([Touch(ago(3, 11), "email", "outbound"), Touch(ago(3, 12), "voicemail", "inbound")], True),
        ([Touch(ago(3), "voicemail", "outbound", "no_response")], False),  # we left it
    ],
)
def test_return_call_edges(engine, touches, expected):
    assert ("return_call" in evaluate(engine, touches=touches)) is expected


# --- commitment_due and plan_partnership ---
@pytest.mark.parametrize(
    "promised, referrals, expected",
    [
        (0, [], False),  # promised for today: not late yet
        (1, [], True),
        (1, [received(30)], False),  # received on the day the commitment was made
        (1, [received(31)], True),  # before the commitment: does not count
    ],
)
def test_commitment_due_edges(engine, promised, referrals, expected):
    result = evaluate(
        engine, commitment_made_on=day(30), first_referral_by=day(promised), referrals=referrals
    )
    assert ("commitment_due" in result) is expected
    if expected:
        assert result["commitment_due"].due == day(promised - 1)


@pytest.mark.parametrize(
    "sessions, expected",
    [
        ([], True),
        ([SessionRecord(ago(0, 14), "booked")], False),  # booked for later today
        ([SessionRecord(ago(-7, 14), "booked")], False),
        ([SessionRecord(ago(1, 14), "booked")], True),  # yesterday's is past
        ([SessionRecord(ago(-7, 14), "cancelled")], True),
    ],
)
def test_plan_partnership_edges(engine, sessions, expected):
    result = evaluate(
        engine, commitment_made_on=day(3), first_referral_by=day(-20), sessions=sessions
    )
    assert ("plan_partnership" in result) is expected
    assert "plan_partnership" not in evaluate(engine, sessions=sessions)


# --- capture_details ---
@pytest.mark.parametrize("days, expected", [(0, True), (1, True), (2, False), (-1, False)])
def test_capture_details_on_the_day_met_or_the_day_after(engine, days, expected):
    result = evaluate(engine, met_on=day(days))
    assert ("capture_details" in result) is expected
    if expected:
        assert result["capture_details"].due == day(days)


def test_capture_details_not_when_something_is_written_down(engine):
    assert "capture_details" not in evaluate(engine, met_on=AS_OF, has_personal_details=True)


# --- co_market ---
@pytest.mark.parametrize("days, expected", [(89, False), (90, True)])
def test_co_market_edges(engine, days, expected):
    touches = [Touch(ago(days), "co_marketing", "outbound", "connected"), live(2)]
    result = evaluate(engine, tier="maintain", touches=touches, referrals=[received(10)])
    assert ("co_market" in result) is expected


# --- disengage and precedence ---
def unanswered(*days_ago: int) -> list[Touch]:
    return [Touch(ago(d), "call", "outbound", "no_response") for d in days_ago]


@pytest.mark.parametrize(
    "touches, expected",
    [
        (unanswered(60, 40, 20, 1), True),  # the 4th attempt, the first 60 days ago
        (unanswered(59, 40, 20, 1), False),  # the first only 59 days ago
        (unanswered(60, 40, 20), False),  # only 3 attempts
        (unanswered(90, 70, 60, 40, 20), True),
        # an inbound message restarts the count
        (
            [*unanswered(90, 80, 70), Touch(ago(65), "email", "inbound"), *unanswered(40, 20, 1)],
            False,
        ),
        # so does a connected interaction in either direction
        (
            [
                *unanswered(90, 80),
                Touch(ago(75), "text", "outbound", "connected"),
                *unanswered(70, 40, 20),
            ],
            False,
        ),
        ([Touch(ago(200), "email", "inbound"), *unanswered(100, 80, 60, 5)], True),
    ],
)
def test_disengage_after_the_4th_unanswered_attempt(engine, touches, expected):
    result = evaluate(engine, touches=touches)
    assert ("disengage" in result) is expected
    if expected:
        assert result["disengage"].tier_to == "cease"


@pytest.mark.parametrize("days, expected", [(364, True), (365, False)])
def test_disengage_after_a_disrespectful_interaction(engine, days, expected):
    rude = Touch(ago(days), "call", "inbound", "connected", disrespectful=True)
    assert ("disengage" in evaluate(engine, touches=[rude])) is expected


@pytest.mark.parametrize(
    "referrals, expected",
    [
        ([sent(300), sent(200), sent(10)], True),
        ([sent(300), sent(200), sent(10), received(364)], False),
        ([sent(300), sent(200), sent(10), received(365)], True),
        ([sent(365), sent(200), sent(10)], False),  # only 2 sent in the last 365 days
    ],
)
def test_disengage_one_sided(engine, referrals, expected):
    assert ("disengage" in evaluate(engine, touches=[live(2)], referrals=referrals)) is expected


def test_disengage_suppresses_every_other_action(engine):
    rude = Touch(ago(40), "call", "inbound", "connected", disrespectful=True)
    result = evaluate(engine, touches=[rude], referrals=[received(50)], birthday="11-22")
    assert set(result) == {"disengage"}
    assert "Disrespectful interaction 11 Oct (40 days ago)" in result["disengage"].reason


def test_disengage_also_stands_alone_against_other_tier_moves(engine):
    rude = Touch(ago(40), "call", "inbound", "connected", disrespectful=True)
    maintain = evaluate(engine, tier="maintain", touches=[rude])  # no referral: cool_down too
    assert set(maintain) == {"disengage"}
    rising = evaluate(engine, touches=[rude, live(3)], referrals=[received(30), received(10)])
    assert set(rising) == {"disengage"}  # not promote as well


def test_cease_partners_get_nothing(engine):
    rude = Touch(ago(40), "call", "inbound", "connected", disrespectful=True)
    assert evaluate(engine, tier="cease", touches=[rude], referrals=[received(3)]) == {}


def test_do_not_contact_partners_get_nothing(engine):
    everything = evaluate(engine, referrals=[received(3)], met_on=AS_OF)
    assert {"thank_you", "capture_details"} <= set(everything)
    assert evaluate(engine, referrals=[received(3)], met_on=AS_OF, do_not_contact=True) == {}


def test_fingerprint_names_absolute_days_so_it_holds_still_as_days_pass(engine):
    first = evaluate(engine, touches=[live(30)])["coffee"]
    partner = PartnerRecord(id=1, tier="cultivate", met_on=AS_OF - timedelta(days=400))
    later = AS_OF + timedelta(days=5)
    facts = partner_facts(partner, [live(30)], [], [], later)
    second = {r.rule: r for r in recommend(facts, later, None, engine)}["coffee"]
    assert first.fingerprint == second.fingerprint
    third = evaluate(engine, touches=[live(30), live(25)])["coffee"]
    assert third.fingerprint != first.fingerprint


def test_thresholds_come_from_the_settings(engine):
    partner = PartnerRecord(id=1, tier="cultivate", met_on=day(400))
    facts = partner_facts(partner, [live(15)], [], [], AS_OF)
    assert [r.rule for r in recommend(facts, AS_OF, {"coffee_days": 14}, engine)] == ["coffee"]
    assert recommend(facts, AS_OF, {"coffee_days": 21}, engine) == []


def renewal(engine, ends_on: date, as_of: date, kind: str = "co_marketing", **fields):
    """What the rules say of a Maintain partner (recently in touch, so nothing else
    is due) whose one agreement ends on `ends_on`, as of `as_of`."""
    partner = PartnerRecord(id=1, tier="maintain", met_on=as_of - timedelta(days=400), **fields)
    touches = [Touch(datetime.combine(as_of, datetime.min.time()), "co_marketing", "outbound",
                     "connected"), Touch(datetime.combine(as_of, datetime.min.time()), "lunch",
                     "outbound", "connected")]  # fmt: skip
    referrals = [ReferralRecord(as_of - timedelta(days=10), "received", "A. Client")]
    facts = partner_facts(partner, touches, referrals, [], as_of, [AgreementRecord(ends_on, kind)])
    return {rec.rule: rec for rec in recommend(facts, as_of, None, engine)}


@pytest.mark.parametrize(
    ("as_of", "fires"),
    [
        (date(2026, 12, 12), False),  # 31 days before the end
        (date(2026, 12, 13), True),  # 30 days before: across the year end
        (date(2027, 1, 11), True),  # the day before
        (date(2027, 1, 12), True),  # the last day
        (date(2027, 1, 13), False),  # ended
    ],
)
def test_agreement_renewal_from_30_days_before_the_end_across_a_year_end(engine, as_of, fires):
    found = renewal(engine, date(2027, 1, 12), as_of)
    assert ("agreement_renewal" in found) is fires
    assert set(found) <= {"agreement_renewal", "thank_you"}


def test_agreement_renewal_says_which_agreement_with_whom_and_when(engine):
    found = renewal(engine, date(2027, 1, 12), date(2027, 1, 3), name="Ryan McMillan")
    rec = found["agreement_renewal"]
    assert rec.reason == (
        "Co-marketing agreement with Ryan McMillan ends on 12 January (in 9 days); "
        "decide on its renewal."
    )
    assert rec.fingerprint == "agreement_renewal:agreement_ends=2027-01-12"
    assert rec.due == date(2027, 1, 3)
    spanning = renewal(
        engine, date(2027, 1, 12), date(2026, 12, 20), "marketing_services", name="Ann Lee"
    )
    assert spanning["agreement_renewal"].reason.startswith(
        "Marketing services agreement with Ann Lee ends on 12 January 2027 (in 23 days)"
    )


def test_agreement_renewal_names_the_agreement_that_ends_first(engine):
    partner = PartnerRecord(id=1, tier="cultivate", met_on=AS_OF, name="Ann")
    agreements = [
        AgreementRecord(AS_OF + timedelta(days=20), "co_marketing"),
        AgreementRecord(AS_OF - timedelta(days=2), "co_marketing"),  # ended: not counted
        AgreementRecord(AS_OF + timedelta(days=5), "marketing_services"),
    ]
    facts = partner_facts(partner, [], [], [], AS_OF, agreements)
    assert facts["agreement_ends_in"] == 5
    found = {rec.rule: rec for rec in recommend(facts, AS_OF, None, engine)}
    assert found["agreement_renewal"].reason.startswith("Marketing services agreement with Ann")


def test_agreement_renewal_threshold_is_a_team_setting(engine):
    partner = PartnerRecord(id=1, tier="cultivate", met_on=AS_OF, name="Ann")
    agreement = [AgreementRecord(AS_OF + timedelta(days=45), "co_marketing")]
    facts = partner_facts(partner, [], [], [], AS_OF, agreement)
    assert "agreement_renewal" not in {r.rule for r in recommend(facts, AS_OF, None, engine)}
    tuned = recommend(facts, AS_OF, {"agreement_renewal_days": 60}, engine)
    assert "agreement_renewal" in {r.rule for r in tuned}
