"""Report editions: each generated report with the data it was drawn from and its renderings.

Revision ID: 0009
Revises: 0008

`data` is the edition's canonical JSON (sorted keys): the definition, the stated instant, the
read models' positions (per feed: events applied, last event id) and every section's data. The
HTML and PDF are rendered from it alone, so rebuilding from `data` gives the same bytes;
`positions` repeats the positions as jsonb for queries. `generated_at` is when it was made
(audit only: never rendered). The DDL is written out so this revision keeps building what it
built.
"""

from alembic import op

from pmo_kernel.migrations import current_schema

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = f'"{current_schema()}"'
    op.execute(
        f"""CREATE TABLE {s}.report_editions (
            id text PRIMARY KEY,
            audience text NOT NULL,
            period text NOT NULL,
            programme_id text,
            sequence integer NOT NULL CHECK (sequence > 0),
            as_of timestamptz NOT NULL,
            positions jsonb NOT NULL,
            data text NOT NULL,
            html bytea NOT NULL,
            pdf bytea NOT NULL,
            html_sha256 text NOT NULL,
            pdf_sha256 text NOT NULL,
            generated_by text NOT NULL,
            generated_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (audience, period, programme_id, sequence)
        )"""
    )
    op.execute(f"CREATE INDEX report_editions_by_period ON {s}.report_editions (period, audience)")


def downgrade() -> None:
    op.execute(f'DROP TABLE "{current_schema()}".report_editions')
