"""The sqlfluff stubs in dbt_project/.sqlfluff stand for exactly the macros of macros/.

sqlfluff's jinja templater cannot run the real macros (adapter.dispatch needs dbt), so .sqlfluff
holds one hand-written stub per macro. A stub missing, left after its macro went, or with other
parameters than the macro would make the lint render something else than dbt compiles (or fail
on an undefined macro): this test says which. Adapter implementations (`spark__x`, `default__x`)
are reached through their dispatching macro and need none. Both sides are parsed with dbt's own
Jinja environment; no dbt run, well under a second.
"""

from __future__ import annotations

import configparser
from pathlib import Path

import jinja2.nodes
from dbt_common.clients.jinja import get_environment

from core.settings import DBT_PROJECT_DIR

STUB_SECTION = "sqlfluff:templater:jinja:macros"
# dbt's parser names the Jinja function of macro x `dbt_macro__x`.
DBT_PREFIX = "dbt_macro__"


def _macros(source: str) -> list[jinja2.nodes.Macro]:
    return list(get_environment().parse(source).find_all(jinja2.nodes.Macro))


def _name(macro: jinja2.nodes.Macro) -> str:
    return macro.name.removeprefix(DBT_PREFIX)


def signature(macro: jinja2.nodes.Macro) -> str:
    """Parameter names and default values, as written (Jinja nodes' repr is structural)."""
    names = [arg.name for arg in macro.args]
    defaults = [repr(node) for node in macro.defaults]
    required = names[: len(names) - len(defaults)]
    optional = [f"{n}={d}" for n, d in zip(names[len(required) :], defaults, strict=True)]
    return f"{_name(macro)}({', '.join(required + optional)})"


def project_macros(project: Path = DBT_PROJECT_DIR) -> dict[str, str]:
    """Every macro of macros/ that a model can call by name: name -> signature."""
    found: dict[str, str] = {}
    for path in sorted((project / "macros").rglob("*.sql")):
        for macro in _macros(path.read_text()):
            assert _name(macro) not in found, f"macro {_name(macro)} defined twice ({path})"
            found[_name(macro)] = signature(macro)
    dispatched = {
        name
        for name in found
        if "__" in name and name.split("__", 1)[1] in found  # e.g. spark__year_month
    }
    return {name: sig for name, sig in found.items() if name not in dispatched}


def lint_stubs(project: Path = DBT_PROJECT_DIR) -> dict[str, str]:
    """The stubs of .sqlfluff: macro name -> signature (one macro per entry)."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(project / ".sqlfluff")
    stubs: dict[str, str] = {}
    for key, text in config[STUB_SECTION].items():
        macros = _macros(text)
        assert len(macros) == 1, f".sqlfluff {key}: one macro per entry"
        name = _name(macros[0])
        assert name not in stubs, f".sqlfluff: two stubs of {name}"
        stubs[name] = signature(macros[0])
    return stubs


def test_every_macro_has_a_lint_stub_with_its_signature():
    macros, stubs = project_macros(), lint_stubs()
    assert len(macros) > 30
    missing = sorted(set(macros) - set(stubs))
    stale = sorted(set(stubs) - set(macros))
    differing = sorted(
        f"{macros[name]} but the stub is {stubs[name]}"
        for name in set(macros) & set(stubs)
        if macros[name] != stubs[name]
    )
    assert not missing, f"no stub in dbt_project/.sqlfluff for: {missing}"
    assert not stale, f"stubs in dbt_project/.sqlfluff of no macro in macros/: {stale}"
    assert not differing, f"stub signatures differ from macros/: {differing}"


def test_a_changed_signature_is_caught(tmp_path):
    """The check itself: a macro that gains a parameter no longer matches its stub."""
    (tmp_path / "macros").mkdir()
    (tmp_path / "macros" / "m.sql").write_text(
        "{% macro safe_ratio(numerator, denominator, fallback=none) %}x{% endmacro %}\n"
        "{% macro spark__safe_ratio(numerator, denominator, fallback=none) %}x{% endmacro %}\n"
    )
    (tmp_path / ".sqlfluff").write_text(
        f"[{STUB_SECTION}]\n"
        "m_safe_ratio = {% macro safe_ratio(numerator, denominator) %}x{% endmacro %}\n"
    )
    assert project_macros(tmp_path) == {
        "safe_ratio": "safe_ratio(numerator, denominator, fallback=Const(value=None))"
    }
    assert lint_stubs(tmp_path) == {"safe_ratio": "safe_ratio(numerator, denominator)"}
