"""What the portfolio knows of the capacity service, from its events (the capacity feed): people,
calendars, the latest availability report of each person-week and allocations, each capacity
stream's version applied (order and redelivery), and the capacity version: the highest capacity
log position applied, which scenarios and decisions freeze. The portfolio's own copy: no
service reads another's tables. Its login keeps them, as the feed process connects as it.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

from pmo_kernel.migrations import current_schema

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = (
    "capacity_streams",
    "capacity_people",
    "capacity_calendars",
    "capacity_reports",
    "capacity_allocations",
    "capacity_version",
)


def upgrade() -> None:
    s = current_schema()
    op.execute(
        f"""CREATE TABLE "{s}".capacity_streams (
            stream_type text NOT NULL,
            stream_id text NOT NULL,
            version integer NOT NULL,
            PRIMARY KEY (stream_type, stream_id)
        )"""
    )
    op.execute(
        f"""CREATE TABLE "{s}".capacity_people (
            person_id text PRIMARY KEY,
            roles text[] NOT NULL,
            calendar_id text NOT NULL,
            part_time_percent numeric NOT NULL,
            last_day date
        )"""
    )
    op.execute(
        f"""CREATE TABLE "{s}".capacity_calendars (
            calendar_id text PRIMARY KEY,
            hours_per_week numeric NOT NULL,
            public_holidays date[] NOT NULL
        )"""
    )
    op.execute(
        f"""CREATE TABLE "{s}".capacity_reports (
            person_id text NOT NULL,
            week text NOT NULL,
            available_percent numeric,
            absence_hours numeric,
            other_duty_hours numeric,
            PRIMARY KEY (person_id, week)
        )"""
    )
    op.execute(
        f"""CREATE TABLE "{s}".capacity_allocations (
            person_id text NOT NULL,
            allocation_id text NOT NULL,
            project_id text NOT NULL,
            start_week text NOT NULL,
            end_week text NOT NULL,
            hours_per_week numeric NOT NULL,
            kind text NOT NULL,
            released boolean NOT NULL DEFAULT false,
            PRIMARY KEY (person_id, allocation_id)
        )"""
    )
    op.execute(
        f"""CREATE TABLE "{s}".capacity_version (
            singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
            position bigint NOT NULL
        )"""
    )
    for table in TABLES:
        op.execute(f'GRANT SELECT, INSERT, UPDATE ON "{s}".{table} TO pmo_portfolio_app')
