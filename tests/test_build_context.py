"""The build-context digest: .dockerignore semantics and what does or does not change the tag."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.build_context import context_digest, context_files, is_excluded, parse_dockerignore


def tree(root: Path, files: dict[str, str], ignore: str | None = None) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    if ignore is not None:
        (root / ".dockerignore").write_text(ignore)
    (root / "Dockerfile").write_text("FROM scratch\n")
    return root


@pytest.mark.parametrize(
    ("patterns", "path", "excluded"),
    [
        ("*.md", "README.md", True),
        ("*.md", "docs/README.md", False),  # `*` stays within one directory
        ("**/*.md", "docs/deep/README.md", True),
        ("**/*.md", "README.md", True),  # `**/` matches zero directories too
        ("docs/**", "docs/a/b.txt", True),
        ("/_build/", "_build/prod/rel/x", True),  # leading / and trailing / are cleaned
        ("_build", "lib/_build/x", False),  # anchored at the context root
        (".git\n!.git/HEAD", ".git/HEAD", False),
        (".git\n!.git/HEAD", ".git/config", True),
        ("*.log\n!keep.log", "keep.log", False),
        ("!keep.log\n*.log", "keep.log", True),  # the last match wins
        ("a?c", "abc", True),
        ("a?c", "a/c", False),
        ("[ab].txt", "b.txt", True),
        ("[^ab].txt", "c.txt", True),
        ("[^ab].txt", "a.txt", False),
        ("[!ab].txt", "c.txt", False),  # Go's filepath.Match negates with ^ only
        ("# comment\n\n  ", "x", False),
        ("./tmp", "tmp/x", True),
    ],
)
def test_dockerignore_semantics(patterns: str, path: str, excluded: bool) -> None:
    assert is_excluded(path, parse_dockerignore(patterns)) is excluded


def test_context_files_honour_dockerignore_but_keep_dockerfile_and_ignore_file(
    tmp_path: Path,
) -> None:
    root = tree(
        tmp_path,
        {"lib/a.ex": "a", "_build/x.beam": "b", "deps/d/mix.exs": "d", "README.md": "r"},
        "/_build/\n/deps/\nDockerfile\n.dockerignore\n*.md\n",
    )
    assert context_files(root) == [".dockerignore", "Dockerfile", "lib/a.ex"]


def test_digest_ignores_mtime_and_ignored_files_but_not_content_mode_or_dockerfile(
    tmp_path: Path,
) -> None:
    root = tree(tmp_path, {"lib/a.ex": "a", "bin/migrate": "#!/bin/sh\n"}, "tmp\n")
    first = context_digest(root)
    os.utime(root / "lib/a.ex", (1, 1))
    (root / "tmp").mkdir()
    (root / "tmp" / "scratch").write_text("x")
    assert context_digest(root) == first
    (root / "bin/migrate").chmod(0o755)
    after_chmod = context_digest(root)
    assert after_chmod != first
    (root / "Dockerfile").write_text('FROM scratch\nCMD ["x"]\n')
    assert context_digest(root) not in (first, after_chmod)


def test_renaming_a_file_changes_the_digest(tmp_path: Path) -> None:
    a = tree(tmp_path / "a", {"lib/x.ex": "same"})
    b = tree(tmp_path / "b", {"lib/y.ex": "same"})
    assert context_digest(a) != context_digest(b)


def test_digest_is_importable_without_pulumi_gcp() -> None:
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['pulumi_gcp'] = None; sys.modules['pulumi'] = None\n"
        "import components.build_context"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


@given(st.lists(st.text(alphabet="abc/", min_size=1, max_size=6), min_size=1, max_size=4))
def test_content_decides_the_digest(contents: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        files = {f"f{i}.txt": c for i, c in enumerate(contents)}
        one = tree(Path(d1), files)
        two = tree(Path(d2), files)
        assert context_digest(one) == context_digest(two)
        (two / "f0.txt").write_text(contents[0] + "!")
        assert context_digest(one) != context_digest(two)
