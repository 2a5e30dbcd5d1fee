"""Words the desk shows: rule names, audit kinds, and how long ago something was."""

from datetime import datetime

# Where a tier change came from: a rule of the engine, or an agent's proposal.
TIER_RULES = {
    "promote": "Promote (rule)",
    "cool_down": "Cool down (rule)",
    "disengage": "Disengage (rule)",
    "proposed": "Proposed by the agent",
}

# Every kind of audit event the product records, in the order filters list them.
AUDIT_KINDS = {
    "tier_change": "Tier change",
    "tier_rejected": "Tier change rejected",
    "tier_proposed": "Tier change proposed",
    "rule_settings": "Rule thresholds",
    "archive": "Archive",
    "restore": "Restore",
    "role_change": "Role change",
    "reassign": "Reassignment",
    "tags": "Tags added or removed",
    "import": "Import",
    "deactivate": "Deactivation",
    "reactivate": "Reactivation",
    "invitation_sent": "Invitation sent",
    "invitation_accepted": "Invitation accepted",
    "invitation_cancelled": "Invitation cancelled",
    "password_reset_requested": "Password link sent by an admin",
    "password_reset": "Password reset",
    "user_created": "New user",
    "settings": "Team settings",
    "holiday": "Team day off",
    "sign_in": "Sign-in",
    "sign_in_failed": "Failed sign-in",
    "sign_out": "Sign-out",
    "session_ended": "Session signed out",
    "sessions_ended": "Signed out everywhere",
    "password_change": "Password change",
    "password_check_failed": "Wrong password on the security page",
    "two_factor_on": "Two-factor turned on",
    "two_factor_off": "Two-factor turned off",
    "two_factor_codes": "New recovery codes",
    "two_factor_policy": "Two-factor requirement",
    "erase": "Personal data erased",
    "webhook_added": "Webhook endpoint added",
    "webhook_secret": "Webhook secret rotated",
    "webhook_paused": "Webhook endpoint paused",
    "webhook_resumed": "Webhook endpoint resumed",
    "webhook_deleted": "Webhook endpoint deleted",
}

DECISIONS = {"approved": "approved", "rejected": "rejected"}


def time_ago(then: datetime, now: datetime) -> str:
    """'just now', '1 minute ago', '2 hours ago', '3 days ago' (both naive UTC)."""
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            amount = seconds // size
            return f"{amount} {unit}{'' if amount == 1 else 's'} ago"
    return "just now"
