"""Chat control room: the edit log of watchlist changes, ignored terms, button ids and claims, tag corrections.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 23:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "chat_edits",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("user_name", sa.String(length=128)),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=False),
        sa.Column("detail", sa.Text()),
        sa.Column("before_text", sa.Text()),
        sa.Column("after_text", sa.Text()),
        sa.Column("undone_by", sa.Integer()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_edits")),
    )
    op.create_table(
        "ignored_terms",
        sa.Column("term", sa.String(length=255), nullable=False),
        sa.Column("shown", sa.String(length=255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_ignored_terms")),
    )
    op.create_table(
        "button_tokens",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_button_tokens")),
    )
    op.create_index("ix_button_tokens_created_at", "button_tokens", ["created_at"])
    op.create_table(
        "button_claims",
        sa.Column("claim", sa.String(length=160), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=255)),
        sa.PrimaryKeyConstraint("claim", name=op.f("pk_button_claims")),
    )
    op.create_table(
        "tag_feedback",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("post_id", _ID, nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("url", sa.Text()),
        sa.Column("title", sa.Text()),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=16)),
        sa.Column("post_created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("change", sa.String(length=160), nullable=False),
        sa.Column("gold", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("user_name", sa.String(length=128)),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag_feedback")),
    )
    op.create_index("ix_tag_feedback_at", "tag_feedback", ["at"])
    op.create_index("ix_tag_feedback_source_external", "tag_feedback", ["source", "external_id"])


def downgrade() -> None:
    op.drop_index("ix_tag_feedback_source_external", table_name="tag_feedback")
    op.drop_index("ix_tag_feedback_at", table_name="tag_feedback")
    op.drop_table("tag_feedback")
    op.drop_table("button_claims")
    op.drop_index("ix_button_tokens_created_at", table_name="button_tokens")
    op.drop_table("button_tokens")
    op.drop_table("ignored_terms")
    op.drop_table("chat_edits")
