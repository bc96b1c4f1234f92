"""Tokenizer and parser of the expression language (a hand-written Pratt parser).

Grammar, lowest precedence first::

    expr    := "if" expr "then" expr "else" expr | or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := sum (("<"|"<="|">"|">="|"=="|"!="|"≤"|"≥"|"≠") sum)?
    sum     := product (("+"|"-") product)*
    product := unary (("*"|"/"|"×"|"÷") unary)*
    unary   := ("-"|"+") unary | postfix
    postfix := primary ("[" expr ("," expr)* "]")?
    primary := NUMBER ("%" | UNIT)? | STRING | "true" | "false"
             | NAME "(" args ")" | NAME | "(" expr ")"

``UNIT`` after a number is a unit of the vocabulary, e.g. ``22 workday/month``; ``17%`` is a
percent literal. Names may not shadow units, so the reading is never ambiguous.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from normkit.core.errors import Location, NormkitError

MAX_LENGTH = 10_000
MAX_DEPTH = 48
MAX_NODES = 2_000

KEYWORDS = {"if", "then", "else", "and", "or", "not", "true", "false"}
_SYNONYMS = {"×": "*", "÷": "/", "≤": "<=", "≥": ">=", "≠": "!=", "−": "-"}

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<str>"[^"\n]*"|'[^'\n]*')
  | (?P<name>[^\W\d]\w*)
  | (?P<op><=|>=|==|!=|\*\*|[-+*/×÷−()\[\],%<>≤≥≠^²³·])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # num, str, name, op, end
    text: str
    start: int


# ---- AST -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Num:
    value: Decimal
    unit: str  # unit text as written ("" for a plain number), e.g. "workday/month", "percent"
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Str:
    value: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Bool:
    value: bool
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Name:
    id: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-", "not"
    operand: Node
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # + - * / < <= > >= == != and or
    left: Node
    right: Node
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class If:
    cond: Node
    then: Node
    orelse: Node
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    args: tuple[Node, ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Lookup:
    table: str
    keys: tuple[Node, ...]
    start: int
    end: int


Node = Num | Str | Bool | Name | Unary | Binary | If | Call | Lookup


@dataclass
class Expression:
    """A parsed expression with its source text and where that text sits in a file."""

    text: str
    tree: Node
    location: Location | None = None
    names: frozenset[str] = field(default_factory=frozenset)

    def locate(self, offset: int) -> Location | None:
        return self.location.shifted(offset) if self.location else None


def tokenize(text: str, location: Location | None = None) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise NormkitError("NK302", f"expression has {len(text)} characters; the limit is {MAX_LENGTH}", location=location)
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise NormkitError(
                "NK301",
                f"unexpected character {text[pos]!r} in expression {text!r}",
                location=location.shifted(pos) if location else None,
            )
        kind = m.lastgroup or ""
        if kind != "ws":
            tok = m.group(kind)
            tokens.append(Token(kind, _SYNONYMS.get(tok, tok), pos))
        pos = m.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


class Parser:
    """Parses one expression. ``is_unit`` says whether a name is a unit of the vocabulary."""

    def __init__(self, text: str, is_unit: Callable[[str], bool], location: Location | None = None) -> None:
        self.text = text
        self.is_unit = is_unit
        self.location = location
        self.tokens = tokenize(text, location)
        self.i = 0
        self.depth = 0
        self.nodes = 0
        self.names: set[str] = set()

    # helpers
    def error(self, message: str, at: int, code: str = "NK301") -> NormkitError:
        return NormkitError(code, f"{message} in expression {self._excerpt()}", location=self.location.shifted(at) if self.location else None)

    def _excerpt(self) -> str:
        return repr(self.text if len(self.text) <= 80 else self.text[:77] + "...")

    def peek(self) -> Token:
        return self.tokens[self.i]

    def next(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def accept(self, text: str) -> Token | None:
        tok = self.peek()
        if tok.text == text and tok.kind in ("op", "name"):
            self.i += 1
            return tok
        return None

    def expect(self, text: str) -> Token:
        tok = self.accept(text)
        if tok is None:
            found = self.peek()
            raise self.error(f"expected {text!r} but found {found.text or 'the end'!r}", found.start)
        return tok

    def count(self, at: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.error(f"more than {MAX_NODES} parts", at, "NK302")

    # grammar
    def parse(self) -> Expression:
        if not self.text.strip():
            raise NormkitError("NK301", "empty expression", location=self.location)
        tree = self.expr()
        tok = self.peek()
        if tok.kind != "end":
            raise self.error(f"unexpected {tok.text!r}", tok.start)
        return Expression(self.text, tree, self.location, frozenset(self.names))

    def expr(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"nesting deeper than {MAX_DEPTH}", self.peek().start, "NK302")
        try:
            start = self.peek().start
            if self.accept("if"):
                cond = self.expr()
                self.expect("then")
                then = self.expr()
                self.expect("else")
                orelse = self.expr()
                self.count(start)
                return If(cond, then, orelse, start, _end(orelse))
            return self.or_()
        finally:
            self.depth -= 1

    def or_(self) -> Node:
        left = self.and_()
        while self.accept("or"):
            right = self.and_()
            self.count(left.start)
            left = Binary("or", left, right, left.start, _end(right))
        return left

    def and_(self) -> Node:
        left = self.not_()
        while self.accept("and"):
            right = self.not_()
            self.count(left.start)
            left = Binary("and", left, right, left.start, _end(right))
        return left

    def not_(self) -> Node:
        tok = self.accept("not")
        if tok:
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error(f"nesting deeper than {MAX_DEPTH}", tok.start, "NK302")
            operand = self.not_()
            self.depth -= 1
            self.count(tok.start)
            return Unary("not", operand, tok.start, _end(operand))
        return self.compare()

    def compare(self) -> Node:
        left = self.sum_()
        tok = self.peek()
        if tok.kind == "op" and tok.text in ("<", "<=", ">", ">=", "==", "!="):
            self.next()
            right = self.sum_()
            nxt = self.peek()
            if nxt.kind == "op" and nxt.text in ("<", "<=", ">", ">=", "==", "!="):
                raise self.error("comparisons cannot be chained; join them with `and`", nxt.start)
            self.count(left.start)
            return Binary(tok.text, left, right, left.start, _end(right))
        return left

    def sum_(self) -> Node:
        left = self.product()
        while self.peek().kind == "op" and self.peek().text in ("+", "-"):
            op = self.next().text
            right = self.product()
            self.count(left.start)
            left = Binary(op, left, right, left.start, _end(right))
        return left

    def product(self) -> Node:
        left = self.unary()
        while self.peek().kind == "op" and self.peek().text in ("*", "/"):
            op = self.next().text
            right = self.unary()
            self.count(left.start)
            left = Binary(op, left, right, left.start, _end(right))
        return left

    def unary(self) -> Node:
        tok = self.peek()
        if tok.kind == "op" and tok.text in ("-", "+"):
            self.next()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error(f"nesting deeper than {MAX_DEPTH}", tok.start, "NK302")
            operand = self.unary()
            self.depth -= 1
            self.count(tok.start)
            return operand if tok.text == "+" else Unary("-", operand, tok.start, _end(operand))
        return self.postfix()

    def postfix(self) -> Node:
        node = self.primary()
        if self.peek().text == "[" and self.peek().kind == "op":
            if not isinstance(node, Name):
                raise self.error("only a table name can be looked up with [...]", self.peek().start)
            self.next()
            keys = self.arguments("]")
            end = self.expect("]").start + 1
            self.count(node.start)
            return Lookup(node.id, tuple(keys), node.start, end)
        return node

    def arguments(self, closing: str) -> list[Node]:
        args: list[Node] = []
        if self.peek().text == closing:
            return args
        while True:
            args.append(self.expr())
            if not self.accept(","):
                return args

    def primary(self) -> Node:
        tok = self.next()
        self.count(tok.start)
        if tok.kind == "num":
            return self.number(tok)
        if tok.kind == "str":
            return Str(tok.text[1:-1], tok.start, tok.start + len(tok.text))
        if tok.kind == "name":
            if tok.text in ("true", "false"):
                return Bool(tok.text == "true", tok.start, tok.start + len(tok.text))
            if tok.text in KEYWORDS:
                raise self.error(f"unexpected keyword {tok.text!r}", tok.start)
            if self.is_unit(tok.text):
                raise self.error(f"{tok.text!r} is a unit; write a number before it, e.g. `1 {tok.text}`", tok.start)
            if self.peek().text == "(" and self.peek().kind == "op":
                self.next()
                args = self.arguments(")")
                end = self.expect(")").start + 1
                return Call(tok.text, tuple(args), tok.start, end)
            self.names.add(tok.text)
            return Name(tok.text, tok.start, tok.start + len(tok.text))
        if tok.text == "(":
            inner = self.expr()
            self.expect(")")
            return inner
        raise self.error(f"unexpected {tok.text or 'end of expression'!r}", tok.start)

    def number(self, tok: Token) -> Num:
        value = Decimal(tok.text)
        end = tok.start + len(tok.text)
        if self.peek().text == "%" and self.peek().kind == "op":
            pct = self.next()
            return Num(value, "percent", tok.start, pct.start + 1)
        nxt = self.peek()
        if nxt.kind != "name" or not self.is_unit(nxt.text):
            return Num(value, "", tok.start, end)
        parts = [self.next().text]
        end = nxt.start + len(nxt.text)
        while True:
            op = self.peek()
            if op.kind == "op" and op.text in ("²", "³"):
                self.next()
                parts.append(op.text)
                end = op.start + 1
                continue
            if op.kind == "op" and op.text == "^" and self.tokens[self.i + 1].kind == "num":
                self.next()
                power = self.next()
                parts.append("^" + power.text)
                end = power.start + len(power.text)
                continue
            if op.kind == "op" and op.text in ("/", "*", "·"):
                after = self.tokens[self.i + 1]
                if after.kind == "name" and self.is_unit(after.text):
                    self.next()
                    self.next()
                    parts.append(op.text + after.text)
                    end = after.start + len(after.text)
                    continue
            break
        return Num(value, "".join(parts), tok.start, end)


def _end(node: Node) -> int:
    return node.end


def parse(text: str, is_unit: Callable[[str], bool], location: Location | None = None) -> Expression:
    """Parse ``text`` once; raise :class:`NormkitError` (NK301/NK302) with a precise column."""
    if not isinstance(text, str):
        raise NormkitError("NK301", f"an expression must be text, not {type(text).__name__}", location=location)
    return Parser(text, is_unit, location).parse()
