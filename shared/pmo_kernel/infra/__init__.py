"""Local infrastructure for development and tests: PostgreSQL and a Kafka-protocol broker.

Nothing here is used in production deployments, where the database and Kafka are
provided by the platform; the services only ever see a database URL and a bootstrap
address.
"""

from pmo_kernel.infra.broker import BrokerError, TansuBroker
from pmo_kernel.infra.databases import create_database, database_url, drop_database
from pmo_kernel.infra.postgres import EmbeddedPostgres, EmbeddedPostgresError
from pmo_kernel.infra.topics import (
    TopicError,
    delete_topics,
    ensure_topics,
    list_topics,
    wait_for_broker,
)

__all__ = [
    "BrokerError",
    "EmbeddedPostgres",
    "EmbeddedPostgresError",
    "TansuBroker",
    "TopicError",
    "create_database",
    "database_url",
    "delete_topics",
    "drop_database",
    "ensure_topics",
    "list_topics",
    "wait_for_broker",
]
