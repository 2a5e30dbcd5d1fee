"""Outgoing webhooks: the team's events POSTed to URLs its admins registered.

- `endpoints.py`: an endpoint (URL, events, secret) is registered, paused,
  resumed, deleted, its secret rotated; the admin pages are
  webapp/admin/webhooks.py.
- `events.py`: what happened, told once per event to every active endpoint
  that takes its type: one WebhookDelivery each, stored, then sent. The
  feature's own code calls it, after its commit (no signals): a log
  (webapp/logbook/entries.py), a tier change (webapp/desk/decisions.py), a
  referral received or its status changed (webapp/logbook/entries.py), a
  recommendation opened by a refresh (webapp/recommendations/lifecycle.py), a
  series of planning sessions booked (webapp/planning/booking.py).
- `sender.py`: the sender, the same pattern as the email outbox and the push
  sender: a Huey task, retries with backoff, an endpoint paused once too many
  deliveries in a row failed, and its team's admins emailed.

Each delivery is signed the Standard Webhooks way (standardwebhooks.com):
`webhook-id` (the event's id, the same on every attempt), `webhook-timestamp`
(the attempt's, in seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256
of "id.timestamp.body">`, keyed with the base64 after the secret's `whsec_`).
"""

# The event types an endpoint may take, in the order the form lists them.
EVENTS = {
    "interaction.logged": "An interaction is logged",
    "tier.changed": "A partner's tier changes",
    "referral.received": "A referral is received",
    "referral.status_changed": "A referral's status changes",
    "recommendation.opened": "A new recommendation opens for a partner",
    "planning_session.booked": "A series of planning sessions is booked",
}
