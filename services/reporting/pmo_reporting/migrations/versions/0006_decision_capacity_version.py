"""Decisions carry the capacity version they were taken on.

Revision ID: 0006
Revises: 0005

`capacity_version` is an additive field of the portfolio's Decision payload: the highest
capacity event position the portfolio had applied when the decision was taken. NULL for
decisions taken before the portfolio consumed the capacity service's events, or while it had
received none. The DDL is written out (not imported) so this revision keeps building what it
built.
"""

from alembic import op

from pmo_kernel.migrations import current_schema

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = f'"{current_schema()}"'
    op.execute(f"ALTER TABLE {s}.decisions ADD COLUMN capacity_version bigint")


def downgrade() -> None:
    s = f'"{current_schema()}"'
    op.execute(f"ALTER TABLE {s}.decisions DROP COLUMN capacity_version")
