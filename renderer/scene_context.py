"""Where bundled assets live, and how spec paths resolve (``SceneContext``).

A spec names files relative to its own folder, or bundled ones with the ``builtin:`` prefix::

    asset: {kind: cutout, dir: builtin:signs}       # the bundled sign templates
    asset: {kind: cutout, dir: my_cutouts}          # <spec folder>/my_cutouts

A path that leaves the allowed roots (the spec's folder, the bundled assets and any root the
user adds) is refused unless the user allows it: specs travel between people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

BUILTIN_PREFIX = "builtin:"


class AssetError(ValueError):
    """A referenced asset is missing, unreadable or unusable; the message names the file."""


@cache
def builtin_root() -> Path:
    """Folder of the bundled assets: inside the installed package, else the source tree's."""
    packaged = Path(str(resources.files("renderer"))) / "_assets"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "assets"


@dataclass(frozen=True)
class SceneContext:
    """What rendering needs besides the spec itself: where relative paths start, and the rules.

    Attributes:
        base_dir: folder of the spec file (the working directory for specs built in code).
        extra_roots: further folders the user allows assets from.
        allow_any_path: accept paths outside every root (``--allow-any-path``).
        skip_bad_assets: leave unusable files out of asset pools instead of failing
            (``--skip-bad-assets``); a pool left empty is still an error.
    """

    base_dir: Path = field(default_factory=Path.cwd)
    extra_roots: tuple[Path, ...] = ()
    allow_any_path: bool = False
    skip_bad_assets: bool = False

    def resolve(self, ref: str, what: str = "asset") -> Path:
        """Resolve a spec path; raises ``AssetError`` naming the path if it escapes or is missing."""
        return _resolve(self, ref, what)


@lru_cache(maxsize=4096)
def _resolve(ctx: SceneContext, ref: str, what: str) -> Path:
    """Cached body of ``SceneContext.resolve`` (rasters ask for the same files per image)."""
    if ref.startswith(BUILTIN_PREFIX):
        root = builtin_root()
        path = (root / ref[len(BUILTIN_PREFIX):]).resolve()
        roots = [root.resolve()]
    else:
        path = (ctx.base_dir / Path(ref).expanduser()).resolve()
        roots = [ctx.base_dir.resolve(), builtin_root().resolve(),
                 *(r.resolve() for r in ctx.extra_roots)]
    if not ctx.allow_any_path and not any(path.is_relative_to(r) for r in roots):
        raise AssetError(
            f"{what} path {ref!r} resolves outside the spec's folder and the asset roots; "
            "pass --asset-root DIR or --allow-any-path to allow it"
        )
    if not path.exists():
        raise AssetError(f"{what} not found: {ref!r} (looked at {path})")
    return path
