"""wizard.jinja_cache: what the render caches keep never changes what renders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jinja2.sandbox import SandboxedEnvironment

from wizard import jinja_cache
from wizard.jinja_cache import (
    CompiledSnippets,
    MemoizedSnippet,
    PlainText,
    cache_from_string,
    keep_yaml_lines,
)


def _env() -> SandboxedEnvironment:
    env = SandboxedEnvironment(extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"])
    cache_from_string(env)
    return env


def test_a_snippet_keeps_one_result_per_value_and_type_of_what_it_reads() -> None:
    env = _env()
    snippet = env.from_string("{{ port }}{% if redis %}+redis{% endif %}")
    assert isinstance(snippet, MemoizedSnippet) and snippet.names == ("port", "redis")
    # 1, 1.0 and True are equal in Python (one dict key) but render differently.
    renders = [snippet.render(port=port, redis=False, unrelated=[1]) for port in (1, 1.0, True, 1, "1")]
    assert renders == ["1", "1.0", "True", "1", "1"]
    assert snippet.render({"port": 3000, "redis": True}) == "3000+redis"
    assert len(snippet.results) == 5  # 1, 1.0, True, "1" and (3000, True)


def test_a_snippet_reading_a_mapping_or_nothing_known_renders_each_time() -> None:
    env = _env()
    snippet = env.from_string("{{ conf.answers_file }}")
    assert isinstance(snippet, MemoizedSnippet)
    assert snippet.render(conf={"answers_file": "a.yml"}) == "a.yml"
    assert snippet.render(conf={"answers_file": "b.yml"}) == "b.yml"
    assert env.from_string("{{ missing }}").render() == ""  # undefined: rendered, nothing kept
    assert snippet.results == {}


@pytest.mark.parametrize(
    "source",
    [
        "{{ now() }}",  # a global function may read anything
        "{{ items | random }}",
        "{{ items | shuffle }}",
        "{% include 'other' %}",
        "{% import 'macros' as m %}{{ m.x }}",
    ],
)
def test_snippets_whose_output_is_not_a_function_of_their_context_are_not_memoized(source: str) -> None:
    assert not isinstance(_env().from_string(source), MemoizedSnippet)


def test_plain_text_is_answered_without_jinja() -> None:
    assert isinstance(_env().from_string("Dockerfile"), PlainText)


ANSWERS: list[dict[str, Any]] = [
    {"port": 3000, "redis": True, "ratio": 1.0, "name": "orders-api", "empty": "", "none": None},
    {"port": 1, "redis": 1, "ratio": True, "name": "yes", "empty": "null", "none": "~"},
    {
        "description": "A long description that YAML folds across lines when it passes the width, "
        "with: colons, # hashes and 'quotes' and \"double quotes\" and ünïcödé",
        "multi": "line one\nline two\n",
        "app_env": [{"name": "DATABASE_URL", "required": True, "default": ""}, {"name": "PORT"}],
        "env_map": {"DATABASE_URL": "db.url", "B": [1, 2.5, False]},
        "runtime_files": [],
        "zeta": {},
        "_commit": "0.1.0",
    },
]


@pytest.mark.parametrize("answers", ANSWERS)
def test_the_answers_file_dumped_line_by_line_is_the_whole_dump(answers: dict[str, Any]) -> None:
    plain = _env()
    kept = _env()
    keep_yaml_lines(kept)
    whole = plain.filters["to_nice_yaml"](answers)
    assert kept.filters["to_nice_yaml"](answers) == whole
    assert kept.filters["to_nice_yaml"](dict(reversed(answers.items()))) == whole  # again, from kept lines
    assert kept.from_string("{{ a | to_nice_yaml }}").render(a=answers) == plain.from_string(
        "{{ a | to_nice_yaml }}"
    ).render(a=answers)


def test_what_is_not_plain_data_goes_to_the_filter_unchanged() -> None:
    kept = _env()
    keep_yaml_lines(kept)
    plain = _env()
    for value in ({1: "int key"}, ["a", "list"], {"tuple": (1, 2)}, "text", {"set": {1}}):
        assert kept.filters["to_nice_yaml"](value) == plain.filters["to_nice_yaml"](value)
    assert kept.filters["to_nice_yaml"]({"a": 1}, indent=2) == plain.filters["to_nice_yaml"](
        {"a": 1}, indent=2
    )


def test_the_names_a_snippet_reads_are_kept_on_disk_with_its_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A later process takes them from the snippet cache instead of parsing every snippet again."""
    env = _env()
    first = CompiledSnippets(tmp_path / "snippets.marshal")
    assert first.reads(env, "{{ port }}-{{ name }}") == ("name", "port")
    assert first.reads(env, "{{ now() }}") is None
    first.save()

    def no_parsing(env: Any, source: str) -> None:
        raise AssertionError(f"parsed {source!r} again")

    monkeypatch.setattr(jinja_cache, "reads_only", no_parsing)
    later = CompiledSnippets(tmp_path / "snippets.marshal")
    assert later.reads(env, "{{ port }}-{{ name }}") == ("name", "port")
    assert later.reads(env, "{{ now() }}") is None
