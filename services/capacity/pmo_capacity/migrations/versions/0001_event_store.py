"""The capacity event store: events (the outbox too), the relay's checkpoints, the wake-up
notices appends send the relay, the keyed commands' outcomes, and the service's
least-privilege login.

Revision ID: 0001
Revises:
"""

from alembic import op

from pmo_kernel.migrations import current_schema
from pmo_kernel.store.schema import (
    application_role_ddl,
    event_store_ddl,
    event_wakeup_ddl,
    idempotency_ddl,
)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APP_ROLE = "pmo_capacity_app"


def upgrade() -> None:
    schema = current_schema()
    statements = [
        *event_store_ddl(schema),
        *application_role_ddl(schema, APP_ROLE),
        *event_wakeup_ddl(schema),
        *idempotency_ddl(schema, APP_ROLE),
    ]
    for statement in statements:
        op.execute(statement)
