"""Where things are: the project root, its content, templates and build folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Paths:
    """The folders a build reads and writes, all under one project root."""

    root: Path
    content: Path
    templates: Path
    build: Path

    @classmethod
    def at(cls, root: Path, content: Path | None = None, build: Path | None = None) -> Paths:
        root = root.resolve()
        templates = root / "templates"
        if not templates.is_dir():
            templates = PACKAGE_ROOT / "templates"
        return cls(
            root=root,
            content=(content or root / "content").resolve(),
            templates=templates,
            build=(build or root / "build").resolve(),
        )

    @property
    def bibliography(self) -> Path:
        """The bibliography's default name: the one a problem names when there is none."""
        return self.content / "references.bib"

    def bibliographies(self) -> list[Path]:
        """Every .bib file under content/, sorted by path; the default one if none."""
        found = sorted(self.content.rglob("*.bib"), key=lambda p: p.relative_to(self.content).parts)
        return [p for p in found if p.is_file() or p.is_symlink()] or [self.bibliography]

    @property
    def theme(self) -> Path:
        """A project's own templates, partials and CSS, found before the house ones."""
        return self.content / "theme"

    def template_folders(self) -> list[Path]:
        """Where templates are looked for, in order: the project's theme, then the house."""
        return [self.theme, self.templates]

    def shown(self, path: Path) -> str:
        """path as the user should see it: relative to the root when inside it."""
        try:
            return str(path.resolve().relative_to(self.root))
        except ValueError:
            return str(path)
