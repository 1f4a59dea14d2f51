"""status_changes.simulated: whether an exit was written by a simulation worker (a load test), so a
simulation worker can refuse any registry that holds a real exit.

Existing rows are real exits: the column is added with a server default of false (the one server
default in the schema: ADD COLUMN ... NOT NULL needs it for the rows already there).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("status_changes", sa.Column("simulated", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("status_changes", "simulated")
