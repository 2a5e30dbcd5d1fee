"""Write the demo team's book file: `python -m webapp.demo.generate`.

Deterministic (seeded), so that running it again gives the same file.
Every date is written relative to ANCHOR; `flask demo load` moves them all
so that ANCHOR becomes today, and the demo never goes stale.

The demo agent (agent@demo.partnerplan.test) gets one crafted partner per
rule of DOMAIN.md's catalogue, so that each rule fires as of the day the
demo is loaded, plus partners for which nothing fires, a do-not-contact
partner and a Cease partner. Everyone else's partners get a random but
plausible half year of history.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import datetime, time, timedelta
from pathlib import Path

from ..book.validation import FORMAT
from . import ANCHOR, DEMO_BOOK

SEED = 20260615
TEAM = "Demo Realty"
DOMAIN = "demo.partnerplan.test"
AGENT = f"agent@{DOMAIN}"
JORDAN = f"jordan.lee@{DOMAIN}"
PRIYA = f"priya.shah@{DOMAIN}"
MANAGER = f"manager@{DOMAIN}"
ADMIN = f"admin@{DOMAIN}"

USERS = [
    {"email": ADMIN, "name": "Alex Morgan", "role": "admin", "active": True},
    {"email": MANAGER, "name": "Dana Whitfield", "role": "manager", "active": True},
    {"email": AGENT, "name": "Sam Rivera", "role": "agent", "active": True},
    {"email": JORDAN, "name": "Jordan Lee", "role": "agent", "active": True},
    {"email": PRIYA, "name": "Priya Shah", "role": "agent", "active": True},
]

# Which crafted partner of the demo agent makes which rule fire (tests read this).
CRAFTED: dict[str, str] = {}
# Crafted partners of the demo agent for which no rule fires.
QUIET: list[str] = []


# --- dates relative to the anchor ------------------------------------------------


def day(days_before: int) -> str:
    """The date `days_before` days before the anchor (negative: after it)."""
    return (ANCHOR - timedelta(days=days_before)).isoformat()


def at(days_before: int, clock: str = "10:00") -> str:
    moment = datetime.combine(ANCHOR - timedelta(days=days_before), time.fromisoformat(clock))
    return moment.isoformat()


def birthday_in(days_after: int, year: int) -> str:
    """A birthday whose month and day fall `days_after` days after the anchor."""
    when = ANCHOR + timedelta(days=days_after)
    return f"{year}-{when:%m-%d}"


# --- building records ------------------------------------------------------------------


def partner(key: str, owner: str, name: str, company: str | None, profession: str, **fields):
    slug = name.lower().replace(" ", ".").replace("'", "")
    domain = "".join(c for c in (company or "gmail").lower().replace("&", "and") if c.isalnum())
    record = {
        "key": key,
        "owner": owner,
        "name": name,
        "company": company,
        "profession": profession,
        "email": f"{slug}@{domain[:20]}.example",
        "phone": f"+1 617 555 {int(key[2:]) + 100:04d}",
        "tier": "cultivate",
        "source": "networking_group",
        "met_on": day(120),
        "do_not_contact": False,
        "client_types": [],
        "birthday": None,
        "anniversary": None,
        "details": {
            "spouse": None,
            "children": None,
            "pets": None,
            "resident": None,
            "home": None,
            "favorite_restaurant": None,
            "hobbies": None,
            "in_common": None,
        },
        "notes": None,
        "commitment": None,
        "archived_at": None,
        "interactions": [],
        "referrals": [],
        "planning_sessions": [],
        "leads": [],
    }
    details = fields.pop("details", {})
    record.update(fields)
    record["details"].update(details)
    return record


def interaction(days_before: int, kind: str, clock: str = "10:00", *, by: str = AGENT,
                direction: str = "outbound", outcome: str | None = "connected",
                sentiment: str | None = "positive", disrespectful: bool = False,
                minutes: int | None = None, notes: str | None = None) -> dict:  # fmt: skip
    return {
        "at": at(days_before, clock),
        "kind": kind,
        "direction": direction,
        "outcome": outcome,
        "sentiment": sentiment,
        "disrespectful": disrespectful,
        "minutes": minutes,
        "by": by,
        "notes": notes,
    }


def referral(days_before: int, direction: str, client: str, *, by: str = AGENT,
             status: str = "new", closed_before: int | None = None,
             commission: int | None = None, notes: str | None = None) -> dict:  # fmt: skip
    return {
        "direction": direction,
        "on": day(days_before),
        "client": client,
        "status": status,
        "closed_on": day(closed_before) if closed_before is not None else None,
        "commission": commission,
        "by": by,
        "notes": notes,
    }


def thanks(days_before: int, by: str = AGENT, note: str = "Handwritten thank-you card") -> dict:
    return interaction(days_before, "thank_you", "16:30", by=by, outcome=None, notes=note)


ANSWERS = [
    {
        "how_are_we_doing": "Good rhythm; their buyers like our weekly updates.",
        "more_volume": "Co-host a first-time buyer seminar next month.",
        "upcoming_needs": "Two clients relocating in the spring need listing agents.",
        "met_recently": "Chris and Amy Dolan, renting in Somerville, want to buy",
        "showing_soon": "The Nguyens, looking at condos in Quincy",
    },
    {
        "how_are_we_doing": "Steady. They want faster pre-approval letters.",
        "more_volume": "Send them our open-house sign-in leads for their area.",
        "upcoming_needs": "Estate sales from two retiring clients.",
        "met_recently": "Walter Price, downsizing after retirement",
        "showing_soon": "",
    },
    {
        "how_are_we_doing": "Very good; both closings went smoothly.",
        "more_volume": "Joint video for their newsletter.",
        "upcoming_needs": "An inspector who can do Saturdays.",
        "met_recently": "",
        "showing_soon": "Mei Lin, first-time buyer, three showings on Saturday",
    },
]


def planning_series(first_before: int, *, by: str, held_until: int = 1, clock: str = "13:00",
                    series: str, skipped: tuple[int, ...] = ()) -> list[dict]:  # fmt: skip
    """A weekly series of 12 sessions; those at least `held_until` days old were held."""
    sessions = []
    for week in range(12):
        days_before = first_before - 7 * week
        if days_before >= held_until:
            status = "skipped" if week in skipped else "held"
        else:
            status = "booked"
        sessions.append(
            {
                "starts_at": at(days_before, clock),
                "minutes": 20,
                "status": status,
                "answers": ANSWERS[week % len(ANSWERS)] if status == "held" else {},
                "series": series,
                "by": by,
            }
        )
    return sessions


def held_session_interactions(sessions: list[dict], by: str) -> list[dict]:
    """The planning-session interactions logged on the days sessions were held."""
    return [
        {
            "at": session["starts_at"],
            "kind": "planning_session",
            "direction": "outbound",
            "outcome": "connected",
            "sentiment": "positive",
            "disrespectful": False,
            "minutes": session["minutes"],
            "by": by,
            "notes": "Weekly partnership planning session.",
        }
        for session in sessions
        if session["status"] == "held"
    ]


# --- the demo agent's crafted partners -------------------------------------------------
# Read with DOMAIN.md's catalogue: "in the last N days" is 0..N-1 days before
# the as-of day; a live contact is a connected call, coffee, lunch, meeting,
# event or planning session. Day numbers below are days before the anchor.


def crafted_partners() -> list[dict]:
    partners = []

    def add(rule: str | None, record: dict) -> None:
        if rule is None:
            QUIET.append(record["name"])
        else:
            CRAFTED[rule] = record["name"]
        partners.append(record)

    # Rule thank_you: a referral received yesterday, no thank-you or gift since.
    add("thank_you", partner(
        "p-001", AGENT, "Maria Gonzalez", "Harborview Mortgage", "lender",
        source="bni", met_on=day(120), client_types=["first_time_buyers", "move_up"],
        details={"spouse": "Luis", "hobbies": "salsa dancing"},
        notes="Loan officer; fast pre-approvals, great with first-time buyers.",
        interactions=[
            interaction(120, "meeting", "07:30", notes="Met at the BNI breakfast."),
            interaction(60, "coffee", "09:00", notes="Talked about first-time buyer seminars."),
            interaction(8, "coffee", "08:30", notes="She mentioned a couple ready to buy."),
        ],
        referrals=[referral(1, "received", "Tom and Jess Parker", status="new",
                            notes="Pre-approved to $650k, want Medford.")],
    ))  # fmt: skip

    # Rule personal_date: a Maintain partner whose birthday is in 3 days.
    add("personal_date", partner(
        "p-002", AGENT, "Tom Brennan", "Brennan Insurance Group", "insurance",
        tier="maintain", source="introduction", met_on=day(700),
        birthday=birthday_in(3, 1975), client_types=["move_up", "luxury"],
        details={"spouse": "Karen", "children": "two teenagers", "hobbies": "golf",
                 "favorite_restaurant": "The Capital Grille", "resident": "long-time"},
        notes="Sends homeowners-insurance clients who are trading up.",
        interactions=[
            interaction(70, "co_marketing", "11:00", outcome=None, notes="Co-branded mailer."),
            interaction(45, "lunch", "12:30", notes="Lunch at the Capital Grille."),
            thanks(39),
            interaction(9, "call", "15:00", minutes=15, notes="Caught up on spring listings."),
        ],
        referrals=[
            referral(40, "received", "Grace Whitman", status="under_contract"),
            referral(150, "sent", "Hal Ortega", status="closed", closed_before=120),
        ],
    ))  # fmt: skip

    # Rule keep_warm: a Maintain partner, last live contact 38 days ago (only an email since).
    add("keep_warm", partner(
        "p-003", AGENT, "Linda Cho", "Cho & Partners CPAs", "cpa",
        tier="maintain", source="bni", met_on=day(500), birthday=birthday_in(120, 1969),
        client_types=["investors", "retirees_estate"],
        details={"children": "a daughter at BU", "pets": "two cats", "home": "owner"},
        notes="Refers investor clients after tax season.",
        interactions=[
            interaction(72, "call", "14:00", minutes=20),
            thanks(69),
            interaction(45, "co_marketing", "10:00", outcome=None,
                        notes="Joint 'taxes and your home' article."),
            interaction(38, "lunch", "12:00", notes="Lunch; tax season wrap-up."),
            interaction(20, "email", "09:15", sentiment="neutral", notes="Sent Q2 market report."),
        ],
        referrals=[referral(70, "received", "Raj Patel", status="closed", closed_before=30,
                            commission=11800)],
    ))  # fmt: skip

    # Rule coffee: Cultivate, met 75 days ago, last live contact 40 days ago (a text since).
    add("coffee", partner(
        "p-004", AGENT, "Derek Olsen", "Olsen Home Inspections", "inspector",
        source="open_house", met_on=day(75), client_types=["first_time_buyers"],
        details={"pets": "a golden retriever"},
        interactions=[
            interaction(75, "meeting", "13:00", notes="Met at our Elm St open house."),
            interaction(40, "coffee", "08:00", notes="Coffee; he does Saturday inspections."),
            interaction(12, "text", "17:00", notes="Texted about a radon question."),
        ],
    ))  # fmt: skip

    # Rule return_call: an inbound voicemail yesterday afternoon, no outbound since.
    add("return_call", partner(
        "p-005", AGENT, "Rachel Kim", "Bay State Title", "title_escrow",
        source="event", met_on=day(90), client_types=["first_time_buyers", "investors"],
        interactions=[
            interaction(90, "event", "18:00", notes="Met at the chamber mixer."),
            interaction(9, "coffee", "08:30", notes="Coffee; walked through closing timelines."),
            interaction(1, "voicemail", "15:20", direction="inbound", outcome=None,
                        sentiment="neutral", notes="Left a voicemail about the Maple St closing."),
        ],
    ))  # fmt: skip

    # Rule commitment_due: committed 45 days ago to a first referral by 5 days ago;
    # nothing received since. Weekly planning sessions are booked, so plan_partnership
    # stays quiet, and a session held 3 days ago is a live contact.
    sessions = planning_series(38, by=AGENT, series="demo-walsh", skipped=(2,))
    add("commitment_due", partner(
        "p-006", AGENT, "Kevin Walsh", "Walsh Wealth Advisors", "financial_planner",
        source="introduction", met_on=day(100), client_types=["retirees_estate", "luxury"],
        details={"spouse": "Erin", "hobbies": "sailing"},
        commitment={"made_on": day(45), "first_referral_by": day(5)},
        interactions=[
            interaction(100, "coffee", "09:00", notes="Introduced by Linda Cho."),
            interaction(45, "lunch", "12:00", notes="Committed to a first referral in 40 days."),
            *held_session_interactions(sessions, AGENT),
        ],
        planning_sessions=sessions,
        leads=[{"name": "Walter Price", "contact": None, "question": "met_recently",
                "status": "to_contact", "notes": "Downsizing after retirement.",
                "planning_session": sessions[1]["starts_at"]}],
    ))  # fmt: skip

    # Rule plan_partnership: committed 3 days ago over coffee, no planning session booked.
    add("plan_partnership", partner(
        "p-007", AGENT, "Angela Ruiz", "Summit Realty (Denver)", "agent",
        source="online", met_on=day(50), client_types=["relocation"],
        details={"in_common": "both moved here from Colorado"},
        commitment={"made_on": day(3), "first_referral_by": day(-27)},
        interactions=[
            interaction(50, "call", "11:00", minutes=25, notes="Relocation network intro."),
            interaction(3, "coffee", "09:30",
                        notes="Video coffee; she will send her next Boston relocation."),
        ],
    ))  # fmt: skip

    # Rule capture_details: met yesterday at an open house, no personal details yet.
    add("capture_details", partner(
        "p-008", AGENT, "Ben Foster", "Foster Renovations", "contractor",
        source="open_house", met_on=day(1), client_types=["move_up"],
        interactions=[interaction(1, "meeting", "14:00", notes="Came to our Oak Ave open house.")],
    ))  # fmt: skip

    # Rule promote: Cultivate, 2 referrals received in the last 180 days, lunch 14 days ago.
    add("promote", partner(
        "p-009", AGENT, "Nicole Adams", "First Harbor Lending", "lender",
        source="bni", met_on=day(160), client_types=["first_time_buyers", "investors"],
        details={"children": "twin boys", "favorite_restaurant": "Sarma"},
        interactions=[
            interaction(160, "coffee", "08:00", notes="Met at BNI."),
            thanks(118),
            thanks(23, note="Sent a gift card for the second referral"),
            interaction(14, "lunch", "12:15", notes="Lunch; she wants to partner more closely."),
        ],
        referrals=[
            referral(120, "received", "Diego Alvarez", status="closed", closed_before=75,
                     commission=12500),
            referral(25, "received", "Hannah Brooks", status="active"),
        ],
    ))  # fmt: skip

    # Rule cool_down: Maintain, last referral received 210 days ago (regular contact otherwise).
    add("cool_down", partner(
        "p-010", AGENT, "Greg Patterson", "Patterson Estate Law", "attorney",
        tier="maintain", source="bni", met_on=day(900), birthday=birthday_in(200, 1962),
        client_types=["retirees_estate"],
        details={"spouse": "Margaret", "hobbies": "fly fishing", "resident": "long-time"},
        interactions=[
            thanks(208),
            interaction(60, "co_marketing", "10:00", outcome=None, notes="Estate webinar."),
            interaction(33, "event", "18:30", notes="Our client appreciation night."),
            interaction(5, "call", "10:30", minutes=10, notes="Checked in; slow quarter for him."),
        ],
        referrals=[referral(210, "received", "The Sullivan estate", status="closed",
                            closed_before=150, commission=14000)],
    ))  # fmt: skip

    # Rule disengage (disrespect): a disrespectful call 16 days ago.
    add("disengage", partner(
        "p-011", AGENT, "Victor Hale", "Hale Properties", "agent",
        source="other", met_on=day(200),
        interactions=[
            interaction(200, "meeting", "15:00", sentiment="neutral", notes="Co-op deal."),
            interaction(16, "call", "16:45", direction="inbound", sentiment="negative",
                        disrespectful=True, notes="Shouted about the split; insulted our buyer."),
        ],
    ))  # fmt: skip

    # Rule disengage (no response): since the last connected coffee 110 days ago,
    # 4 outbound attempts with no response, the first 75 days ago.
    add("disengage:no_response", partner(
        "p-012", AGENT, "Stacy Moore", "Moore Family Insurance", "insurance",
        source="networking_group", met_on=day(150),
        interactions=[
            interaction(110, "coffee", "09:00", sentiment="neutral"),
            interaction(75, "call", "10:00", outcome="no_response", sentiment=None,
                        notes="Left a voicemail."),
            interaction(55, "email", "09:00", outcome="no_response", sentiment=None),
            interaction(35, "call", "11:30", outcome="no_response", sentiment=None,
                        notes="No answer."),
            interaction(15, "text", "12:00", outcome="no_response", sentiment=None),
        ],
    ))  # fmt: skip

    # Rule disengage (one-sided): 3 referrals sent in the last year, none received.
    add("disengage:one_sided", partner(
        "p-013", AGENT, "Paul Jensen", "Jensen & Co. Realty", "agent",
        source="introduction", met_on=day(300), client_types=["investors"],
        interactions=[interaction(12, "coffee", "08:30", sentiment="neutral",
                                  notes="Asked again for reciprocity; vague answer.")],
        referrals=[
            referral(150, "sent", "Omar Haddad", status="closed", closed_before=100),
            referral(90, "sent", "Lucy Chen", status="lost"),
            referral(30, "sent", "Ivan Petrov", status="active"),
        ],
    ))  # fmt: skip

    # Rule co_market: Maintain, last co-marketing 130 days ago (contact and referrals recent).
    add("co_market", partner(
        "p-014", AGENT, "Helen Park", "Park Title & Escrow", "title_escrow",
        tier="maintain", source="bni", met_on=day(600), anniversary=birthday_in(90, 2001),
        client_types=["first_time_buyers", "move_up"],
        details={"spouse": "Daniel", "pets": "a corgi", "favorite_restaurant": "Myers + Chang"},
        interactions=[
            interaction(130, "co_marketing", "10:00", outcome=None, notes="Closing-cost flyer."),
            thanks(39),
            interaction(4, "call", "09:45", minutes=12, notes="Talked about two June closings."),
        ],
        referrals=[referral(40, "received", "Sofia Russo", status="under_contract")],
    ))  # fmt: skip

    # No rule: a healthy Maintain partner (live contact, recent referral thanked,
    # co-marketing this quarter, commitment kept, planning sessions booked ahead).
    sessions = planning_series(60, by=AGENT, series="demo-tran")
    add(None, partner(
        "p-015", AGENT, "Jessica Tran", "Tran Home Loans", "lender",
        tier="maintain", source="bni", met_on=day(400), birthday="09-30",
        client_types=["first_time_buyers", "move_up", "relocation"],
        details={"spouse": "Kevin", "children": "a toddler", "hobbies": "running",
                 "in_common": "both ran the Boston Marathon"},
        commitment={"made_on": day(62), "first_referral_by": day(40)},
        interactions=[
            interaction(62, "coffee", "08:00", notes="Agreed to weekly planning sessions."),
            thanks(49),
            interaction(30, "co_marketing", "10:00", outcome=None, notes="Buyer seminar."),
            *held_session_interactions(sessions, AGENT),
        ],
        referrals=[
            referral(50, "received", "Ana and Mark Silva", status="closed", closed_before=10,
                     commission=12000),
            referral(44, "sent", "Jim Boyle", status="active"),
        ],
        planning_sessions=sessions,
        leads=[
            {"name": "Chris and Amy Dolan", "contact": "renting in Somerville",
             "question": "met_recently", "status": "contacted", "notes": None,
             "planning_session": sessions[0]["starts_at"]},
            {"name": "Mei Lin", "contact": None, "question": "showing_soon",
             "status": "pre_qualified", "notes": "Pre-qualified for $480k.",
             "planning_session": sessions[2]["starts_at"]},
        ],
    ))  # fmt: skip

    # No rule: a Cultivate partner met 60 days ago, coffee 10 days ago.
    add(None, partner(
        "p-016", AGENT, "Mark Sullivan", "Sullivan Tax Advisors", "cpa",
        source="networking_group", met_on=day(60), client_types=["investors"],
        details={"hobbies": "youth hockey coach"},
        interactions=[
            interaction(60, "event", "18:00", notes="Met at the Rotary dinner."),
            interaction(10, "coffee", "08:00", notes="Coffee; he sees investors every spring."),
        ],
    ))  # fmt: skip

    # No rule: a sphere-of-influence friend, Cultivate, lunch 6 days ago.
    add(None, partner(
        "p-017", AGENT, "Olivia Bennett", None, "soi",
        source="soi", met_on=day(1000),
        details={"spouse": "Ryan", "children": "3", "in_common": "kids at the same school"},
        interactions=[interaction(6, "lunch", "12:00", notes="Her sister may sell next year.")],
        referrals=[referral(80, "received", "Claire Bennett", status="active")],
    ))  # fmt: skip
    partners[-1]["interactions"].insert(0, thanks(79, note="Flowers to say thank you"))

    # Do-not-contact: asked not to be contacted (no recommendation at all).
    add(None, partner(
        "p-018", AGENT, "Frank Miller", None, "past_client",
        source="soi", met_on=day(800), do_not_contact=True,
        notes="Asked us not to contact him after his sale. Do not call.",
        interactions=[interaction(300, "call", "10:00", sentiment="negative",
                                  notes="Asked to be taken off all lists.")],
    ))  # fmt: skip

    # Cease: disengaged after repeated no-shows and a rude exchange (no recommendation).
    add(None, partner(
        "p-019", AGENT, "Carl Dawson", "Dawson Realty", "agent",
        tier="cease", source="other", met_on=day(500),
        notes="Moved to Cease: took our buyer leads and never reciprocated.",
        interactions=[interaction(140, "call", "17:00", direction="inbound", sentiment="negative",
                                  disrespectful=True, notes="Abusive about a commission split.")],
        referrals=[referral(170, "sent", "Nora Quinn", status="lost")],
    ))  # fmt: skip

    # No catalogue rule (lunch 16 days ago is within keep_warm's 30), but a team rule
    # such as "lenders in Maintain with no live contact in 14 days" holds for him.
    add(None, partner(
        "p-020", AGENT, "Bertrand Okoye", "Okoye Lending", "lender",
        tier="maintain", source="introduction", met_on=day(300), client_types=["investors"],
        details={"hobbies": "sailing"},
        interactions=[
            interaction(16, "lunch", "12:30", notes="Lunch; his investors want duplexes."),
            interaction(20, "co_marketing", "10:00", outcome=None, notes="A joint open house."),
        ],
        referrals=[referral(35, "received", "Grace and Tom Okafor", status="active")],
    ))  # fmt: skip
    partners[-1]["interactions"].insert(0, thanks(33))
    return partners


# --- everyone else's partners: random, plausible -----------------------------------------

FIRST = (
    "Aaron Abby Adrian Alicia Amir Andrea Ben Bianca Brian Caitlin Carlos Cheryl Colin Dana "
    "Deepak Elena Emily Ethan Fatima Gavin Gloria Hector Irene Isaac Jasmine Joel Julia Karl "
    "Laura Leon Lucia Marcus Megan Miguel Nadia Neil Paula Quinn Rosa Sean Tara Trevor Vanessa "
    "Wes Yusuf Zoe"
).split()
LAST = (
    "Abbott Barnes Castillo Delgado Ellis Fischer Gallagher Hughes Ibrahim Jacobs Kowalski "
    "Larsen Mahoney Nakamura O'Brien Pereira Quinlan Reyes Schultz Thornton Underwood Vasquez "
    "Whitaker Yamada Zimmerman Bishop Coleman Doyle Esposito Flynn"
).split()
COMPANIES = {
    "agent": ["Coldwell Harbor", "North Shore Realty", "Compass Point Homes", "Keller Bay"],
    "lender": ["Guaranteed Rate", "Cross Country Mortgage", "Leader Bank", "Rockland Trust"],
    "attorney": ["Bishop & Doyle LLP", "Quincy Estate Law", "Back Bay Legal"],
    "cpa": ["Flynn CPA Group", "Ledger & Co", "Harbor Tax Partners"],
    "financial_planner": ["Beacon Wealth", "Charles River Planning", "Ameriprise"],
    "insurance": ["State Farm (Watertown)", "Allstate (Newton)", "Plymouth Rock Agency"],
    "inspector": ["Pillar to Post", "Clear View Inspections", "HouseMaster"],
    "title_escrow": ["Old Republic Title", "Commonwealth Land Title", "Stewart Title"],
    "contractor": ["Ace Handyman", "Brickyard Builders", "Fresh Coat Painters"],
    "past_client": [None],
    "soi": [None],
    "other": ["Two Men and a Truck", "Staged to Sell"],
}
NOTES = {
    "call": ["Quick check-in.", "Talked about the spring market.", "Caught up on a client file."],
    "coffee": ["Coffee at Tatte.", "Coffee; shared market stats.", "Talked about co-hosting."],
    "lunch": ["Lunch at Legal Sea Foods.", "Lunch; swapped client needs."],
    "meeting": ["Met at their office.", "Walked a listing together."],
    "event": ["Saw them at the chamber mixer.", "Came to our client appreciation night."],
    "email": ["Sent the monthly market report.", "Emailed an article on rates."],
    "text": ["Texted congratulations on the closing.", "Texted about a showing."],
    "social": ["Commented on their LinkedIn post.", "Shared their open house."],
    "co_marketing": ["Co-branded open house.", "Joint newsletter feature."],
    "gift": ["Sent Red Sox tickets.", "Holiday gift basket."],
    "note": ["Prefers texts in the morning."],
}
CLIENTS = (
    "Ava Collins, Noah Rivera, Mia Park, Liam Walsh, Emma Russo, the Hendersons, Lucas Moreau, "
    "Chloe Kim, the Brennans, Owen Price, Sara Lopez, Eli Cohen, the Nguyens, Ruby Shah, "
    "Jack O'Neil, Layla Haddad, Leo Rossi, Ivy Chen, the Martins, Max Weber"
).split(", ")


def random_history(rng: random.Random, owner: str, tier: str) -> dict:
    """Half a year of plausible history; every referral received is thanked."""
    interactions, referrals = [], []
    gap = {"maintain": (8, 20), "cultivate": (12, 35), "cease": (40, 90)}[tier]
    days_before = rng.randint(2, gap[1])
    while days_before < 182:
        kind = rng.choices(
            ["call", "coffee", "lunch", "email", "text", "social", "event", "meeting", "gift"],
            weights=[30, 15, 8, 15, 10, 6, 5, 6, 2],
        )[0]
        clock = f"{rng.randint(8, 17):02d}:{rng.choice(['00', '15', '30', '45'])}"
        connected = tier != "cease" and rng.random() < 0.8
        # Gifts are ours to send; a gift or a social comment always reaches them.
        inbound = kind != "gift" and rng.random() < 0.3
        if kind in ("gift", "social"):
            connected = tier != "cease"
        interactions.append(
            interaction(
                days_before, kind, clock, by=owner,
                direction="inbound" if inbound else "outbound",
                outcome="connected" if connected else "no_response",
                sentiment=rng.choice(["positive", "positive", "neutral"]) if connected else None,
                minutes=rng.choice([10, 15, 20, 30]) if kind == "call" and connected else None,
                notes=rng.choice(NOTES[kind]) if rng.random() < 0.7 else None,
            )
        )  # fmt: skip
        days_before += rng.randint(*gap)
    if tier == "maintain" and rng.random() < 0.7:
        interactions.append(
            interaction(rng.randint(5, 85), "co_marketing", "10:00", by=owner, outcome=None,
                        notes=rng.choice(NOTES["co_marketing"]))
        )  # fmt: skip
    received = {"maintain": 3, "cultivate": 1, "cease": 0}[tier]
    for _ in range(rng.randint(0, received)):
        days_before = rng.randint(5, 175)
        status, closed, commission = "active", None, None
        if days_before > 60:
            status = rng.choice(["closed", "closed", "lost"])
        elif days_before > 25:
            status = rng.choice(["active", "under_contract"])
        if status == "closed":
            closed = days_before - rng.randint(30, 55)
            closed = max(closed, 1)
            commission = rng.randrange(8000, 16000, 250)
        referrals.append(
            referral(days_before, "received", rng.choice(CLIENTS), by=owner, status=status,
                     closed_before=closed, commission=commission)
        )  # fmt: skip
        interactions.append(thanks(days_before - rng.randint(0, 2), by=owner))
    for _ in range(rng.randint(0, 1)):
        referrals.append(
            referral(rng.randint(10, 170), "sent", rng.choice(CLIENTS), by=owner,
                     status=rng.choice(["new", "active", "closed", "lost"]))
        )  # fmt: skip
    return {"interactions": interactions, "referrals": referrals}


def random_partners(rng: random.Random, first_key: int) -> list[dict]:
    owners = [AGENT] * 6 + [JORDAN] * 16 + [PRIYA] * 16 + [MANAGER] * 4
    names = sorted({f"{first} {last}" for first in FIRST for last in LAST})
    rng.shuffle(names)
    partners = []
    for index, owner in enumerate(owners):
        profession = rng.choice(list(COMPANIES))
        tier = rng.choices(["maintain", "cultivate", "cease"], weights=[30, 62, 8])[0]
        name = names[index]
        details = {}
        if rng.random() < 0.6:
            details["spouse"] = rng.choice(FIRST)
        if rng.random() < 0.4:
            details["children"] = rng.choice(["one son", "two daughters", "3 kids", "a baby"])
        if rng.random() < 0.3:
            details["pets"] = rng.choice(["a labrador", "two cats", "a parrot"])
        if rng.random() < 0.5:
            details["hobbies"] = rng.choice(["golf", "tennis", "hiking", "cooking", "sailing"])
        if rng.random() < 0.3:
            details["resident"] = rng.choice(["long-time", "new in town"])
        record = partner(
            f"p-{first_key + index:03d}", owner, name, rng.choice(COMPANIES[profession]),
            profession, tier=tier,
            source=rng.choice(["bni", "networking_group", "open_house", "event", "introduction",
                               "soi", "online"]),
            met_on=day(rng.randint(200, 1500)),
            client_types=sorted(rng.sample(
                ["first_time_buyers", "move_up", "luxury", "retirees_estate", "investors",
                 "relocation"], rng.randint(0, 2))),
            birthday=birthday_in(rng.randint(20, 340), rng.randint(1955, 1992))
            if rng.random() < 0.5 else None,
            details=details,
            **random_history(rng, owner, tier),
        )  # fmt: skip
        if tier == "cease":
            record["notes"] = "Moved to Cease: no response to outreach for months."
        partners.append(record)
    return partners


def demo_book() -> dict:
    rng = random.Random(SEED)
    CRAFTED.clear()
    QUIET.clear()
    partners = crafted_partners()
    partners += random_partners(rng, first_key=len(partners) + 1)
    for record in partners:
        record["interactions"].sort(key=lambda item: item["at"])
        record["referrals"].sort(key=lambda item: item["on"])
    return {
        "format": FORMAT,
        "team": {
            "name": TEAM,
            "commission_per_side": 12000,
            "timezone": "America/New_York",
            "planning_hours": "fri 13:00-16:00",
        },
        "users": USERS,
        "partners": partners,
    }


def main(path: Path = DEMO_BOOK) -> None:
    from webapp.book.validation import validate_book

    document = demo_book()
    problems = validate_book(document, ANCHOR)  # the day the demo book is written for
    if problems:
        sys.exit("\n".join(str(problem) for problem in problems))
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    print(f"Wrote {path} ({len(document['partners'])} partners, anchored on {ANCHOR}).")


if __name__ == "__main__":
    main()
