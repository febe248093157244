"""The demand event store: events (the outbox too) and the relay's checkpoints.

Revision ID: 0001
Revises:
"""

from alembic import op

from pmo_kernel.migrations import current_schema
from pmo_kernel.store.schema import application_role_ddl, event_store_ddl

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema = current_schema()
    for statement in event_store_ddl(schema, typed_streams=False):  # 0004 types them
        op.execute(statement)
    for statement in application_role_ddl(schema, "pmo_demand_app"):
        op.execute(statement)
