"""How `mhct sql` writes its query in each SQL dialect (`DIALECTS`): quoting, literals, Python's
whitespace stripping (`WHITESPACE`), integer arithmetic and bits, constant lists and ENUM output
types. `sql.allocation_sql` builds the query from these pieces; `audit_duckdb` uses `Dialect`
for the DuckDB reading around it."""

from __future__ import annotations

from collections.abc import Collection

__all__ = ["DIALECTS", "Dialect", "WHITESPACE"]

DIALECTS = ("duckdb", "spark")
# What Python's str.strip() strips (every character str.isspace() accepts): the interpreter trims
# ids and cells with it, where SQL's TRIM strips spaces only.
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
              "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def _ranges(characters: str) -> str:
    """A regular expression character class's body for ``characters`` (sorted), as ranges."""
    runs: list[list[int]] = []
    for point in map(ord, characters):
        if runs and runs[-1][1] == point - 1:
            runs[-1][1] = point
        else:
            runs.append([point, point])
    return "".join(f"\\x{{{a:x}}}" + (f"-\\x{{{b:x}}}" if b > a else "") for a, b in runs)


_WHITESPACE_CLASS = _ranges(WHITESPACE)


class Dialect:
    """How the query is written in one SQL dialect (quoting, literals, stripping, lists)."""

    def __init__(self, name: str):
        if name not in DIALECTS:
            raise ValueError(f"unknown SQL dialect {name!r}; use one of {', '.join(DIALECTS)}")
        self.name = name
        self.spark = name == "spark"
        self.string = "STRING" if self.spark else "VARCHAR"

    def quote(self, column: str) -> str:
        mark = "`" if self.spark else '"'
        return mark + column.replace(mark, mark * 2) + mark

    def literal(self, value: str) -> str:
        """A string literal. Spark reads backslash escapes in literals, so text that is not plain
        goes to Spark as hex: no rule-file text can end a literal early in either dialect."""
        if not self.spark:
            return "'" + value.replace("'", "''") + "'"
        if all(ch.isalnum() or ch in " _-|(),.:;" for ch in value) and value.isascii():
            return f"'{value}'"
        return f"decode(unhex('{value.encode('utf-8').hex()}'), 'UTF-8')"

    def strip(self, text: str) -> str:
        """``text`` without leading and trailing `WHITESPACE`, as Python's ``str.strip()``."""
        if self.spark:
            return f"trim(BOTH {self.literal(WHITESPACE)} FROM {text})"
        # DuckDB's trim() with a set of characters is several times slower than this
        return (f"regexp_replace({text}, '^[{_WHITESPACE_CLASS}]+|[{_WHITESPACE_CLASS}]+$', '', "
                "'g')")

    def text(self, expression: str) -> str:
        """A cell as stripped text (`strip`), NULL when blank."""
        return f"NULLIF({self.strip(f'CAST({expression} AS {self.string})')}, '')"

    def digits(self, text: str, most: int | None = None) -> str:
        """Whether text is a whole number (ASCII digits only, at most ``most`` of them)."""
        pattern = "[0-9]" + ("+" if most is None else f"{{1,{most}}}")
        return f"{text} RLIKE '^{pattern}$'" if self.spark else \
            f"regexp_full_match({text}, '{pattern}')"

    def div(self, a: str, b: int | str) -> str:
        return f"({a} DIV ({b}))" if self.spark else f"({a} // ({b}))"

    def bits(self, value: str, shift: int, width: int) -> str:
        """``width`` bits of a non-negative integer from bit ``shift`` up."""
        shifted = (f"shiftright({value}, {shift})" if self.spark else f"({value} >> {shift})") \
            if shift else value
        return f"({shifted} & {2 ** width - 1})"

    def kind(self, words: Collection[str]) -> str:
        """The type of an output column whose values are among ``words``. DuckDB: an ENUM, stored
        as one small integer a row (text columns cost DuckDB far more to store) and read, printed
        and compared as the same text; its members in byte order, so it sorts as the text would.
        Spark (no ENUM): its text type."""
        if self.spark:
            return self.string
        return f"ENUM({', '.join(self.literal(w) for w in sorted(set(words)))})"

    def word(self, value: str, kind: str) -> str:
        """A literal ``value`` of type ``kind`` (`kind`)."""
        return self.literal(value) if self.spark else f"CAST({self.literal(value)} AS {kind})"

    def words(self, values: list[str], kind: str) -> str:
        """A constant list of literals of type ``kind`` (`kind`), each cast on its own (DuckDB
        0.10 cannot cast a list of text to a list of an ENUM)."""
        return self.array([self.word(v, kind) for v in values])

    def array(self, items: list[str]) -> str:
        return f"array({', '.join(items)})" if self.spark else f"[{', '.join(items)}]"

    def integers(self, values: list[int]) -> str:
        """A constant list of integers (written as one string: cheap to parse and to plan)."""
        text = ",".join(map(str, values))
        return (f"CAST(split('{text}', ',') AS ARRAY<BIGINT>)" if self.spark
                else f"CAST(string_split('{text}', ',') AS BIGINT[])")

    def least(self, items: list[str]) -> str:
        """The least of integers (never all NULL here). DuckDB's LEAST is several times slower
        than the minimum of a list."""
        return f"{'array_min' if self.spark else 'list_min'}({self.array(items)})"

    def at(self, items: str, index: str) -> str:
        """The element of a list at a 0-based index (NULL when the index is NULL). Not Spark's
        element_at: given a constant array and a NULL index, Spark 4.x returns the last element."""
        return f"try_element_at({items}, CAST({index} AS INT) + 1)" if self.spark else \
            f"list_extract({items}, {index} + 1)"

    def numbers_below(self, count: str) -> str:
        """One output row per integer 0 .. count - 1 (in a select list)."""
        return f"explode(sequence(0, {count} - 1))" if self.spark else f"unnest(range({count}))"

    def ordered_list(self, value: str, order: str, where: str) -> str:
        """The aggregate list of ``value`` ordered by ``order``, over the rows ``where`` holds."""
        if self.spark:
            return (f"sort_array(collect_list(named_struct('k', {order}, 'v', {value})) "
                    f"FILTER (WHERE {where})).v")
        return f"list({value} ORDER BY {order}) FILTER (WHERE {where})"
