"""Auth managers and client certificates (as ``neo4j.auth_management``); boltc supports
``AuthManagers.static`` and ``ClientCertificate`` (no providers)."""

from ._driver import AuthManager, AuthManagers, ClientCertificate

__all__ = ["AuthManager", "AuthManagers", "ClientCertificate"]
