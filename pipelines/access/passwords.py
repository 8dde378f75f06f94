"""Salted, slow password hashes with the standard library's scrypt (no extra dependency to keep up to date).

Format ``scrypt$<n>$<r>$<p>$<salt, base64>$<hash, base64>``: the parameters travel with each hash, so they can
be raised later without invalidating existing accounts. n = 2**15, r = 8 (32 MiB per check, ~0.1 s here):
OWASP's minimum for scrypt is n = 2**17 with r = 8 and p = 1, or any setting of equal cost — n = 2**15 with
p = 4 is one of those. Verification compares in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

N, R, P = 2 ** 15, 8, 4
SALT_BYTES, KEY_BYTES = 16, 32
MIN_LENGTH = 12  # ANSSI: 12 characters at least for a password protecting non-public data


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES,
                          maxmem=256 * n * r + (1 << 20))


def hash_password(password: str) -> str:
    """A new hash with a fresh random salt; refuses a password shorter than ``MIN_LENGTH``."""
    problem = weakness(password)
    if problem:
        raise ValueError(problem)
    salt = os.urandom(SALT_BYTES)
    key = _scrypt(password, salt, N, R, P)
    return "$".join(["scrypt", str(N), str(R), str(P), base64.b64encode(salt).decode(), base64.b64encode(key).decode()])


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored``; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        found = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(found, expected)


def weakness(password: str) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"mot de passe trop court : au moins {MIN_LENGTH} caractères"
    if len(set(password)) < 4:
        return "mot de passe trop simple : au moins 4 caractères différents"
    return None
