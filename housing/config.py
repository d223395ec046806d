"""Typed configuration: the only module that reads the environment."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

from housing.admission import AdmissionConfig

PACKAGE_FOLDER = Path(__file__).resolve().parent
# The repository, when the code runs from a checkout (``make run``, the tests).
PROJECT_ROOT = PACKAGE_FOLDER.parent


def _shipped(name: str) -> Path:
    """A folder the wheel carries inside the package (``housing/_translations``), otherwise the
    checkout's own (``translations/``), where translators and migration authors work."""
    inside = PACKAGE_FOLDER / f"_{name}"
    return inside if inside.is_dir() else PROJECT_ROOT / name


def _default_instance() -> Path:
    """``instance/`` in a checkout; for an installed wheel, ``var/housing-instance`` in its
    environment, the same whichever folder a command runs from."""
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return PROJECT_ROOT / "instance"
    return Path(sys.prefix) / "var" / "housing-instance"


DEFAULT_INSTANCE = _default_instance()
TRANSLATIONS_FOLDER = _shipped("translations")
MIGRATIONS_FOLDER = _shipped("migrations")


@dataclass(frozen=True)
class MailConfig:
    host: str = "127.0.0.1"
    port: int = 25
    username: str | None = None
    password: str | None = None
    # STARTTLS on a plain connection, or TLS from the first byte (port 465); not both.
    use_tls: bool = False
    use_ssl: bool = False
    # Seconds to wait on the server for any one step before counting the attempt as failed.
    timeout: float = 20.0
    sender: str = "Housing Portal <no-reply@housing.invalid>"
    # Without a mail host, messages are written to this folder instead of sent.
    folder: Path | None = None


@dataclass(frozen=True)
class SmsConfig:
    """Text messages: an HTTP provider when ``url`` is set, otherwise a folder of records."""

    url: str | None = None
    username: str | None = None
    password: str | None = None
    sender: str = ""
    timeout: float = 10.0
    folder: Path | None = None


@dataclass(frozen=True)
class S3Config:
    """Documents in an S3-compatible bucket (``STORAGE_URL=s3://bucket/prefix``). Credentials
    and region left unset come from boto3's usual sources (AWS_* variables, an instance role)."""

    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    # "path" for servers that cannot take the bucket in the host name (many MinIO setups).
    addressing_style: str = "auto"


@dataclass(frozen=True)
class Config:
    """Everything the application needs to know about its surroundings.

    ``database_url`` and ``redis_url`` decide between the embedded mode (SQLite, jobs run
    in-process) and production (PostgreSQL, rq workers).

    In production the application connects as a role that owns no table, so it cannot take
    the lottery log's protection away; migrations connect as the owner
    (``database_owner_url``) and grant the application's role what it needs.
    """

    secret_key: str
    database_url: str
    database_owner_url: str | None = None
    # Unset: the user named in database_url.
    database_app_role: str | None = None
    redis_url: str | None = None
    storage_folder: Path = DEFAULT_INSTANCE / "storage"
    # Set: documents live in this bucket instead of storage_folder.
    s3: S3Config | None = None
    translations_folder: Path = TRANSLATIONS_FOLDER
    migrations_folder: Path = MIGRATIONS_FOLDER
    default_timezone: str = "America/Los_Angeles"
    mail: MailConfig = field(default_factory=MailConfig)
    sms: SmsConfig = field(default_factory=SmsConfig)
    testing: bool = False
    prefer_https: bool = False
    sql_echo: bool = False
    # Keeps the keys of one deployment (or one test run) apart on a shared Redis.
    queue_prefix: str = ""
    # Seconds an anonymous public page may be served from memory; 0 turns the cache off.
    page_cache_seconds: int = 20
    public_url: str = "http://127.0.0.1:5000"
    # Off only for load tests that come from one address.
    rate_limits_enabled: bool = True
    # Proxies in front that set X-Forwarded-For and X-Forwarded-Proto (a load balancer: 1).
    # 0 trusts no such header: a client could otherwise name any address and dodge limits.
    trusted_proxies: int = 0
    # A drand-style HTTP beacon (GET {url}/public/{round}); unset: staff enter values by hand.
    beacon_url: str | None = None
    # Fonts for the results PDF, searched before the system's; None: the system's only.
    pdf_fonts_folder: Path | None = None
    # Messages one email address or phone number is sent in a UTC day; past it the rest are
    # held, except those telling a household where it stands (notifications/caps.py). 0: no cap.
    messages_per_address_per_day: int = 20
    admission: AdmissionConfig = field(default_factory=AdmissionConfig)
    # Days after a listing's lease-up closes that the personal data of the applications it
    # did not house is erased; None keeps it (erasure off).
    privacy_erase_after_days: int | None = 365
    # Uploads no application claimed, and those of drafts past their deadline, are removed
    # once this old (``flask uploads expire``; the worker runs it every hour).
    upload_expiry: timedelta = timedelta(days=1)
    # Log lines as JSON objects (one a line, for a log collector) or as plain text ("text").
    log_format: str = "text"
    # Client addresses or networks that may read /metrics; everyone else gets 404.
    metrics_allow: tuple[str, ...] = ("127.0.0.1", "::1")
    # Where every process of a host keeps its counts (prometheus_client's multiprocess mode,
    # PROMETHEUS_MULTIPROC_DIR); None: this process's counts only.
    metrics_folder: Path | None = None

    @property
    def jobs_in_process(self) -> bool:
        return self.redis_url is None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def migration_database_url(self) -> str:
        """Where migrations connect: as the owner of the tables."""
        return self.database_owner_url or self.database_url

    @property
    def app_role(self) -> str | None:
        """The role the migrations grant the application's rights to; None on SQLite."""
        if self.is_sqlite:
            return None
        return self.database_app_role or make_url(self.database_url).username

    @classmethod
    def from_env(cls, environ: os._Environ[str] | dict[str, str] | None = None) -> Config:
        env = os.environ if environ is None else environ
        instance = Path(env.get("HOUSING_INSTANCE_FOLDER", str(DEFAULT_INSTANCE)))
        database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'housing.sqlite3'}"
        owner_url = env.get("DATABASE_OWNER_URL")
        return cls(
            secret_key=_secret_key(env, instance),
            database_url=_with_driver(database_url),
            database_owner_url=_with_driver(owner_url) if owner_url else None,
            database_app_role=env.get("DATABASE_APP_ROLE") or None,
            redis_url=env.get("REDIS_URL") or None,
            storage_folder=Path(env.get("STORAGE_FOLDER", str(instance / "storage"))),
            s3=_s3_config(env),
            default_timezone=env.get("HOUSING_TIMEZONE", "America/Los_Angeles"),
            mail=MailConfig(
                folder=None if env.get("MAIL_HOST") else instance / "mail",
                host=env.get("MAIL_HOST", "127.0.0.1"),
                port=int(env.get("MAIL_PORT", "25")),
                username=env.get("MAIL_USERNAME") or None,
                password=env.get("MAIL_PASSWORD") or None,
                use_tls=_flag(env, "MAIL_USE_TLS"),
                use_ssl=_flag(env, "MAIL_USE_SSL"),
                timeout=float(env.get("MAIL_TIMEOUT", "20")),
                sender=env.get("MAIL_SENDER", MailConfig.sender),
            ),
            sms=SmsConfig(
                url=(env.get("SMS_URL") or "").rstrip("/") or None,
                username=env.get("SMS_USERNAME") or None,
                password=env.get("SMS_PASSWORD") or None,
                sender=env.get("SMS_SENDER", ""),
                timeout=float(env.get("SMS_TIMEOUT", "10")),
                folder=None if env.get("SMS_URL") else instance / "sms",
            ),
            prefer_https=_flag(env, "PREFER_HTTPS"),
            public_url=env.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"),
            queue_prefix=env.get("HOUSING_QUEUE_PREFIX", ""),
            page_cache_seconds=int(env.get("PAGE_CACHE_SECONDS", "20")),
            rate_limits_enabled=env.get("RATE_LIMITS", "on").lower() not in {"off", "0", "false"},
            trusted_proxies=_count(env.get("TRUSTED_PROXIES") or "0"),
            beacon_url=(env.get("BEACON_URL") or "").rstrip("/") or None,
            pdf_fonts_folder=(
                Path(env["HOUSING_PDF_FONTS"].strip())
                if (env.get("HOUSING_PDF_FONTS") or "").strip()
                else None
            ),
            messages_per_address_per_day=int(
                env.get("MESSAGES_PER_ADDRESS_PER_DAY", str(cls.messages_per_address_per_day))
            ),
            admission=AdmissionConfig(
                active=int(env.get("ADMISSION_ACTIVE", str(AdmissionConfig.active))),
                wait_seconds=float(
                    env.get("ADMISSION_WAIT_SECONDS", str(AdmissionConfig.wait_seconds))
                ),
                max_waiting=int(env.get("ADMISSION_MAX_WAITING", str(AdmissionConfig.max_waiting))),
            ),
            privacy_erase_after_days=_days_or_off(
                env.get("PRIVACY_ERASE_AFTER_DAYS") or str(cls.privacy_erase_after_days)
            ),
            upload_expiry=timedelta(hours=float(env.get("UPLOAD_EXPIRY_HOURS") or "24")),
            log_format=_log_format(env.get("LOG_FORMAT") or "text"),
            metrics_allow=tuple(
                part.strip()
                for part in env.get("METRICS_ALLOW", ",".join(cls.metrics_allow)).split(",")
                if part.strip()
            ),
            metrics_folder=(
                Path(env["PROMETHEUS_MULTIPROC_DIR"])
                if env.get("PROMETHEUS_MULTIPROC_DIR")
                else None
            ),
        )


def _s3_config(env: os._Environ[str] | dict[str, str]) -> S3Config | None:
    """The bucket named by STORAGE_URL (``s3://bucket/optional/prefix``); unset: None."""
    url = env.get("STORAGE_URL") or ""
    if not url:
        return None
    scheme, _, rest = url.partition("://")
    bucket, _, prefix = rest.partition("/")
    if scheme != "s3" or not bucket:
        raise ValueError(f"STORAGE_URL must look like s3://bucket/prefix, not {url!r}")
    return S3Config(
        bucket=bucket,
        prefix=prefix.strip("/"),
        endpoint_url=env.get("S3_ENDPOINT_URL") or None,
        region=env.get("S3_REGION") or None,
        access_key_id=env.get("S3_ACCESS_KEY_ID") or None,
        secret_access_key=env.get("S3_SECRET_ACCESS_KEY") or None,
        addressing_style=env.get("S3_ADDRESSING_STYLE") or "auto",
    )


def _with_driver(url: str) -> str:
    """Heroku-style URLs name the dialect "postgres"; SQLAlchemy wants the driver spelled out."""
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _log_format(value: str) -> str:
    if value not in {"text", "json"}:
        raise ValueError(f"LOG_FORMAT must be text or json: {value!r}")
    return value


def _days_or_off(value: str) -> int | None:
    """A number of days (0 or more), or "off"."""
    return None if value.strip().lower() == "off" else _count(value)


def _count(value: str) -> int:
    """A whole number, 0 or more."""
    number = int(value)
    if number < 0:
        raise ValueError(f"A count cannot be negative: {value!r}")
    return number


def _flag(env: os._Environ[str] | dict[str, str], name: str) -> bool:
    return env.get(name, "").lower() in {"1", "true", "yes"}


def _secret_key(env: os._Environ[str] | dict[str, str], instance: Path) -> str:
    """SECRET_KEY; in the embedded mode (no DATABASE_URL) one made up and kept in the instance
    folder. With a database of their own, several web and worker hosts sign sessions and links
    that each other must accept: a key each made up for itself would break them."""
    key = env.get("SECRET_KEY") or ""
    if key.strip():
        return key
    if env.get("DATABASE_URL"):
        raise ValueError(
            "SECRET_KEY must be set when DATABASE_URL is: every web and worker process of the "
            "site signs and checks sessions and links with the same key."
        )
    return _development_secret(instance)


def _development_secret(instance: Path) -> str:
    """A per-checkout random secret, so the embedded mode never ships a known key."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    import secrets

    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    return key
