"""The read models of an item's registers: its risks and issues (`risk_registers`), its benefit
plans with the values realised (`benefit_registers`), one row per item and register, keyed by
the item's id as its stream is.

Revision ID: 0010
Revises: 0009

`risks`: [{risk_id, item_id, title, description, category, owner, inherent and residual
({probability, impact, score, band}; residual null until a response is planned), response,
state (open, closed), review_by, actions [{action_id, description, owner, due_on, done,
completed_at}], identified_at, closed_at, close_reason}]; `issues`: [{issue_id, item_id, title,
description, severity, owner, due_on, from_risk_id, state (open, resolved), raised_at,
resolved_at, resolution}]; `benefits`: [{benefit_id, item_id, measure, unit, baseline, target,
starts, target_date, owner, source, planned_at, realised {"YYYY-MM": value}}], values as decimal
strings. The DDL is written out (not imported) so this revision keeps building what it built.
"""

from alembic import op

from pmo_kernel.migrations import current_schema

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLES = ("risk_registers", "benefit_registers")


def upgrade() -> None:
    s = f'"{current_schema()}"'
    op.execute(
        f"""CREATE TABLE {s}.risk_registers (
            id text PRIMARY KEY,  -- the item's id
            version integer NOT NULL CHECK (version > 0),
            risks jsonb NOT NULL DEFAULT '[]',
            issues jsonb NOT NULL DEFAULT '[]',
            updated_at timestamptz NOT NULL
        )"""
    )
    op.execute(
        f"""CREATE TABLE {s}.benefit_registers (
            id text PRIMARY KEY,  -- the item's id
            version integer NOT NULL CHECK (version > 0),
            benefits jsonb NOT NULL DEFAULT '[]',
            updated_at timestamptz NOT NULL
        )"""
    )


def downgrade() -> None:
    s = f'"{current_schema()}"'
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE IF EXISTS {s}.{table}")
