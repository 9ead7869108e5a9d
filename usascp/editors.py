"""Who may save: editors' passwords, kept only as salted PBKDF2 hashes (in .streamlit/secrets.toml).

    [editors]
    maria = "pbkdf2_sha256$600000$<salt hex>$<hash hex>"

`python -m usascp hash-password` prints such a line. With no [editors] table the dashboard is read-only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 600_000  # OWASP's 2023 advice for PBKDF2-HMAC-SHA256


def hash_password(password: str, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"{ALGORITHM}${iterations}${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    """True when `password` hashes to `stored`; False for a wrong password or a malformed entry."""
    try:
        algorithm, iterations, salt, expected = stored.split("$")
        if algorithm != ALGORITHM:
            return False
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), expected)


def editor_signed_in(editors: dict[str, str], name: str, password: str) -> bool:
    stored = editors.get(name.strip())
    return bool(stored) and password_matches(password, stored)
