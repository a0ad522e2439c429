"""index items by (case, sha256) so resume checks do not scan a whole case

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:00:00
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_items_case_sha256", "items", ["case_id", "sha256"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_items_case_sha256", table_name="items")
