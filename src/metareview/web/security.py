"""Security helpers of the web app: password hashing, CSRF tokens, login rate limit, uploads.

* Passwords are hashed with Argon2id (Biryukov, Dinu & Khovratovich 2016, "Argon2: new
  generation of memory-hard functions for password hashing and other applications", IEEE
  EuroS&P, doi:10.1109/EuroSP.2016.31) through argon2-cffi's defaults (RFC 9106 profile).
* CSRF: one random token per session, sent back in every form (the synchroniser-token
  pattern of the OWASP CSRF Prevention Cheat Sheet) and compared in constant time.
* Login: at most ``limit`` failed attempts per username and client address in a sliding
  window; more answer 429 without checking the password.
* Uploads are written only inside the project's upload folder, under a generated name; the
  client's file name contributes nothing but an allow-listed extension.
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from metareview.errors import InputError

__all__ = [
    "ALLOWED_UPLOAD_SUFFIXES",
    "LoginRateLimiter",
    "UploadTooLarge",
    "check_csrf",
    "hash_password",
    "new_csrf_token",
    "safe_upload_path",
    "save_upload",
    "verify_password",
]

#: Extensions of the database exports metareview reads (anything else is stored as .txt).
ALLOWED_UPLOAD_SUFFIXES = frozenset(
    {".ris", ".txt", ".nbib", ".xml", ".csv", ".tsv", ".bib", ".ciw", ".enw", ".medline"}
)
MIN_PASSWORD_LENGTH = 8

_hasher_lock = threading.Lock()
_hasher = None


def _ph():  # type: ignore[no-untyped-def]
    global _hasher
    with _hasher_lock:
        if _hasher is None:
            from argon2 import PasswordHasher

            _hasher = PasswordHasher()
        return _hasher


def hash_password(password: str) -> str:
    """Argon2id hash of *password* (refuses one shorter than 8 characters).

    Examples
    --------
    >>> h = hash_password("correct horse")
    >>> h.startswith("$argon2id$") and verify_password(h, "correct horse")
    True
    >>> verify_password(h, "wrong horse")
    False
    """
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters",
                         column="password", hint="choose a longer password")
    return _ph().hash(password)


_DUMMY_HASH: str | None = None


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when *password* matches *stored_hash*; a missing hash costs the same time."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    global _DUMMY_HASH
    if stored_hash is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = _ph().hash(secrets.token_hex(16))
        stored_hash, password = _DUMMY_HASH, password + "\x00never"
        try:
            _ph().verify(stored_hash, password)
        except (VerificationError, VerifyMismatchError, InvalidHashError):
            pass
        return False
    try:
        return bool(_ph().verify(stored_hash, password))
    except (VerificationError, VerifyMismatchError, InvalidHashError):
        return False


def new_csrf_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def check_csrf(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of the session's token with the one a form sent.

    >>> check_csrf("abc", "abc"), check_csrf("abc", "abd"), check_csrf(None, None)
    (True, False, False)
    """
    if not expected or not given:
        return False
    return hmac.compare_digest(str(expected).encode(), str(given).encode())


class LoginRateLimiter:
    """At most *limit* failed logins per (username, address) within *window* seconds.

    >>> rl = LoginRateLimiter(limit=2, window=60.0, clock=lambda: 0.0)
    >>> rl.blocked("ann", "1.2.3.4")
    False
    >>> rl.failed("ann", "1.2.3.4"); rl.failed("ann", "1.2.3.4")
    >>> rl.blocked("ann", "1.2.3.4"), rl.blocked("ann", "5.6.7.8")
    (True, False)
    """

    def __init__(self, *, limit: int = 5, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._fails: dict[tuple[str, str], deque[float]] = {}

    def _key(self, username: str, address: str) -> tuple[str, str]:
        return (str(username).strip().lower(), str(address))

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        q = self._fails.setdefault(key, deque())
        while q and now - q[0] >= self.window:
            q.popleft()
        return q

    def blocked(self, username: str, address: str) -> bool:
        with self._lock:
            now = self._clock()
            key = self._key(username, address)
            q = self._recent(key, now)
            if not q:
                self._fails.pop(key, None)
            return len(q) >= self.limit

    def failed(self, username: str, address: str) -> None:
        with self._lock:
            now = self._clock()
            if len(self._fails) > 10_000:  # forget expired entries (bounded memory)
                for key in [k for k, q in self._fails.items() if not q or now - q[-1] >= self.window]:
                    del self._fails[key]
            self._recent(self._key(username, address), now).append(now)

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._fails.pop(self._key(username, address), None)


class UploadTooLarge(InputError):
    """An upload over the size limit (the web app answers 413)."""


_SUFFIX = re.compile(r"^\.[a-z0-9]{1,10}$")


def safe_upload_path(folder: Path, client_name: str | None) -> Path:
    """A new path inside *folder* with a generated name; only an allow-listed extension of
    the client's name is kept.

    >>> p = safe_upload_path(Path("/srv/up"), "../../etc/passwd.ris")
    >>> p.parent == Path("/srv/up").resolve() and p.suffix == ".ris" and ".." not in p.name
    True
    >>> safe_upload_path(Path("/srv/up"), "evil.sh").suffix
    '.txt'
    """
    base = Path(folder).resolve()
    name = str(client_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    suffix = Path(name).suffix.lower()
    if not _SUFFIX.match(suffix) or suffix not in ALLOWED_UPLOAD_SUFFIXES:
        suffix = ".txt"
    target = (base / f"{uuid.uuid4().hex}{suffix}").resolve()
    if target.parent != base:  # cannot happen with a generated name; checked all the same
        raise InputError("refused upload path", file=str(target))
    return target


def _size(n: int) -> str:
    """A size for messages.

    >>> _size(50 << 20), _size(256 << 10)
    ('50 MB', '256 KB')
    """
    return f"{n >> 20} MB" if n >= 1 << 20 else f"{n >> 10} KB"


def save_upload(source: BinaryIO, folder: Path, client_name: str | None, *,
                max_bytes: int) -> Path:
    """Copy *source* into a generated file in *folder*, at most *max_bytes* bytes.

    Raises
    ------
    UploadTooLarge
        When the file is larger than *max_bytes* (nothing is kept).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = safe_upload_path(folder, client_name)
    written = 0
    try:
        with target.open("xb") as out:
            while True:
                block = source.read(1 << 20)
                if not block:
                    break
                written += len(block)
                if written > max_bytes:
                    raise UploadTooLarge(
                        f"the file is larger than {_size(max_bytes)}",
                        file=str(client_name or "upload"),
                        hint="split the export into smaller files",
                    )
                out.write(block)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if written == 0:
        target.unlink(missing_ok=True)
        raise InputError("the uploaded file is empty", file=str(client_name or "upload"),
                         hint="choose the export file again")
    return target
