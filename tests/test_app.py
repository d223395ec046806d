"""Configuration, the app factory's start-up checks, headers and error pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from housing import create_app
from housing.config import Config
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
