"""DDL for the tables the kernel needs in each service's schema. Called from each service's
alembic history, so every service owns its schema and its migrations."""

from __future__ import annotations


def event_store_ddl(schema: str, *, typed_streams: bool = True) -> list[str]:
    """The events table and what guards it. A stream is (stream_type, stream_id): its versions
    are unique per type and id, so two types may share an id (see pmo_kernel.streams).
    `typed_streams=False` is the first migrations' shape, unique per id alone: those migrations
    are history and keep building it; `typed_stream_key_ddl` moves such a schema on."""
    s = _quote(schema)
    stream_key = (
        "CONSTRAINT events_stream_key UNIQUE (stream_type, stream_id, stream_version)"
        if typed_streams
        else "CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version)"
    )
    return [
        f"CREATE SCHEMA IF NOT EXISTS {s}",
        # global_position: assigned by the database at insert. It is unique and increasing per
        # insert, but inserts may COMMIT out of order, so log readers never page by it alone:
        # they page by (tx_id, global_position) and only below the oldest open transaction
        # (see EventStore.read_all). tx_id is the inserting transaction's 64-bit id.
        f"""CREATE TABLE {s}.events (
            global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            tx_id bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
            event_id uuid NOT NULL,
            stream_type text NOT NULL,
            stream_id text NOT NULL,
            stream_version integer NOT NULL CHECK (stream_version > 0),
            event_type text NOT NULL,
            schema_version integer NOT NULL CHECK (schema_version > 0),
            payload jsonb NOT NULL,
            metadata jsonb NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            prev_hash text,
            hash text NOT NULL,
            CONSTRAINT events_event_id_key UNIQUE (event_id),
            {stream_key}
        )""",
        f"CREATE INDEX events_log_order ON {s}.events (tx_id, global_position)",
        f"CREATE INDEX events_by_type ON {s}.events (stream_type, global_position)",
        # The log is append-only for everyone, application role or not: only a superuser who
        # disables the trigger can alter it, and `pmo audit verify` then finds the change.
        f"""CREATE FUNCTION {s}.refuse_event_mutation() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'events are immutable: % on %.% refused', TG_OP, TG_TABLE_SCHEMA,
                    TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
            END $$""",
        f"""CREATE TRIGGER events_immutable BEFORE UPDATE OR DELETE ON {s}.events
            FOR EACH ROW EXECUTE FUNCTION {s}.refuse_event_mutation()""",
        f"""CREATE TRIGGER events_not_truncated BEFORE TRUNCATE ON {s}.events
            FOR EACH STATEMENT EXECUTE FUNCTION {s}.refuse_event_mutation()""",
        # Outbox relay progress, one row per publisher.
        f"""CREATE TABLE {s}.relay_checkpoints (
            relay text PRIMARY KEY,
            tx_id bigint NOT NULL,
            global_position bigint NOT NULL,
            published bigint NOT NULL DEFAULT 0,
            -- partition -> id of the event at offset 0: if that record vanishes or changes, the
            -- broker lost the topic's data (the in-memory dev broker does on restart).
            anchors jsonb NOT NULL DEFAULT '{{}}',
            updated_at timestamptz NOT NULL DEFAULT now()
        )""",
        *event_wakeup_ddl(schema),
    ]


def typed_stream_key_ddl(schema: str) -> list[str]:
    """Move a schema whose streams were unique per id (`events_stream_version_key`) to streams
    unique per (type, id) (`events_stream_key`). Only constraints change: no event is rewritten
    (the table refuses it anyway), and every hash chain stays as it was, since a chain already
    was one id's events. Refuses, naming them, if some id holds events of two types: such
    events could not exist under the old key unless it was bypassed, and adopting the new key
    would silently split what was one version sequence. Idempotent."""
    s = _quote(schema)
    return [
        # No append may slip in between the check and the new key (the key takes a stronger
        # lock anyway, at the end of the transaction's work).
        f"LOCK TABLE {s}.events IN SHARE ROW EXCLUSIVE MODE",
        f"""DO $$
            DECLARE
                mixed text;
            BEGIN
                SELECT string_agg(format('%s (%s)', stream_id, types), ', ')
                  INTO mixed
                  FROM (SELECT stream_id, string_agg(DISTINCT stream_type, ', ') AS types
                          FROM {s}.events GROUP BY stream_id
                          HAVING count(DISTINCT stream_type) > 1
                          ORDER BY stream_id LIMIT 20) AS m;
                IF mixed IS NOT NULL THEN
                    RAISE EXCEPTION 'cannot make streams typed in schema %: these stream ids '
                        'hold events of more than one type: %', '{schema}', mixed
                        USING ERRCODE = 'unique_violation',
                              HINT = 'the events of each id must be sorted out by hand first; '
                                     'nothing was changed';
                END IF;
            END $$""",
        f"""ALTER TABLE {s}.events DROP CONSTRAINT IF EXISTS events_stream_version_key""",
        f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_constraint WHERE conname = 'events_stream_key'
                           AND conrelid = '{s}.events'::regclass) THEN
                ALTER TABLE {s}.events ADD CONSTRAINT events_stream_key
                    UNIQUE (stream_type, stream_id, stream_version);
            END IF;
        END $$""",
    ]


def wakeup_channel(schema: str) -> str:
    """The NOTIFY channel on which `schema`'s events table announces committed appends."""
    return f"{schema}_events"


def event_wakeup_ddl(schema: str) -> list[str]:
    """Every insert statement on the events table notifies `wakeup_channel(schema)`, so the
    relay sleeps until something was appended instead of polling. NOTIFY is delivered at
    commit, and duplicates within a transaction collapse into one. Idempotent (PostgreSQL 14+):
    the events store's first migration runs it, and a later one adds it to older schemas."""
    s = _quote(schema)
    return [
        f"""CREATE OR REPLACE FUNCTION {s}.notify_events_appended() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify(TG_TABLE_SCHEMA || '_events', '');
                RETURN NULL;
            END $$""",
        f"""CREATE OR REPLACE TRIGGER events_appended AFTER INSERT ON {s}.events
            FOR EACH STATEMENT EXECUTE FUNCTION {s}.notify_events_appended()""",
    ]


def merkle_log_ddl(schema: str, role: str | None) -> list[str]:
    """The service's Merkle log (pmo_kernel.merkle_log) beside its events table:
    - `merkle_leaves`: leaf i of the log is the i-th event in log order; the event's id and
      stream are kept to name it when it goes missing (the leaf hash covers position and hash);
    - `merkle_nodes`: every node of the tree completed so far, leaves (level 0) included, so a
      proof costs a few index lookups;
    - `merkle_state`: how far the log has come (one row), and up to which size its signed heads
      were published;
    - `audit_checkpoints`: the signed tree heads.
    Leaves, nodes and heads are append-only like the events (the same trigger refuses UPDATE,
    DELETE and TRUNCATE); the service's login may only read and add them. Idempotent."""
    s = _quote(schema)
    statements = [
        f"""CREATE TABLE IF NOT EXISTS {s}.merkle_leaves (
            leaf_index bigint PRIMARY KEY CHECK (leaf_index >= 0),
            global_position bigint NOT NULL UNIQUE,
            event_hash text NOT NULL,
            event_id uuid NOT NULL,
            stream_type text NOT NULL,
            stream_id text NOT NULL,
            stream_version integer NOT NULL
        )""",
        f"""CREATE TABLE IF NOT EXISTS {s}.merkle_nodes (
            level smallint NOT NULL CHECK (level >= 0),
            node_index bigint NOT NULL CHECK (node_index >= 0),
            hash bytea NOT NULL,
            PRIMARY KEY (level, node_index)
        )""",
        f"""CREATE TABLE IF NOT EXISTS {s}.merkle_state (
            singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
            tree_size bigint NOT NULL,
            tx_id bigint NOT NULL,
            global_position bigint NOT NULL,
            published_size bigint NOT NULL DEFAULT 0,
            updated_at timestamptz NOT NULL DEFAULT now()
        )""",
        f"""CREATE TABLE IF NOT EXISTS {s}.audit_checkpoints (
            tree_size bigint PRIMARY KEY CHECK (tree_size >= 0),
            root_hash bytea NOT NULL,
            timestamp_ms bigint NOT NULL,
            key_id text NOT NULL,
            signature bytea NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now()
        )""",
    ]
    for table in ("merkle_leaves", "merkle_nodes", "audit_checkpoints"):
        statements += [
            f"""CREATE OR REPLACE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE
                ON {s}.{table} FOR EACH ROW EXECUTE FUNCTION {s}.refuse_event_mutation()""",
            f"""CREATE OR REPLACE TRIGGER {table}_not_truncated BEFORE TRUNCATE ON {s}.{table}
                FOR EACH STATEMENT EXECUTE FUNCTION {s}.refuse_event_mutation()""",
        ]
    if role is not None:
        r = _quote(role)
        for table in ("merkle_leaves", "merkle_nodes", "audit_checkpoints"):
            statements += [
                f"GRANT SELECT, INSERT ON {s}.{table} TO {r}",
                f"REVOKE UPDATE, DELETE, TRUNCATE ON {s}.{table} FROM {r}",
            ]
        statements.append(f"GRANT SELECT, INSERT, UPDATE ON {s}.merkle_state TO {r}")
    return statements


def consumer_ddl(schema: str) -> list[str]:
    """Tables a Kafka consumer needs to apply each message exactly once (see consumer.py)."""
    s = _quote(schema)
    return [
        f"CREATE SCHEMA IF NOT EXISTS {s}",
        f"""CREATE TABLE {s}.processed_messages (
            consumer text NOT NULL,
            event_id uuid NOT NULL,
            processed_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (consumer, event_id)
        )""",
    ]


def idempotency_ddl(schema: str, role: str) -> list[str]:
    """The outcomes of keyed commands (see pmo_kernel.idempotency): written in the transaction
    of the command's events, read by its retries. The service's login may add and read them."""
    s = _quote(schema)
    return [
        f"""CREATE TABLE IF NOT EXISTS {s}.idempotency_keys (
            key text PRIMARY KEY,
            fingerprint text NOT NULL,
            outcome jsonb NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        )""",
        f"GRANT SELECT, INSERT ON {s}.idempotency_keys TO {_quote(role)}",
    ]


def consumer_grants_ddl(schema: str, role: str) -> list[str]:
    """What a consumer connecting as `role` needs of `consumer_ddl`'s tables."""
    return [f"GRANT SELECT, INSERT ON {_quote(schema)}.processed_messages TO {_quote(role)}"]


def application_role_ddl(schema: str, role: str) -> list[str]:
    """A least-privilege login for the service: it may read and append, never rewrite."""
    s = _quote(schema)
    r = _quote(role)
    return [
        f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE {r} LOGIN;
            END IF;
        END $$""",
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        f"GRANT SELECT, INSERT ON {s}.events TO {r}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {s}.events FROM {r}",
        f"GRANT SELECT, INSERT, UPDATE ON {s}.relay_checkpoints TO {r}",
    ]


def _quote(identifier: str) -> str:
    if not identifier.replace("_", "").isalnum():
        raise ValueError(f"unsafe SQL identifier {identifier!r}")
    return f'"{identifier}"'
