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

from rules.facts import NEVER, ReferralRecord, SessionRecord, Touch, partner_facts, summarise
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


def test_agreements_come_into_the_facts_in_one_query_for_the_team(db, team):
    """The refresh reads every partner's agreements together: the one that ends
    first of those not ended yet names the facts, as the reference says."""
    from rules.facts import AgreementRecord
    from webapp.models import Agreement

    agent = team["agent"]
    ending, quiet = make_partner(agent, "Ann Ending"), make_partner(agent, "Quinn Quiet")
    rows = [
        (ending, AS_OF - timedelta(days=3), "co_marketing"),  # ended
        (ending, AS_OF + timedelta(days=12), "marketing_services"),
        (ending, AS_OF + timedelta(days=40), "co_marketing"),
    ]
    for partner, ends_on, kind in rows:
        db.session.add(
            Agreement(
                team_id=agent.team_id,
                partner_id=partner.id,
                kind=kind,
                starts_on=AS_OF - timedelta(days=300),
                ends_on=ends_on,
                our_share=50,
                their_share=50,
                document="https://docs.example/msa.pdf",
            )
        )
    db.session.commit()
    facts = team_facts(agent.team_id, AS_OF)
    record = partner_records(agent.team_id, [ending.id])[ending.id]
    agreements = [AgreementRecord(ends_on, kind) for _, ends_on, kind in rows]
    assert facts[ending.id] == partner_facts(record, [], [], [], AS_OF, agreements)
    assert facts[ending.id]["agreement_ends_in"] == 12
    assert facts[ending.id]["agreement_ending_kind"] == "marketing_services"
    assert facts[ending.id]["partner_name"] == "Ann Ending"
    assert facts[quiet.id]["agreement_ends_in"] == NEVER
