"""Officials' keys as certificates: each key row keeps the administrator's signed certificate and,
once revoked, the signed revocation (JSON of domain.certificates.KeyCertificate / KeyRevocation).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("official_keys") as batch:
        batch.add_column(sa.Column("certificate", sa.Text(), nullable=True))
        batch.add_column(sa.Column("revocation", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("official_keys") as batch:
        batch.drop_column("revocation")
        batch.drop_column("certificate")
