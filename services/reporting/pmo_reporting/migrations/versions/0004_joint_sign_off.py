"""Joint sign-off on decisions: the required bodies an approval still awaits, and the earlier
approvals it counts with.

Revision ID: 0004
Revises: 0003

Both are additive fields of the portfolio's Decision payload (empty on every decision but an
approval of a joint sign-off, and on decisions taken before joint sign-off existed): existing
rows get the empty list, which is what their payloads mean. The DDL is written out (not
imported) so this revision keeps building what it built.
"""

from alembic import op

from pmo_kernel.migrations import current_schema

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = f'"{current_schema()}"'
    op.execute(
        f"""ALTER TABLE {s}.decisions
            -- the required body kinds still to approve after this approval (empty: it passed
            -- the gate, or no joint sign-off was needed)
            ADD COLUMN awaiting_approval_from jsonb NOT NULL DEFAULT '[]',
            -- the decision ids of the approvals this one counts with, oldest first
            ADD COLUMN earlier_approvals jsonb NOT NULL DEFAULT '[]'"""
    )


def downgrade() -> None:
    s = f'"{current_schema()}"'
    op.execute(
        f"ALTER TABLE {s}.decisions DROP COLUMN earlier_approvals, "
        f"DROP COLUMN awaiting_approval_from"
    )
