"""`flask push keys`: make the VAPID key pair now, and show the public key."""

import click
from flask.cli import AppGroup

from . import keys

push_cli = AppGroup("push", help="Web push notifications.")


@push_cli.command("keys")
def make_keys():
    """Make the VAPID key pair unless there is one; print where it is and the public key."""
    path = keys.key_file()
    made = keys.make_keys(path)
    click.echo(f"{'Made' if made else 'Kept'} the private key in {path}")
    click.echo(f"Public key (application server key): {keys.public_key()}")
