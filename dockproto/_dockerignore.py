"""``.dockerignore``: which files of a build context are left out, as the docker CLI decides.

The rules are moby's (``moby/patternmatcher`` and its ``ignorefile`` reader, as the
docker CLI uses them to write the context):

* one pattern a line; a line starting with ``#`` is a comment (only at its very start:
  ``  #x`` is a pattern), blank lines are skipped, spaces around a pattern are trimmed;
* a pattern is cleaned as Go's ``filepath.Clean`` cleans a path (``./a//b/`` is
  ``a/b``, ``a/../b`` is ``b``) and one leading ``/`` dropped: patterns are relative to
  the context's root;
* ``*`` is any run of characters but ``/``, ``?`` one character but ``/``, ``[...]`` a
  class (``[^...]`` negated, ranges ``a-z``), ``\\x`` the character ``x``; ``**`` is any
  number of whole path components (``**/x`` is ``x`` at any depth, ``a/**`` everything
  under ``a``);
* a pattern matches a path when it matches the path or one of its parent directories
  (``build`` leaves out ``build/x/y``);
* ``!pattern`` is an exception: it sends again what an earlier pattern left out.  The
  last pattern that matches a path decides;
* a pattern that does not parse (``[a-``, ``[]``, a trailing ``\\``, a lone ``!``) is
  an error, named with its line: a ``ValueError`` here.

Where moby's translation into a regular expression gives a pattern a meaning Go's
``filepath.Match`` grammar does not (``\\d`` as a digit class, ``*`` inside ``[...]``),
the grammar's meaning is kept: ``\\d`` is ``d``, ``[*]`` is a star.

Walking a directory, a match is decided from the parent's (``match``, moby's
``MatchesUsingParentResults``): each pattern's result for the parent directory carries
over to what is below it, so no path is matched twice.  An excluded directory is not
walked into unless an exception's text starts with it (``keeps_walking``: moby's own
check, literal; ``!*/keep`` does not reopen ``dir``, as with the CLI).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["DockerIgnore", "IgnorePattern", "clean_pattern"]


def _go_clean(path: str) -> str:
    """Go's ``filepath.Clean`` on a Unix path (``posixpath.normpath``, but a leading
    ``//`` is ``/`` as in Go)."""
    cleaned = posixpath.normpath(path)
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    return cleaned


def clean_pattern(line: str) -> str:
    """One line of ``.dockerignore`` as moby's reader keeps it (``!`` kept in front),
    ``""`` for a line that holds none (a comment, a blank)."""
    if line.startswith("#"):
        return ""
    pattern = line.strip()
    if not pattern:
        return ""
    invert = pattern[0] == "!"
    if invert:
        pattern = pattern[1:].strip()
    if pattern:
        pattern = _go_clean(pattern)
        if len(pattern) > 1 and pattern[0] == "/":
            pattern = pattern[1:]
    return "!" + pattern if invert else pattern


def _class_end(pattern: str, start: int) -> int:
    """The index just past the class opened at ``pattern[start] == "["``; a
    ``ValueError`` when it does not parse as ``filepath.Match`` reads classes: an
    optional ``^``, then one or more characters or ranges ``lo-hi`` (``-`` and ``]``
    only escaped), then ``]``."""
    i = start + 1
    n = len(pattern)
    if i < n and pattern[i] == "^":
        i += 1
    ranges = 0
    while True:
        if i < n and pattern[i] == "]" and ranges:
            return i + 1
        i = _class_char(pattern, i)
        if i < n and pattern[i] == "-":
            i = _class_char(pattern, i + 1)
        ranges += 1


def _class_char(pattern: str, i: int) -> int:
    """The index past one (possibly escaped) character of a class, which must not be the
    class's end."""
    n = len(pattern)
    if i >= n or pattern[i] in "-]":
        raise ValueError("bad character class")
    if pattern[i] == "\\":
        i += 1
        if i >= n:
            raise ValueError("bad character class")
    if i + 1 >= n:
        raise ValueError("unterminated character class")
    return i + 1


def _class_regex(text: str) -> str:
    """A checked ``[...]`` class as a Python class, each character literal (an
    unescaped ``-`` there is always a range's, the check made sure)."""
    body = text[1:-1]
    out = ["["]
    if body.startswith("^"):
        out.append("^")
        body = body[1:]
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            i += 1
            out.append(re.escape(body[i]))
        else:
            out.append("-" if c == "-" else re.escape(c))
        i += 1
    out.append("]")
    return "".join(out)


def _translate(pattern: str) -> str:
    """The pattern as a regular expression over a whole ``/``-separated path, as moby
    compiles it; a ``ValueError`` when it does not parse."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if i + 1 < n and pattern[i + 1] == "*":
                i += 2
                if i < n and pattern[i] == "/":  # ("**/" is "**")
                    i += 1
                out.append(".*" if i >= n else "(?:.*/)?")
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = _class_end(pattern, i)
            out.append(_class_regex(pattern[i:end]))
            i = end
            continue
        elif c == "\\":
            if i + 1 >= n:
                raise ValueError("trailing backslash")
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


@dataclass(frozen=True, slots=True)
class IgnorePattern:
    """One cleaned pattern: its text (without ``!``), whether it is an exception, and
    the compiled expression it matches a whole path with."""

    text: str
    exclusion: bool
    regex: re.Pattern[str]

    @classmethod
    def parse(cls, pattern: str) -> IgnorePattern:
        """A pattern as moby's ``New`` takes it (``!`` for an exception); a
        ``ValueError`` saying why when it does not parse."""
        p = _go_clean(pattern.strip())
        exclusion = p.startswith("!")
        if exclusion:
            if len(p) == 1:
                raise ValueError('illegal exclusion pattern: "!"')
            p = p[1:]
        try:
            regex = re.compile(_translate(p))
        except re.error as exc:  # (a range from high to low: moby's Go regexp refuses it too)
            raise ValueError(str(exc)) from None
        return cls(p, exclusion, regex)

    def matches(self, path: str) -> bool:
        """Whether the pattern matches ``path`` itself (not its parents)."""
        return self.regex.fullmatch(path) is not None


# What a directory's match leaves to the paths below it: one flag per pattern.
MatchInfo = tuple[bool, ...]


class DockerIgnore:
    """The patterns of a ``.dockerignore``, and whether a path of the context is left out."""

    __slots__ = ("_any_exclusion", "patterns")

    def __init__(self, patterns: Iterable[IgnorePattern] = ()) -> None:
        self.patterns: tuple[IgnorePattern, ...] = tuple(patterns)
        self._any_exclusion = any(p.exclusion for p in self.patterns)

    @classmethod
    def parse(cls, text: str | bytes | None, source: str = ".dockerignore") -> DockerIgnore:
        """The patterns of a ``.dockerignore``'s text (``None``: no file, no patterns).

        A pattern that does not parse is a ``ValueError`` naming ``source``, the line's
        number and its text."""
        if text is None:
            return cls()
        if isinstance(text, bytes):
            text = text.decode("utf-8", "surrogateescape")
        if text.startswith("\ufeff"):
            text = text[1:]
        patterns = []
        for number, line in enumerate(text.split("\n"), 1):
            cleaned = clean_pattern(line)
            if not cleaned:
                continue
            try:
                patterns.append(IgnorePattern.parse(cleaned))
            except ValueError as exc:
                raise ValueError(
                    f"{source} line {number}: bad pattern {line.strip()!r}: {exc}"
                ) from None
        return cls(patterns)

    @classmethod
    def of(cls, patterns: Sequence[str]) -> DockerIgnore:
        """The patterns given as strings (as moby's ``New`` takes them)."""
        return cls(IgnorePattern.parse(p) for p in patterns if p.strip())

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def __repr__(self) -> str:
        shown = ", ".join(("!" if p.exclusion else "") + p.text for p in self.patterns)
        return f"DockerIgnore([{shown}])"

    @property
    def exclusions(self) -> bool:
        """Whether any pattern is an exception (``!``)."""
        return self._any_exclusion

    def matches(self, path: str) -> bool:
        """Whether ``path`` (``/``-separated, relative to the context) is left out,
        matching its parent directories too (moby's ``MatchesOrParentMatches``)."""
        return self.match(path, None)[0]

    def match(self, path: str, parent: MatchInfo | None) -> tuple[bool, MatchInfo]:
        """Whether ``path`` is left out, and what its match leaves to the paths below it.

        ``parent`` is what the parent directory's match gave (None at the root, or to
        match the parents here instead): a pattern that matched the parent matches the
        path.  An exception that could not change the outcome is not tried (moby's
        order, whose results are the ones kept)."""
        matched = False
        info: list[bool] = []
        parents: list[str] | None = None
        for index, pattern in enumerate(self.patterns):
            hit = parent[index] if parent is not None else False
            if not hit:
                if pattern.exclusion != matched:
                    info.append(False)
                    continue
                hit = pattern.matches(path)
                if not hit and parent is None:
                    if parents is None:
                        parts = path.split("/")[:-1]
                        parents = ["/".join(parts[: k + 1]) for k in range(len(parts))]
                    hit = any(pattern.matches(p) for p in parents)
            info.append(hit)
            if hit:
                matched = not pattern.exclusion
        return matched, tuple(info)

    def keeps_walking(self, directory: str) -> bool:
        """Whether a left-out directory must still be walked: an exception's text
        starts with it (moby's check), so something below it may be sent again."""
        if not self._any_exclusion:
            return False
        prefix = directory + "/"
        return any(p.exclusion and (p.text + "/").startswith(prefix) for p in self.patterns)

    def always_sending(self, *paths: str) -> DockerIgnore:
        """These patterns, plus an exception for each of ``paths`` that they leave out
        (the CLI's ``TrimBuildFilesFromExcludes``: the Dockerfile and ``.dockerignore``
        are always sent)."""
        extra = [p for p in paths if self.matches(p)]
        if not extra:
            return self
        return DockerIgnore([*self.patterns, *(IgnorePattern.parse("!" + p) for p in extra)])
