"""post_tags.source (copy of posts.source) and source-aware indexes, so the digest compares like with like.

The digest compares each label as a share of the posts of the sources that were collected in both
periods; counting per (label, source) must stay index-only, so `source` is copied into post_tags
(as `created_at` already is) and joins the covering index; posts get (created_at, source).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 21:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("post_tags") as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=32), nullable=True))
    op.execute("UPDATE post_tags SET source = (SELECT posts.source FROM posts WHERE posts.id = post_tags.post_id)")
    op.create_index(
        "ix_post_tags_kind_label_created_source", "post_tags", ["kind", "label", "created_at", "source", "post_id"]
    )
    op.drop_index("ix_post_tags_kind_label_created_post", table_name="post_tags")
    op.create_index("ix_posts_created_at_source", "posts", ["created_at", "source"])
    op.drop_index("ix_posts_created_at", table_name="posts")


def downgrade() -> None:
    op.create_index("ix_posts_created_at", "posts", ["created_at"])
    op.drop_index("ix_posts_created_at_source", table_name="posts")
    op.create_index("ix_post_tags_kind_label_created_post", "post_tags", ["kind", "label", "created_at", "post_id"])
    op.drop_index("ix_post_tags_kind_label_created_source", table_name="post_tags")
    with op.batch_alter_table("post_tags") as batch_op:
        batch_op.drop_column("source")
