"""The scorecard's compiled-template cache never stops a render: a cache folder that cannot be
written costs only a compile."""

from __future__ import annotations

from jinja2 import DictLoader, Environment

from massaudit.reports.site import _QuietBytecodeCache


def test_a_cache_folder_that_cannot_be_written_is_ignored(tmp_path):
    cache = _QuietBytecodeCache(directory=str(tmp_path / "missing" / "folder"))
    env = Environment(loader=DictLoader({"t.html": "{{ x }}!"}), bytecode_cache=cache)
    assert env.get_template("t.html").render(x="<b>") == "<b>!"


def test_a_compiled_template_is_reused_by_the_next_environment(tmp_path):
    cache = _QuietBytecodeCache(directory=str(tmp_path))
    templates = {"t.html": "{% for i in items %}{{ i }}{% endfor %}"}
    Environment(loader=DictLoader(templates), bytecode_cache=cache).get_template("t.html")
    assert list(tmp_path.iterdir())
    env = Environment(loader=DictLoader(templates), bytecode_cache=cache)
    assert env.get_template("t.html").render(items=[1, 2]) == "12"
