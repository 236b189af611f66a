"""Read infera.yaml safely, merge the stack's overlay, validate, and place every error.

Owns the one edge where YAML enters the program. It rejects duplicate keys (PyYAML keeps the
last one silently), alias bombs, tabs, huge and non-UTF-8 files, and turns each pydantic error
into a `Problem` with the file, line and column of the offending key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from config.errors import ConfigError, Problem
from config.hints import did_you_mean
from config.model import At, AtMany, InferaConfig

MAX_BYTES = 1024 * 1024  # an infera.yaml is a page or two; anything near this is a mistake
MAX_NODES = 20_000  # alias expansions count: a "billion laughs" file stops here, quickly
MAX_DEPTH = 32
STACK_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")

Path_ = tuple[str | int, ...]


@dataclass
class Document:
    """Parsed YAML plus where each key and value sits in the file (1-based line and column)."""

    file: str
    data: Any
    value_at: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_at: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def place(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """The position of `path`, or of its nearest ancestor that exists in the file."""
        table = self.key_at if key else self.value_at
        for n in range(len(path), -1, -1):
            prefix = path[:n]
            if key and prefix in self.key_at:
                return self.key_at[prefix]
            if prefix in self.value_at:
                return self.value_at[prefix]
            if prefix in table:
                return table[prefix]
        return (1, 1)


class _Fail(Exception):
    def __init__(self, line: int, col: int, message: str, key: str = "") -> None:
        super().__init__(message)
        self.problem = (line, col, key, message)


class _Walker:
    """Builds plain Python data from a composed YAML node graph, counting every node."""

    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        self.nodes = 0
        self.value_at: dict[Path_, tuple[int, int]] = {}
        self.key_at: dict[Path_, tuple[int, int]] = {}

    def walk(self, node: yaml.Node, path: Path_) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Fail(
                node.start_mark.line + 1,
                node.start_mark.column + 1,
                f"the file expands to more than {MAX_NODES} YAML nodes; is an alias "
                "(*name) repeating itself? infera.yaml needs no anchors",
            )
        if len(path) > MAX_DEPTH:
            raise _Fail(node.start_mark.line + 1, node.start_mark.column + 1, "nested too deeply")
        self.value_at.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            # Keys written in this mapping, as opposed to those a `<<: *anchor` merge brings in:
            # YAML lets a written key override a merged one, so only two written keys clash.
            written = {id(k) for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"}
            self.loader.flatten_mapping(node)
            out: dict[Any, Any] = {}
            from_merge: set[Any] = set()
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise _Fail(
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                        "a key must be a plain word, not a list or mapping",
                    )
                key = self.loader.construct_object(key_node)
                key = key if isinstance(key, str) else str(key)
                key_path = (*path, key)
                place = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                if key in out and (key in from_merge or id(key_node) not in written):
                    # Merged first, then overridden: forget the merged value's places.
                    for table in (self.key_at, self.value_at):
                        for p in [p for p in table if p[: len(key_path)] == key_path]:
                            del table[p]
                elif key in out:
                    first = self.key_at[key_path]
                    raise _Fail(
                        *place,
                        f"duplicate key {key!r} (first at line {first[0]}); YAML keeps only one, "
                        "so remove or merge the other",
                        key=".".join(str(p) for p in key_path),
                    )
                self.key_at[key_path] = place
                if id(key_node) in written:
                    from_merge.discard(key)
                else:
                    from_merge.add(key)
                out[key] = self.walk(value_node, key_path)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.walk(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node)


def _position_of_byte(raw: bytes, offset: int) -> tuple[int, int]:
    before = raw[:offset]
    line = before.count(b"\n") + 1
    col = offset - (before.rfind(b"\n") + 1) + 1
    return line, col


def parse_document(raw: bytes, file: str) -> Document:
    """Parse bytes into a `Document`, or raise ConfigError with the place of the problem."""

    def fail(line: int, col: int, message: str, key: str = "") -> ConfigError:
        return ConfigError([Problem(file, line, col, key, message)])

    if len(raw) > MAX_BYTES:
        raise fail(
            1, 1, f"file is {len(raw):,} bytes; infera.yaml must be under {MAX_BYTES:,} bytes"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position_of_byte(raw, exc.start)
        raise fail(
            line, col, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        ) from None
    text = text.removeprefix("\ufeff")
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise fail(1, 1, "file is empty; start from the sample infera.yaml in the README")
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise fail(1, 1, "file is empty; start from the sample infera.yaml in the README")
        walker = _Walker(loader)
        data = walker.walk(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        hint = ""
        if "\t" in problem or "'\\t'" in problem:
            hint = "; YAML indents with spaces only: replace the tab with spaces"
        raise fail(line, col, f"invalid YAML: {problem}{hint}") from None
    except yaml.YAMLError as exc:
        raise fail(1, 1, f"invalid YAML: {exc}") from None
    except _Fail as exc:
        line, col, key, message = exc.problem
        raise fail(line, col, message, key) from None
    except RecursionError:
        raise fail(1, 1, "nested too deeply") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"the value {data!r}"
        raise fail(1, 1, f"the top level must be a mapping of keys (project_name: …), not {kind}")
    return Document(file, data, walker.value_at, walker.key_at)


def read_document(path: Path) -> Document:
    """Read a file from disk; a missing or unreadable file is a ConfigError too."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            [Problem(str(path), 1, 1, "", "file not found; pass --config PATH or create it")]
        ) from None
    except OSError as exc:
        raise ConfigError([Problem(str(path), 1, 1, "", f"cannot read: {exc.strerror}")]) from None
    return parse_document(raw, str(path))


# ---- environments --------------------------------------------------------------------------


def _deep_merge(base: Any, overlay: Any) -> Any:
    """Mappings merge key by key; anything else in the overlay replaces; null removes."""
    if isinstance(overlay, dict) and not isinstance(base, dict):
        base = {}  # `count: null` under a section the base lacks still means "nothing here"
    if isinstance(base, dict) and isinstance(overlay, dict):
        out = dict(base)
        for key, value in overlay.items():
            if value is None:
                out.pop(key, None)
            else:
                out[key] = _deep_merge(base.get(key), value)
        return out
    return overlay


def for_stack(doc: Document, stack: str | None) -> Document:
    """The document as a stack sees it: the base with `environments[stack]` merged over it."""
    data = {k: v for k, v in doc.data.items() if k != "environments"}
    value_at = {p: v for p, v in doc.value_at.items() if not p or p[0] != "environments"}
    key_at = {p: v for p, v in doc.key_at.items() if not p or p[0] != "environments"}
    envs = doc.data.get("environments")
    if stack is not None and isinstance(envs, dict) and isinstance(envs.get(stack), dict):
        overlay = envs[stack]
        data = _deep_merge(data, overlay)
        prefix = ("environments", stack)
        for table, merged in ((doc.value_at, value_at), (doc.key_at, key_at)):
            for p, pos in table.items():
                if p[:2] == prefix and len(p) > 2:
                    merged[p[2:]] = pos
    return Document(doc.file, data, value_at, key_at)


def _environment_problems(doc: Document) -> list[Problem]:
    envs = doc.data.get("environments")
    if envs is None:
        return []
    problems: list[Problem] = []
    if not isinstance(envs, dict):
        line, col = doc.place(("environments",))
        return [Problem(doc.file, line, col, "environments", "expected a mapping of stack names")]
    for name, overlay in envs.items():
        line, col = doc.place(("environments", name), key=True)
        key = f"environments.{name}"
        if not STACK_NAME_RE.match(str(name)):
            problems.append(Problem(doc.file, line, col, key, "not a valid Pulumi stack name"))
        elif not isinstance(overlay, dict):
            problems.append(
                Problem(doc.file, line, col, key, "an environment overlay must be a mapping")
            )
        elif "environments" in overlay:
            problems.append(Problem(doc.file, line, col, key, "environments cannot be nested"))
        elif "provider" in overlay or "project_name" in overlay:
            which = "provider" if "provider" in overlay else "project_name"
            line, col = doc.place(("environments", name, which), key=True)
            problems.append(
                Problem(
                    doc.file,
                    line,
                    col,
                    f"{key}.{which}",
                    f"{which} is the same for every environment; set it once at the top",
                )
            )
    return problems


# ---- validation ----------------------------------------------------------------------------


def _model_at(path: Path_) -> type[BaseModel] | None:
    """The pydantic model that validates the mapping at `path`, for did-you-mean hints."""
    model: type[BaseModel] = InferaConfig
    for part in path:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        if info is None:
            return None
        nested = _find_model(info.annotation)
        if nested is None:
            return None
        model = nested
    return model


def _find_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is not None or get_args(annotation):
        for arg in get_args(annotation):
            found = _find_model(arg)
            if found is not None:
                return found
    return None


def _clean_loc(loc: tuple[Any, ...]) -> Path_:
    # Pydantic adds tags such as 'function-after[...]' or a union member's type name.
    return tuple(p for p in loc if isinstance(p, int) or (isinstance(p, str) and "[" not in p))


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_DEFAULT_PATTERN_HINT = "{value!r} is not in the expected form"
_PATTERN_HINTS = {
    "image": "{value!r}: an image reference cannot be empty or contain spaces",
    "version": "{value!r}: Phoenix 1.5 or later, written like '1.7' or '1.6.3'",
    "elixir_version": "{value!r}: write the Elixir version like '1.16'",
    "path": "{value!r}: the health check path must start with '/'",
}


def _message(err: Any, path: Path_) -> tuple[Path_, str, bool]:
    """(path, message, point-at-key) for one pydantic error."""
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "value_error":
        exc = ctx.get("error")
        if isinstance(exc, At):
            return ((*path, *exc.path) if exc.relative else exc.path), exc.message, False
        return path, str(exc) if exc is not None else err["msg"], False
    if kind == "missing":
        return path, "required key is missing", True
    if kind == "extra_forbidden":
        model = _model_at(path[:-1])
        allowed = list(model.model_fields) if model else []
        hint = did_you_mean(str(path[-1]), allowed)
        if not hint and allowed:
            hint = f"; allowed here: {', '.join(allowed)}"
        return path, f"unknown key {path[-1]!r}{hint}", True
    if kind == "literal_error":
        expected = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return (
            path,
            f"{value!r} is not one of {', '.join(repr(e) for e in expected)}"
            f"{did_you_mean(str(value), expected)}",
            False,
        )
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return path, f"expected a mapping (indented key: value lines), got {_show(value)}", False
    if kind == "list_type":
        return path, f"expected a list (lines starting with '- '), got {_show(value)}", False
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return path, f"expected a whole number, got {_show(value)}", False
    if kind in ("bool_type", "bool_parsing"):
        return path, f"expected true or false, got {_show(value)}", False
    if kind in ("string_type",):
        quote = "; quote it if it looks like a number" if isinstance(value, int | float) else ""
        return path, f"expected text, got {_show(value)}{quote}", False
    if kind == "string_pattern_mismatch":
        return (
            path,
            _PATTERN_HINTS.get(str(path[-1]) if path else "", _DEFAULT_PATTERN_HINT).format(
                value=value
            ),
            False,
        )
    if kind == "greater_than_equal" and ctx.get("ge") == 1 and isinstance(value, float):
        return path, f"must be at least 1s, got {value:g}s", False
    msg = err["msg"].replace("Input should be", "should be").replace("Value error, ", "")
    return path, f"{msg}, got {_show(value)}", False


def _show(value: Any) -> str:
    # Spelled as the YAML the person wrote, not as Python.
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _problems(exc: ValidationError, doc: Document) -> Iterator[Problem]:
    for err in exc.errors(include_url=False):
        for path, message, at_key in _problems_of(err, doc):
            line, col = doc.place(path, key=at_key)
            yield Problem(doc.file, line, col, _dotted(path), message)


def _in_overlay(overlay: Any, path: Path_) -> bool:
    """Whether the overlay itself writes the value at `path` (or a mapping containing it)."""
    node = overlay
    for part in path:
        if isinstance(node, dict) and part in node:
            node = node[part]
            continue
        if isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            continue
        return node is not overlay  # inside something the overlay wrote
    return True


def _other_overlay_problems(doc: Document, stack: str | None) -> list[Problem]:
    """Every other overlay's wrong types and unknown keys, whichever stack is asked for.

    A stack's own view is validated whole; another overlay is checked for what it writes
    (types, names, values of single keys), not for rules across keys that only its own stack
    can judge (its secrets, its cross-field rules), so `plan --stack dev` is not blocked by a
    prod-only rule, but `count: many` under prod fails every stack.
    """
    envs = doc.data.get("environments")
    if not isinstance(envs, dict):
        return []
    out: list[Problem] = []
    for name, overlay in envs.items():
        if name == stack or not isinstance(overlay, dict) or not STACK_NAME_RE.match(str(name)):
            continue
        view = for_stack(doc, str(name))
        try:
            InferaConfig.model_validate(view.data, context={"stack": str(name)})
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                if not err["loc"]:
                    continue  # a rule across keys: judged when that stack is asked for
                for problem in _problems_of(err, view):
                    path = problem[0]
                    if _in_overlay(overlay, path):
                        line, col = view.place(path, key=problem[2])
                        # Keyed as its own stack keys it (the line is in the overlay), so
                        # `validate` without --stack reports it once.
                        out.append(Problem(doc.file, line, col, _dotted(path), problem[1]))
    return out


def _problems_of(err: Any, view: Document) -> Iterator[tuple[Path_, str, bool]]:
    many = (err.get("ctx") or {}).get("error")
    errors: list[Any] = (
        [{**err, "ctx": {"error": one}} for one in many.problems]
        if isinstance(many, AtMany)
        else [err]
    )
    for one in errors:
        yield _message(one, _clean_loc(tuple(one["loc"])))


def validate_document(doc: Document, stack: str | None) -> InferaConfig:
    """Validate the document as `stack` sees it; raise ConfigError listing every problem.

    Every other environment overlay is type-checked too (see `_other_overlay_problems`).
    """
    problems = _environment_problems(doc)
    if not problems:
        problems += _other_overlay_problems(doc, stack)
    view = for_stack(doc, stack)
    data = dict(view.data)
    if "environments" in doc.data:
        data["environments"] = doc.data["environments"] if not problems else {}
    try:
        config = InferaConfig.model_validate(data, context={"stack": stack})
    except ValidationError as exc:
        problems.extend(_problems(exc, view))
        raise ConfigError(problems) from None
    if problems:
        raise ConfigError(problems)
    return config


def stacks_of(doc: Document, project_dir: Path) -> list[str]:
    """Every stack the project knows: `Pulumi.<stack>.yaml` files and environment overlays."""
    names = {p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml")}
    envs = doc.data.get("environments")
    if isinstance(envs, dict):
        names |= {str(k) for k in envs}
    return sorted(names)


def load_config(path: Path, stack: str | None) -> InferaConfig:
    """Read and validate `path` for `stack`. The one call the program and the CLI make."""
    return validate_document(read_document(path), stack)


def validate_all(
    path: Path, stacks: list[str] | None = None
) -> list[tuple[str | None, InferaConfig]]:
    """Validate the base and every stack's view; one ConfigError carries all their problems."""
    doc = read_document(path)
    names: list[str | None] = [
        None,
        *(stacks if stacks is not None else stacks_of(doc, path.parent)),
    ]
    problems: list[Problem] = []
    configs: list[tuple[str | None, InferaConfig]] = []
    for name in names:
        try:
            configs.append((name, validate_document(doc, name)))
        except ConfigError as exc:
            problems.extend(p for p in exc.problems if p not in problems)
    if problems:
        raise ConfigError(problems)
    return configs


def _shared_domain_warning(raw: Document, stack: str | None, config: InferaConfig) -> list[Problem]:
    """A top-level `domain` reaches every stack: a non-production one would ask for a
    certificate for the production host (and point PHX_HOST at it)."""
    if stack is None or config.domain is None or config.is_production:
        return []
    envs = raw.data.get("environments")
    overlay = envs.get(stack) if isinstance(envs, dict) else None
    if isinstance(overlay, dict) and "domain" in overlay:
        return []  # the stack chose its own
    line, col = raw.place(("domain",))
    return [
        Problem(
            raw.file,
            line,
            col,
            "domain",
            f"warning: domain {config.domain} is set for every stack, so {stack!r} (not "
            "production) requests a certificate for that host and sets PHX_HOST to it; move "
            f"domain under environments.<prod stack>, or give environments.{stack}.domain its "
            "own host (or null)",
        )
    ]


def _stacks_sharing(raw: Document, stack: str, path: tuple[str, ...]) -> list[str]:
    """The stacks, `stack` among them, that take the base's value at `path`: their overlay
    sets neither it nor a section above it."""
    envs = raw.data.get("environments")
    envs = envs if isinstance(envs, dict) else {}

    def own(overlay: Any) -> bool:
        for key in path:
            if not isinstance(overlay, dict):
                return False
            if key in overlay and not isinstance(overlay[key], dict):
                return True
            overlay = overlay.get(key)
        return overlay is not None

    return [s for s in sorted({stack, *envs}) if not own(envs.get(s))]


def _shared_app_name_warning(raw: Document, stack: str | None) -> list[Problem]:
    """A top-level `app_name` reaches every stack whose overlay does not name its own app, so
    two such stacks would deploy to one Fly app or Cloud Run service."""
    if stack is None or "app_name" not in raw.data:
        return []
    sharing = _stacks_sharing(raw, stack, ("app_name",))
    if stack not in sharing or len(sharing) < 2:
        return []
    others = ", ".join(repr(s) for s in sharing if s != stack)
    line, col = raw.place(("app_name",))
    return [
        Problem(
            raw.file,
            line,
            col,
            "app_name",
            f"warning: app_name {raw.data['app_name']} is set for every stack, so {stack!r} "
            f"and {others} deploy to the same app; move app_name under each "
            "environments.<stack>, or drop it to get one name per stack",
        )
    ]


def _shared_bucket_name_warnings(raw: Document, stack: str | None) -> list[Problem]:
    """Bucket names are global (Cloud Storage and Tigris alike): a name in the base
    `storage.buckets` reaches every stack that does not list its own buckets, and the second
    stack's create fails on a name the first one holds."""
    storage = raw.data.get("storage")
    buckets = storage.get("buckets") if isinstance(storage, dict) else None
    if stack is None or not isinstance(buckets, list):
        return []
    sharing = _stacks_sharing(raw, stack, ("storage", "buckets"))
    if stack not in sharing or len(sharing) < 2:
        return []
    others = ", ".join(repr(s) for s in sharing if s != stack)
    out = []
    for i, bucket in enumerate(buckets):
        if isinstance(bucket, dict) and isinstance(bucket.get("name"), str):
            line, col = raw.place(("storage", "buckets", i, "name"))
            out.append(
                Problem(
                    raw.file,
                    line,
                    col,
                    f"storage.buckets.{i}.name",
                    f"warning: bucket names are global, and {bucket['name']!r} is set for "
                    f"every stack, so {stack!r} and {others} would create the same bucket (the "
                    "second create fails); list storage.buckets under each environments.<stack> "
                    "with its own name, or drop `name` to get one derived per stack",
                )
            )
    return out


def warning_problems(doc_path: Path, stack: str | None, config: InferaConfig) -> list[Problem]:
    """The config's non-blocking advice, placed in the file like errors are."""
    raw = read_document(doc_path)
    doc = for_stack(raw, stack)
    out = (
        _shared_domain_warning(raw, stack, config)
        + _shared_app_name_warning(raw, stack)
        + _shared_bucket_name_warnings(raw, stack)
    )
    for key, message in config.warnings():
        path: Path_ = tuple(int(p) if p.isdigit() else p for p in key.split("."))
        line, col = doc.place(path, key=True)
        out.append(Problem(doc.file, line, col, _dotted(path), f"warning: {message}"))
    return out
