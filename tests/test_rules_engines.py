"""The durable_rules ruleset and the reference interpreter agree, and the wrapper is safe."""

import random
import threading
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules import durable_engine, interpreter
from rules.catalogue import RULES, Rule, T
from rules.engine import fired, recommend
from rules.facts import NEVER, RECENT_REFERRALS
from rules.settings import DEFAULTS, THRESHOLDS, resolve

# Day counts that sit on and around every default threshold, plus "never".
EDGES = sorted(
    {0, 1, 2, 3, 6, 7, 8, 20, 21, 22, 29, 30, 31, 59, 60, 61, 89, 90, 91}
    | {179, 180, 181, 364, 365, 366, NEVER}
)
days = st.one_of(st.sampled_from(EDGES), st.integers(-3, 800))
counts = st.integers(0, 6)
cadence_days = st.one_of(st.sampled_from([-NEVER, -1, 0, 1, NEVER]), st.integers(-800, 730))

SETTINGS = [
    dict(DEFAULTS),
    resolve({"coffee_days": 14, "promote_referrals": 3, "disengage_attempts": 2}),
    resolve({name: t.minimum for name, t in THRESHOLDS.items()}),
    resolve({name: t.maximum for name, t in THRESHOLDS.items()}),
]


def ascending(values: list[int]) -> list[int]:
    return sorted(values)


@st.composite
def fact_records(draw):
    received = ascending(draw(st.lists(days, max_size=RECENT_REFERRALS)))
    sent = ascending(draw(st.lists(days, max_size=RECENT_REFERRALS)))
    facts = {
        "tier": draw(st.sampled_from(["cultivate", "maintain", "cease"])),
        "do_not_contact": draw(st.booleans()),
        "met_ago": draw(days),
        "has_personal_details": draw(st.booleans()),
        "birthday_in": draw(st.one_of(st.integers(0, 366), st.just(NEVER))),
        "anniversary_in": draw(st.one_of(st.integers(0, 366), st.just(NEVER))),
        "live_contact_ago": draw(days),
        "co_marketing_ago": draw(days),
        "disrespectful_ago": draw(days),
        "unthanked_count": draw(counts),
        "unthanked_first_ago": draw(days),
        "unthanked_first_client": draw(st.text(max_size=10)),
        "unreturned_count": draw(counts),
        "unreturned_first_ago": draw(days),
        "unreturned_first_kind": draw(st.sampled_from(["", "voicemail", "call"])),
        "unanswered_count": draw(counts),
        "unanswered_first_ago": draw(days),
        "has_commitment": draw(st.booleans()),
        "commitment_made_ago": draw(days),
        "first_referral_by_ago": draw(st.one_of(days, st.just(-NEVER))),
        "received_since_commitment": draw(counts),
        "sessions_booked_ahead": draw(counts),
        "agreement_ends_in": draw(st.one_of(st.integers(0, 400), st.sampled_from(EDGES))),
        "agreement_ending_kind": draw(st.sampled_from(["", "co_marketing", "marketing_services"])),
        "partner_name": draw(st.text(max_size=10)),
        # A keep-in-touch cadence set, or not (rules/cadence.py): days to its ideal and maximum.
        "cadence_set": draw(st.booleans()),
        "cadence_due_in": draw(cadence_days),
        "cadence_overdue_in": draw(cadence_days),
    }
    for direction, ages in (("received", received), ("sent", sent)):
        for k in range(1, RECENT_REFERRALS + 1):
            facts[f"{direction}_{k}_ago"] = ages[k - 1] if len(ages) >= k else NEVER
    return facts


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=fact_records(), which=st.integers(0, len(SETTINGS) - 1))
def test_both_engines_agree_on_random_facts(facts, which):
    thresholds = SETTINGS[which]
    assert durable_engine.evaluate(facts, thresholds) == interpreter.fired(facts, thresholds)
    assert durable_engine.fired(facts, thresholds) == interpreter.fired(facts, thresholds)
    as_of = date(2026, 11, 20)
    assert recommend(facts, as_of, thresholds, "durable") == recommend(
        facts, as_of, thresholds, "python"
    )


@st.composite
def neighbours(draw):
    """A fact record, then records a step away: each moves a few of its numbers
    by a day or two (or its display-only text), so most fall on the same side
    of every threshold as the first (one pattern, one cached answer) and some
    cross one."""
    first = draw(fact_records())
    numbers = sorted(name for name, value in first.items() if type(value) is int)
    records = [first]
    for _ in range(draw(st.integers(5, 20))):
        record = dict(first)
        for name in draw(st.lists(st.sampled_from(numbers), min_size=1, max_size=3)):
            record[name] += draw(st.sampled_from([-2, -1, 1, 2]))
        if draw(st.booleans()):
            record["unthanked_first_client"] = draw(st.text(max_size=10))
        records.append(record)
    return records


def test_the_cached_answers_agree_with_the_interpreter():
    """`fired` answers a pattern of comparisons from its cache once it has asked
    durable_rules: across many records under the same settings, every answer,
    cached or not, is the interpreter's."""
    asked, answered = [], []
    real = durable_engine.evaluate

    def counted(facts, thresholds):
        asked.append(facts)
        return real(facts, thresholds)

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(records=neighbours(), which=st.integers(0, len(SETTINGS) - 1))
    def agree(records, which):
        thresholds = SETTINGS[which]
        for facts in records:
            answered.append(facts)
            assert durable_engine.fired(facts, thresholds) == interpreter.fired(facts, thresholds)

    durable_engine._answers.clear()  # every answer below is asked or cached here
    durable_engine.evaluate = counted
    try:
        agree()
    finally:
        durable_engine.evaluate = real
    # The cache was really used: most answers came from it, not from the engine.
    assert len(asked) < len(answered) / 2


def random_facts(rng: random.Random) -> dict:
    """A plain-random fact record, for a wide sweep beyond what hypothesis draws."""

    def day() -> int:
        return rng.choice(EDGES) if rng.random() < 0.5 else rng.randint(-3, 800)

    facts = {
        "tier": rng.choice(["cultivate", "maintain", "cease"]),
        "do_not_contact": rng.random() < 0.1,
        "has_personal_details": rng.random() < 0.5,
        "has_commitment": rng.random() < 0.5,
        "birthday_in": rng.choice([rng.randint(0, 366), NEVER]),
        "anniversary_in": rng.choice([rng.randint(0, 366), NEVER]),
        "first_referral_by_ago": rng.choice([day(), -NEVER]),
        "unthanked_first_client": "x",
        "unreturned_first_kind": "voicemail",
        "agreement_ends_in": rng.choice([day(), NEVER]),
        "agreement_ending_kind": "co_marketing",
        "partner_name": "x",
        "cadence_set": rng.random() < 0.5,
        "cadence_due_in": rng.choice([-NEVER, -1, 0, 1, rng.randint(-800, 730)]),
        "cadence_overdue_in": rng.choice([-NEVER, -1, 0, 1, rng.randint(-800, 730)]),
    }
    for name in (
        "met_ago",
        "live_contact_ago",
        "co_marketing_ago",
        "disrespectful_ago",
        "unthanked_first_ago",
        "unreturned_first_ago",
        "unanswered_first_ago",
        "commitment_made_ago",
    ):
        facts[name] = day()
    for name in (
        "unthanked_count",
        "unreturned_count",
        "unanswered_count",
        "received_since_commitment",
        "sessions_booked_ahead",
    ):
        facts[name] = rng.randint(0, 6)
    for direction in ("received", "sent"):
        ages = sorted(day() for _ in range(rng.randint(0, RECENT_REFERRALS)))
        for k in range(1, RECENT_REFERRALS + 1):
            facts[f"{direction}_{k}_ago"] = ages[k - 1] if len(ages) >= k else NEVER
    return facts


@settings(max_examples=500, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_both_engines_agree_on_a_wide_random_sweep(seed):
    """Ten plain-random records per drawn seed: thousands of records in seconds."""
    rng = random.Random(seed)
    for _ in range(10):
        facts, thresholds = random_facts(rng), rng.choice(SETTINGS)
        expected = interpreter.fired(facts, thresholds)
        assert durable_engine.evaluate(facts, thresholds) == expected
        assert durable_engine.fired(facts, thresholds) == expected


def test_the_engine_is_asked_once_per_pattern_of_comparisons():
    """Fact records on the same side of every threshold share one engine call."""
    base = {"tier": "cultivate", "do_not_contact": False, "met_ago": 100, "live_contact_ago": 50}
    settings = resolve({"coffee_days": 17})  # a ruleset of its own, fresh in this test
    pattern = durable_engine._ruleset_for(settings)[3]
    calls = []
    real = durable_engine.evaluate

    def counted(facts, thresholds):
        calls.append(facts)
        return real(facts, thresholds)

    durable_engine.evaluate = counted
    try:
        for live in (50, 51, 16, 52, 16):
            durable_engine.fired({**base, "live_contact_ago": live}, settings)
    finally:
        durable_engine.evaluate = real
    # 50, 51 and 52 days fall on the same side of every threshold; 16 does not.
    assert [facts["live_contact_ago"] for facts in calls] == [50, 16]
    assert pattern({**base, "live_contact_ago": 17}) != pattern({**base, "live_contact_ago": 16})
    # A missing fact, or text where a number is compared, is a pattern of its own.
    assert pattern(base) != pattern({**base, "met_ago": "100"})
    assert pattern(base).count(None) > 0
    assert durable_engine.fired({**base, "live_contact_ago": 16}, settings) == []
    assert durable_engine.fired({**base, "live_contact_ago": 52}, settings) == ["coffee"]


def test_every_rule_can_fire_on_both_engines():
    """The property test is only worth something if the rules do fire."""
    seen = set()
    base = {"do_not_contact": False, "has_personal_details": False}
    for tier in ("cultivate", "maintain"):
        for age in (0, 1, 25, 40, 100, 200, 400, NEVER):
            facts = {
                **base,
                "tier": tier,
                "met_ago": age,
                "birthday_in": 3,
                "anniversary_in": NEVER,
                "live_contact_ago": age,
                "co_marketing_ago": age,
                "disrespectful_ago": age,
                "unthanked_count": 1,
                "unthanked_first_ago": 4,
                "unthanked_first_client": "A",
                "unreturned_count": 1,
                "unreturned_first_ago": 1,
                "unreturned_first_kind": "voicemail",
                "unanswered_count": 5,
                "unanswered_first_ago": age,
                "has_commitment": True,
                "commitment_made_ago": 40,
                "first_referral_by_ago": 5,
                "received_since_commitment": 0,
                "sessions_booked_ahead": 0,
                "agreement_ends_in": age,
                "agreement_ending_kind": "co_marketing",
                "partner_name": "A",
            }
            for k in range(1, RECENT_REFERRALS + 1):
                facts[f"received_{k}_ago"] = age + k
                facts[f"sent_{k}_ago"] = k
            ids = durable_engine.fired(facts, DEFAULTS)
            assert ids == interpreter.fired(facts, DEFAULTS)
            seen.update(ids)
    assert seen == {rule.id for rule in RULES}


def test_thousands_of_evaluations_do_not_exhaust_the_sessions():
    """At most 1,024 live sessions per ruleset: each evaluation deletes its own."""
    facts = {"tier": "cultivate", "do_not_contact": False, "met_ago": 100, "live_contact_ago": 50}
    for _ in range(3000):
        assert durable_engine.evaluate(facts, DEFAULTS) == ["coffee"]


def test_thousands_of_facts_that_match_nothing_leave_no_session_behind():
    """Unmatched facts used to keep a session each: the 1,025th raised MemoryError."""
    facts = {"tier": "cease", "do_not_contact": True}
    for _ in range(3000):
        assert durable_engine.evaluate(facts, DEFAULTS) == []


def test_a_fact_that_matches_nothing_means_no_recommendations():
    assert durable_engine.fired({"met_ago": 3}, DEFAULTS) == []
    assert fired({"tier": "cease", "do_not_contact": False}, DEFAULTS, "durable") == []


def test_concurrent_evaluations_from_many_threads():
    facts = {"tier": "cultivate", "do_not_contact": False, "met_ago": 100, "live_contact_ago": 50}
    results, errors = [], []

    def work():
        try:
            for _ in range(300):
                results.append(durable_engine.evaluate(facts, DEFAULTS))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert results == [["coffee"]] * 2400


def test_a_change_of_thresholds_is_a_new_ruleset():
    changed = resolve({"coffee_days": 40})
    assert durable_engine.ruleset_name(changed) != durable_engine.ruleset_name(DEFAULTS)
    facts = {"tier": "cultivate", "do_not_contact": False, "met_ago": 100, "live_contact_ago": 30}
    assert durable_engine.fired(facts, DEFAULTS) == ["coffee"]
    assert durable_engine.fired(facts, changed) == []
    assert durable_engine.fired(facts, DEFAULTS) == ["coffee"]


def a_rule(when: tuple) -> Rule:
    return Rule(
        id="probe",
        title="Probe",
        kind="action",
        when=when,
        priority=99,
        reason=((None, "probe"),),
        fingerprint=(),
    )


@pytest.mark.parametrize(
    "condition",
    [
        # durable_rules' own spelling of m.sent_1_ago < m.received_1_ago: two facts
        ("sent_1_ago", "<", {"$m": "received_1_ago"}),
        ("tier", "in", "cultivate maintain"),  # an operator the interpreter lacks
        ("met_ago", "=>", 3),
        ("tier", "==", ["cultivate", "maintain"]),  # a list is no constant
        ("birthday_in", "==", None),
        ("met_ago", "<", T("no_such_days")),  # a threshold that does not exist
        ("received_{no_such}_ago", "<", 30),
        ("met_ago", "<"),
        ("all",),
    ],
)
def test_compiling_refuses_a_condition_the_pattern_cache_cannot_answer_for(condition):
    """`fired` answers once per pattern of comparisons of one fact with a constant;
    any other condition is refused when the catalogue is compiled."""
    when = ("all", ("tier", "==", "maintain"), ("any", ("met_ago", ">=", 0), condition))
    with pytest.raises(durable_engine.UnsupportedCondition, match="rule 'probe'"):
        durable_engine.compile_ruleset(DEFAULTS, [a_rule(when)])
    with pytest.raises(durable_engine.UnsupportedCondition):
        durable_engine.check_rules([*RULES, a_rule(when)])


def test_compiling_accepts_comparisons_with_constants_and_thresholds():
    when = (
        "all",
        ("tier", "==", "maintain"),
        ("has_commitment", "==", True),
        ("received_{promote_referrals}_ago", "<", T("promote_days")),
        ("any", ("met_ago", ">=", 0), ("live_contact_ago", "!=", 1.5)),
    )
    ruleset = durable_engine.compile_ruleset(DEFAULTS, [a_rule(when)])
    assert "'$lt': {'received_2_ago': 180}" in str(ruleset["probe"])
    durable_engine.check_rules(RULES)  # the catalogue itself, as on import


def test_the_compiled_ruleset_is_json_with_thresholds_filled_in():
    ruleset = durable_engine.compile_ruleset(resolve({"promote_referrals": 3}))
    promote = str(ruleset["promote"])
    assert "received_3_ago" in promote and "'$lt': {'received_3_ago': 180}" in promote


def test_an_exception_inside_the_engine_is_raised_not_swallowed(monkeypatch):
    def failing_action(self, action_name):
        def fail(c):
            raise ValueError("handler broke")

        return fail

    durable_engine._host = None  # the next evaluation builds a host with the failing actions
    monkeypatch.setattr(durable_engine._Host, "get_action", failing_action)
    facts = {"tier": "cultivate", "do_not_contact": False, "met_ago": 100, "live_contact_ago": 50}
    try:
        durable_engine.fired(facts, DEFAULTS)
    except durable_engine.RulesEngineError as error:
        assert "handler broke" in str(error)
    else:
        raise AssertionError("the handler's exception was swallowed")
    finally:
        durable_engine._host = None  # the next evaluation builds a sound host again
