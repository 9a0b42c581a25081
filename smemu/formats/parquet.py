"""application/x-parquet as SageMaker's XGBoost container reads it: every column numeric, the
first one the label, the others the features (nulls are missing values, NaN).

Reading needs ``pyarrow`` (``pip install 'smemu[parquet]'``), imported only when a Parquet channel
is read. A Pipe-mode stream is read whole first (Parquet keeps its schema at the end of the file).
"""

from __future__ import annotations

import io
from typing import Iterator

import numpy as np

from .batch import Batch
from .errors import FormatError
from .sources import open_binary, source_name

HINT = ("application/x-parquet data for XGBoost has only numeric columns, the label first; "
        "convert other columns to numbers before writing the file")


def _pyarrow():
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise FormatError("reading application/x-parquet needs the pyarrow package",
                          "Install it: pip install 'smemu[parquet]'") from None
    return pq


def read_parquet(source, batch_size: int = 1000, name: str | None = None,
                 on_error=None) -> Iterator[Batch]:
    """Batches of float32 features and labels from a path or binary file object of Parquet.
    A file that is not Parquet, or a column that is not numeric, raises FormatError (handed to
    ``on_error`` instead when given; the file is then skipped)."""
    pq = _pyarrow()
    import pyarrow as pa

    name = source_name(source, name)
    try:
        with open_binary(source) as f:
            seekable = getattr(f, "seekable", lambda: False)()
            parquet = pq.ParquetFile(f if seekable else io.BytesIO(f.read()))
            schema = parquet.schema_arrow
            bad = [field for field in schema
                   if not (pa.types.is_integer(field.type) or pa.types.is_floating(field.type)
                           or pa.types.is_boolean(field.type))]
            if bad:
                raise FormatError(f"column {bad[0].name!r} is of type {bad[0].type}, not a number",
                                  HINT, source=name)
            if len(schema) < 2:
                raise FormatError(f"the file has {len(schema)} column(s): a label and at least "
                                  f"one feature are needed", HINT, source=name)
            first = 0
            for part in parquet.iter_batches(batch_size=batch_size):
                columns = [np.asarray(part.column(i).to_numpy(zero_copy_only=False),
                                      dtype=np.float32) for i in range(part.num_columns)]
                features = np.column_stack(columns[1:]) if len(columns) > 2 else \
                    columns[1].reshape(-1, 1)
                yield Batch(np.ascontiguousarray(features), columns[0], name, first)
                first += part.num_rows
    except FormatError as exc:
        if on_error is None:
            raise
        on_error(exc)
    except (pa.ArrowException, OSError) as exc:
        error = FormatError(f"the file is not Parquet data ({str(exc).splitlines()[0]})", HINT,
                            source=name)
        if on_error is None:
            raise error from None
        on_error(error)
