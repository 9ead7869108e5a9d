"""The saved-data database as a Streamlit connection: `[connections.usascp]` in secrets.toml, read by st.connection.

A thin BaseConnection over usascp.pg_store.PostgresStore: Streamlit reads the secrets section, keeps one
store per server process (st.connection caches it) and makes a new one when secrets.toml changes.
"""

from __future__ import annotations

from streamlit.connections import BaseConnection

from usascp.pg_store import PostgresStore, database_address

CONNECTION_NAME = "usascp"
SECRETS_SETTING = "[connections.usascp] in .streamlit/secrets.toml"


class SavedDataConnection(BaseConnection[PostgresStore]):
    """st.connection("usascp", type=SavedDataConnection, shipped=..., cache_root=...).store: the PostgreSQL store."""

    def _connect(self, shipped: str, cache_root: str, **kwargs) -> PostgresStore:
        # Never raises: a section that is not a usable address gives a store whose status says what to fix.
        return PostgresStore(database_address(self._secrets.to_dict(), SECRETS_SETTING), cache_root, shipped)

    @property
    def store(self) -> PostgresStore:
        return self._instance
