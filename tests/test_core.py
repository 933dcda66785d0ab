"""The core's small pieces: the engine registry, the folder swap, the Jinja2 environment."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from core.engine import Engine
from core.folders import replace_folder
from core.html import render
from core.settings import Settings
from engines import ENGINES, engine_for


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_every_engine_implements_the_interface(name: str, tmp_path: Path) -> None:
    engine = engine_for(Settings(data_dir=tmp_path, engine=name))
    assert isinstance(engine, Engine)
    assert engine.name == name


def test_replace_folder_swaps_whole_folders(tmp_path: Path) -> None:
    final = tmp_path / "landing"
    final.mkdir()
    (final / "old.txt").write_text("old")
    staged = tmp_path / ".landing.new"
    staged.mkdir()
    (staged / "new.txt").write_text("new")
    assert replace_folder(staged, final) == final
    assert [p.name for p in final.iterdir()] == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["landing"]  # nothing left aside


def test_templates_escape_every_value(tmp_path: Path) -> None:
    (tmp_path / "page.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block content %}<p>{{ text }}</p>{% endblock %}'
    )
    html = render("page.html.j2", tmp_path, title="<b>t</b>", text="<script>x</script>")
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "&lt;b&gt;t&lt;/b&gt;" in html


def test_a_missing_template_value_fails(tmp_path: Path) -> None:
    (tmp_path / "page.html.j2").write_text("{{ absent }}")
    with pytest.raises(jinja2.UndefinedError):
        render("page.html.j2", tmp_path)


def test_write_atomically_keeps_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    from core.folders import write_atomically

    path = tmp_path / "warehouse.duckdb.last-run.json"
    write_atomically(path, '{"run": 1}')
    with pytest.raises(TypeError):
        write_atomically(path, None)  # type: ignore[arg-type]  # fails mid-write
    assert path.read_text() == '{"run": 1}'
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left behind
