"""Auth managers and client certificates (as ``neo4j.auth_management``): ``AuthManagers``
(static, basic, bearer), custom ``AuthManager`` subclasses, ``ExpiringAuth``,
``ClientCertificate``, ``ClientCertificateProviders`` (static, rotating) and custom
``ClientCertificateProvider`` subclasses."""

from ._callbacks import ExpiringAuth
from ._driver import (AuthManager, AuthManagers, ClientCertificate, ClientCertificateProvider,
                      ClientCertificateProviders, RotatingClientCertificateProvider)

__all__ = ["AuthManager", "AuthManagers", "ClientCertificate", "ClientCertificateProvider",
           "ClientCertificateProviders", "ExpiringAuth", "RotatingClientCertificateProvider"]
