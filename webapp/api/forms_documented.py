"""The request bodies of referrals.py, actions.py and planning.py, documented
from the pages' forms that check them (as __init__.py documents the partner's
and the log's): the document cannot say other than the form does."""

from ..desk.forms import RejectForm, TierChangeForm
from ..logbook.forms import NewReferralForm, ReferralForm
from ..planning.forms import AnswersForm, LeadForm, StatusForm
from ..recommendations.forms import DismissForm, SnoozeForm
from .formdata import form_schema


def forms_documented() -> dict[str, dict]:
    """Each body's component: its name in the document, and its schema."""
    session_edit = form_schema(
        StatusForm,
        "What to change of a planning session: its status, as the session page's "
        "status buttons, and any of the five questions' answers, as its answers "
        "form (the others are kept). Send only what changes.",
        partial=True,
    )
    session_edit["properties"].update(form_schema(AnswersForm, "", partial=True)["properties"])
    return {
        "NewReferral": form_schema(
            NewReferralForm,
            "A referral to log: the fields of the partner page's referral form, checked "
            "by that form. `referred_on` may not be in the future; only a closed referral "
            "has a `closed_on` (closed without one: today, the team's).",
        ),
        "ReferralEdit": form_schema(
            ReferralForm,
            "What to change of a referral: the fields of its edit form, checked by that "
            "form. Send only what changes; null or a field not sent keeps its value.",
            partial=True,
        ),
        "Snooze": form_schema(
            SnoozeForm, "When it comes back, as Today's two snooze buttons offer."
        ),
        "Dismiss": form_schema(DismissForm, "Why it is dismissed (optional), as on Today."),
        "TierChangeRequest": form_schema(
            TierChangeForm,
            "The tier asked for and why, as the partner page's tier form: any tier but "
            "the current one. An agent's move into or out of Cease goes to a manager.",
        ),
        "Rejection": form_schema(RejectForm, "Why the change is rejected: the agent reads it."),
        "PlanningSessionEdit": session_edit,
        "NewLead": form_schema(
            LeadForm, "A name the partner gave under a lost-leads question, as 'Add as lead'."
        ),
    }
