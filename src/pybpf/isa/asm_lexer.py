"""Tokens of one line of eBPF assembly, and a cursor over them that reports errors with columns.

Both assembly syntaxes share this lexer: the kernel/LLVM syntax (``r1 s>>= 3``, ``*(u32 *)(r10 - 4)``,
as llvm-objdump and the kernel verifier log print it) and the uBPF/bpf_conformance syntax
(``arsh %r1, 3``, ``[%r10-4]``).  Whitespace never matters between tokens, so ``(r10-4)`` and
``(r10 - 4)`` lex alike.  Comments start with ``;``, ``//`` or a ``#`` that opens the line or follows
whitespace (a ``#`` glued to a word is a token: the verifier log prints ``call bpf_map_lookup_elem#1``).

Every problem is an ``AsmError`` carrying the 1-based line and column, never another exception.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pybpf.errors import AsmError


class TokenKind(enum.Enum):
    IDENT = "identifier"  # mnemonics, registers (r1, w1, %r1), labels, keywords (goto, ll, u32)
    NUMBER = "number"  # unsigned decimal or 0x-hex literal; signs are separate tokens
    PUNCT = "punctuation"  # operators and brackets: += s>>= == ( ) [ ] , : # ...


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str
    column: int  # 1-based column of the first character
    value: int = 0  # the value of a NUMBER

    def is_punct(self, text: str) -> bool:
        return self.kind is TokenKind.PUNCT and self.text == text

    def is_ident(self, text: str | None = None) -> bool:
        return self.kind is TokenKind.IDENT and (text is None or self.text == text)


# Longest operators first, so that "s>>=" is never read as "s>" ">=".  The signed operators begin
# with the letter s; they are tried before identifiers, and an identifier swallows a whole word, so
# "sub" or "rs" never start an operator.
_OPERATORS = (
    "s>>=",
    "<<=",
    ">>=",
    "s>=",
    "s<=",
    "s/=",
    "s%=",
    "s>",
    "s<",
    "+=",
    "-=",
    "*=",
    "/=",
    "%=",
    "|=",
    "&=",
    "^=",
    "==",
    "!=",
    ">=",
    "<=",
    ">",
    "<",
    "=",
    "+",
    "-",
    "*",
    "/",
    "%",
    "&",
    "|",
    "^",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "#",
)
_TOKEN_RE = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<comment>//|;)"
    r"|(?P<number>(?:0[xX][0-9a-fA-F]+|[0-9]+)(?![A-Za-z0-9_.]))"
    r"|(?P<badnumber>[0-9][A-Za-z0-9_.]*)"
    r"|(?P<op>" + "|".join(re.escape(op) for op in _OPERATORS[:9]) + r")"
    r"|(?P<ident>%?[A-Za-z_.][A-Za-z0-9_.]*)"
    r"|(?P<punct>" + "|".join(re.escape(op) for op in _OPERATORS[9:]) + r")"
)


def tokenize(line: str, lineno: int) -> list[Token]:
    """The tokens of ``line`` up to its comment."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(line):
        if line[pos] == "#" and (pos == 0 or line[pos - 1].isspace()):
            break  # a comment
        match = _TOKEN_RE.match(line, pos)
        if match is None:
            raise AsmError(f"unexpected character {line[pos]!r}", lineno, pos + 1, line)
        kind = match.lastgroup
        text = match.group()
        column = pos + 1
        pos = match.end()
        if kind == "space":
            continue
        if kind == "comment":
            break
        if kind == "badnumber":
            raise AsmError(f"malformed number {text!r}", lineno, column, line)
        if kind == "number":
            tokens.append(
                Token(
                    TokenKind.NUMBER,
                    text,
                    column,
                    int(text, 0) if text[:2] in ("0x", "0X") else int(text, 10),
                )
            )
        elif kind == "ident":
            tokens.append(Token(TokenKind.IDENT, text, column))
        else:
            tokens.append(Token(TokenKind.PUNCT, text, column))
    return tokens


class TokenStream:
    """A cursor over the tokens of one statement, raising ``AsmError`` at the offending column."""

    def __init__(self, tokens: Sequence[Token], lineno: int, line: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.lineno = lineno
        self.line = line

    # -- looking ------------------------------------------------------------------------------
    def peek(self, ahead: int = 0) -> Token | None:
        index = self.pos + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def at_end(self) -> bool:
        return self.pos >= len(self.tokens)

    def at_punct(self, text: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token is not None and token.is_punct(text)

    def at_ident(self, text: str | None = None, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token is not None and token.is_ident(text)

    # -- consuming ----------------------------------------------------------------------------
    def next(self, what: str = "an operand") -> Token:
        token = self.peek()
        if token is None:
            raise self.error(f"expected {what}, found end of line")
        self.pos += 1
        return token

    def accept_punct(self, text: str) -> Token | None:
        token = self.peek()
        if token is not None and token.is_punct(text):
            self.pos += 1
            return token
        return None

    def accept_ident(self, text: str) -> Token | None:
        token = self.peek()
        if token is not None and token.is_ident(text):
            self.pos += 1
            return token
        return None

    def expect_punct(self, text: str) -> Token:
        token = self.peek()
        if token is None or not token.is_punct(text):
            raise self.error(f"expected '{text}', found {describe(token)}", token)
        self.pos += 1
        return token

    def expect_ident(self, text: str | None = None, what: str | None = None) -> Token:
        token = self.peek()
        if token is None or not token.is_ident(text):
            wanted = what or (f"'{text}'" if text else "a name")
            raise self.error(f"expected {wanted}, found {describe(token)}", token)
        self.pos += 1
        return token

    def expect_end(self) -> None:
        token = self.peek()
        if token is not None:
            raise self.error(f"unexpected {describe(token)} after the operands", token)

    def signed_number(self, what: str = "a number") -> tuple[int, Token]:
        """An integer literal with optional signs (the verifier log prints ``skb[r1 + -4]``).

        Returns the value and its first token.
        """
        first = self.peek()
        sign = 1
        token = first
        while token is not None and token.kind is TokenKind.PUNCT and token.text in ("+", "-"):
            self.pos += 1
            sign = -sign if token.text == "-" else sign
            token = self.peek()
        if token is None or token.kind is not TokenKind.NUMBER:
            raise self.error(f"expected {what}, found {describe(token)}", token)
        self.pos += 1
        return sign * token.value, first if first is not None else token

    # -- errors -------------------------------------------------------------------------------
    def error(self, message: str, token: Token | None = None) -> AsmError:
        """An AsmError at ``token`` (at the end of the line when None)."""
        column = token.column if token is not None else len(self.line.rstrip()) + 1
        return AsmError(message, self.lineno, column, self.line)


def describe(token: Token | None) -> str:
    """How an error message names a token."""
    if token is None:
        return "end of line"
    return f"'{token.text}'"
