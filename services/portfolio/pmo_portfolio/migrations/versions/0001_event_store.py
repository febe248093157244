"""The portfolio event store, its relay checkpoints, and the dedupe table of its demand consumer.

Revision ID: 0001
Revises:
"""

from alembic import op

from pmo_kernel.migrations import current_schema
from pmo_kernel.store.schema import application_role_ddl, consumer_ddl, event_store_ddl

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema = current_schema()
    # Streams unique per id, as first built: 0006 makes them unique per (type, id).
    for statement in event_store_ddl(schema, typed_streams=False) + consumer_ddl(schema)[1:]:
        op.execute(statement)
    for statement in application_role_ddl(schema, "pmo_portfolio_app"):
        op.execute(statement)
