"""Command-line tools: demo data, translation checks, the outbox sweep, accounts, the lottery log,
erasing personal data, expiring unclaimed uploads, the job worker; and ``housing``, the command
an installed site runs them with."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from housing.db_types import utcnow
from housing.extensions import db

demo = AppGroup("demo", help="Demo data for a fictional city.")
translations = AppGroup("translations", help="Translation catalog checks.")
notifications = AppGroup("notifications", help="The outbox.")
accounts = AppGroup("accounts", help="Accounts that cannot be made through the site.")
lottery = AppGroup("lottery", help="The lottery and its audit log.")
privacy = AppGroup("privacy", help="Personal data kept no longer than it is needed.")
uploads = AppGroup("uploads", help="Uploaded files no application claimed.")
alerts = AppGroup("alerts", help="Alerts to residents when listings open.")
# The draw job's steps, as the progress bar names them.
DRAW_STEPS = {
    "entrants_read": "entrants read",
    "tickets_computed": "tickets computed",
    "lists_written": "lists written",
    "self_check": "self-check done",
}


def _lottery_step(action: str, listing_id: int, **options: str) -> None:
    from housing.lottery.access import LotteryRefused, get_lottery
    from housing.lottery.draw import request_draw
    from housing.lottery.freeze import freeze
    from housing.lottery.models import LotteryStatus
    from housing.lottery.publish import publish
    from housing.lottery.tasks import run_draw
    from housing.lottery.wording import refusal_text
    from housing.notifications.tasks import send_after_commit

    try:
        if action == "freeze":
            freeze(db.session, listing_id, None, utcnow(), **options)
        elif action == "publish":
            publish(db.session, listing_id, None, utcnow())
        else:
            lottery = get_lottery(db.session, listing_id)
            if lottery.status is not LotteryStatus.DRAWING:
                lottery = request_draw(db.session, listing_id, None, utcnow(), **options)
            lottery_id = lottery.id
            db.session.commit()
            with click.progressbar(
                length=len(DRAW_STEPS), label="Drawing", item_show_func=lambda step: step
            ) as bar:
                run_draw(lottery_id, report=lambda step: bar.update(1, DRAW_STEPS[step]))
    except LotteryRefused as error:
        if error.logged:
            db.session.commit()  # the refusal wrote its own log entry
        else:
            db.session.rollback()
        click.echo(refusal_text(error.code, error.detail), err=True)
        sys.exit(1)
    db.session.commit()
    send_after_commit()
    lottery = get_lottery(db.session, listing_id)
    click.echo(f"Listing {listing_id}: lottery {lottery.status.value}.")


@lottery.command("freeze")
@click.argument("listing_id", type=int)
@click.option("--reason", default="", help="Why to freeze while duplicates or paper drafts remain.")
def freeze_command(listing_id: int, reason: str) -> None:
    """Freeze a listing's entrants."""
    _lottery_step("freeze", listing_id, override_reason=reason)


@lottery.command("draw")
@click.argument("listing_id", type=int)
@click.option("--reason", default="", help="Why to draw again after results were retracted.")
def draw_command(listing_id: int, reason: str) -> None:
    """Draw here and now: starts a frozen lottery's draw, or finishes one whose worker died.
    Safe to repeat: a lottery is never drawn twice."""
    _lottery_step("draw", listing_id, reason=reason)


@lottery.command("publish")
@click.argument("listing_id", type=int)
def publish_command(listing_id: int) -> None:
    """Publish a drawn lottery whose self-check passed."""
    _lottery_step("publish", listing_id)


@lottery.command("resume")
@click.option("--minutes", default=10, show_default=True, help="Only draws started this long ago.")
def resume_command(minutes: int) -> None:
    """Queue again every draw started and never finished (a worker died) and every correction
    not yet written into a version of the results (workers do it every 5 minutes, and without
    them ``housing periodic``). Nothing is drawn or written twice."""
    from datetime import timedelta

    from housing.lottery.tasks import resume_draws

    queued = resume_draws(timedelta(minutes=minutes))
    click.echo(f"{queued} unfinished draw(s) or correction(s) handed to the queue.")


@lottery.command("verify-log")
@click.option(
    "--expect",
    metavar="HEAD[:LENGTH]",
    default=None,
    help="A published head (as a results bundle records it), with the number of entries the "
    "log had then: fail unless the log still holds that entry, at that place.",
)
def verify_log_command(expect: str | None) -> None:
    """Check that every entry of the lottery log follows from the one before it, and with
    --expect that the log was not cut short since a head was published."""
    from housing.lottery.log import (
        HeadVerdict,
        check_published_head,
        first_broken_link,
        head_and_length,
        parse_published_head,
    )

    try:
        published = parse_published_head(expect) if expect is not None else None
    except ValueError as error:
        raise click.BadParameter(f"{expect!r}: {error}", param_hint="--expect") from None
    broken = first_broken_link(db.session)
    if broken is not None:
        click.echo(
            f"The lottery log is broken at entry {broken.id} ({broken.action}, "
            f"{broken.at.isoformat()}): its hashes do not follow from its content and the "
            "entry before it.",
            err=True,
        )
        sys.exit(1)
    head, count = head_and_length(db.session)
    if published is not None:
        check = check_published_head(db.session, published)
        if check.verdict is HeadVerdict.MISSING:
            click.echo(
                f"The lottery log no longer holds the published head {published.hash}: entries "
                f"were removed or rewritten since it was published (the log now has {count} "
                f"entries, head {head}).",
                err=True,
            )
            sys.exit(1)
        if check.verdict is HeadVerdict.MOVED:
            click.echo(
                f"The published head {published.hash} is entry {check.position} of the lottery "
                f"log, not entry {published.length} as published: entries before it were removed "
                "or added.",
                err=True,
            )
            sys.exit(1)
        click.echo(
            f"The lottery log is intact: {count} entries, head {head}; it holds the published "
            f"head {published.hash} as entry {check.position}."
        )
        return
    click.echo(f"The lottery log is intact: {count} entries, head {head}.")


@accounts.command("create")
@click.argument("email")
@click.option("--name", default="", help="The person's name.")
@click.option(
    "--role", type=click.Choice(["staff", "partner", "auditor"]), default="staff", show_default=True
)
def create_account_command(email: str, name: str, role: str) -> None:
    """Create an account (the first staff account, say) and email it a link to set a password."""
    import secrets

    from housing.accounts import emails, services
    from housing.accounts.addresses import InvalidEmail, account_email
    from housing.accounts.models import Role, User
    from housing.accounts.passwords import hash_password
    from housing.audit.services import record
    from housing.notifications.tasks import send_after_commit

    try:
        address = account_email(email)
    except InvalidEmail as error:
        raise click.ClickException(
            f"{email!r} is not an email address an account can have: {error}"
        ) from None
    if services.find_user_by_email(db.session, address) is not None:
        raise click.ClickException(f"An account for {address} already exists.")
    user = User(
        email=address,
        full_name=name,
        role=Role(role),
        password_hash=hash_password(secrets.token_urlsafe(32)),
    )
    db.session.add(user)
    db.session.flush()
    emails.queue_password_link(db.session, user, new_account=True)
    record(db.session, None, "user.created", "user", user.id, {"role": role, "by": "command line"})
    db.session.commit()
    send_after_commit()
    click.echo(f"Created {role} account {user.email}; a link to choose a password was sent.")


@notifications.command("sweep")
def sweep_command() -> None:
    """Hand every due, unsent message to delivery again (workers do it every 5 minutes, and
    without them ``housing periodic``)."""
    from housing.notifications.tasks import sweep

    click.echo(f"{sweep()} message(s) handed to delivery.")


@privacy.command("erase")
@click.option("--dry-run", is_flag=True, help="Only count what would be erased; change nothing.")
def erase_command(dry_run: bool) -> None:
    """Erase the personal data of applications not housed, once their listing's lease-up has
    been closed PRIVACY_ERASE_AFTER_DAYS; run it daily. Safe to repeat, and to run after a run
    that stopped: nothing is erased twice."""
    from housing.privacy.tasks import erase_after, erase_due, pending

    after = erase_after()
    if after is None:
        click.echo("Erasure is off (PRIVACY_ERASE_AFTER_DAYS=off): nothing was erased.")
        return
    found = pending() if dry_run else erase_due()
    for listing_id, count in sorted(found.applications.items()):
        click.echo(f"Listing {listing_id}: {count} application(s).")
    verb = ("would erase", "would delete") if dry_run else ("erased", "deleted")
    click.echo(
        f"{after.days} day(s) after lease-up closed: {verb[0]} the personal data of "
        f"{found.total} application(s) in {len(found.applications)} listing(s); "
        f"{verb[1]} {found.files} file(s)."
    )


@uploads.command("expire")
def expire_uploads_command() -> None:
    """Remove the uploads no application will claim once UPLOAD_EXPIRY_HOURS old (the worker
    does it every hour; without one, run this from cron). Safe to repeat."""
    from housing.applications.tasks import expire_uploads

    click.echo(f"{expire_uploads()} unclaimed upload(s) removed.")


@alerts.command("announce")
def announce_command() -> None:
    """Send the alerts of listings that have opened since the last run (the worker does it
    every 5 minutes; without one, run this from the sweep's timer). Safe to repeat: each
    subscriber hears of a listing once."""
    from housing.alerts.tasks import announce_openings, erase_unconfirmed

    announced = announce_openings()
    for listing_id, count in sorted(announced.items()):
        click.echo(f"Listing {listing_id}: {count} alert(s).")
    erased = erase_unconfirmed()
    click.echo(
        f"{sum(announced.values())} alert(s) for {len(announced)} listing(s) that opened; "
        f"{erased} unconfirmed sign-up(s) erased."
    )


@demo.command("load")
def load_demo_command() -> None:
    """Load the demo listings; safe to run again (nothing is added twice)."""
    from housing.demo import load_demo
    from housing.notifications.tasks import send_after_commit

    added = load_demo(db.session, current_app.extensions["storage"], utcnow())
    db.session.commit()
    send_after_commit()  # the demo lottery's results, announced to its made-up applicants
    click.echo(
        "Demo data ready: added {charts} AMI chart(s), {preferences} preference(s), "
        "{listings} listing(s).".format(**added)
    )


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option(
    "--queues",
    default=None,
    metavar="KINDS",
    help="Only these kinds of job, comma-separated, among mail, lottery, exports, default and "
    "broadcasts (default: all, in that order).",
)
@with_appcontext
def worker_command(burst: bool, queues: str | None) -> None:
    """Work the job queues (REDIS_URL must be set), each kind in its turn; run one or more on
    each worker host, some dedicated to a few kinds (docs/operations.md says how many)."""
    from housing import jobs
    from housing.worker import work

    try:
        names = jobs.queue_names(queues)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--queues") from None
    work(burst=burst, queues=names)


@click.command("periodic")
@click.option("--all", "everything", is_flag=True, help="Run every periodic job now, due or not.")
@with_appcontext
def periodic_command(everything: bool) -> None:
    """Run each periodic job whose time has come (the sweep and resuming draws every 5
    minutes, listing alerts, upload expiry, erasure...), where no worker runs them: call it
    from a timer every 5 minutes. Exits 1 when a job failed (it runs again next time)."""
    from housing.periodic import AlreadyRunning, run_due

    try:
        ran = run_due(Path(current_app.instance_path), everything=everything)
    except AlreadyRunning:
        click.echo("Another run of the periodic jobs is under way; nothing was run.")
        return
    for job in ran:
        click.echo(f"{job.path}: {'done' if job.error is None else 'FAILED: ' + job.error}")
    failed = [job for job in ran if job.error is not None]
    click.echo(f"{len(ran) - len(failed)} periodic job(s) run, {len(failed)} failed.")
    if failed:
        sys.exit(1)


@translations.command("check")
@click.option("--root", type=click.Path(path_type=Path), default=None)
def check_translations_command(root: Path | None) -> None:
    """Fail when messages.pot is stale, a locale has an untranslated or fuzzy entry, or a
    translation uses a term the glossary (translations/glossary.toml) forbids."""
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
    app.cli.add_command(accounts)
    app.cli.add_command(lottery)
    app.cli.add_command(privacy)
    app.cli.add_command(uploads)
    app.cli.add_command(alerts)
    app.cli.add_command(worker_command)
    app.cli.add_command(periodic_command)


def main() -> None:
    """``housing``: the application's commands for a site installed from the wheel, configured
    by environment variables alone, from any folder (``housing db upgrade``, ``housing demo
    load``, ``housing accounts create``, ``housing worker``, ``housing lottery``...)."""
    from housing import create_app

    commands = FlaskGroup(name="housing", create_app=create_app, help="The portal's commands.")
    commands.main(prog_name="housing")
