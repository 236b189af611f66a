"""The README's config reference is generated from the model and kept current."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from cfg_helpers import REPO

from config.model import InferaConfig
from config.schema import model_classes


def _generator() -> ModuleType:
    path = REPO / "tools" / "gen_config_reference.py"
    spec = importlib.util.spec_from_file_location("gen_config_reference", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _generator()


def test_every_key_has_one_row_with_a_description() -> None:
    rows = gen.render_reference().splitlines()[2:]
    keys = [row.split("|")[1].strip().strip("`") for row in rows]
    assert len(keys) == len(set(keys))
    assert len(keys) == sum(len(m.model_fields) for m in model_classes(InferaConfig))
    for key in ("project_name", "deployment.machines.memory", "cache.size", "environments"):
        assert key in keys
    assert all(row.split("|")[4].strip() for row in rows)


@pytest.mark.parametrize(
    ("key", "kind", "default"),
    [
        ("project_name", "text", "required"),
        ("provider", "`fly` \\| `gcp`", "required"),
        ("app.port", "integer", "`4000`"),
        ("deployment.machines.memory", "size (`512mb`, `1gb`, `2Gi`)", "see description"),
        ("deployment.health_check.interval", "duration (`10s`, `1m30s`, `500ms`)", "`10s`"),
        ("database.size", "size (`512mb`, `1gb`, `2Gi`)", "`1gb`"),
        ("deployment", "mapping", "see below"),
        ("database", "mapping", "none"),
        ("secrets", "list of names", "`[]`"),
    ],
)
def test_rows_show_type_and_default(key: str, kind: str, default: str) -> None:
    row = next(r for r in gen.render_reference().splitlines() if r.startswith(f"| `{key}` |"))
    assert row.split(" | ")[1:3] == [kind, default]


def test_replace_block_touches_only_the_text_between_the_markers() -> None:
    readme = f"# Title\nintro\n{gen.START}\nold table\n{gen.END}\nafter\n"
    out = gen.replace_block(readme, "NEW\n")
    assert out == f"# Title\nintro\n{gen.START}\nNEW\n{gen.END}\nafter\n"
    assert gen.replace_block(out, "NEW\n") == out
    with pytest.raises(ValueError, match="no <!-- config-reference:start -->"):
        gen.replace_block("# no markers\n", "NEW\n")


def test_readme_reference_is_current() -> None:
    readme = (
        (REPO / "README.md").read_text(encoding="utf-8") if (REPO / "README.md").exists() else ""
    )
    if gen.START not in readme or gen.END not in readme:
        pytest.skip("README.md has no config-reference markers yet")
    between = readme[readme.index(gen.START) + len(gen.START) : readme.index(gen.END)]
    if not between.strip():
        pytest.skip(f"README.md config-reference block is still empty; {gen.REGENERATE}")
    assert readme == gen.replace_block(readme, gen.render_reference()), (
        f"README.md config reference is stale; {gen.REGENERATE}"
    )


def test_check_and_write_work_on_the_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# T\n{gen.START}\n| stale |\n{gen.END}\n## Next\n", encoding="utf-8")
    monkeypatch.setattr(gen, "README", readme)
    assert gen.main(["--check"]) == 1
    assert gen.main(["--write"]) == 0
    text = readme.read_text(encoding="utf-8")
    assert text.startswith(f"# T\n{gen.START}\n| Key | Type | Default | Description |")
    assert text.endswith(f"{gen.END}\n## Next\n")
    assert gen.main(["--check"]) == 0
