"""The reporting read models: demands, their history, projection progress, consumer dedupe.

Revision ID: 0001
Revises:

The DDL is written out here rather than imported, so this revision keeps building the schema it
built on the day it shipped whatever the code later becomes.
"""

from alembic import op

from pmo_kernel.migrations import current_schema
from pmo_kernel.store.schema import consumer_ddl

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = f'"{current_schema()}"'
    for statement in consumer_ddl(current_schema()):
        op.execute(statement)
    op.execute(
        f"""CREATE TABLE {s}.demands (
            id text PRIMARY KEY,
            -- the stream version applied last: events apply in order, each exactly once
            version integer NOT NULL CHECK (version > 0),
            state text NOT NULL,
            title text NOT NULL,
            description text NOT NULL DEFAULT '',
            requester text NOT NULL,
            sponsor text,
            department text NOT NULL,
            category text NOT NULL,
            urgency text NOT NULL,
            strategic_objectives jsonb NOT NULL DEFAULT '[]',
            desired_start_quarter text,
            desired_end_quarter text,
            business_case jsonb,
            business_case_version integer,
            estimated_cost numeric(18, 2),
            estimated_cost_currency text,
            -- NULL until qualification evaluates the governance rules
            requires_investment_committee boolean,
            rejection_reason text,
            withdrawal_reason text,
            open_questions jsonb NOT NULL DEFAULT '[]',
            submitted_at timestamptz NOT NULL,
            qualified_at timestamptz,
            decided_at timestamptz,
            updated_at timestamptz NOT NULL,
            last_actor_id text NOT NULL
        ) WITH (fillfactor = 80)"""
    )
    # Filters, and the keyset order of the demands list (newest first, id breaks ties).
    op.execute(f"CREATE INDEX demands_by_state ON {s}.demands (state, submitted_at, id)")
    op.execute(f"CREATE INDEX demands_by_department ON {s}.demands (department)")
    op.execute(f"CREATE INDEX demands_by_category ON {s}.demands (category)")
    op.execute(f"CREATE INDEX demands_by_requester ON {s}.demands (requester)")
    op.execute(f"CREATE INDEX demands_keyset ON {s}.demands (submitted_at, id)")
    op.execute(
        f"""CREATE TABLE {s}.demand_history (
            demand_id text NOT NULL,
            version integer NOT NULL,
            event_id uuid NOT NULL,
            event_type text NOT NULL,
            actor_id text NOT NULL,
            actor_name text,
            occurred_at timestamptz NOT NULL,
            summary text NOT NULL,
            -- {{field: {{"from": old, "to": new}}}} for the demand fields the event changed
            changes jsonb NOT NULL DEFAULT '{{}}',
            -- what the event said beyond the demand's fields (answers, notes, rules evaluated)
            details jsonb NOT NULL DEFAULT '{{}}',
            PRIMARY KEY (demand_id, version)
        )"""
    )
    op.execute(
        f"""CREATE TABLE {s}.projection_status (
            projection text PRIMARY KEY,
            events_applied bigint NOT NULL DEFAULT 0,
            last_event_id uuid,
            last_event_time timestamptz,
            last_applied_at timestamptz NOT NULL DEFAULT now()
        )"""
    )


def downgrade() -> None:
    s = f'"{current_schema()}"'
    for table in ("projection_status", "demand_history", "demands", "processed_messages"):
        op.execute(f"DROP TABLE {s}.{table}")
