"""Personas and base data shared by every test (see CONVENTIONS.md §11)."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the base data once into the test database; each test's transaction rolls back to it."""
    with django_db_blocker.unblock():
        factories.load_base()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_live_alarm_evaluation(settings):
    """The alarm engine's live evaluator thread stays off unless a test turns it on (tests/alarms/test_engine_live.py):
    a background thread reading the in-memory SQLite test database collides with other tests' writes. Each test
    starts with a new process engine, so no rule of an earlier test lingers in its index."""
    from ecobrain.alarms.engine import reset_engine

    settings.ALARMS_LIVE = False
    reset_engine()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: cached public pages, the latest hour and rate-limit counters of one
    test must not answer another's requests (the in-memory cache lives as long as the test process)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def base_data(db):
    """Xianyang regions with boundaries, organisations and the HJ 212 factor table."""
    return factories.load_base()


@pytest.fixture
def qindu(base_data):
    return factories.region("610402")  # 秦都区


@pytest.fixture
def binzhou(base_data):
    return factories.region("610482")  # 彬州市


@pytest.fixture
def admin_user(base_data):
    return factories.user("admin", "system_admin", city_wide=True)


@pytest.fixture
def leader(base_data):
    return factories.user("leader", "bureau_leader", city_wide=True)


@pytest.fixture
def monitor(base_data):
    return factories.user("monitor", "monitoring_staff", city_wide=True)


@pytest.fixture
def officer(base_data):
    return factories.user("officer", "enforcement_officer", city_wide=True)


@pytest.fixture
def handler(qindu):
    """A district handler whose scope is 秦都区 only."""
    return factories.user("handler", "district_handler", districts=[qindu])


@pytest.fixture
def enterprise_in_qindu(qindu):
    return factories.enterprise(qindu, name="咸阳示范热电有限公司")


@pytest.fixture
def enterprise_in_binzhou(binzhou):
    return factories.enterprise(binzhou, name="彬州示范水泥有限公司")


@pytest.fixture
def enterprise_user(enterprise_in_qindu):
    return factories.user("ent", "enterprise_user", enterprise=enterprise_in_qindu)


@pytest.fixture
def consumer(base_data):
    return factories.user("consumer", "data_consumer")


@pytest.fixture
def login(client):
    """``login(user)`` signs the Django test client in as that persona."""

    def _login(user):
        client.force_login(user, backend="ecobrain.accounts.backends.ThrottledModelBackend")
        return client

    return _login
