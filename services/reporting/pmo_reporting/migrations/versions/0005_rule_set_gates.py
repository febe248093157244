"""Routing rule sets carry the stage-gate scheme published with them.

Revision ID: 0005
Revises: 0004

`gates` is the scheme new portfolio items are registered under from that version on. NULL for
versions published before the scheme was part of the rules: the portfolio's default scheme
(G0–G4) applied to them. The DDL is written out (not imported) so this revision keeps building
what it built.
"""

from alembic import op

from pmo_kernel.migrations import current_schema

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = f'"{current_schema()}"'
    op.execute(f"ALTER TABLE {s}.routing_rule_sets ADD COLUMN gates jsonb")


def downgrade() -> None:
    s = f'"{current_schema()}"'
    op.execute(f"ALTER TABLE {s}.routing_rule_sets DROP COLUMN gates")
