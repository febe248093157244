"""A stream is (stream type, stream id): two aggregate types may use the same id, each with its
own versions and hash chain. The unique key moves from (stream_id, stream_version) to
(stream_type, stream_id, stream_version); no event is rewritten, and every chain stays intact
(it was one id's events, all of one type). Refused, naming them, if some id holds events of
two types (see pmo_kernel.store.schema.typed_stream_key_ddl).

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from pmo_kernel.migrations import current_schema
from pmo_kernel.store.schema import typed_stream_key_ddl

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in typed_stream_key_ddl(current_schema()):
        op.execute(statement)
