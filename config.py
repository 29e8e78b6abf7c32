"""Configuration classes, read from environment variables.

`create_app` picks one by name (``APP_CONFIG`` or the ``config_name`` argument).
Everything hub-specific (name, region, aid ceilings) lives here or in the database,
so another EDIH can run its own instance without code changes.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

#: All Romanian counties (ISO 3166-2:RO codes without the ``RO-`` prefix).
ROMANIAN_COUNTIES: dict[str, str] = {
    "AB": "Alba", "AR": "Arad", "AG": "Argeș", "BC": "Bacău", "BH": "Bihor",
    "BN": "Bistrița-Năsăud", "BT": "Botoșani", "BV": "Brașov", "BR": "Brăila",
    "B": "București", "BZ": "Buzău", "CS": "Caraș-Severin", "CL": "Călărași",
    "CJ": "Cluj", "CT": "Constanța", "CV": "Covasna", "DB": "Dâmbovița",
    "DJ": "Dolj", "GL": "Galați", "GR": "Giurgiu", "GJ": "Gorj", "HR": "Harghita",
    "HD": "Hunedoara", "IL": "Ialomița", "IS": "Iași", "IF": "Ilfov",
    "MM": "Maramureș", "MH": "Mehedinți", "MS": "Mureș", "NT": "Neamț", "OT": "Olt",
    "PH": "Prahova", "SM": "Satu Mare", "SJ": "Sălaj", "SB": "Sibiu",
    "SV": "Suceava", "TR": "Teleorman", "TM": "Timiș", "TL": "Tulcea",
    "VS": "Vaslui", "VL": "Vâlcea", "VN": "Vrancea",
}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def default_database_url() -> str:
    """The embedded SQLite file under ``instance/`` unless ``DATABASE_URL`` is set."""
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the old driver; psycopg 3 is the one installed.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://"):]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return f"sqlite:///{INSTANCE_DIR / 'dih4society.sqlite'}"


#: The published development key. Anyone can sign a session cookie with it, so
#: production refuses it and development serves only loopback clients while it is in
#: use (see ``dih4society.core.security.refuse_remote_with_default_key``).
DEFAULT_SECRET_KEY = "dev-not-secret"


class Config:
    """Defaults shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = default_database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_RECORD_QUERIES = False

    # The hub running this instance.
    HUB_NAME = os.environ.get("HUB_NAME", "DIH4Society")
    HUB_FULL_NAME = os.environ.get(
        "HUB_FULL_NAME", "DIH4Society — European Digital Innovation Hub, North-West Romania"
    )
    APP_NAME = os.environ.get("APP_NAME", "Voucher platform")
    # The same names in Romanian (pages, letters and e-mails in Romanian use them).
    HUB_FULL_NAME_RO = os.environ.get(
        "HUB_FULL_NAME_RO", "DIH4Society — Hub European de Inovare Digitală Nord-Vest"
    )
    APP_NAME_RO = os.environ.get("APP_NAME_RO", "Platforma de vouchere")
    #: Where users reach the site; links in e-mails are built from it, never from the
    #: request's Host header (which a visitor controls).
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '5000')}").rstrip("/")
    #: Counties of the hub's own region; they are listed first and get priority.
    HUB_REGION_COUNTIES = _env_list("HUB_REGION_COUNTIES", "BH,BN,CJ,MM,SM,SJ")
    COUNTIES = ROMANIAN_COUNTIES

    # State aid (DOMAIN.md): ceilings in euro cents over a rolling window of years.
    AID_CEILINGS_CENTS = {
        "de_minimis": int(os.environ.get("AID_CEILING_DE_MINIMIS_EUR", "300000")) * 100,
        "gber_28": int(os.environ.get("AID_CEILING_GBER28_EUR", "220000")) * 100,
    }
    AID_WINDOW_YEARS = int(os.environ.get("AID_WINDOW_YEARS", "3"))
    #: A new service's co-payment: the share of its value the beneficiary pays (0: nothing).
    DEFAULT_CO_PAYMENT_PERCENT = int(os.environ.get("DEFAULT_CO_PAYMENT_PERCENT", "0"))

    # Decisions (DESIGN.md §3): approvals of more than this need a second approval from
    # another organisation (a partner's approvers, or the hub management for managers).
    APPROVAL_SECOND_ABOVE_EUR = int(os.environ.get("APPROVAL_SECOND_ABOVE_EUR", "25000"))
    #: Let a partner's approvers approve its own services, always with a second approval
    #: from outside that partner (off: they never decide their own partner's services).
    OWN_PARTNER_APPROVAL_WITH_SECOND = os.environ.get("OWN_PARTNER_APPROVAL_WITH_SECOND", "0") == "1"
    # Partner staff see other partners' beneficiaries by name (largest beneficiaries).
    PARTNERS_SEE_ALL = os.environ.get("PARTNERS_SEE_ALL", "0") == "1"

    # Sessions and cookies.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    #: Strict-Transport-Security max-age; 0 sends no header (development over http).
    HSTS_SECONDS = 0
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None

    # Passwords: argon2id at OWASP's minimum (19 MiB, t=2, p=1).
    ARGON2_MEMORY_KIB = 19456
    ARGON2_TIME_COST = 2
    ARGON2_PARALLELISM = 1
    PASSWORD_MIN_LENGTH = 12
    #: On top of zxcvbn score >= 3 (10**8 guesses): "Summer2026!!" sits exactly at 10**8.
    PASSWORD_MIN_GUESSES_LOG10 = 9
    PASSWORD_RESET_MAX_AGE = 3600

    # Server-side sessions (auth/sessions.py): idle and absolute timeouts.
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "60"))
    SESSION_ABSOLUTE_HOURS = int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12"))
    #: `last_seen_at` is written at most this often per session (a cheap request path).
    SESSION_TOUCH_SECONDS = 60

    # Login throttling, counted in the database (auth/throttle.py). Per (account, IP):
    # LOGIN_FREE_FAILURES free, then delays doubling up to LOGIN_MAX_DELAY_SECONDS.
    # Per account over all IPs: past LOGIN_ACCOUNT_CAP failures, one guess per
    # LOGIN_ACCOUNT_SLOW_SECONDS, but a right password with a second factor still passes.
    LOGIN_FREE_FAILURES = 3
    LOGIN_MAX_DELAY_SECONDS = 15 * 60
    LOGIN_ACCOUNT_CAP = 20
    LOGIN_ACCOUNT_SLOW_SECONDS = 30
    LOGIN_WINDOW_SECONDS = 60 * 60
    #: Proxies (IPs or CIDRs) whose X-Forwarded-For / X-Forwarded-Proto are believed.
    TRUSTED_PROXIES = _env_list("TRUSTED_PROXIES", "")
    #: Rate limits for e-mail-sending forms, "count/seconds" per IP and per address.
    RATE_LIMITS = {
        "forgot_password": {"ip": (10, 3600), "address": (3, 3600)},
        "register": {"ip": (10, 3600), "address": (3, 3600)},
        "invite": {"ip": (30, 3600), "address": (3, 3600)},
    }

    # Second factor: TOTP and passkeys. When required, staff enrol before any staff page.
    STAFF_MFA_REQUIRED = os.environ.get("STAFF_MFA_REQUIRED", "0").lower() in ("1", "true", "yes", "on")
    #: WebAuthn relying party; by default the host of PUBLIC_BASE_URL.
    WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID", "")

    # Mail: with no MAIL_SERVER messages go to the log.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "no-reply@dih4society.example")

    # Uploads, stored outside the web root.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024

    # Languages.
    LANGUAGES = ["en", "ro"]
    #: The language of visitors who have not chosen one, and of users without a preference.
    DEFAULT_LOCALE = os.environ.get("DEFAULT_LOCALE", "en")
    BABEL_DEFAULT_LOCALE = DEFAULT_LOCALE
    BABEL_DEFAULT_TIMEZONE = "Europe/Bucharest"

    BOOTSTRAP_SERVE_LOCAL = True
    PAGE_SIZE = 25

    # Digital Maturity Assessment: months after the first closed application until T1 is asked.
    DMA_T1_AFTER_MONTHS = int(os.environ.get("DMA_T1_AFTER_MONTHS", "12"))
    # Vouchers (issue 12): delivered within this many months of approval; one extension.
    VOUCHER_VALID_MONTHS = int(os.environ.get("VOUCHER_VALID_MONTHS", "12"))
    VOUCHER_EXTENSION_MONTHS = int(os.environ.get("VOUCHER_EXTENSION_MONTHS", "3"))


class DevelopmentConfig(Config):
    """Local development and the demo, on the embedded SQLite database (Romanian first)."""

    DEBUG = False
    DEFAULT_LOCALE = os.environ.get("DEFAULT_LOCALE", "ro")
    BABEL_DEFAULT_LOCALE = DEFAULT_LOCALE


class TestingConfig(Config):
    """Used by the test suite; the database URL comes from the fixture."""

    TESTING = True
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "testing-secret-key-not-for-production"
    # Cheaper hashing keeps the suite fast; production uses OWASP's parameters.
    ARGON2_MEMORY_KIB = 1024
    ARGON2_TIME_COST = 1
    SERVER_NAME = None


class ProductionConfig(Config):
    """PostgreSQL behind gunicorn; refuses to start without real secrets."""

    SESSION_COOKIE_SECURE = True
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
    STAFF_MFA_REQUIRED = os.environ.get("STAFF_MFA_REQUIRED", "1").lower() in ("1", "true", "yes", "on")

    @classmethod
    def check(cls) -> None:
        """Raise if the environment does not provide what production needs."""
        # Compare with the published default, not with ``Config.SECRET_KEY``: that one
        # is read from the same variable, so comparing with it refused every key.
        secret = os.environ.get("SECRET_KEY", "")
        if len(secret) < 32 or secret == DEFAULT_SECRET_KEY:
            raise RuntimeError("Production needs SECRET_KEY (at least 32 random characters).")
        if not os.environ.get("DATABASE_URL"):
            raise RuntimeError("Production needs DATABASE_URL (PostgreSQL).")
        if not os.environ.get("PUBLIC_BASE_URL", "").startswith("https://"):
            raise RuntimeError("Production needs PUBLIC_BASE_URL (https://…), used for links in e-mails.")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
