"""What IP Insights checks of its records: two text fields, an entity id and a valid IP address
(training and ``smemu validate`` alike)."""

from __future__ import annotations

from smemu.algorithms.base import InputChecks
from smemu.algorithms.errors import DataError
from smemu.algorithms.hyperparameters import Config
from smemu.algorithms.ipinsights.addresses import parse_ips


def empty_channel(name: str) -> DataError:
    return DataError(
        f"Channel '{name}' has no records. Check that its S3 prefix or manifest points at your "
        f"data files and that they are not empty.")


class PairChecks(InputChecks):
    def __init__(self, config: Config | None = None):
        pass

    def batch(self, batch, channel: str) -> None:
        features = batch.features
        if getattr(features, "dtype", None) != object or features.shape[1] != 2:
            width = features.shape[1] if getattr(features, "ndim", 0) == 2 else "?"
            raise DataError(
                f"Channel '{channel}' must hold text/csv rows 'entity_id,ip_address' (2 columns); "
                f"the record at {batch.location(0)} has {width}. Write one "
                f"entity,IP pair per line.")

    def records(self, batch, channel: str) -> None:
        entities = batch.features[:, 0]
        for i, entity in enumerate(entities):
            if not str(entity).strip():
                raise DataError(f"Channel '{channel}' has an empty entity id at "
                                f"{batch.location(i)}. Give every record an entity id.")
        parse_ips(batch.features[:, 1], batch.location, f"Channel '{channel}'")

    def end(self, channel: str, records: int) -> None:
        if records == 0:
            raise empty_channel(channel)
