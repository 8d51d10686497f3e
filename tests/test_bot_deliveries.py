"""The sent_digests claim: one winner per (week, chat), stale and failed claims, lost claims, races."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from monitor.store import Store
from monitor.store import deliveries as d

WEEK = "2026-W47"
CHAT = -100123


def test_first_claim_wins_and_a_fresh_claim_blocks_others(store: Store) -> None:
    first = d.claim_digest(store, WEEK, CHAT, "a")
    assert first is not None and first.attempt == 1 and first.done_parts == 0
    assert d.claim_digest(store, WEEK, CHAT, "b") is None
    assert d.claim_digest(store, WEEK, CHAT + 1, "b") is not None  # other chat, own row
    assert d.claim_digest(store, "2026-W48", CHAT, "b") is not None  # other week, own row


def test_parts_are_recorded_and_a_sent_row_is_final(store: Store) -> None:
    claim = d.claim_digest(store, WEEK, CHAT, "a")
    assert claim is not None
    d.begin_part(store, claim)
    assert d.digest_rows(store, week=WEEK)[0]["message_ids"] == [None]
    d.part_sent(store, claim, 11)
    d.begin_part(store, claim)
    d.part_sent(store, claim, [12, 13])
    d.finish_digest(store, claim)
    row = d.digest_rows(store, week=WEEK)[0]
    assert (row["status"], row["message_ids"], row["owner"]) == ("sent", [11, [12, 13]], "a")
    later = datetime.now(UTC) + timedelta(days=30)
    assert d.claim_digest(store, WEEK, CHAT, "b", now=later) is None
    assert d.chats_needing_digest(store, WEEK, [CHAT, CHAT + 1]) == [CHAT + 1]


def test_stale_claim_is_taken_over_and_resumes_after_recorded_parts(store: Store) -> None:
    dead = d.claim_digest(store, WEEK, CHAT, "dead")
    assert dead is not None
    d.begin_part(store, dead)
    d.part_sent(store, dead, 21)
    d.begin_part(store, dead)  # crashed while this part was in flight
    assert d.claim_digest(store, WEEK, CHAT, "b", now=datetime.now(UTC) + timedelta(minutes=5)) is None
    claim = d.claim_digest(store, WEEK, CHAT, "b", now=datetime.now(UTC) + timedelta(minutes=16))
    assert claim is not None
    assert (claim.attempt, claim.done_parts, claim.uncertain, claim.parts) == (2, 2, True, [21, None])
    with pytest.raises(d.ClaimLost):  # the old owner wakes up: it may not write any more
        d.part_sent(store, dead, 22)
    d.finish_digest(store, claim)
    assert d.digest_rows(store, week=WEEK)[0]["status"] == "sent"


def test_failed_row_is_retried_until_attempts_run_out(store: Store) -> None:
    claim = d.claim_digest(store, WEEK, CHAT, "a", max_attempts=2)
    assert claim is not None
    d.begin_part(store, claim)
    d.part_not_sent(store, claim)
    d.fail_digest(store, claim, "Undeliverable: boom")
    row = d.digest_rows(store, week=WEEK)[0]
    assert (row["status"], row["error"], row["message_ids"]) == ("failed", "Undeliverable: boom", [])
    again = d.claim_digest(store, WEEK, CHAT, "b", max_attempts=2)
    assert again is not None and again.attempt == 2
    d.fail_digest(store, again, "still down")
    assert d.claim_digest(store, WEEK, CHAT, "c", max_attempts=2) is None
    assert d.chats_needing_digest(store, WEEK, [CHAT], max_attempts=2) == []


@pytest.mark.parametrize("stale", [False, True], ids=["insert-race", "reclaim-race"])
def test_racing_processes_never_both_win(database_url: str, stale: bool) -> None:
    """Separate engines (as two processes would have) race on the same row: exactly one wins."""
    setup = Store(database_url)
    if stale:
        old = d.claim_digest(setup, WEEK, CHAT, "dead")
        assert old is not None
    later = datetime.now(UTC) + timedelta(hours=1)
    stores = [Store(database_url, migrate=False) for _ in range(6)]
    barrier = threading.Barrier(len(stores))
    results: list[object] = [None] * len(stores)

    def contender(index: int) -> None:
        barrier.wait()
        results[index] = d.claim_digest(stores[index], WEEK, CHAT, f"p{index}", now=later)

    threads = [threading.Thread(target=contender, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    try:
        winners = [r for r in results if r is not None]
        assert len(winners) == 1
        row = d.digest_rows(setup, week=WEEK)[0]
        assert row["owner"] == winners[0].owner and row["attempts"] == (2 if stale else 1)
    finally:
        for s in (*stores, setup):
            s.close()


def test_alert_is_claimed_once_per_chat(store: Store) -> None:
    assert d.claim_alert(store, "spike:Labubu:2026-11-20", CHAT)
    assert not d.claim_alert(store, "spike:Labubu:2026-11-20", CHAT)
    assert d.claim_alert(store, "spike:Labubu:2026-11-20", CHAT + 1)
    d.finish_alert(store, "spike:Labubu:2026-11-20", CHAT)
