"""Who may reach every route: one entry per endpoint, by access class.

The access-matrix test walks the app's url_map and fails when an endpoint
has no entry here. Classes:
- "public": anyone, logged in or not (login page, static, calendar feed by token…)
- "login": any logged-in user of any role
- "partner": a URL about one object that belongs to a partner; the owner
  agent and the team's managers/admins reach it, another agent of the team
  and anyone of another team get 404
- "manager": managers and admins of the team; agents get 404
- "admin": admins only; others get 404
- "token": public but guarded by a secret token in the URL (wrong token: 404)

URL parameters are named after what they point at: partner_id,
interaction_id, referral_id, planning_session_id, lead_id,
recommendation_id, user_id, audit_event_id, version.
"""

ACCESS: dict[str, str] = {
    # --- core -------------------------------------------------------------
    "static": "public",
    "auth.login": "public",
    "auth.logout": "login",
    "home.index": "public",
    "home.today": "login",
    # --- partners and logbook ----------------------------------------------
    "partners.index": "login",
    # --- book, demo and admin ------------------------------------------------
    # --- recommendations and rules --------------------------------------------
    "recommendations.snooze": "partner",
    "recommendations.dismiss": "partner",
    "rule_settings.index": "manager",
    "rule_settings.preview": "manager",
    "rule_settings.save": "manager",
    "rule_settings.revert": "manager",
    # --- manager's desk ----------------------------------------------------------
    # --- planning ------------------------------------------------------------------
    # --- referrals and ROI -------------------------------------------------------------
}
