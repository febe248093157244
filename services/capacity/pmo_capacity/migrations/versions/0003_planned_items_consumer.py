"""The dedupe records of the planned-items consumer (pmo.portfolio.events → resource requests),
kept by the service's login, which the consumer connects as.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from pmo_kernel.migrations import current_schema
from pmo_kernel.store.schema import consumer_ddl, consumer_grants_ddl

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

APP_ROLE = "pmo_capacity_app"


def upgrade() -> None:
    schema = current_schema()
    for statement in [*consumer_ddl(schema)[1:], *consumer_grants_ddl(schema, APP_ROLE)]:
        op.execute(statement)
