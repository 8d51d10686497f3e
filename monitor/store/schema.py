"""Table definitions (SQLAlchemy Core); Alembic migrations in `migrations/` create them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Id = BigInteger().with_variant(Integer, "sqlite")


class UTCDateTime(TypeDecorator):
    """Timestamps stored as UTC and always read back timezone-aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # noqa: ANN001
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use timezone-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):  # noqa: ANN001
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


posts = Table(
    "posts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source", String(32), nullable=False),
    Column("external_id", String(255), nullable=False),
    Column("url", Text),
    Column("author", String(255)),
    Column("title", Text),
    Column("text", Text, nullable=False, default=""),
    Column("lang", String(16)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("collected_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("metrics", JSON, nullable=False, default=dict),
    Column("engagement", Float, nullable=False, default=0.0),
    Column("tagged_at", UTCDateTime()),
    Column("tag_spans", JSON),
    UniqueConstraint("source", "external_id", name="uq_posts_source_external_id"),
    Index("ix_posts_created_at_source", "created_at", "source"),  # migration 0004
    # only the posts never tagged (migration 0007): the tagging job and the metrics find them without a scan
    Index("ix_posts_untagged", "id", sqlite_where=text("tagged_at IS NULL"), postgresql_where=text("tagged_at IS NULL")),
)

post_tags = Table(
    "post_tags",
    metadata,
    Column("post_id", Id, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(16), primary_key=True),  # category | entity | interest
    Column("label", String(128), primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),  # copy of posts.created_at for indexed aggregates
    Column("source", String(32)),  # copy of posts.source: per-source counts stay index-only (migration 0004)
    # source and post_id included so the digest's counts and joins are index-only (migrations 0003, 0004)
    Index("ix_post_tags_kind_label_created_source", "kind", "label", "created_at", "source", "post_id"),
    Index("ix_post_tags_created_at", "created_at"),
)

collector_runs = Table(
    "collector_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source", String(32), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime()),
    Column("status", String(16), nullable=False),  # running | ok | partial | failed | skipped
    Column("fetched", Integer, nullable=False, default=0),
    Column("new", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("skipped", Integer, nullable=False, default=0),
    Column("errors", Integer, nullable=False, default=0),
    Column("message", Text),
    Column("details", JSON),
    Index("ix_collector_runs_source_started", "source", "started_at"),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("source", String(32), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

sent_digests = Table(
    "sent_digests",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("week", String(10), nullable=False),  # ISO week, e.g. 2026-W47
    Column("chat_id", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),  # claimed | sent | failed
    Column("claimed_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime()),
    Column("message_ids", JSON),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text),
    Column("owner", String(64)),
    UniqueConstraint("week", "chat_id", name="uq_sent_digests_week_chat"),
)

sent_alerts = Table(
    "sent_alerts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("alert_key", String(255), nullable=False),  # e.g. spike:Labubu:2026-11-20
    Column("chat_id", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("claimed_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime()),
    Column("error", Text),
    UniqueConstraint("alert_key", "chat_id", name="uq_sent_alerts_key_chat"),
)

weekly_aggregates = Table(
    "weekly_aggregates",
    metadata,
    # Counts of pruned posts, kept so trends and charts over old weeks survive `pulse db prune`.
    # Live posts are never in here: a week's full count is this row plus its remaining posts.
    Column("week_start", UTCDateTime(), primary_key=True),  # Monday 00:00 of the week in the config timezone
    Column("kind", String(16), primary_key=True),  # category | entity | interest | total (label '*')
    Column("label", String(128), primary_key=True),
    Column("week", String(10), nullable=False),  # ISO week of week_start, e.g. 2026-W47
    Column("posts", Integer, nullable=False, default=0),
    Column("engagement", Float, nullable=False, default=0.0),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_weekly_aggregates_kind_label_week", "kind", "label", "week_start"),
)
