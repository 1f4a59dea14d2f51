"""What the county decided on a spot check's adverse finding (责成相关地方进行核查处理): the disposition
(reverse / redo) and the referral's record (the township's report and the county's decision, with
their signers and meetings), on the finding's row.

Columns added, nullable: older findings keep none.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("spot_check_findings") as batch:
        batch.add_column(sa.Column("disposition", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("referral", sa.Text(), nullable=True))
        batch.add_column(sa.Column("disposed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("spot_check_findings") as batch:
        batch.drop_column("disposed_at")
        batch.drop_column("referral")
        batch.drop_column("disposition")
