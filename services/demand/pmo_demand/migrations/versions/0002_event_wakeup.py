"""Appends announce themselves (NOTIFY on the events table): the relay sleeps until one comes
instead of reading the log every 10 ms.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from pmo_kernel.migrations import current_schema
from pmo_kernel.store.schema import event_wakeup_ddl

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in event_wakeup_ddl(current_schema()):
        op.execute(statement)
