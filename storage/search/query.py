"""The search query language, parsed once and compiled for each engine.

Grammar (operators in capitals; lower-case "and"/"or" are ordinary words)::

    query  := or ( "OR" or )*            — OR binds loosest
    or     := unary ( ["AND"] unary )*    — juxtaposition means AND
    unary  := ("NOT" | "-") unary | atom
    atom   := "(" query ")" | '"' words '"' | word | word"*"

Every word is folded (``storage.fold``), so "dao hoang sa" finds "Đảo Hoàng Sa".
A word that folds to several tokens ("covid-19") is a phrase. The compiled
queries quote every token, and are passed as bound parameters: user text never
becomes SQL or FTS5 syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from storage.fold import tokens

MAX_QUERY_LENGTH = 500
MAX_TERMS = 40


class QueryError(ValueError):
    """A query that cannot be understood; the message (Vietnamese) says why."""


@dataclass(frozen=True, kw_only=True)
class Term:
    """One word, prefix or phrase: folded tokens that must appear in a row."""

    tokens: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True, kw_only=True)
class Not:
    child: Node


@dataclass(frozen=True, kw_only=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, kw_only=True)
class Or:
    children: tuple[Node, ...]


Node = Term | Not | And | Or

_LEX = re.compile(r'\s+|(?P<lp>\()|(?P<rp>\))|(?P<quote>"[^"]*"?)|(?P<word>[^\s()"]+)')


def _lex(query: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for m in _LEX.finditer(query):
        kind = m.lastgroup
        if kind is None:
            continue
        value = m.group()
        if kind == "quote" and (len(value) < 2 or not value.endswith('"')):
            raise QueryError("Thiếu dấu ngoặc kép đóng cụm từ.")
        if kind == "word" and value in ("AND", "OR", "NOT"):
            kind = value
        elif kind == "word" and value == "-":
            # "-(...)" and '-"..."' exclude; a dash on its own is punctuation.
            if query[m.end() : m.end() + 1] in ("(", '"'):
                out.append(("NOT", "-"))
            continue
        elif kind == "word" and value.startswith("-") and len(value) > 1:
            out.append(("NOT", "-"))
            value = value[1:]
        out.append((kind, value))
    return out


class _Parser:
    def __init__(self, toks: list[tuple[str, str]]) -> None:
        self.toks = toks
        self.i = 0
        self.terms = 0

    def peek(self) -> str | None:
        return self.toks[self.i][0] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node | None:
        node = self.or_()
        if self.peek() == "rp":
            raise QueryError("Thừa dấu ngoặc đóng “)”.")
        return node

    def or_(self) -> Node | None:
        parts = [self.and_()]
        while self.peek() == "OR":
            self.take()
            if self.peek() in (None, "rp", "OR"):
                raise QueryError("Thiếu từ sau OR.")
            parts.append(self.and_())
        kept = [p for p in parts if p is not None]
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else Or(children=tuple(kept))

    def and_(self) -> Node | None:
        if self.peek() in ("AND", "OR"):
            raise QueryError(f"Thiếu từ trước {self.peek()}.")
        parts: list[Node] = []
        while self.peek() not in (None, "rp", "OR"):
            if self.peek() == "AND":
                self.take()
                if self.peek() in (None, "rp", "OR", "AND"):
                    raise QueryError("Thiếu từ sau AND.")
                continue
            node = self.unary()
            if node is not None:
                parts.append(node)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else And(children=tuple(parts))

    def unary(self) -> Node | None:
        if self.peek() == "NOT":
            self.take()
            if self.peek() in (None, "rp", "OR", "AND"):
                raise QueryError("Thiếu từ sau NOT (hoặc dấu “-”).")
            child = self.unary()
            return None if child is None else Not(child=child)
        return self.atom()

    def atom(self) -> Node | None:
        kind, value = self.take()
        if kind == "lp":
            node = self.or_()
            if self.peek() != "rp":
                raise QueryError("Thiếu dấu ngoặc đóng “)”.")
            self.take()
            return node
        if kind == "rp":
            raise QueryError("Thừa dấu ngoặc đóng “)”.")
        prefix = False
        if kind == "quote":
            value = value[1:-1]
        elif value.endswith("*"):
            prefix = True
            value = value.rstrip("*")
        toks = tuple(tokens(value))
        if not toks:
            return None  # punctuation alone: nothing to look for
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QueryError(f"Câu tìm kiếm quá dài (tối đa {MAX_TERMS} từ khóa).")
        return Term(tokens=toks, prefix=prefix)


def parse(query: str) -> Node | None:
    """Parse a query; ``None`` means "no text condition" (empty or only punctuation).

    >>> parse('"Hoàng Sa" -du lịch')  # doctest: +ELLIPSIS
    And(children=(Term(tokens=('hoang', 'sa'), prefix=False), Not(...), Term(...)))
    """
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryError(f"Câu tìm kiếm quá dài (tối đa {MAX_QUERY_LENGTH} ký tự).")
    node = _Parser(_lex(query)).parse()
    if node is not None:
        _check_positive(node)
    return node


def _check_positive(node: Node) -> None:
    """Every alternative must ask for something: "-x" alone cannot be searched."""
    if isinstance(node, Not):
        raise QueryError("Cần ít nhất một từ khóa không bị loại trừ (NOT/-) trong mỗi vế.")
    if isinstance(node, Or):
        for child in node.children:
            _check_positive(child)
    elif isinstance(node, And):
        positives = [c for c in node.children if not isinstance(c, Not)]
        if not positives:
            raise QueryError("Cần ít nhất một từ khóa không bị loại trừ (NOT/-) trong mỗi vế.")
        for child in positives:
            _check_positive(child)
        for child in node.children:
            if isinstance(child, Not):
                _check_any(child.child)


def _check_any(node: Node) -> None:
    # Inside a NOT, sub-expressions must be expressible too: NOT (a -b) is fine, NOT (-b) is not.
    if isinstance(node, Term):
        return
    _check_positive(node)


def positive_terms(node: Node | None) -> list[Term]:
    """Terms a matching article contains (those under NOT excluded): what snippets highlight."""
    if node is None:
        return []
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return []
    return [t for child in node.children for t in positive_terms(child)]


def to_fts5(node: Node) -> str:
    """An FTS5 MATCH expression. FTS5's NOT is binary (``a NOT b``), hence the regrouping."""
    if isinstance(node, Term):
        phrase = '"' + " ".join(node.tokens) + '"'
        return phrase + ("*" if node.prefix else "")
    if isinstance(node, Or):
        return "(" + " OR ".join(to_fts5(c) for c in node.children) + ")"
    if isinstance(node, And):
        pos = [to_fts5(c) for c in node.children if not isinstance(c, Not)]
        expr = "(" + " AND ".join(pos) + ")"
        for child in node.children:
            if isinstance(child, Not):
                expr = f"({expr} NOT {to_fts5(child.child)})"
        return expr
    raise QueryError("Cần ít nhất một từ khóa không bị loại trừ (NOT/-).")


def to_tsquery(node: Node) -> str:
    """A PostgreSQL tsquery literal (cast, not parsed by a dictionary, so tokens stay as folded)."""
    if isinstance(node, Term):
        parts = [f"'{t}'" for t in node.tokens]
        if node.prefix:
            parts[-1] += ":*"
        return "(" + " <-> ".join(parts) + ")"
    if isinstance(node, Not):
        return "!" + to_tsquery(node.child)
    if isinstance(node, Or):
        return "(" + " | ".join(to_tsquery(c) for c in node.children) + ")"
    return "(" + " & ".join(to_tsquery(c) for c in node.children) + ")"
