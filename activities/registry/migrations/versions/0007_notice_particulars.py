"""What a 公示 shows that the registry did not hold: each household's village group (村民小组) and the
监督电话 (an office phone for objections) of each township, county and city office.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OFFICES = ("townships", "counties", "cities")


def upgrade() -> None:
    with op.batch_alter_table("households") as batch:
        batch.add_column(sa.Column("village_group", sa.String(length=64), nullable=True))
    for table in OFFICES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("supervision_phone", sa.String(length=32), nullable=True))


def downgrade() -> None:
    for table in OFFICES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("supervision_phone")
    with op.batch_alter_table("households") as batch:
        batch.drop_column("village_group")
