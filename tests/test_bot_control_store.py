"""The chat-control tables on SQLite and PostgreSQL: one winner per claim, the edit log, ignored terms, corrections."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from monitor.posts import Post
from monitor.store import Store, buttons, edit_log, feedback
from pipelines.trends.queries import corrections_between


def test_one_claim_wins_among_concurrent_presses(store: Store) -> None:
    barrier = threading.Barrier(8)
    wins: list[int] = []

    def press(user: int) -> None:
        barrier.wait()
        if buttons.claim(store, "term:menu:abc", user):
            wins.append(user)

    threads = [threading.Thread(target=press, args=(user,)) for user in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(wins) == 1
    assert buttons.claim_outcome(store, "term:menu:abc") == ""
    buttons.settle(store, "term:menu:abc", "watched as Toys by @a")
    assert buttons.claim_outcome(store, "term:menu:abc") == "watched as Toys by @a"
    buttons.release(store, "term:menu:abc")
    assert buttons.claim_outcome(store, "term:menu:abc") is None and buttons.claim(store, "term:menu:abc", 1)


def test_button_ids_are_opaque_short_and_looked_up(store: Store) -> None:
    secret = "a post text that must never travel in callback data " * 4
    data = buttons.new_tokens(store, -100, [("tags", {"post": 7, "note": secret}), ("ignore", {"term": secret})])
    assert len(set(data)) == 2
    for item in data:
        assert item.startswith(buttons.PREFIX) and len(item.encode()) <= 64 and "post" not in item
    found = buttons.lookup(store, data[0])
    assert found is not None and found.kind == "tags" and found.chat_id == -100 and found.payload["note"] == secret
    assert buttons.lookup(store, "pc:forged") is None and buttons.lookup(store, "x" * 65) is None and buttons.lookup(store, None) is None


def test_edit_log_keeps_the_file_byte_for_byte_and_walks_back(store: Store) -> None:
    before = "entities:\r\n  - {name: 拉布布, category: toy}\r\n# tab\there \u00a0 end\n"
    first = edit_log.record_edit(store, user_id=1, user_name="@a", chat_id=-1, action="watch", target="X",
                                 detail="toy", before_text=before, after_text=before + "x\n")
    second = edit_log.record_edit(store, user_id=2, user_name="@b", chat_id=-1, action="ignore", target="foo")
    assert edit_log.last_undoable(store).id == second
    undo = edit_log.record_edit(store, user_id=1, user_name="@a", chat_id=-1, action="undo", target="foo", undoes=second)
    last = edit_log.last_undoable(store)
    assert last.id == first and last.before_text == before  # CRLF, tab, NBSP and CJK kept exactly
    assert [e.id for e in edit_log.history(store)] == [undo, second, first]
    assert edit_log.history(store)[1].undone_by == undo


def test_ignored_terms_are_case_insensitive_and_reversible(store: Store) -> None:
    assert edit_log.ignore_term(store, "Zimomo  Figure", 1)
    assert not edit_log.ignore_term(store, "zimomo figure", 2)
    assert edit_log.ignored_terms(store) == ["Zimomo Figure"]
    assert edit_log.unignore_term(store, "ZIMOMO figure") and not edit_log.unignore_term(store, "zimomo figure")
    assert edit_log.ignored_terms(store) == []


def test_corrections_export_the_latest_gold_per_post(store: Store) -> None:
    created = datetime(2026, 11, 20, 10, tzinfo=UTC)
    store.upsert_posts([Post(source="x", id="9", url="https://example.org/9", text="Labubu haul", created_at=created, lang="en")])
    post = feedback.stored_post(store, store.post_row_id("x", "9"))
    gold = feedback.current_gold(store, post, {"category": ["toy"], "entity": ["Labubu"], "interest": []})
    assert gold == {"categories": ["toy"], "entities": ["Labubu"], "interests": [], "lang": "en"}
    gold = feedback.apply_change(gold, "interest", "shopping", True)
    feedback.record_correction(store, post, change="+interest:shopping", gold=gold, user_id=5, user_name="@e")
    gold = feedback.apply_change(feedback.current_gold(store, post, {}), "category", "toy", False)
    feedback.record_correction(store, post, change="-category:toy", gold=gold, user_id=6, user_name=None)
    (line,) = feedback.labelled_examples(store)
    assert line["gold"] == {"categories": [], "entities": ["Labubu"], "interests": ["shopping"], "lang": "en"}
    assert line["id"] == "fb-x-9" and line["url"] == "https://example.org/9" and line["created_at"] == created.isoformat()
    assert line["labelled_by"] == ["6", "@e"] and line["corrections"] == ["+interest:shopping", "-category:toy"]
    now = datetime.now(UTC)
    with store.engine.connect() as conn:  # what the digest's footer counts
        assert corrections_between(conn, (now.replace(year=now.year - 1), now.replace(year=now.year + 1))) == 2
        assert corrections_between(conn, (now.replace(year=now.year + 1), now.replace(year=now.year + 2))) == 0


def test_prune_forgets_old_buttons_and_claims(store: Store) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from monitor.store import schema

    old, new = buttons.new_tokens(store, 1, [("tags", {}), ("tags", {})])
    buttons.claim(store, "old-claim", 1)
    with store.engine.begin() as conn:
        ago = datetime.now(UTC) - timedelta(days=61)
        conn.execute(update(schema.button_tokens).where(schema.button_tokens.c.token == old[3:]).values(created_at=ago))
        conn.execute(update(schema.button_claims).values(at=ago))
    assert buttons.prune(store) == 1
    assert buttons.lookup(store, old) is None and buttons.lookup(store, new) is not None
    assert buttons.claim_outcome(store, "old-claim") is None
