"""The rules catalogue of DOMAIN.md, as data.

A condition is a tuple: `("all", c1, c2, ...)`, `("any", c1, c2, ...)`, or a
comparison `(fact, op, value)` where `op` is one of `==`, `!=`, `<`, `<=`,
`>`, `>=` and `value` is a literal or a `T("threshold_name")`. A fact name
may name a threshold in braces (`received_{promote_referrals}_ago`).

Both engines read these same tuples: the reference interpreter in
`interpreter.py` and the durable_rules compiler in `durable_engine.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .cadence import cadence_due
from .facts import NEVER


@dataclass(frozen=True)
class T:
    """A threshold, read from the team's settings."""

    name: str


@dataclass(frozen=True)
class Due:
    """When the recommended action is due, from the facts.

    `ago`: the day that fact names, plus `plus` days (a number or a threshold);
    `ahead`: the soonest of these `*_in` facts; neither: the as-of day.
    """

    ago: str | None = None
    plus: int | T = 0
    ahead: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    kind: str  # "action" or "tier_change"
    when: tuple
    priority: int  # lower comes first
    reason: tuple[tuple[tuple | None, str], ...]  # (guard, template) parts, joined by "; "
    fingerprint: tuple[str, ...]  # the facts that triggered it
    tier_to: str | None = None
    due: Due | None = field(default_factory=Due)
    action: str | None = None  # the interaction kind that does it (the log form's default)
    summary: str = ""  # when it holds and what it recommends, in DOMAIN.md's words
    overrides_others: bool = False  # when it holds, nothing else is recommended


# Every rule holds only for partners we may contact and have not ceased with.
ELIGIBLE = ("all", ("do_not_contact", "==", False), ("tier", "!=", "cease"))

DISENGAGE_DISRESPECT = ("disrespectful_ago", "<", T("disengage_disrespect_days"))
DISENGAGE_UNANSWERED = (
    "all",
    ("unanswered_count", ">=", T("disengage_attempts")),
    ("unanswered_first_ago", ">=", T("disengage_attempts_days")),
    ("unanswered_first_ago", "<", NEVER),
)
DISENGAGE_ONE_SIDED = (
    "all",
    ("sent_{disengage_sent}_ago", "<", T("disengage_one_sided_days")),
    ("received_1_ago", ">=", T("disengage_one_sided_days")),
)
BIRTHDAY_SOON = ("birthday_in", "<=", T("personal_date_days"))
ANNIVERSARY_SOON = ("anniversary_in", "<=", T("personal_date_days"))

RULES: tuple[Rule, ...] = (
    Rule(
        id="disengage",
        summary=(
            "Not yet Cease, and any of: a disrespectful interaction lately; several "
            "unanswered outbound attempts since the last answer, the first of them long ago; "
            "referrals sent and none received. Recommends a move to Cease with a polite "
            "disengage (manager review). Nothing else is recommended meanwhile."
        ),
        title="Disengage",
        kind="tier_change",
        tier_to="cease",
        due=None,
        priority=10,
        overrides_others=True,
        when=("any", DISENGAGE_DISRESPECT, DISENGAGE_UNANSWERED, DISENGAGE_ONE_SIDED),
        reason=(
            (DISENGAGE_DISRESPECT, "Disrespectful interaction {disrespectful_on}"),
            (
                DISENGAGE_UNANSWERED,
                "{unanswered_count} outbound attempts unanswered since {unanswered_first_on}",
            ),
            (
                DISENGAGE_ONE_SIDED,
                "{sent_in_window} referrals sent and none received in the last "
                "{disengage_one_sided_days} days",
            ),
            (None, "move to Cease with a polite disengage"),
        ),
        fingerprint=(
            "disrespectful_ago",
            "unanswered_first_ago",
            "unanswered_count",
            "sent_1_ago",
            "received_1_ago",
        ),
    ),
    Rule(
        id="return_call",
        summary=(
            "An inbound voicemail, or a missed inbound call, with no outbound interaction "
            "after it. Call back today."
        ),
        title="Return the call",
        kind="action",
        action="call",
        priority=20,
        when=("unreturned_count", ">=", 1),
        due=Due(ago="unreturned_first_ago"),
        reason=(
            (None, "{unreturned_first_what} {unreturned_first_on} not returned yet"),
            (("unreturned_count", ">=", 2), "{unreturned_count} in all"),
            (None, "call back today"),
        ),
        fingerprint=("unreturned_first_ago", "unreturned_count"),
    ),
    Rule(
        id="thank_you",
        summary=(
            "A referral received has no thank-you or gift on or after its date. A thank-you "
            "call or note, due a few days after the referral."
        ),
        title="Say thank you",
        kind="action",
        action="thank_you",
        priority=30,
        when=("unthanked_count", ">=", 1),
        due=Due(ago="unthanked_first_ago", plus=T("thank_you_due_days")),
        reason=(
            (
                None,
                "Referral of {unthanked_first_client} received {unthanked_first_on} "
                "has no thank-you yet",
            ),
            (("unthanked_count", ">=", 2), "{unthanked_count} referrals await thanks"),
        ),
        fingerprint=("unthanked_first_ago", "unthanked_count"),
    ),
    Rule(
        id="personal_date",
        summary=(
            "A Maintain partner's birthday or anniversary is coming up. A personal call on the day."
        ),
        title="Personal call",
        kind="action",
        action="call",
        priority=40,
        when=("all", ("tier", "==", "maintain"), ("any", BIRTHDAY_SOON, ANNIVERSARY_SOON)),
        due=Due(ahead=("birthday_in", "anniversary_in")),
        reason=(
            (BIRTHDAY_SOON, "Birthday {birthday_next}"),
            (ANNIVERSARY_SOON, "anniversary {anniversary_next}"),
            (None, "call on the day"),
        ),
        fingerprint=("birthday_in", "anniversary_in"),
    ),
    Rule(
        id="commitment_due",
        summary=(
            "The promised first-referral date has passed and no referral came since the "
            "commitment. A follow-up call: when will that happen?"
        ),
        title="Follow up the commitment",
        kind="action",
        action="call",
        priority=50,
        when=(
            "all",
            ("has_commitment", "==", True),
            ("first_referral_by_ago", ">=", 1),
            ("received_since_commitment", "==", 0),
        ),
        due=Due(ago="first_referral_by_ago", plus=1),
        reason=(
            (
                None,
                "First referral was promised by {first_referral_by_on} and none has come "
                "since the commitment",
            ),
            (None, "ask when that will happen"),
        ),
        fingerprint=("commitment_made_ago", "first_referral_by_ago"),
    ),
    Rule(
        id="plan_partnership",
        summary=(
            "The partner has committed and no planning session is booked from today on. Book "
            "the 12-week planning series."
        ),
        title="Book the planning series",
        kind="action",
        action="planning_session",
        priority=60,
        when=("all", ("has_commitment", "==", True), ("sessions_booked_ahead", "==", 0)),
        reason=(
            (("commitment_made_ago", "<", NEVER), "Committed on {commitment_made_on}"),
            (("commitment_made_ago", ">=", NEVER), "Committed to doing business"),
            (None, "no planning session booked ahead: book the 12-week series"),
        ),
        fingerprint=("commitment_made_ago", "first_referral_by_ago"),
    ),
    Rule(
        id="capture_details",
        summary=(
            "Met today or yesterday and no personal detail written down. Write down what you "
            "learned."
        ),
        title="Write down what you learned",
        kind="action",
        action="note",
        priority=70,
        when=(
            "all",
            ("met_ago", ">=", 0),
            ("met_ago", "<", T("capture_details_days")),
            ("has_personal_details", "==", False),
        ),
        due=Due(ago="met_ago"),
        reason=(
            (None, "Met {met_on} and no personal details written down yet"),
            (None, "note what you learned while it is fresh"),
        ),
        fingerprint=("met_ago",),
    ),
    Rule(
        id="coffee",
        summary=(
            "A Cultivate partner met a while ago with no live contact for its keep-in-touch "
            "cadence. A coffee meeting."
        ),
        title="Coffee meeting",
        kind="action",
        action="coffee",
        priority=80,
        when=(
            "all",
            ("tier", "==", "cultivate"),
            ("met_ago", ">=", T("coffee_days")),
            # The partner's cadence: `coffee_days` unless the team or partner sets one.
            cadence_due("coffee_days"),
        ),
        reason=(
            (None, "Cultivate partner met {met_on}"),
            (("live_contact_ago", "<", NEVER), "last live contact {live_contact_on}"),
            (("live_contact_ago", ">=", NEVER), "no live contact yet"),
            (None, "invite them for coffee"),
        ),
        fingerprint=("met_ago", "live_contact_ago"),
    ),
    Rule(
        id="keep_warm",
        summary=(
            "A Maintain partner with no live contact for its keep-in-touch cadence. A lunch "
            "or event invitation."
        ),
        title="Keep warm",
        kind="action",
        action="lunch",
        priority=90,
        # The partner's cadence: `keep_warm_days` unless the team or partner sets one.
        when=("all", ("tier", "==", "maintain"), cadence_due("keep_warm_days")),
        reason=(
            (("live_contact_ago", "<", NEVER), "Last live contact {live_contact_on}"),
            (("live_contact_ago", ">=", NEVER), "No live contact yet"),
            (None, "invite them to lunch or an event"),
        ),
        fingerprint=("live_contact_ago",),
    ),
    Rule(
        id="co_market",
        summary="A Maintain partner with no co-marketing lately. Suggest a co-branded project.",
        title="Co-branded project",
        kind="action",
        action="co_marketing",
        priority=100,
        when=("all", ("tier", "==", "maintain"), ("co_marketing_ago", ">=", T("co_market_days"))),
        reason=(
            (("co_marketing_ago", "<", NEVER), "Last co-marketing {co_marketing_on}"),
            (("co_marketing_ago", ">=", NEVER), "No co-marketing yet"),
            (None, "suggest a co-branded project"),
        ),
        fingerprint=("co_marketing_ago",),
    ),
    Rule(
        id="agreement_renewal",
        summary=(
            "A marketing services agreement or co-marketing arrangement with the partner ends "
            "within 30 days. Decide on its renewal, at fair market value, before it ends."
        ),
        title="Agreement ends soon",
        kind="action",
        action="meeting",
        priority=105,
        when=("agreement_ends_in", "<=", T("agreement_renewal_days")),
        reason=(
            (None, "{agreement_ending_what} with {partner_name} ends on {agreement_ends_when}"),
            (None, "decide on its renewal"),
        ),
        fingerprint=("agreement_ends_in",),
    ),
    Rule(
        id="promote",
        summary=(
            "A Cultivate partner sending referrals, with a recent live contact. A move to "
            "Maintain (manager review)."
        ),
        title="Promote to Maintain",
        kind="tier_change",
        tier_to="maintain",
        due=None,
        priority=110,
        when=(
            "all",
            ("tier", "==", "cultivate"),
            ("received_{promote_referrals}_ago", "<", T("promote_days")),
            ("live_contact_ago", "<", T("promote_live_days")),
        ),
        reason=(
            (
                None,
                "{received_in_window} referrals received in the last {promote_days} days "
                "({received_in_window_on})",
            ),
            (None, "last live contact {live_contact_on}"),
        ),
        fingerprint=("received_1_ago", "live_contact_ago"),
    ),
    Rule(
        id="cool_down",
        summary=(
            "A Maintain partner who sent no referral for a long time. A move to Cultivate "
            "(manager review)."
        ),
        title="Cool down to Cultivate",
        kind="tier_change",
        tier_to="cultivate",
        due=None,
        priority=120,
        when=("all", ("tier", "==", "maintain"), ("received_1_ago", ">=", T("cool_down_days"))),
        reason=(
            (("received_1_ago", "<", NEVER), "Last referral received {received_1_on}"),
            (("received_1_ago", ">=", NEVER), "No referral received yet"),
            (None, "none in the last {cool_down_days} days"),
        ),
        fingerprint=("received_1_ago",),
    ),
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
# The rules raised when a partner's keep-in-touch cadence is due (rules/cadence.py).
CADENCE_RULES = frozenset({"coffee", "keep_warm"})
