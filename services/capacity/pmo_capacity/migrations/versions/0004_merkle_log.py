"""The audit log: a Merkle log over the events in log order, its nodes, its progress and its
signed tree heads (pmo_kernel.merkle_log). The service's login may read and add leaves, nodes
and heads, never change them (pmo_kernel.store.schema.merkle_log_ddl).

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from pmo_kernel.migrations import current_schema
from pmo_kernel.store.schema import merkle_log_ddl

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in merkle_log_ddl(current_schema(), "pmo_capacity_app"):
        op.execute(statement)
