"""post_tags: covering index (kind, label, created_at, post_id) for the weekly digest's aggregates.

Replaces ix_post_tags_kind_label_created (a strict prefix of the new one): the digest's joins
(interest conversion, authors, engagement, top posts) need post_id, which the old index lacked,
so every tag row cost a table lookup. With post_id in the index they are index-only range scans.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 13:40:00
"""
from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_post_tags_kind_label_created_post", "post_tags", ["kind", "label", "created_at", "post_id"])
    op.drop_index("ix_post_tags_kind_label_created", table_name="post_tags")


def downgrade() -> None:
    op.create_index("ix_post_tags_kind_label_created", "post_tags", ["kind", "label", "created_at"])
    op.drop_index("ix_post_tags_kind_label_created_post", table_name="post_tags")
