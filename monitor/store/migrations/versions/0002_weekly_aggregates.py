"""Weekly aggregates: per-week counts per tag that survive pruning old posts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 12:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "weekly_aggregates",
        sa.Column("week_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column("engagement", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("week_start", "kind", "label", name=op.f("pk_weekly_aggregates")),
    )
    with op.batch_alter_table("weekly_aggregates", schema=None) as batch_op:
        batch_op.create_index("ix_weekly_aggregates_kind_label_week", ["kind", "label", "week_start"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("weekly_aggregates", schema=None) as batch_op:
        batch_op.drop_index("ix_weekly_aggregates_kind_label_week")
    op.drop_table("weekly_aggregates")
