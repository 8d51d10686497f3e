"""posts: partial index on id where tagged_at IS NULL, the backlog that shared tagging claims from.

Several processes claim untagged posts in batches (`SELECT … WHERE tagged_at IS NULL ORDER BY id
LIMIT n FOR NO KEY UPDATE SKIP LOCKED`); without this index every claim scans the tagged rows too.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-04 23:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_posts_untagged",
        "posts",
        ["id"],
        postgresql_where=sa.text("tagged_at IS NULL"),
        sqlite_where=sa.text("tagged_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_posts_untagged", table_name="posts")
