"""Cost of binding a wide statement by name (ModelBinding) against the positional way it replaced.

    python -m bench.binding

Builds the bind arguments of upsert_raw_data_package_metadata (21 values) from one model both
ways, in the same run, and prints the median of 5 rounds and the ratio (named / positional).
No database: the round trip it precedes costs far more either way.
"""

from __future__ import annotations

import statistics
import timeit

from opsdb.repositories.packages import _UPSERT_METADATA
from opsdb.schemas.data import RawDataPackageMetadataUpsert


def main(number: int = 50_000, rounds: int = 5) -> None:
    data = RawDataPackageMetadataUpsert(obs_id="x", s_ra=1.0, s_dec=2.0, t_min=1.0, t_max=2.0, extra={"a": 1})
    assert _UPSERT_METADATA.args(data, raw_data_package_id=1) == (1, *data.model_dump(mode="python").values())
    named, positional = [], []
    for _ in range(rounds):
        named.append(timeit.timeit(lambda: _UPSERT_METADATA.args(data, raw_data_package_id=1), number=number))
        positional.append(timeit.timeit(lambda: (1, *data.model_dump(mode="python").values()), number=number))
    n, p = statistics.median(named) / number * 1e6, statistics.median(positional) / number * 1e6
    print(f"by name {n:.2f} us/call, positional (model_dump) {p:.2f} us/call, ratio {n / p:.2f}")


if __name__ == "__main__":
    main()
