"""Test-wide fixtures. Infrastructure (PostgreSQL, broker) comes from tests/infra.py, chosen by
PMO_TEST_INFRA: embedded (default), external or docker."""

pytest_plugins = ["tests.infra"]
