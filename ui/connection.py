"""The saved-data database as a Streamlit connection: `[connections.usascp]` in secrets.toml, read by st.connection.

A thin BaseConnection over usascp.pg_store.PostgresStore: Streamlit reads the secrets section, keeps one
store per server process (st.connection caches it) and makes a new one when secrets.toml changes.
"""

from __future__ import annotations

import hashlib
import json

import streamlit as st
from streamlit.connections import BaseConnection

from usascp.pg_store import PostgresStore, database_address

CONNECTION_NAME = "usascp"
SECRETS_SETTING = "[connections.usascp] in .streamlit/secrets.toml"


class SavedDataConnection(BaseConnection[PostgresStore]):
    """st.connection("usascp", type=SavedDataConnection, shipped=..., cache_root=..., section_digest=...).store.

    `section_digest` (secrets_section_digest) is only part of st.connection's cache key: a changed section
    gives a new store even where Streamlit does not watch the file (AppTest's secrets).
    """

    def _connect(self, shipped: str, cache_root: str, section_digest: str = "", **kwargs) -> PostgresStore:
        # Never raises: a section that is not a usable address gives a store whose status says what to fix.
        return PostgresStore(database_address(secrets_section(), SECRETS_SETTING), cache_root, shipped)

    @property
    def store(self) -> PostgresStore:
        return self._instance


def secrets_section() -> dict | None:
    """[connections.usascp] as a plain dict; None when there is none.

    Read through st.secrets, which in a server is the same object BaseConnection reads (its `_secrets`), and
    which AppTest replaces with the secrets a test gives.
    """
    try:
        section = st.secrets.get("connections", {}).get(CONNECTION_NAME)
    except (FileNotFoundError, KeyError, AttributeError, TypeError, st.errors.StreamlitSecretNotFoundError):
        return None
    if section is None:
        return None
    return {str(key): value for key, value in section.items()} if hasattr(section, "items") else {"url": section}


def secrets_section_digest(section: dict) -> str:
    return hashlib.sha256(json.dumps(section, sort_keys=True, default=str).encode()).hexdigest()
