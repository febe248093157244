"""An allocation of the capacity service loads a person either hours a week or a percent of
their availability each week (AllocationProposed gives one of the two): the feed's allocations
keep both, exactly one of them set. The login's table grants (0007) cover the new column.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

from pmo_kernel.migrations import current_schema

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = current_schema()
    op.execute(
        f"""ALTER TABLE "{s}".capacity_allocations
            ALTER COLUMN hours_per_week DROP NOT NULL,
            ADD COLUMN percent_of_availability numeric,
            ADD CONSTRAINT capacity_allocations_hours_or_percent
                CHECK ((hours_per_week IS NULL) <> (percent_of_availability IS NULL))"""
    )
