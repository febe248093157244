"""The portfolio planning read models: budget envelopes (with their versions), arbitration
requests, scenarios, programmes and the items' programme, scenario adoptions in meetings.

Revision ID: 0003
Revises: 0002

The roadmap has no table: the gateway derives it from the planned, approved items and the open
envelopes, both already here. The DDL is written out (not imported) so this revision keeps
building what it built.
"""

from alembic import op

from pmo_kernel.migrations import current_schema

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = (
    "budget_envelopes",
    "arbitration_requests",
    "scenarios",
    "scenario_adoption_decisions",
    "programmes",
)


def upgrade() -> None:
    s = f'"{current_schema()}"'
    op.execute(
        f"""CREATE TABLE {s}.budget_envelopes (
            id text PRIMARY KEY,
            year integer NOT NULL,
            description text NOT NULL,
            -- the latest version's amount: what the roadmap counts while the envelope is open
            envelope_version integer NOT NULL,
            amount numeric(18, 2) NOT NULL,
            currency text NOT NULL,
            -- [{{"version", "amount", "currency", "reason", "set_by", "set_at"}}], oldest first
            versions jsonb NOT NULL DEFAULT '[]',
            closed boolean NOT NULL DEFAULT false,
            close_reason text,
            closed_by text,
            closed_at timestamptz,
            opened_by text NOT NULL,
            opened_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        )"""
    )
    op.execute(f"CREATE INDEX budget_envelopes_by_year ON {s}.budget_envelopes (year, id)")
    op.execute(
        f"""CREATE TABLE {s}.arbitration_requests (
            envelope_id text NOT NULL,
            version integer NOT NULL,  -- the envelope stream version of the request
            year integer NOT NULL,
            envelope_version integer NOT NULL,  -- the version the figures were computed on
            envelope_amount numeric(18, 2) NOT NULL,
            committed numeric(18, 2) NOT NULL,
            over_by numeric(18, 2) NOT NULL,
            currency text NOT NULL,
            item_ids jsonb NOT NULL DEFAULT '[]',  -- the items at stake, dearest first
            requested_by text NOT NULL,
            requested_at timestamptz NOT NULL,
            PRIMARY KEY (envelope_id, version)
        )"""
    )
    op.execute(
        f"CREATE INDEX arbitration_requests_by_year ON {s}.arbitration_requests "
        f"(year, requested_at)"
    )
    op.execute(
        f"""CREATE TABLE {s}.scenarios (
            id text PRIMARY KEY,
            name text NOT NULL,
            description text NOT NULL,
            state text NOT NULL,  -- saved, adopted, archived
            -- as saved, decimals as strings: candidates, budgets, currency, capacity, ...
            inputs jsonb NOT NULL,
            -- selected, total_value, budget_used, capacity_used, optimal, solver, ...
            result jsonb NOT NULL,
            saved_by text NOT NULL,
            saved_at timestamptz NOT NULL,
            -- {{"decision_id", "meeting_id", "body_id", "selected", "adopted_by", "adopted_at"}}
            adoption jsonb,
            archive_reason text,
            archived_by text,
            archived_at timestamptz,
            updated_at timestamptz NOT NULL
        )"""
    )
    op.execute(f"CREATE INDEX scenarios_by_state ON {s}.scenarios (state, saved_at)")
    op.execute(
        f"""CREATE TABLE {s}.scenario_adoption_decisions (
            -- a meeting's decision to adopt a scenario: a line of its decision register
            decision_id text PRIMARY KEY,
            meeting_id text NOT NULL,
            scenario_id text NOT NULL,
            body_id text NOT NULL,
            participants jsonb NOT NULL DEFAULT '[]',
            rationale text NOT NULL,
            selected jsonb NOT NULL DEFAULT '[]',
            decided_at timestamptz NOT NULL
        )"""
    )
    op.execute(
        f"CREATE INDEX scenario_adoption_decisions_by_meeting "
        f"ON {s}.scenario_adoption_decisions (meeting_id, decided_at)"
    )
    op.execute(
        f"""CREATE TABLE {s}.programmes (
            id text PRIMARY KEY,
            name text NOT NULL,
            description text NOT NULL,
            sponsor text,
            established_by text NOT NULL,
            established_at timestamptz NOT NULL
        )"""
    )
    op.execute(f"ALTER TABLE {s}.portfolio_items ADD COLUMN programme_id text")
    op.execute(
        f"CREATE INDEX portfolio_items_by_programme ON {s}.portfolio_items (programme_id) "
        f"WHERE programme_id IS NOT NULL"
    )


def downgrade() -> None:
    s = f'"{current_schema()}"'
    op.execute(f"DROP INDEX {s}.portfolio_items_by_programme")
    op.execute(f"ALTER TABLE {s}.portfolio_items DROP COLUMN programme_id")
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE {s}.{table}")
