"""A partial index of the posts never tagged, so finding them costs what there is to find.

The tagging job after each collection (`tagged_at IS NULL ORDER BY id`) and the metrics' tagging
backlog walked every post when nothing was left to tag (1M posts: ~0.3 s on SQLite per query).
The index holds only untagged posts' ids: it stays tiny while tagging keeps up.

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-04 23:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    where = sa.text("tagged_at IS NULL")
    op.create_index("ix_posts_untagged", "posts", ["id"], sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    op.drop_index("ix_posts_untagged", table_name="posts")
