"""Which instance gets which objects of a channel, for jobs asking for more than one instance.

SageMaker gives every instance all of a ``FullyReplicated`` channel, and with ``ShardedByS3Key``
"each instance gets approximately 1/n of the number of S3 objects" (API: S3DataSource). How it
picks is not documented; smemu deals the objects out in key order, round robin (object i goes to
``algo-(i mod n + 1)``), which gives every instance 1/n of them, give or take one.

smemu runs ``algo-1`` only. It feeds algo-1 the objects algo-1 would get and prints the whole plan,
so a user sees what each instance of the real job would read.
"""

from __future__ import annotations

from smemu.emulator.staging import StoredObject

SHOWN_PER_HOST = 5


def host_names(count: int) -> list[str]:
    return [f"algo-{number}" for number in range(1, count + 1)]


def assign(objects: list[StoredObject], distribution: str, count: int) -> dict[str, list[StoredObject]]:
    """host name -> the objects that host reads, for ``count`` instances."""
    hosts = host_names(count)
    if distribution != "ShardedByS3Key":
        return {host: list(objects) for host in hosts}
    return {host: objects[index::count] for index, host in enumerate(hosts)}


def plan_lines(channel: str, distribution: str, plan: dict[str, list[StoredObject]]) -> list[str]:
    """What each instance of the job gets, as log lines."""
    count = len(plan)
    lines = [f"Channel {channel} ({distribution}) over {count} instances; smemu runs algo-1 only, "
             f"with the objects algo-1 gets:"]
    for host, objects in plan.items():
        # a ManifestFile's objects are listed without their sizes: say nothing rather than 0
        known = all(o.size is not None for o in objects)
        size = f" ({sum(o.size for o in objects)} bytes)" if known else ""
        shown = ", ".join(o.uri for o in objects[:SHOWN_PER_HOST])
        more = f" and {len(objects) - SHOWN_PER_HOST} more" if len(objects) > SHOWN_PER_HOST else ""
        noun = "object" if len(objects) == 1 else "objects"
        lines.append(f"  {host}: {len(objects)} {noun}{size}{': ' if objects else ''}"
                     f"{shown}{more}")
    return lines
