"""The message showing a conversation's current question, so a typed answer can mark it (issue 10).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

Existing rows are kept: the new column is empty until the next question is sent.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("question_message_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("question_message_id")
