"""Configuration, the app factory's start-up checks, headers and error pages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from housing import create_app
from housing.config import PROJECT_ROOT, Config
from tests.conftest import make_config


def test_config_defaults_to_embedded_sqlite_and_in_process_jobs(tmp_path):
    config = Config.from_env({"HOUSING_INSTANCE_FOLDER": str(tmp_path)})
    assert config.database_url == f"sqlite:///{tmp_path / 'housing.sqlite3'}"
    assert config.jobs_in_process
    assert config.redis_url is None
    assert config.storage_folder == tmp_path / "storage"
    assert len(config.secret_key) == 64
    # The generated secret is kept, so sessions survive a restart.
    assert (
        Config.from_env({"HOUSING_INSTANCE_FOLDER": str(tmp_path)}).secret_key == config.secret_key
    )


def test_config_reads_production_settings(tmp_path):
    config = Config.from_env(
        {
            "DATABASE_URL": "postgres://user:pw@db.internal:5432/housing",
            "REDIS_URL": "redis://cache.internal:6379/0",
            "SECRET_KEY": "s3cret",
            "STORAGE_FOLDER": str(tmp_path / "files"),
            "MAIL_HOST": "smtp.internal",
            "MAIL_PORT": "587",
            "MAIL_USE_TLS": "true",
            "HOUSING_INSTANCE_FOLDER": str(tmp_path),
        }
    )
    assert config.database_url == "postgresql+psycopg://user:pw@db.internal:5432/housing"
    assert config.redis_url == "redis://cache.internal:6379/0"
    assert not config.jobs_in_process
    assert config.secret_key == "s3cret"
    assert config.storage_folder == tmp_path / "files"
    assert (config.mail.host, config.mail.port, config.mail.use_tls) == ("smtp.internal", 587, True)


def test_migrations_connect_as_the_owner_and_grant_the_app_role(tmp_path):
    embedded = Config.from_env({"HOUSING_INSTANCE_FOLDER": str(tmp_path)})
    assert embedded.migration_database_url == embedded.database_url
    assert embedded.app_role is None

    single = Config.from_env({"DATABASE_URL": "postgresql://housing@db/housing", "SECRET_KEY": "s"})
    assert single.migration_database_url == "postgresql+psycopg://housing@db/housing"
    assert single.app_role == "housing"  # the owner too: the migrations grant nothing

    split = Config.from_env(
        {
            "DATABASE_URL": "postgresql://housing_app:pw@db/housing",
            "DATABASE_OWNER_URL": "postgres://housing_owner:pw@db/housing",
            "SECRET_KEY": "s",
        }
    )
    assert split.database_url == "postgresql+psycopg://housing_app:pw@db/housing"
    assert split.migration_database_url == "postgresql+psycopg://housing_owner:pw@db/housing"
    assert split.app_role == "housing_app"
    named = Config.from_env(
        {
            "DATABASE_URL": "postgresql:///housing",
            "DATABASE_OWNER_URL": "postgresql://housing_owner@db/housing",
            "DATABASE_APP_ROLE": "housing_app",
            "SECRET_KEY": "s",
        }
    )
    assert named.app_role == "housing_app"


def test_start_refuses_a_relative_or_incomplete_translations_folder(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    with pytest.raises(RuntimeError, match="absolute"):
        create_app(make_config(url, tmp_path, translations_folder=Path("translations")))
    (tmp_path / "translations" / "es" / "LC_MESSAGES").mkdir(parents=True)
    with pytest.raises(RuntimeError, match="missing"):
        create_app(make_config(url, tmp_path, translations_folder=tmp_path / "translations"))


def test_every_page_carries_the_security_headers(client):
    response = client.get("/listings")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers
    assert "Accept-Language" in response.headers["Vary"]


def test_hsts_is_sent_over_https(client):
    response = client.get("/listings", base_url="https://portal.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_use_no_inline_script_or_style(client):
    html = client.get("/listings").text
    assert "<script" not in html
    assert "style=" not in html and "<style" not in html


def test_home_leads_to_the_directory(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/listings"


def test_unknown_page_is_a_translated_404(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "ar"})
    assert response.status_code == 404
    assert 'lang="ar" dir="rtl"' in response.text


def test_health_check_answers_plainly(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok\n"


def test_forwarded_headers_are_trusted_only_when_proxies_are_configured(tmp_path):
    instance = {"HOUSING_INSTANCE_FOLDER": str(tmp_path)}
    assert Config.from_env(instance).trusted_proxies == 0
    assert Config.from_env({**instance, "TRUSTED_PROXIES": "2"}).trusted_proxies == 2
    with pytest.raises(ValueError, match="negative"):
        Config.from_env({**instance, "TRUSTED_PROXIES": "-1"})
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    direct = create_app(make_config(url, tmp_path))
    assert not isinstance(direct.wsgi_app, ProxyFix)
    proxied = create_app(make_config(url, tmp_path, trusted_proxies=2))
    assert isinstance(proxied.wsgi_app, ProxyFix)
    assert (proxied.wsgi_app.x_for, proxied.wsgi_app.x_proto, proxied.wsgi_app.x_host) == (2, 2, 0)


def test_a_database_without_a_secret_key_refuses_to_start(tmp_path):
    """A server pointed at a shared database must not invent a key of its own: each host would
    sign sessions and links with a different one."""
    for url in ("postgresql://housing@db/housing", f"sqlite:///{tmp_path / 'x.sqlite3'}"):
        with pytest.raises(ValueError, match="SECRET_KEY must be set"):
            Config.from_env({"DATABASE_URL": url, "HOUSING_INSTANCE_FOLDER": str(tmp_path)})
        with pytest.raises(ValueError, match="SECRET_KEY must be set"):
            Config.from_env({"DATABASE_URL": url, "SECRET_KEY": " "})
    assert not (tmp_path / "secret_key").exists()


def test_the_pdf_fonts_folder_is_read_from_the_environment(tmp_path):
    assert Config.from_env({"HOUSING_INSTANCE_FOLDER": str(tmp_path)}).pdf_fonts_folder is None
    config = Config.from_env(
        {"HOUSING_INSTANCE_FOLDER": str(tmp_path), "HOUSING_PDF_FONTS": f" {tmp_path} "}
    )
    assert config.pdf_fonts_folder == tmp_path


def test_the_catalogues_and_migrations_are_found_from_the_checkout():
    config = Config.from_env({"SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})
    assert (config.translations_folder / "es" / "LC_MESSAGES" / "messages.mo").is_file()
    assert (config.migrations_folder / "env.py").is_file()
    assert (config.migrations_folder / "versions").is_dir()


def test_the_pure_rules_import_without_flask():
    """The eligibility rules, the application's rules and the verifier are used by tools that
    have no web framework (the standalone verifier, the API's clients)."""
    code = (
        "import sys; import housing.applications.rules, housing.listings.eligibility, "
        "housing.lottery.verify; "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'sqlalchemy'}); "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PROJECT_ROOT)
