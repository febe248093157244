"""What the portfolio knows of each demand, from the demand service's events.

An accepted demand becomes a candidate with the facts it was submitted and revised with; those
arrive in earlier events, so the intake keeps them here (its own copy: no service reads
another's tables).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from pmo_kernel.migrations import current_schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = current_schema()
    op.execute(
        f"""CREATE TABLE "{s}".demand_facts (
            demand_id text PRIMARY KEY,
            version integer NOT NULL,
            facts jsonb NOT NULL,
            accepted boolean NOT NULL DEFAULT false,
            updated_at timestamptz NOT NULL DEFAULT now()
        )"""
    )
