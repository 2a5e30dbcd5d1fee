"""Entry point: `flask --app wsgi ...` and `gunicorn wsgi:app`."""

import gc

from webapp import create_app

app = create_app()
# What was built at start-up lives as long as the process: keep it out of
# the garbage collector's way, so its pauses stay short under load.
gc.freeze()
