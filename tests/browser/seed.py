"""The team the browser tests log in as, written through the models.

Run as `python -m tests.browser.seed` with DATABASE_URL pointing at a
migrated database. Dates are relative to today, so that the rules see
the same situation whenever the tests run.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from config import Config
from webapp import clock, create_app
from webapp.extensions import db
from webapp.models import Interaction, Partner, PlanningSession, Referral, Team, User

PASSWORD = "correct horse battery"
# Each viewport gets its own team with the same story, so that a flow that
# changes something (a snooze, an approval, a booking) runs once per width.
VIEWPORTS = ("phone", "desktop")


def email(role: str, viewport: str = "phone") -> str:
    """The account of `role` (agent, other_agent, roi_agent, manager, admin) of a viewport."""
    name = {
        "agent": "sam",
        "other_agent": "kim",
        "roi_agent": "rosa",
        "manager": "dana",
        "admin": "ada",
    }[role]
    return f"{name}@{viewport}.browserbay.example"


# Partner names the flows look for.
LENDER = "Ryan McMillan"  # a Cultivate lender the agent logs a coffee with
PROMOTABLE = "Priya Natarajan"  # 2 referrals in 180 days + a recent live contact: `promote`
COMMITTED = "Marcus Webb"  # committed to a first referral: `plan_partnership`
# A referral received yesterday, not yet thanked (`thank_you`): one to snooze on Today,
# one to thank from the partner page.
TO_THANK, TO_THANK_CLIENT = "Tess Thornton", "Vic Newhome"
THANK_FROM_PAGE, THANK_FROM_PAGE_CLIENT = "Theo Tran", "Uma Movein"
OTHERS_PARTNER = "Olivia Chen"  # belongs to the other agent
LONG_HISTORY = "Lena Longtime"  # the other agent's, with more history than the page shows
# The ROI agent's book (`roi_book`): closed referrals, time invested and a one-sided partner,
# kept apart from Sam's so that the numbers pages see nothing the other flows log.
EARNER = "Grace Holloway"  # a Maintain lender whose referrals closed, in and out of 12 months
ONE_SIDED = "Hector Ruiz"  # three referrals sent to him, none received


def seed(viewport: str) -> dict[str, int]:
    team = Team(name=f"Browser Bay Realty ({viewport})", commission_per_side=Decimal(12000))
    # The team's own calendar day, which is what the rules and the forms use.
    today = clock.today(team.timezone or "America/New_York")
    db.session.add(team)
    db.session.flush()
    users = {}
    for key, name, role in (
        ("agent", "Sam Ortiz", "agent"),
        ("other_agent", "Kim Lee", "agent"),
        ("roi_agent", "Rosa Alvarez", "agent"),
        ("manager", "Dana Reyes", "manager"),
        ("admin", "Ada Admin", "admin"),
    ):
        user = User(team_id=team.id, email=email(key, viewport), name=name, role=role)
        user.set_password(PASSWORD)
        db.session.add(user)
        users[key] = user
    db.session.flush()
    sam = users["agent"]

    def partner(name, owner=sam, **fields):
        fields.setdefault("met_on", today - timedelta(days=60))
        found = Partner(team_id=team.id, owner_id=owner.id, name=name, **fields)
        db.session.add(found)
        db.session.flush()
        return found

    def at(days_ago: int, hour: int = 10) -> datetime:
        return datetime.combine(today - timedelta(days=days_ago), time(hour))

    lender = partner(LENDER, company="First Home Lending", profession="lender", source="bni")
    promotable = partner(PROMOTABLE, company="Natarajan Law", profession="attorney")
    committed = partner(
        COMMITTED,
        company="Webb Insurance",
        profession="insurance",
        commitment_made_on=today - timedelta(days=3),
        first_referral_by=today + timedelta(days=30),
    )
    partner(OTHERS_PARTNER, owner=users["other_agent"], company="Chen CPA", profession="cpa")
    long_history = partner(LONG_HISTORY, owner=users["other_agent"], profession="lender")
    db.session.add_all(
        Interaction(
            partner_id=long_history.id,
            user_id=users["other_agent"].id,
            at=at(2 + 3 * number),
            kind="call",
            direction="outbound",
            outcome="connected",
            sentiment="positive",
            notes=f"Weekly call {number}",
        )
        for number in range(20)
    )
    unthanked = [
        (partner(TO_THANK, company="Thornton Title", profession="title_escrow"), TO_THANK_CLIENT),
        (partner(THANK_FROM_PAGE, company="Tran CPA", profession="cpa"), THANK_FROM_PAGE_CLIENT),
    ]
    for number in range(1, 13):
        partner(f"Partner {number:02d} Example", company="Example Co", profession="other")

    db.session.add_all(
        [
            Interaction(
                partner_id=lender.id,
                user_id=sam.id,
                at=at(40),
                kind="call",
                direction="outbound",
                outcome="connected",
                sentiment="positive",
            ),
            Interaction(
                partner_id=promotable.id,
                user_id=sam.id,
                at=at(5),
                kind="lunch",
                direction="outbound",
                outcome="connected",
                sentiment="positive",
            ),
            Interaction(
                partner_id=committed.id,
                user_id=sam.id,
                at=at(3),
                kind="meeting",
                direction="outbound",
                outcome="connected",
                sentiment="positive",
            ),
            Referral(
                partner_id=promotable.id,
                user_id=sam.id,
                direction="received",
                referred_on=today - timedelta(days=70),
                client="Jo Buyer",
                status="active",
            ),
            Referral(
                partner_id=promotable.id,
                user_id=sam.id,
                direction="received",
                referred_on=today - timedelta(days=20),
                client="Al Seller",
                status="new",
            ),
            # Thanked, so that `thank_you` does not crowd Today.
            Interaction(
                partner_id=promotable.id,
                user_id=sam.id,
                at=at(19),
                kind="thank_you",
                direction="outbound",
                outcome="connected",
                sentiment="positive",
            ),
            Interaction(
                partner_id=promotable.id,
                user_id=sam.id,
                at=at(69),
                kind="thank_you",
                direction="outbound",
                outcome="connected",
                sentiment="positive",
            ),
        ]
    )
    for thanked_by_nobody, client in unthanked:
        db.session.add_all(
            [
                Interaction(
                    partner_id=thanked_by_nobody.id,
                    user_id=sam.id,
                    at=at(1),
                    kind="call",
                    direction="inbound",
                    outcome="connected",
                    sentiment="positive",
                ),
                Referral(
                    partner_id=thanked_by_nobody.id,
                    user_id=sam.id,
                    direction="received",
                    referred_on=today - timedelta(days=1),
                    client=client,
                    status="new",
                ),
            ]
        )
    roi_book(team, users["roi_agent"], today)
    db.session.commit()
    return {"team_id": team.id}


def roi_book(team: Team, rosa: User, today: date) -> None:
    """What the ROI, ledger, projection and chart pages have to add up.

    Grace's referrals closed at an amount entered and at the team's commission
    per side, one closed and one coffee fall outside the 12 months, and a held
    planning session counts as time. She is kept clear of every rule (thanked,
    seen, co-marketed, her planning booked) so that nothing else changes her;
    Hector is one-sided, which the rules propose to disengage.
    """

    def days_ago(days: int) -> date:
        return today - timedelta(days=days)

    def at(days: int, hour: int = 10) -> datetime:
        return datetime.combine(days_ago(days), time(hour))

    earner = Partner(
        team_id=team.id,
        owner_id=rosa.id,
        name=EARNER,
        company="Holloway Home Lending",
        profession="lender",
        # A long address, as real ones are: it must wrap on a phone.
        email="grace.holloway@hollowayhomelending.example",
        phone="+1 617 555 0199",
        source="bni",
        tier="maintain",
        met_on=days_ago(600),
        commitment_made_on=days_ago(40),
        first_referral_by=days_ago(35),
    )
    one_sided = Partner(
        team_id=team.id,
        owner_id=rosa.id,
        name=ONE_SIDED,
        company="Ruiz Realty",
        profession="agent",
        met_on=days_ago(300),
    )
    db.session.add_all([earner, one_sided])
    db.session.flush()

    def referral(partner, direction, referred, status, closed=None, commission=None, client=""):
        return Referral(
            partner_id=partner.id,
            user_id=rosa.id,
            direction=direction,
            referred_on=days_ago(referred),
            status=status,
            closed_on=days_ago(closed) if closed is not None else None,
            commission=Decimal(commission) if commission is not None else None,
            client=client or f"Client {referred}",
        )

    def interaction(partner, days, kind, minutes=None, hour=10):
        return Interaction(
            partner_id=partner.id,
            user_id=rosa.id,
            at=at(days, hour),
            kind=kind,
            minutes=minutes,
            direction="outbound",
            outcome="connected",
            sentiment="positive",
        )

    received = [
        referral(earner, "received", 500, "closed", closed=400, commission=9000),
        referral(earner, "received", 200, "closed", closed=150, commission=15000),
        referral(earner, "received", 120, "closed", closed=60),  # the per-side figure stands in
        referral(earner, "received", 100, "lost"),
        referral(earner, "received", 30, "active"),
    ]
    db.session.add_all(received)
    # Each thanked the same day, so that `thank_you` stays quiet.
    db.session.add_all(
        interaction(earner, (today - each.referred_on).days, "thank_you", hour=17)
        for each in received
    )
    db.session.add_all(
        [
            referral(earner, "sent", 50, "new"),
            interaction(earner, 400, "coffee"),  # more than 12 months ago
            interaction(earner, 90, "coffee", minutes=45),
            interaction(earner, 20, "lunch"),  # the default minutes of a lunch
            interaction(earner, 30, "co_marketing"),
            PlanningSession(
                partner_id=earner.id, user_id=rosa.id, starts_at=at(14, 13), status="held"
            ),
            PlanningSession(partner_id=earner.id, user_id=rosa.id, starts_at=at(-7, 13)),
            *(referral(one_sided, "sent", days, "active") for days in (200, 120, 45)),
            interaction(one_sided, 10, "coffee", minutes=30),
        ]
    )


def main() -> None:
    app = create_app(Config)
    with app.app_context():
        for viewport in VIEWPORTS:
            seed(viewport)
        refresh = _refresh_recommendations()
        if refresh:
            refresh(app)


def _refresh_recommendations():
    """Evaluate the rules once, when the recommendations feature is there."""
    try:
        from webapp import recommendations  # noqa: F401
    except ImportError:
        return None

    def run(app):
        runner = app.test_cli_runner()
        result = runner.invoke(args=["recommendations", "refresh"])
        if result.exit_code != 0:
            raise SystemExit(f"`flask recommendations refresh` failed:\n{result.output}")

    return run


if __name__ == "__main__":
    main()
