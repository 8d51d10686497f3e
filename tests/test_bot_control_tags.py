"""Tag corrections from the chat: "tags?" under /search and the digest, ✗/＋ by admins, export, eval, footer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli.main import app
from pipelines.tagging.evaluation import load_gold
from tests.bot_control_fixtures import SECOND_ADMIN, button, control_config, last_keyboard_message, seed_emerging
from tests.bot_harness import ADMIN_CHAT, ADMIN_USER, CHAT, MEMBER, running_bot, until
from tests.fakes.telegram import FakeTelegram

pytest_plugins = ["tests.bot_fixtures"]
pytestmark = pytest.mark.timeout(120)
runner = CliRunner()


async def _press_and_wait_markup(fake: FakeTelegram, message: dict, starts: str, user: int) -> str:
    before = fake.buttons(CHAT, message["message_id"])
    query = fake.press_button(button(fake, message, starts), chat_id=CHAT, message_id=message["message_id"], user_id=user)
    await until(lambda: fake.answers(query), what=f"answer to {starts}")
    if user == ADMIN_USER:
        await until(lambda: fake.buttons(CHAT, message["message_id"]) != before, what="keyboard edited")
    return fake.answers(query)[0].get("text", "")


async def test_correction_round_trips_through_export_into_eval(
    tmp_path: Path, fake: FakeTelegram, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_path = control_config(tmp_path, fake)
    week = seed_emerging(db_url)
    async with running_bot(config_path, fake, db_url) as bot:
        fake.send_command("/search labubu queue", chat_id=CHAT, user_id=MEMBER)
        await until(lambda: fake.with_buttons(CHAT), what="/search with buttons")
        search = last_keyboard_message(fake)
        assert [text for text, _ in fake.buttons(CHAT, search["message_id"])][0].startswith("🏷 tags? Labubu queue at the mall")
        fake.press_button(button(fake, search, "🏷 tags?"), chat_id=CHAT, message_id=search["message_id"], user_id=MEMBER)
        await until(lambda: len(fake.with_buttons(CHAT)) > 1, what="tags view")
        view = last_keyboard_message(fake)
        assert "Tags of" in view["text"] and "Labubu queue at the mall today" in view["text"]
        assert "<b>Categories</b>: toy (via Labubu)" in view["text"], view["text"]
        assert "<b>Entities</b>: Labubu (“Labubu”)" in view["text"], view["text"]
        interests = next(line for line in view["text"].splitlines() if line.startswith("<b>Interests</b>"))
        assert interests.startswith("<b>Interests</b>: shopping (“queue”"), interests  # the word that caused it
        labels = [text for text, _ in fake.buttons(CHAT, view["message_id"])]
        assert labels[:3] == ["✗ toy", "✗ Labubu", "✗ shopping"] and "＋ game" in labels and "＋ shopping" not in labels

        refused = await _press_and_wait_markup(fake, view, "✗ toy", MEMBER)  # members may look, not correct
        assert refused == "Only admins can change the watchlist or the tags."
        wrong_toy = button(fake, view, "✗ toy")
        assert await _press_and_wait_markup(fake, view, "✗ toy", ADMIN_USER) == "Saved: category toy marked wrong."
        # a second admin in the group pressing the same (now replaced) button: one correction, not two
        late = fake.press_button(wrong_toy, chat_id=CHAT, message_id=view["message_id"], user_id=SECOND_ADMIN)
        assert (await until(lambda: fake.answers(late), what="late press"))[0]["text"] == "Already saved."
        assert await _press_and_wait_markup(fake, view, "＋ game", ADMIN_USER) == "Saved: category game added."
        labels = [text for text, _ in fake.buttons(CHAT, view["message_id"])]
        assert "✗ game" in labels and "＋ toy" in labels and "✗ toy" not in labels
        text = fake.messages[(CHAT, view["message_id"])]["text"]  # the view itself shows the corrections
        assert "<b>Categories</b>: game (added by a correction) — <s>toy</s> marked wrong" in text, text

        count = len(fake.sent_texts(CHAT))  # this week's digest counts the corrections in its footer
        current = week.shift(1)
        fake.send_command(f"/digest {current}", chat_id=CHAT, user_id=MEMBER)
        await until(lambda: any("Tag corrections from the chat this week: 2." in t for t in fake.sent_texts(CHAT)[count:]), what="footer")

    monkeypatch.setenv("PULSE_DATABASE_URL", db_url)
    exported = tmp_path / "feedback.jsonl"
    result = runner.invoke(app, ["--config", str(config_path), "feedback", "export", str(exported)])
    assert result.exit_code == 0, result.output
    assert "wrote 1 labelled posts" in result.output
    (line,) = [json.loads(x) for x in exported.read_text(encoding="utf-8").splitlines()]
    assert line["text"] == "Labubu queue at the mall today" and line["url"].startswith("https://example.org/")
    assert line["gold"] == {"categories": ["game"], "entities": ["Labubu"], "interests": ["shopping"], "lang": line["lang"]}
    assert line["labelled_by"] == ["@user42"] and line["corrections"] == ["-category:toy", "+category:game"]
    assert line["labelled_at"] and line["id"].startswith("fb-jsonl_file-")

    (gold,) = load_gold(exported)  # what `pulse train` reads (its dev half) and `pulse eval` scores
    assert gold.gold["categories"] == ["game"] and gold.post.text == line["text"]
    keywords = str(config_path.parent / "keywords.yaml")
    result = runner.invoke(app, ["--config", str(config_path), "eval", "--gold", str(exported), "--keywords", keywords, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["posts"] == 1
    # the tagger still says toy, the correction says game: no category right; entities and interests agree
    assert summary["categories"]["precision"] == 0.0 and summary["categories"]["recall"] == 0.0
    assert summary["entities"]["f1"] == 1.0

    result = runner.invoke(app, ["--config", str(config_path), "train", "--extra", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2 and "labelled file not found" in result.output and "missing.jsonl" in result.output


async def test_digest_carries_tags_buttons_valid_in_every_chat(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    config_path = control_config(tmp_path, fake)
    week = seed_emerging(db_url)
    async with running_bot(config_path, fake, db_url) as bot:
        fake.send_command(f"/digest {week}", chat_id=CHAT, user_id=MEMBER)
        await until(lambda: fake.with_buttons(CHAT), what="digest tags buttons")
        invite = last_keyboard_message(fake)
        assert invite["text"].startswith("🏷 <b>Tags of this digest's posts</b>")
        buttons = fake.buttons(CHAT, invite["message_id"])
        assert 1 <= len(buttons) <= 12 and all(len(data) <= 64 for _, data in buttons)
        fake.press_button(buttons[0][1], chat_id=CHAT, message_id=invite["message_id"], user_id=MEMBER)
        await until(lambda: len(fake.with_buttons(CHAT)) > 1, what="tags view from the digest")
        assert "Tags of" in last_keyboard_message(fake)["text"]
        # the same digest goes to every configured chat: its buttons work in each of them
        fake.press_button(buttons[0][1], chat_id=ADMIN_CHAT, message_id=invite["message_id"], user_id=ADMIN_USER)
        await until(lambda: fake.with_buttons(ADMIN_CHAT), what="tags view in the admin chat")
        assert "Tags of" in last_keyboard_message(fake, ADMIN_CHAT)["text"]


def test_the_tags_view_names_the_model_word_and_probability_of_a_model_tag():
    from monitor.bot.tag_feedback import _words

    spans = [
        {"kind": "interest", "label": "shopping", "text": "queue", "start": 7, "end": 12, "by": "model 0.83"},
        {"kind": "interest", "label": "shopping", "text": "bought", "start": 20, "end": 26},
        {"kind": "interest", "label": "travel", "text": "mall", "start": 30, "end": 34},
    ]
    assert _words(spans, "interest", "shopping") == ["“queue” (model 0.83)", "“bought”"]
