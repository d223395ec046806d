"""The affordable-housing listings and lottery portal.

Importing the package loads nothing else: the pure rules (eligibility, the application's rules,
the verifier) are used without Flask, so the factory imports what it needs when it is called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from housing.config import Config


def create_app(config: Config | None = None) -> Flask:
    """Build the application. No side effects: no migrations, no data, no environment reads."""
    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix

    from housing import (
        admission,
        cli,
        errors,
        i18n,
        models,  # noqa: F401 - registers every table before migrations run
        ops,
        request_checks,
        request_ids,
        security,
        templating,
    )
    from housing.accounts import sessions
    from housing.blueprints import register_blueprints
    from housing.config import Config
    from housing.db_types import ping_idle_connections, use_sqlite_transactions
    from housing.extensions import babel, csrf, db, limiter, migrate
    from housing.page_cache import PageCache
    from housing.storage import storage_for

    config = config or Config.from_env()
    app = Flask(__name__)
    if config.trusted_proxies:
        # Each trusted proxy appends one address and sets the scheme: the client is the
        # address that many hops back. Host stays the proxy's to pass on, never the client's.
        n = config.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    app.config.update(
        SECRET_KEY=config.secret_key,
        SQLALCHEMY_DATABASE_URI=config.database_url,
        SQLALCHEMY_ECHO=config.sql_echo,
        BABEL_TRANSLATION_DIRECTORIES=str(config.translations_folder),
        BABEL_DEFAULT_LOCALE=i18n.DEFAULT_LOCALE,
        BABEL_DEFAULT_TIMEZONE=config.default_timezone,
        TESTING=config.testing,
        PREFERRED_URL_SCHEME="https" if config.prefer_https else "http",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.prefer_https,
        REMEMBER_COOKIE_SECURE=config.prefer_https,
        REMEMBER_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=12 * 1024 * 1024,
        HOUSING=config,
        RATELIMIT_STORAGE_URI=config.redis_url or "memory://",
        RATELIMIT_KEY_PREFIX=f"{config.queue_prefix}limits",
        # A Redis outage must not lock everyone out: count in memory until it returns.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_ENABLED=config.rate_limits_enabled,
    )
    i18n.check_translations_folder(config.translations_folder)

    db.init_app(app)
    with app.app_context():
        if config.is_sqlite:
            use_sqlite_transactions(db.engine)
        else:
            ping_idle_connections(db.engine)
    migrate.init_app(app, db, directory=str(config.migrations_folder))
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    sessions.init_app(app)
    app.extensions["storage"] = storage_for(config)
    app.extensions["page_cache"] = PageCache()

    ops.init_app(app, config)  # first: its timing and log line take in every other hook
    admission.init_app(app, config.admission)
    templating.init_app(app)
    security.init_app(app)
    request_ids.init_app(app)
    request_checks.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    register_blueprints(app)
    return app
