"""The read model of staffing drafts: what-if staffing plans, one row per draft, keyed by its
stream id (the capacity stream type "draft").

Revision ID: 0011
Revises: 0010

`request_ids`: the requests the draft is about (none: every open request); `assignments`: who
it gives each request to, [{request_id, project_id, person_id, start_week, end_week,
hours_per_week}] by request id, hours as decimal strings; `adopted`: once adopted, what that made
of each assignment, [{request_id, person_id, allocation_id, over_allocated}]. Its versions are
kept in `capacity_stream_versions` ("draft/<id>") beside the other capacity streams'. The DDL is
written out (not imported) so this revision keeps building what it built.
"""

from alembic import op

from pmo_kernel.migrations import current_schema

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = f'"{current_schema()}"'
    op.execute(
        f"""CREATE TABLE {s}.staffing_drafts (
            id text PRIMARY KEY,
            version integer NOT NULL CHECK (version > 0),
            name text NOT NULL,
            status text NOT NULL CHECK (status IN ('active', 'adopted', 'discarded')),
            from_proposal_id text,
            request_ids jsonb NOT NULL DEFAULT '[]',
            assignments jsonb NOT NULL DEFAULT '[]',
            adopted jsonb NOT NULL DEFAULT '[]',
            filled_hours numeric(10, 2),  -- what the adoption filled
            discard_reason text,
            started_by text NOT NULL,
            started_at timestamptz NOT NULL,
            changed_by text NOT NULL,  -- the last command's actor and time
            changed_at timestamptz NOT NULL,
            closed_by text,  -- who adopted or discarded it
            closed_at timestamptz
        )"""
    )
    op.execute(f"CREATE INDEX staffing_drafts_by_start ON {s}.staffing_drafts (started_at, id)")
    op.execute(
        f"CREATE INDEX staffing_drafts_by_author ON {s}.staffing_drafts (started_by, started_at)"
    )


def downgrade() -> None:
    op.execute(f'DROP TABLE "{current_schema()}".staffing_drafts')
