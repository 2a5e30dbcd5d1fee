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
- "owner": only the user who made the object (an upload in progress, an API
  token); everyone else, managers included, gets 404
- "bearer": the JSON API, reached with a personal access token (never a
  session cookie: that alone gets 401); who may reach what is as for
  "partner" (a URL without a partner: any user); no token gets 401
- "bearer-manager": the JSON API's review queue: as "bearer", for managers and
  admins of the team only (agents get 404, as on the desk's pages)

URL parameters are named after what they point at: partner_id,
interaction_id, referral_id, planning_session_id, lead_id,
recommendation_id, user_id, audit_event_id, invitation_id, version,
api_token_id, webhook_endpoint_id, webhook_delivery_id, agreement_id.
"""

ACCESS: dict[str, str] = {
    # --- core -------------------------------------------------------------
    "static": "public",
    "auth.login": "public",
    "auth.logout": "login",
    "auth.forgot": "public",
    "auth.invitation": "token",  # <token>: a single-use invitation link
    "auth.reset": "token",  # <token>: a single-use password link
    "auth.invitation_form": "public",  # the form of the invitation link just opened
    "auth.reset_form": "public",  # the form of the password link just opened
    "auth.second_step": "public",  # after the password; without it, back to the login page
    "account.security": "login",
    "account.change_password": "login",
    "account.end_session": "login",
    "account.end_all_sessions": "login",
    "account.two_factor_setup": "login",
    "account.recovery_codes": "login",
    "account.new_recovery_codes": "login",
    "account.two_factor_off": "login",
    "account.card": "login",
    "account.save_card": "login",
    "account.card_vcf": "login",
    "account.api_tokens": "login",
    "account.create_api_token": "login",
    "account.revoke_api_token": "owner",  # one's own token; anyone else 404
    "home.index": "public",
    "offline.manifest": "public",
    "offline.service_worker": "public",
    "offline.page": "public",
    "health.healthz": "public",  # load balancers and monitors: no login, no session
    "home.today": "login",
    # --- partners and logbook ----------------------------------------------
    "partners.index": "login",
    "partners.new": "login",
    # Any user; each ticked partner must be one they may change (else 404), as on its page.
    "partners.tag_selected": "login",
    "partners.detail": "partner",
    "partners.edit": "partner",
    "partners.archive": "partner",
    "partners.set_cadence": "partner",
    "partners.restore": "partner",
    "partners.erase": "admin",  # a partner's URL, but only an admin of the team erases
    "logbook.new_interaction": "partner",
    "logbook.create_interaction": "partner",
    "logbook.edit_interaction": "partner",
    "logbook.delete_interaction": "partner",
    "logbook.create_referral": "partner",
    "logbook.edit_referral": "partner",
    "logbook.referral_status": "partner",
    "logbook.delete_referral": "partner",
    # --- book, demo and admin ------------------------------------------------
    "book.index": "manager",
    "book.export": "manager",
    "book.upload": "manager",
    "admin.users": "admin",
    "admin.invite": "admin",
    "admin.resend_invitation": "admin",
    "admin.cancel_invitation": "admin",
    "admin.change_role": "admin",
    "admin.deactivate": "admin",
    "admin.reactivate": "admin",
    "admin.reassign": "admin",
    "admin.send_password_link": "admin",
    "admin.settings": "admin",
    "admin.jobs": "admin",
    "admin.webhooks": "admin",
    "admin.new_webhook": "admin",
    "admin.webhook": "admin",
    "admin.pause_webhook": "admin",
    "admin.resume_webhook": "admin",
    "admin.rotate_webhook_secret": "admin",
    "admin.delete_webhook": "admin",
    "admin.resend_webhook": "admin",
    # --- recommendations and rules --------------------------------------------
    "recommendations.snooze": "partner",
    "recommendations.dismiss": "partner",
    "recommendations.outcome": "partner",
    "recommendations.undo": "login",  # the signed token names the recommendation and its user
    "rule_settings.index": "manager",
    "rule_settings.preview": "manager",
    "rule_settings.save": "manager",
    "rule_settings.revert": "manager",
    "rule_settings.cadences_index": "manager",
    "rule_settings.cadences_preview": "manager",
    "rule_settings.cadences_save": "manager",
    "rule_settings.new_team_rule": "manager",
    "rule_settings.create_team_rule": "manager",
    "rule_settings.edit_team_rule": "manager",
    "rule_settings.switch_team_rule": "manager",
    "rule_settings.delete_team_rule": "manager",
    "rule_settings.backtest_run": "manager",
    # --- manager's desk ----------------------------------------------------------
    "desk.reviews": "manager",
    "desk.approve": "manager",
    "desk.reject": "manager",
    "desk.approve_selected": "manager",
    "desk.partner_history": "manager",
    "desk.audit": "manager",
    "desk.audit_csv": "manager",
    "desk.team": "manager",
    "desk.change_tier": "partner",
    # --- planning ------------------------------------------------------------------
    "planning.agenda": "login",
    "planning.holidays": "manager",
    "planning.remove_holiday": "manager",
    "planning.settings": "login",
    "planning.regenerate_token": "login",
    "planning.feed": "token",
    "planning.leads": "login",
    "planning.partner": "partner",
    "planning.commit": "partner",
    "planning.slots": "partner",
    "planning.book": "partner",
    "planning.partner_sessions": "partner",
    "planning.series_ics": "partner",
    "planning.email_invitation": "partner",
    "planning.session": "partner",
    "planning.save_answers": "partner",
    "planning.set_status": "partner",
    "planning.move": "partner",
    "planning.add_lead": "partner",
    "planning.lead_status": "partner",
    # --- referrals and ROI -------------------------------------------------------------
    "referrals.index": "login",
    "referrals.roi": "login",
    "referrals.pipeline": "login",
    "referrals.pipeline_csv": "login",
    "referrals.pipeline_status": "partner",
    "referrals.projection": "login",
    "referrals.charts_page": "login",
    "referrals.partners_csv": "login",
    "referrals.import_mapping": "owner",  # <token>: the uploader's own; anyone else 404
    "referrals.import_preview": "owner",
    "referrals.import_commit": "owner",
    "referrals.import_done": "owner",  # the importer's own outcome; anyone else 404
    "referrals.import_skipped": "owner",
    "referrals.export_csv": "login",
    "referrals.vcard": "partner",
    # --- morning email ------------------------------------------------------------------
    "morning.preferences": "login",
    "morning.unsubscribe": "token",  # <token>: the user's id, signed
    "morning.unsubscribe_now": "token",
    # --- agreements and the partner's quarterly report ---------------------------------
    "agreements.new": "partner",
    "agreements.edit": "partner",
    "agreements.partner_export": "partner",
    "agreements.team_export": "manager",
    "ledger.partner_ledger": "partner",
    "ledger.partner_export": "partner",
    "ledger.team_export": "manager",
    "partner_report.preview": "partner",
    "partner_report.email": "partner",  # the preview frame's email, under its own CSP
    "partner_report.pdf": "partner",
    "partner_report.unsubscribe": "token",  # <token>: the partner's id, signed
    "partner_report.unsubscribe_now": "token",
    # --- web push -----------------------------------------------------------------------
    "push.subscribe": "login",
    "push.unsubscribe": "login",  # by the endpoint sent: only the user's own row goes
    "push.remove_device": "owner",  # <device_id>: the user's own device; anyone else 404
    # --- the JSON API ---------------------------------------------------------------------
    "api.partners": "bearer",
    "api.partner": "bearer",
    "api.interactions": "bearer",
    "api.recommendations": "bearer",
    "api.archive_partner": "bearer",
    "api.restore_partner": "bearer",
    "api.referrals": "bearer",
    "api.referral": "bearer",
    "api.recommendation_done": "bearer",
    "api.recommendation_snooze": "bearer",
    "api.recommendation_dismiss": "bearer",
    "api.propose_tier": "bearer",
    "api.tier_proposals": "bearer-manager",
    "api.approve_tier": "bearer-manager",
    "api.reject_tier": "bearer-manager",
    "api.planning_sessions": "bearer",
    "api.planning_session": "bearer",
    "api.add_lead": "bearer",
    "api.partner_leads": "bearer",
    "api-docs.openapi_json": "public",
    "api_reference.docs": "public",
}
