"""The registry's working year (年度) and where a village's 挂包 department comes from.

* ``working_years``: the key administrator's signed acts (domain/working_year.py), one per year;
  the working year is the last of an unbroken chain, each act verified against the pinned root.
* ``villages.paired_department_source``: where the pairing (挂包的县直部门) comes from; the demo's
  pairings say they are demo data (the policy names none).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "working_years",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("previous", sa.Integer(), nullable=True),
        sa.Column("set_by", sa.String(length=120), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("act", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("year"),
        sa.UniqueConstraint("previous"),
    )
    with op.batch_alter_table("villages") as batch:
        batch.add_column(sa.Column("paired_department_source", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("villages") as batch:
        batch.drop_column("paired_department_source")
    op.drop_table("working_years")
