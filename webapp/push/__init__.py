"""Web push: notifications on the devices where a user opted in.

- `keys.py`: the VAPID key pair, made on first need into `instance/`.
- `subscriptions.py`: the devices (push subscriptions) a user opted in on.
- `views.py`: opting in and out (JSON from `static/push.js`), and removing a
  device from the account page (a plain form).
- `notices.py`: what each notification says and to whom, called where the
  thing happens (a call to return opened, the morning, a tier change proposed
  or decided).
- `sender.py`: notifications are stored per device, then pushed by a job with
  retries, as emails are by the outbox.
- `cli.py`: `flask push keys`.

The service worker's side is `static/sw-push.js`: it shows what is pushed.
"""

from flask import Blueprint

bp = Blueprint("push", __name__, url_prefix="/push")

from . import views  # noqa: E402,F401
