"""The facts computed by the database equal the reference computed from the rows.

`webapp.recommendations.facts` summarises each partner's interactions in SQL
(for speed at the size of a brokerage); `rules.facts.partner_facts` is the
definition, folding the same rows in Python. Hypothesis draws histories with
many ties (several touches at the same minute), days after the as-of day,
held and booked planning sessions, and referrals; the two must agree on
every fact, on SQLite and on PostgreSQL.
"""

from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules.facts import ReferralRecord, SessionRecord, Touch, partner_facts, summarise
from rules.vocabulary import INTERACTION_KINDS
from tests.helpers import make_partner
from webapp.models import Interaction, Partner, PlanningSession, Referral
from webapp.recommendations.facts import partner_records, team_facts, touch_summaries

AS_OF = date(2026, 11, 20)
# Few distinct moments, so that ties and same-day touches are common.
moments = st.builds(
    lambda days, hour: (
        datetime.combine(AS_OF - timedelta(days=days), datetime.min.time()) + timedelta(hours=hour)
    ),
    st.integers(-1, 12),
    st.sampled_from([9, 23]),
)
touches = st.builds(
    Touch,
    moments,
    st.sampled_from(sorted(INTERACTION_KINDS)),
    st.sampled_from(["outbound", "inbound"]),
    st.sampled_from(["connected", "no_response", None]),
    st.booleans(),
)
sessions = st.builds(SessionRecord, moments, st.sampled_from(["held", "booked", "skipped"]))
referrals = st.builds(
    ReferralRecord,
    st.builds(lambda days: AS_OF - timedelta(days=days), st.integers(-2, 40)),
    st.sampled_from(["received", "sent"]),
    st.sampled_from(["A. Client", "B. Client"]),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    history=st.lists(touches, max_size=14),
    planned=st.lists(sessions, max_size=3, unique_by=lambda s: s.starts_at),
    referred=st.lists(referrals, max_size=4),
)
def test_sql_facts_equal_the_reference(db, team, history, planned, referred):
    agent = team["agent"]
    partner = make_partner(agent, tier="cultivate", met_on=AS_OF - timedelta(days=60))
    # A second partner with its own history must not leak into the first's facts.
    neighbour = make_partner(agent, name="Next Door")
    db.session.add(Interaction(partner_id=neighbour.id, at=datetime(2026, 11, 19, 9), kind="call"))
    for touch in history:
        db.session.add(
            Interaction(
                partner_id=partner.id,
                user_id=agent.id,
                at=touch.at,
                kind=touch.kind,
                direction=touch.direction,
                outcome=touch.outcome,
                disrespectful=touch.disrespectful,
            )
        )
    for session in planned:
        db.session.add(
            PlanningSession(
                partner_id=partner.id,
                user_id=agent.id,
                starts_at=session.starts_at,
                status=session.status,
            )
        )
    for referral in referred:
        db.session.add(
            Referral(
                partner_id=partner.id,
                user_id=agent.id,
                referred_on=referral.on,
                direction=referral.direction,
                client=referral.client,
            )
        )
    db.session.commit()
    try:
        end = datetime.combine(AS_OF + timedelta(days=1), datetime.min.time())
        from_sql = touch_summaries(agent.team_id, end, [partner.id])
        expected = summarise(history, AS_OF)
        if history and min(t.at.date() for t in history) <= AS_OF:
            assert from_sql[partner.id] == expected
        else:
            assert partner.id not in from_sql

        record = partner_records(agent.team_id, [partner.id])[partner.id]
        reference = partner_facts(record, history, referred, planned, AS_OF)
        assert team_facts(agent.team_id, AS_OF)[partner.id] == reference
    finally:
        db.session.rollback()
        for model in (Interaction, PlanningSession, Referral, Partner):
            db.session.query(model).delete()
        db.session.commit()


def test_an_attempt_at_the_instant_of_the_answer_belongs_to_the_ended_run(db, team):
    """Ties are settled the same way in SQL and in the reference: the answer wins."""
    agent = team["agent"]
    partner = make_partner(agent)
    moment = datetime(2026, 11, 18, 10)
    rows = [
        Touch(moment - timedelta(days=1), "call", "outbound", "no_response"),
        Touch(moment, "call", "outbound", "no_response"),
        Touch(moment, "email", "inbound", None),
        Touch(moment + timedelta(hours=1), "text", "outbound", "no_response"),
    ]
    for touch in rows:
        db.session.add(
            Interaction(
                partner_id=partner.id,
                at=touch.at,
                kind=touch.kind,
                direction=touch.direction,
                outcome=touch.outcome,
            )
        )
    db.session.commit()
    facts = team_facts(agent.team_id, AS_OF)[partner.id]
    assert facts["unanswered_count"] == 1
    assert facts["unanswered_first_ago"] == 2
    assert summarise(rows, AS_OF).unanswered == (moment + timedelta(hours=1),)
