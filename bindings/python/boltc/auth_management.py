"""Auth managers (as ``neo4j.auth_management``); boltc supports ``AuthManagers.static`` only."""

from ._driver import AuthManager, AuthManagers

__all__ = ["AuthManager", "AuthManagers"]
