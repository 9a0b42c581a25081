"""Entities and IP addresses as the model's inputs: hashed ids.

* An entity id (any string) is hashed (CRC-32 of its UTF-8 bytes) into one of
  ``num_entity_vectors`` embedding rows; colliding entities share a row, as the guide describes.
* An IP address (IPv4 dotted decimal, or IPv6) is five hashed *prefixes* into a table of
  ``IP_BUCKETS`` embedding rows: for IPv4 the /8, /16, /24 and /32 networks and an IPv4 marker,
  for IPv6 the /16, /32, /48, /64 and /128 networks. Addresses of one network share its prefix
  rows, so the model generalises to unseen addresses of a network an entity uses.
"""

from __future__ import annotations

import ipaddress
import zlib

import numpy as np

from smemu.algorithms.errors import DataError

IP_BUCKETS = 1 << 16
PREFIXES = 5
_V4_BITS = (8, 16, 24, 32)
_V6_BITS = (16, 32, 48, 64, 128)
_MASK64 = (1 << 64) - 1


def entity_rows(entities, num_entity_vectors: int) -> np.ndarray:
    return np.fromiter((zlib.crc32(str(e).encode("utf-8")) for e in entities), dtype=np.int64,
                       count=len(entities)) % num_entity_vectors


def parse_ips(texts, where=None, owner: str = "Channel 'train'") -> list:
    """``ipaddress`` objects; a DataError naming the record (``where(i)``) for a malformed one."""
    out = []
    for i, text in enumerate(texts):
        try:
            out.append(ipaddress.ip_address(str(text).strip()))
        except ValueError:
            at = f" at {where(i)}" if where is not None else ""
            raise DataError(
                f"{owner} has a malformed IP address {str(text)!r}{at}. Each record is "
                f"'entity_id,ip_address' with an IPv4 address in dotted-decimal notation "
                f"(192.168.1.2) or an IPv6 address (2001:db8::1); fix or remove the record.") \
                from None
    return out


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser over uint64 values."""
    z = values.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


class Packed:
    """Addresses as arrays: ``v4`` (bool), and the 128-bit value (IPv4: its 32 bits) as ``high``
    and ``low`` uint64 halves."""

    def __init__(self, v4: np.ndarray, high: np.ndarray, low: np.ndarray):
        self.v4, self.high, self.low = v4, high, low

    @classmethod
    def of(cls, addresses) -> "Packed":
        values = [int(a) for a in addresses]
        v4 = np.fromiter((a.version == 4 for a in addresses), dtype=bool, count=len(values))
        high = np.fromiter((v >> 64 for v in values), dtype=np.uint64, count=len(values))
        low = np.fromiter((v & _MASK64 for v in values), dtype=np.uint64, count=len(values))
        return cls(v4, high, low)

    def random_like(self, rng: np.random.Generator) -> "Packed":
        """A uniformly random address of the same family for each address."""
        n = len(self.v4)
        low = rng.integers(0, np.iinfo(np.uint64).max, size=n, dtype=np.uint64, endpoint=True)
        high = rng.integers(0, np.iinfo(np.uint64).max, size=n, dtype=np.uint64, endpoint=True)
        low = np.where(self.v4, low >> np.uint64(32), low)
        high = np.where(self.v4, np.uint64(0), high)
        return Packed(self.v4.copy(), high, low)

    def take(self, index) -> "Packed":
        return Packed(self.v4[index], self.high[index], self.low[index])


def _masked(half: np.ndarray, keep_bits: int) -> np.ndarray:
    """The top ``keep_bits`` (0-64) bits of 64-bit values."""
    if keep_bits <= 0:
        return np.zeros_like(half)
    if keep_bits >= 64:
        return half
    shift = np.uint64(64 - keep_bits)
    return half >> shift << shift


def ip_rows(packed: Packed) -> np.ndarray:
    """``(n, PREFIXES)`` rows of the IP table for packed addresses."""
    n = len(packed.v4)
    high = np.zeros((n, PREFIXES), dtype=np.uint64)
    low = np.zeros((n, PREFIXES), dtype=np.uint64)
    tag = np.zeros((n, PREFIXES), dtype=np.uint64)
    v4, v6 = packed.v4, ~packed.v4
    for j, bits in enumerate(_V4_BITS):
        shift = np.uint64(32 - bits)
        low[v4, j] = packed.low[v4] >> shift << shift
        tag[v4, j] = 400 + bits
    tag[v4, 4] = 4
    for j, bits in enumerate(_V6_BITS):
        high[v6, j] = _masked(packed.high[v6], bits)
        low[v6, j] = _masked(packed.low[v6], bits - 64)
        tag[v6, j] = 600 + bits
    with np.errstate(over="ignore"):
        key = _mix(_mix(high) ^ low) ^ _mix(tag)
    return (key % np.uint64(IP_BUCKETS)).astype(np.int64)
