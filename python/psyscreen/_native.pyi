"""Type hints for the Rust core (psyscreen._native); use the functions in psyscreen."""

from typing import Any, List, Optional, Sequence, Tuple

__version__: str

class PsyscreenError(ValueError):
    """An input, instrument or policy psyscreen cannot use; the message is the CLI's, located."""

class ArrowBatch:
    """Scores as an Arrow record batch: pass it to ``pyarrow.record_batch``."""

    def __arrow_c_array__(self, requested_schema: Optional[object] = None) -> Tuple[object, object]: ...
    def __len__(self) -> int: ...

class Screen:
    """Instruments, a policy and a map, loaded and checked once, to score many batches with."""

    def __init__(
        self,
        instruments: Sequence[str],
        policy: Optional[str] = None,
        map: Optional[str] = None,
        lang: str = "en",
    ) -> None: ...
    def score(
        self,
        batches: Sequence[Any],
        id_column: Optional[str] = None,
        keep: Sequence[str] = ...,
        one_based: bool = False,
        row_offset: int = 0,
        name: str = "data",
        large_strings: bool = False,
        min_level: Optional[str] = None,
    ) -> Tuple[List[str], List[int], ArrowBatch, List[Tuple[int, str, str, str, int, str]], Optional[List[int]]]:
        """Score record batches (one schema). Returns the output column names, for
        each the input column it copies (-1: computed, in the ArrowBatch), the
        computed columns, the bad cells as (index, column, value, message,
        row, line) tuples, and with ``min_level`` the rows in the computed
        columns (0 = the first row given; rows below the level are left out,
        their bad cells still listed), else None."""
        ...

def instruments(lang: str = "en") -> List[dict]: ...
def load_instrument(path: str, lang: str = "en") -> dict: ...
