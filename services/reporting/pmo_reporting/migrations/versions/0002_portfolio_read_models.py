"""The portfolio read models: items, their scores, scoring models, decisions, meetings, bodies,
routing rules, and the stream versions the portfolio projection has applied.

Revision ID: 0002
Revises: 0001

The DDL is written out here (not imported) so this revision keeps building what it built.
"""

from alembic import op

from pmo_kernel.migrations import current_schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = (
    "portfolio_stream_versions",
    "portfolio_items",
    "item_scores",
    "scoring_models",
    "decisions",
    "meetings",
    "governance_bodies",
    "routing_rule_sets",
)


def upgrade() -> None:
    s = f'"{current_schema()}"'
    op.execute(
        f"""CREATE TABLE {s}.portfolio_stream_versions (
            -- "<stream type>/<stream id>": the last version applied (events apply in order)
            stream_id text PRIMARY KEY,
            version integer NOT NULL CHECK (version > 0)
        )"""
    )
    op.execute(
        f"""CREATE TABLE {s}.portfolio_items (
            id text PRIMARY KEY,
            version integer NOT NULL,
            title text NOT NULL,
            department text NOT NULL,
            category text NOT NULL,
            requester text,
            sponsor text,
            risk_level text,
            state text NOT NULL,
            gate_scheme jsonb NOT NULL DEFAULT '{{}}',
            current_gate text NOT NULL,
            passed_gates jsonb NOT NULL DEFAULT '[]',
            estimated_cost numeric(18, 2),
            estimated_cost_currency text,
            -- the latest business case version the item knows
            business_case_version integer,
            business_case jsonb NOT NULL DEFAULT '{{}}',
            requires_investment_committee boolean NOT NULL DEFAULT false,
            desired_start_quarter text,
            desired_end_quarter text,
            planned_start_quarter text,
            planned_end_quarter text,
            -- {{"2027": {{"amount": "...", "currency": "EUR"}}}}
            cost_per_year jsonb NOT NULL DEFAULT '{{}}',
            registered_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        )"""
    )
    op.execute(f"CREATE INDEX portfolio_items_keyset ON {s}.portfolio_items (registered_at, id)")
    op.execute(f"CREATE INDEX portfolio_items_by_state ON {s}.portfolio_items (state)")
    op.execute(
        f"""CREATE TABLE {s}.item_scores (
            item_id text NOT NULL,
            version integer NOT NULL,  -- the item stream version of the ItemScored event
            evaluator_id text NOT NULL,
            model_id text NOT NULL,
            model_version integer NOT NULL,
            scores jsonb NOT NULL,
            justifications jsonb NOT NULL,
            scored_at timestamptz NOT NULL,
            -- a later evaluation by the same evaluator with the same model version exists
            superseded boolean NOT NULL DEFAULT false,
            PRIMARY KEY (item_id, version)
        )"""
    )
    op.execute(
        f"CREATE INDEX item_scores_current ON {s}.item_scores (model_id, model_version) "
        f"WHERE NOT superseded"
    )
    op.execute(
        f"""CREATE TABLE {s}.scoring_models (
            id text PRIMARY KEY,
            name text NOT NULL,
            kind text NOT NULL,
            status text NOT NULL,
            latest_version integer,
            -- [{{"version", "name", "kind", "criteria": [...], "published_at", "published_by"}}]
            versions jsonb NOT NULL DEFAULT '[]',
            draft jsonb,  -- {{"version", "criteria"}} while a draft is open
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        )"""
    )
    op.execute(
        f"""CREATE TABLE {s}.decisions (
            decision_id text PRIMARY KEY,
            item_id text NOT NULL,
            meeting_id text NOT NULL,
            body_id text NOT NULL,
            body_kind text NOT NULL,
            gate text NOT NULL,
            outcome text NOT NULL,
            rationale text NOT NULL,
            conditions jsonb NOT NULL DEFAULT '[]',
            participants jsonb NOT NULL DEFAULT '[]',
            -- the frozen inputs: what the body decided on
            business_case_version integer,
            business_case jsonb NOT NULL DEFAULT '{{}}',
            facts jsonb NOT NULL DEFAULT '{{}}',
            scoring_model_id text,
            scoring_model_version integer,
            consolidated_score numeric(12, 2),
            evaluator_count integer NOT NULL DEFAULT 0,
            rule_set_version integer NOT NULL,
            applied_rules jsonb NOT NULL DEFAULT '[]',
            budget_envelope_id text,
            budget_envelope_version integer,
            decided_at timestamptz NOT NULL,
            recorded_by text,  -- from the meeting's DecisionRecorded
            recorded_at timestamptz
        )"""
    )
    op.execute(f"CREATE INDEX decisions_by_item ON {s}.decisions (item_id, decided_at)")
    op.execute(f"CREATE INDEX decisions_by_meeting ON {s}.decisions (meeting_id, decided_at)")
    op.execute(
        f"""CREATE TABLE {s}.meetings (
            id text PRIMARY KEY,
            body_id text NOT NULL,
            title text NOT NULL,
            date date NOT NULL,
            closed boolean NOT NULL DEFAULT false,
            agenda jsonb NOT NULL DEFAULT '[]',
            decision_ids jsonb NOT NULL DEFAULT '[]',
            undecided_item_ids jsonb NOT NULL DEFAULT '[]',
            scheduled_at timestamptz NOT NULL,
            closed_at timestamptz
        )"""
    )
    op.execute(f"CREATE INDEX meetings_by_body ON {s}.meetings (body_id, date)")
    op.execute(
        f"""CREATE TABLE {s}.governance_bodies (
            id text PRIMARY KEY,
            kind text NOT NULL,
            name text NOT NULL,
            members jsonb NOT NULL DEFAULT '[]',  -- [{{"person_id", "role"}}]
            rights jsonb NOT NULL DEFAULT '{{}}',  -- {{gate: [outcome, ...]}}
            established_at timestamptz NOT NULL
        )"""
    )
    op.execute(
        f"""CREATE TABLE {s}.routing_rule_sets (
            rule_set_id text NOT NULL,
            version integer NOT NULL,
            rules jsonb NOT NULL,
            base_currency text NOT NULL,
            exchange_rates jsonb NOT NULL DEFAULT '{{}}',
            published_by text NOT NULL,
            published_at timestamptz NOT NULL,
            PRIMARY KEY (rule_set_id, version)
        )"""
    )


def downgrade() -> None:
    s = f'"{current_schema()}"'
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE {s}.{table}")
