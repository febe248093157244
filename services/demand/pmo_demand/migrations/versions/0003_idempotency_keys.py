"""Keyed commands' outcomes, recorded with their events: retries return them (see
pmo_kernel.idempotency).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from pmo_kernel.migrations import current_schema
from pmo_kernel.store.schema import idempotency_ddl

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in idempotency_ddl(current_schema(), "pmo_demand_app"):
        op.execute(statement)
