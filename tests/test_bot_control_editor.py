"""The keywords-file editor on the shipped watchlist: two lines in, every other byte kept, validated as by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import ConfigError
from monitor.config.keywords_editor import EditError, NewEntity, add_entity, remove_entity, validate_text
from tests.bot_control_fixtures import diff

SHIPPED = Path(__file__).resolve().parent.parent / "config" / "keywords.yaml"


def test_add_and_remove_on_the_shipped_file_touch_only_two_lines() -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    edited = add_entity(text, NewEntity("Zimomo", "toy", ("zimomos", "re:zi ?momo")), "added by @a (id 1) via Telegram, x")
    change = diff(text, edited)
    added = [line for line in change.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert len(added) == 2 and not [line for line in change.splitlines() if line.startswith("-") and not line.startswith("---")], change
    assert added[1] == "+  - {name: Zimomo, category: toy, aliases: [zimomos, 're:zi ?momo']}", change
    before_animation = edited.index("# animation", edited.index("name: Zimomo") - 2000)
    assert edited.index("name: Zimomo") < before_animation, f"not with the other toys:\n{change}"
    watchlist = validate_text(SHIPPED, edited)
    assert watchlist.entity("Zimomo").aliases == ["zimomos", "re:zi ?momo"]
    restored, category = remove_entity(edited, "ZIMOMO")
    assert restored == text and category == "toy"


@pytest.mark.parametrize("name", ['We: "odd" #name', "yes", "- dash", "[x]", "It's {fine}", "a, b", "100"])
def test_names_yaml_would_misread_are_quoted(tmp_path: Path, name: str) -> None:
    keywords = tmp_path / "keywords.yaml"
    keywords.write_text("categories:\n  toy: {label: Toys}\nentities:\n  - {name: A, category: toy}\n", encoding="utf-8")
    edited = add_entity(keywords.read_text(encoding="utf-8"), NewEntity(name, "toy", (name + " x",)), "note via Telegram")
    watchlist = validate_text(keywords, edited)
    assert watchlist.entity(name) is not None and watchlist.entity(name).aliases == [name + " x"]


def test_crlf_files_stay_crlf_and_problems_name_the_real_file(tmp_path: Path) -> None:
    keywords = tmp_path / "keywords.yaml"
    original = "categories:\r\n  toy: {label: Toys}\r\nentities:\r\n  - {name: A, category: toy}\r\n"
    keywords.write_bytes(original.encode())
    edited = add_entity(original, NewEntity("B", "nope"), "via Telegram")
    assert edited.endswith("  # via Telegram\r\n  - {name: B, category: nope}\r\n")
    with pytest.raises(ConfigError) as caught:
        validate_text(keywords, edited)
    assert [str(p).split("/")[-1] for p in caught.value.problems] == [
        "keywords.yaml:6: entities[1].category: unknown category 'nope' (known: toy)"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keywords.yaml"]  # the check file is gone
    assert remove_entity(edited, "b")[0] == original


def test_what_cannot_be_edited_is_said() -> None:
    with pytest.raises(EditError, match="not on the watchlist"):
        remove_entity("categories: {toy: {label: T}}\nentities:\n  - {name: A, category: toy}\n", "B")
    with pytest.raises(EditError, match="no block list under `entities:`"):
        add_entity("categories: {toy: {label: T}}\nentities: [{name: A, category: toy}]\n", NewEntity("B", "toy"), "n")
    with pytest.raises(EditError, match="not valid YAML"):
        add_entity("categories: [\n", NewEntity("B", "toy"), "n")
