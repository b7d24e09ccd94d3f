"""The trust options reach the driver under their names: the OS store and the Mozilla bundle."""

from boltc import GraphDatabase, TrustAll, TrustMozillaBundledCAs, TrustSystemCAs, _ffi


def test_trust_constants_name_what_they_are():
    assert (_ffi.TRUST_SYSTEM, _ffi.TRUST_CUSTOM_CA, _ffi.TRUST_ALL, _ffi.TRUST_MOZILLA_BUNDLED) == (0, 1, 2, 3)


def test_each_trust_option_builds_an_encrypted_driver():
    for trust in (TrustSystemCAs(), TrustMozillaBundledCAs(), TrustAll()):
        GraphDatabase.driver("bolt://127.0.0.1:1", encrypted=True, trusted_certificates=trust).close()
