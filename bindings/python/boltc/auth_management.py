"""Auth managers and client certificates (as ``neo4j.auth_management``): ``AuthManagers``
(static, basic, bearer), custom ``AuthManager`` subclasses, ``ExpiringAuth`` and
``ClientCertificate`` (no certificate providers)."""

from ._callbacks import ExpiringAuth
from ._driver import AuthManager, AuthManagers, ClientCertificate

__all__ = ["AuthManager", "AuthManagers", "ClientCertificate", "ExpiringAuth"]
