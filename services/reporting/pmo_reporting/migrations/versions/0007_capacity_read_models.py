"""The capacity read models: working calendars, people, their availability reports and their
allocations, as the capacity service's events (topic pmo.capacity.events) describe them.

Revision ID: 0007
Revises: 0006

Calendars and people carry the version of their stream the projection has applied (events
apply in order; a redelivered one at or below it is skipped). A week's availability report is
the latest one for that week; allocations keep their soft / hard kind and release. The DDL is
written out (not imported) so this revision keeps building what it built.
"""

from alembic import op

from pmo_kernel.migrations import current_schema

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = ("calendars", "people", "availability_reports", "allocations")


def upgrade() -> None:
    s = f'"{current_schema()}"'
    op.execute(
        f"""CREATE TABLE {s}.calendars (
            id text PRIMARY KEY,
            version integer NOT NULL CHECK (version > 0),
            name text NOT NULL,
            hours_per_week numeric(6, 2) NOT NULL,
            holidays jsonb NOT NULL DEFAULT '[]',  -- ["2027-05-13", ...]
            defined_at timestamptz NOT NULL
        )"""
    )
    op.execute(
        f"""CREATE TABLE {s}.people (
            id text PRIMARY KEY,
            version integer NOT NULL CHECK (version > 0),
            name text NOT NULL,
            line_manager text NOT NULL,
            team text NOT NULL,
            roles jsonb NOT NULL DEFAULT '[]',  -- ["developer", ...]
            skills jsonb NOT NULL DEFAULT '[]',  -- [{{"name", "level"}}]
            cost_rate_amount numeric(18, 2) NOT NULL,
            cost_rate_currency text NOT NULL,
            calendar_id text NOT NULL,
            part_time_percent numeric(5, 2) NOT NULL,
            last_day date,
            registered_at timestamptz NOT NULL
        )"""
    )
    op.execute(f"CREATE INDEX people_by_line_manager ON {s}.people (line_manager)")
    op.execute(f"CREATE INDEX people_by_team ON {s}.people (team, name, id)")
    op.execute(f"CREATE INDEX people_by_name ON {s}.people (name, id)")
    op.execute(
        f"""CREATE TABLE {s}.availability_reports (
            person_id text NOT NULL,
            week text NOT NULL,  -- ISO week, 2027-W17
            available_percent numeric(5, 2),
            absence_hours numeric(6, 2),
            other_duty_hours numeric(6, 2),
            note text,
            reported_by text NOT NULL,
            reported_at timestamptz NOT NULL,
            PRIMARY KEY (person_id, week)
        )"""
    )
    op.execute(
        f"""CREATE TABLE {s}.allocations (
            id text PRIMARY KEY,
            person_id text NOT NULL,
            project_id text NOT NULL,
            start_week text NOT NULL,
            end_week text NOT NULL,
            -- hours a week, or else a percent of the person's availability each week
            hours_per_week numeric(6, 2),
            percent_of_availability numeric(5, 2),
            kind text NOT NULL CHECK (kind IN ('soft', 'hard')),
            over_allocated boolean NOT NULL,
            released boolean NOT NULL DEFAULT false,
            proposed_by text NOT NULL,
            proposed_at timestamptz NOT NULL,
            confirmed_by text,
            confirmed_at timestamptz,
            released_by text,
            released_at timestamptz
        )"""
    )
    op.execute(f"CREATE INDEX allocations_by_person ON {s}.allocations (person_id)")


def downgrade() -> None:
    s = f'"{current_schema()}"'
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE {s}.{table}")
