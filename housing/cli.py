"""Command-line tools: ``flask demo load`` and ``flask translations check``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from housing.db_types import utcnow
from housing.extensions import db

demo = AppGroup("demo", help="Demo data for a fictional city.")
translations = AppGroup("translations", help="Translation catalog checks.")
notifications = AppGroup("notifications", help="The outbox.")


@notifications.command("sweep")
def sweep_command() -> None:
    """Hand every due, unsent message to delivery again; run it every few minutes."""
    from housing.notifications.tasks import sweep

    click.echo(f"{sweep()} message(s) handed to delivery.")


@demo.command("load")
def load_demo_command() -> None:
    """Load the demo listings; safe to run again (nothing is added twice)."""
    from housing.demo import load_demo

    added = load_demo(db.session, current_app.extensions["storage"], utcnow())
    db.session.commit()
    click.echo(
        "Demo data ready: added {charts} AMI chart(s), {preferences} preference(s), "
        "{listings} listing(s).".format(**added)
    )


@translations.command("check")
@click.option("--root", type=click.Path(path_type=Path), default=None)
def check_translations_command(root: Path | None) -> None:
    """Fail when messages.pot is stale or a locale has an untranslated or fuzzy entry."""
    from housing.translation_check import check_catalogs

    problems = check_catalogs(root or Path(current_app.root_path).parent)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
    click.echo("Translations are complete and the template is current.")


def init_app(app: Flask) -> None:
    app.cli.add_command(demo)
    app.cli.add_command(translations)
    app.cli.add_command(notifications)
