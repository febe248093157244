"""A stream is (stream type, stream id). 0001 builds the events table with that key already
(event_store_ddl); this revision moves a schema built before that, whose key was
(stream_id, stream_version), and changes nothing on a newer one (typed_stream_key_ddl is
idempotent, and refuses if some id holds events of two types).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from pmo_kernel.migrations import current_schema
from pmo_kernel.store.schema import typed_stream_key_ddl

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in typed_stream_key_ddl(current_schema()):
        op.execute(statement)
