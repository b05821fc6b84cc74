"""psyscreen for Python: score screening questionnaires (PHQ-9, GAD-7, ASQ, ...)
in pandas, polars, pyarrow and Spark with the psyscreen CLI's own Rust core.

psyscreen is a screening aid, not a diagnostic tool: it screens, flags and
refers; a flag means "a trained person should follow up".

>>> import psyscreen
>>> out = psyscreen.score(df, ["phq9", "gad7"], keep=["class"])

The result has the columns ``psyscreen score`` writes, in its order: the id
column (or ``row``), the ``keep`` columns, per scale ``{scale}_total``,
``{scale}_band``, ``{scale}_prorated``, then ``risk_level``, ``risk_label``
and ``risk_reasons`` (``"; "``-joined, as in the CLI's CSV). Every row comes
back, in order; a cell that cannot be read counts as missing (never lowering
a risk level) and is listed in the bad cells.
"""

from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING, Any, Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union

import pyarrow as pa
import pyarrow.compute as pc

from ._native import PsyscreenError, Screen, __version__
from ._native import instruments as _instruments
from ._native import load_instrument as _load_instrument

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    import polars

__all__ = [
    "score",
    "score_with_bad_cells",
    "instruments",
    "load_instrument",
    "output_schema",
    "BadCell",
    "PsyscreenError",
    "BadCellsWarning",
    "Screen",
    "__version__",
]

PathLike = Union[str, "os.PathLike[str]"]


class BadCellsWarning(UserWarning):
    """Some cells could not be read; they counted as missing and every row was scored."""


class BadCell(NamedTuple):
    """A cell that could not be read. Its row was scored with the cell as missing."""

    index: int
    """The row's position in the data given (0 = first row)."""
    column: str
    value: str
    """What was found (trimmed, control characters escaped, at most 40 characters)."""
    message: str
    """What was expected and what happened instead."""
    row: int
    """The row as the CLI numbers it in a file with a header (``index + 2``)."""
    line: str
    """The CLI's message: ``row N, column C: 'VALUE' MESSAGE``."""

    def __str__(self) -> str:
        return self.line


def instruments(lang: str = "en") -> List[dict]:
    """The built-in instruments: id, name, version, items, scales, license, citation."""
    return _instruments(lang)


def load_instrument(path: PathLike, lang: str = "en") -> dict:
    """Load and check an instrument YAML as ``psyscreen instruments validate`` does
    (schema, semantics, its known-answer tests). Raises PsyscreenError with the
    located messages (``file:line:column``). The path can then be given to ``score``."""
    return _load_instrument(os.fspath(path), lang)


def _is_text(t: pa.DataType) -> bool:
    view = getattr(pa.types, "is_string_view", lambda _: False)
    return pa.types.is_string(t) or pa.types.is_large_string(t) or view(t)


def _readable_column(col: Any) -> Any:
    """A column as the core reads it: text, int64, float64, bool or null; other
    types (dates, categories, decimals) as text, as a CSV would hold them."""
    t = col.type
    if _is_text(t) or pa.types.is_boolean(t) or pa.types.is_null(t) or t in (pa.int64(), pa.float64()):
        return col
    if pa.types.is_integer(t):
        try:
            return pc.cast(col, pa.int64())
        except pa.ArrowInvalid:  # a uint64 past int64
            return pc.cast(col, pa.large_string())
    if pa.types.is_floating(t):
        return pc.cast(col, pa.float64())
    return pc.cast(col, pa.large_string())


def _as_table(data: Any) -> Tuple[pa.Table, str]:
    """The data as an Arrow table, and what kind it came as."""
    if isinstance(data, pa.Table):
        return data, "pyarrow.Table"
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data]), "pyarrow.RecordBatch"
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        names = [str(c) for c in data.columns]
        columns = [_pandas_column(data.iloc[:, i]) for i in range(data.shape[1])]
        return pa.Table.from_arrays(columns, names=names), "pandas"
    if module == "polars":
        return data.to_arrow(), "polars"
    if hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__"):
        return pa.table(data), "pyarrow.Table"
    raise TypeError(
        f"psyscreen.score takes a pandas or polars DataFrame or a pyarrow Table or RecordBatch, "
        f"not {type(data).__name__}"
    )


def _pandas_column(col: Any) -> Any:
    """One pandas column as Arrow. A NumPy number column is taken as it is,
    without a copy or a scan for NaN (the core reads NaN as missing, as
    Arrow's null); others as ``pa.Table.from_pandas`` converts them, and a
    column of mixed Python objects (numbers and text) as text."""
    import numpy as np

    if isinstance(col.dtype, np.dtype) and col.dtype.kind in "fiub":
        return pa.array(col.to_numpy(copy=False), from_pandas=False)
    try:
        return pa.array(col, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(col.map(lambda v: None if v is None or v != v else str(v)), type=pa.large_string(), from_pandas=True)


def _readable(table: pa.Table) -> pa.Table:
    for i, field in enumerate(table.schema):
        given = table.column(i)
        col = _readable_column(given)
        if col is not given:
            table = table.set_column(i, field.name, col)
    return table


def _instrument_list(instruments: Union[str, PathLike, Sequence[Union[str, PathLike]]]) -> List[str]:
    if isinstance(instruments, (str, os.PathLike)):
        instruments = [instruments]
    return [os.fspath(i) for i in instruments]


def _id_flag(id_column: Optional[str]) -> Optional[str]:
    """`id` (the default) is the CLI's default: the `id` column when there is
    one, else the row number; another name is `--id-column NAME`."""
    return None if id_column in (None, "id") else id_column


def _score_table(
    table: pa.Table,
    screen: Screen,
    id_column: Optional[str],
    keep: Sequence[str],
    one_based: bool,
    name: str,
    large: bool = False,
    min_level: Optional[str] = None,
) -> Tuple[pa.Table, List[int], List[BadCell], Optional[List[int]]]:
    readable = _readable(table)
    batches = readable.to_batches()
    if not batches:
        batches = [pa.RecordBatch.from_pylist([], schema=readable.schema)]
    names, sources, scores, bad, kept = screen.score(
        batches, id_column=_id_flag(id_column), keep=list(keep), one_based=one_based, name=name,
        large_strings=large, min_level=min_level,
    )
    computed = pa.record_batch(scores)

    def given(s: int) -> Any:
        # the id and kept columns as given, of the rows at or above min_level
        return table.column(s) if kept is None else table.column(s).take(pa.array(kept, type=pa.uint64()))

    columns = [
        given(s) if s >= 0 else pa.chunked_array([computed.column(n)], computed.schema.field(n).type)
        for n, s in zip(names, sources)
    ]
    return pa.Table.from_arrays(columns, names=names), sources, [BadCell(*b) for b in bad], kept


def score_with_bad_cells(
    data: Any,
    instruments: Union[str, PathLike, Sequence[Union[str, PathLike]]],
    policy: Optional[PathLike] = None,
    lang: str = "en",
    id_column: Optional[str] = "id",
    keep: Sequence[str] = (),
    *,
    map: Optional[PathLike] = None,
    one_based: bool = False,
    min_level: Optional[str] = None,
) -> Tuple[Any, List[BadCell]]:
    """As ``score``, and the list of cells that could not be read (no warning)."""
    table, kind = _as_table(data)
    screen = Screen(
        _instrument_list(instruments),
        None if policy is None else os.fspath(policy),
        None if map is None else os.fspath(map),
        lang,
    )
    # pandas and polars hold text as large strings: given so, they take it without a copy
    large = kind in ("pandas", "polars")
    out, sources, bad, kept = _score_table(table, screen, id_column, keep, one_based, kind, large, min_level)
    if kind == "pandas":
        return _to_pandas(data, out, sources, kept), bad
    if kind == "polars":
        import polars as pl

        return pl.from_arrow(out), bad
    if kind == "pyarrow.RecordBatch":
        return out.combine_chunks().to_batches()[0] if out.num_rows else pa.RecordBatch.from_pylist([], schema=out.schema), bad
    return out, bad


def _to_pandas(df: Any, out: pa.Table, sources: List[int], kept: Optional[List[int]] = None) -> Any:
    """The scores as pandas (totals as nullable Int64), the id and kept columns
    as they were given, the index kept (of the rows ``kept``, when given)."""
    import pandas as pd

    columns = {}
    for name, s in zip(out.column_names, sources):
        if s >= 0:
            given = df.iloc[:, s].array
            columns[name] = given if kept is None else given.take(kept)
            continue
        col = out.column(name).combine_chunks()
        if pa.types.is_int64(col.type):
            values = col.fill_null(0).to_numpy(zero_copy_only=False)
            mask = col.is_null().to_numpy(zero_copy_only=False)
            columns[name] = pd.arrays.IntegerArray(values, mask)
        else:
            columns[name] = col.to_pandas().array
    return pd.DataFrame(columns, index=df.index if kept is None else df.index.take(kept))


def score(
    data: Any,
    instruments: Union[str, PathLike, Sequence[Union[str, PathLike]]],
    policy: Optional[PathLike] = None,
    lang: str = "en",
    id_column: Optional[str] = "id",
    keep: Sequence[str] = (),
    *,
    map: Optional[PathLike] = None,
    one_based: bool = False,
    min_level: Optional[str] = None,
) -> Any:
    """Score every row of ``data`` as ``psyscreen score`` scores a file.

    data: a pandas DataFrame, a polars DataFrame, or a pyarrow Table or
        RecordBatch, one column per item (headers and answers as the CLI
        reads them: ``phq9_1``, Chinese question texts, labels or numbers).
    instruments: built-in ids or instrument YAML files (``["phq9", "gad7"]``,
        ``"phq9,gad7"`` or ``"my/epds.yaml"``).
    policy: a referral policy YAML (default: the built-in policy).
    lang: ``"en"`` or ``"zh"``: level labels, reasons and messages.
    id_column: the id column; ``"id"`` (the default) or None: ``id`` when
        there is one, else the row number as the CLI gives it (the first row
        being 2), as the CLI without ``--id-column``.
    keep: input columns copied to the output after the id.
    map: a ``--map`` file (other headers, other answer labels).
    one_based: numeric answers are option positions 1..k (``--one-based``).
    min_level: a level of the policy (``"refer"``): rows below it are scored
        but left out of the result, as ``--min-level`` leaves them out of the
        CLI's output (their bad cells are still listed or warned about).

    Returns the same type as given (pandas keeps its index; the id and kept
    columns keep their values and types). Cells that could not be read are
    warned about (BadCellsWarning); ``score_with_bad_cells`` returns them.
    Raises PsyscreenError with the CLI's message for what the CLI refuses (an
    unknown instrument or column, an invalid YAML, located).
    """
    out, bad = score_with_bad_cells(
        data, instruments, policy, lang, id_column, keep, map=map, one_based=one_based, min_level=min_level
    )
    if bad:
        _warn_bad(bad, "psyscreen.score_with_bad_cells lists them")
    return out


def _warn_bad(bad: List[BadCell], where: str) -> None:
    more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
    warnings.warn(
        f"{len(bad)} cell(s) could not be read and counted as missing; every row was scored: "
        f"{bad[0].line}{more}. {where}.",
        BadCellsWarning,
        stacklevel=3,
    )


def output_schema(
    schema: pa.Schema,
    instruments: Union[str, PathLike, Sequence[Union[str, PathLike]]],
    policy: Optional[PathLike] = None,
    lang: str = "en",
    id_column: Optional[str] = "id",
    keep: Sequence[str] = (),
    *,
    map: Optional[PathLike] = None,
) -> pa.Schema:
    """The Arrow schema ``score`` gives for input of this schema (Spark's
    ``mapInArrow`` needs it before any row is scored)."""
    empty = pa.Table.from_batches([], schema=schema)
    out, _ = score_with_bad_cells(empty, instruments, policy, lang, id_column, keep, map=map)
    return out.schema


def score_batches(
    batches: Iterable[pa.RecordBatch],
    instruments: Union[str, PathLike, Sequence[Union[str, PathLike]]],
    policy: Optional[PathLike] = None,
    lang: str = "en",
    id_column: Optional[str] = "id",
    keep: Sequence[str] = (),
    *,
    map: Optional[PathLike] = None,
    one_based: bool = False,
    min_level: Optional[str] = None,
) -> Iterable[pa.RecordBatch]:
    """Score a stream of record batches one at a time (constant memory): the
    function for Spark's ``DataFrame.mapInArrow``. Instruments and policy are
    loaded once per stream. Bad cells are warned about (BadCellsWarning), once
    per batch with their count and the first; give an id column (row numbers
    restart in each batch). ``min_level`` as in ``score``."""
    screen = Screen(
        _instrument_list(instruments),
        None if policy is None else os.fspath(policy),
        None if map is None else os.fspath(map),
        lang,
    )
    for batch in batches:
        out, _, bad, _ = _score_table(
            pa.Table.from_batches([batch]), screen, id_column, keep, one_based, "batch", min_level=min_level
        )
        if bad:
            _warn_bad(bad, "psyscreen.Screen.score lists them")
        for piece in out.combine_chunks().to_batches():
            yield piece
