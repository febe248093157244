"""The capacity read models of staffing: resource requests, staffing proposals with the
decision on each of their assignments, the skills catalogue; and the version every capacity
stream has reached in the read models, which read-your-writes waits on.

Revision ID: 0008
Revises: 0007

`capacity_stream_versions` is keyed "<stream type>/<stream id>" (calendar/BE, person/ann,
request/R-1, proposal/P-1, skills/catalogue), as the portfolio's stream versions are: the
projection orders every capacity stream by it, and NOTIFYs what it reached. It starts with the
calendars' and people's versions, which 0007 kept on their rows. A proposal is one row: its
StaffingProposed payload as the optimiser recorded it (assignments, reasons, alternatives,
unfilled requests and demand) and `decisions`, the accepted or declined assignments by request
id. The DDL is written out (not imported) so this revision keeps building what it built.
"""

from alembic import op

from pmo_kernel.migrations import current_schema

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = ("capacity_stream_versions", "resource_requests", "staffing_proposals", "skills")


def upgrade() -> None:
    s = f'"{current_schema()}"'
    op.execute(
        f"""CREATE TABLE {s}.capacity_stream_versions (
            stream_id text PRIMARY KEY,  -- "<stream type>/<stream id>"
            version integer NOT NULL CHECK (version > 0)
        )"""
    )
    op.execute(
        f"""INSERT INTO {s}.capacity_stream_versions (stream_id, version)
            SELECT 'calendar/' || id, version FROM {s}.calendars
            UNION ALL SELECT 'person/' || id, version FROM {s}.people"""
    )
    op.execute(
        f"""CREATE TABLE {s}.resource_requests (
            id text PRIMARY KEY,
            version integer NOT NULL CHECK (version > 0),
            status text NOT NULL CHECK (status IN ('open', 'filled', 'cancelled')),
            project_id text NOT NULL,
            role text NOT NULL,
            skills jsonb NOT NULL DEFAULT '[]',  -- [{{"name", "min_level"}}]
            start_week text NOT NULL,
            end_week text NOT NULL,
            hours_per_week numeric(6, 2) NOT NULL,
            source text NOT NULL,
            note text,
            raised_by text NOT NULL,
            raised_at timestamptz NOT NULL,
            revised_by text,
            revised_at timestamptz,
            person_id text,  -- once filled, with the allocation that fills it
            allocation_id text,
            filled_by text,
            filled_at timestamptz,
            cancel_reason text,
            cancelled_by text,
            cancelled_at timestamptz
        )"""
    )
    op.execute(
        f"CREATE INDEX resource_requests_by_raising ON {s}.resource_requests (raised_at, id)"
    )
    op.execute(f"CREATE INDEX resource_requests_by_project ON {s}.resource_requests (project_id)")
    op.execute(
        f"""CREATE TABLE {s}.staffing_proposals (
            id text PRIMARY KEY,
            version integer NOT NULL CHECK (version > 0),
            body jsonb NOT NULL,  -- the StaffingProposed payload
            decisions jsonb NOT NULL DEFAULT '{{}}',  -- request id → {{"decision", ...}}
            proposed_by text NOT NULL,
            proposed_at timestamptz NOT NULL
        )"""
    )
    op.execute(
        f"CREATE INDEX staffing_proposals_by_time ON {s}.staffing_proposals (proposed_at, id)"
    )
    op.execute(
        f"""CREATE TABLE {s}.skills (
            name text PRIMARY KEY,
            description text,
            added_by text NOT NULL,
            added_at timestamptz NOT NULL
        )"""
    )


def downgrade() -> None:
    s = f'"{current_schema()}"'
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE {s}.{table}")
