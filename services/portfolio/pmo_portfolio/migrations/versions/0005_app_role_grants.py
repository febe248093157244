"""The portfolio's login may also keep the demand facts and its consumers' dedupe records: the
intake process connects as it, like the API and the relay (least privilege).

Revision ID: 0005
Revises: 0004
"""

from alembic import op

from pmo_kernel.migrations import current_schema
from pmo_kernel.store.schema import consumer_grants_ddl

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema = current_schema()
    for statement in consumer_grants_ddl(schema, "pmo_portfolio_app"):
        op.execute(statement)
    op.execute(f'GRANT SELECT, INSERT, UPDATE ON "{schema}".demand_facts TO pmo_portfolio_app')
