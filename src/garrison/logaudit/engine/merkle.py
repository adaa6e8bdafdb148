"""The Merkle tree that seals a log source's batches, shaped as in RFC 6962 (Certificate
Transparency): each leaf is a batch's SHA-256, a weekly report records the tree head, and
an inclusion proof shows a batch is in the tree behind a head without the other batches.

leaf = SHA-256(0x00 || content digest), node = SHA-256(0x01 || left || right); a tree of n
leaves splits at the largest power of two smaller than n; the empty tree's head is
SHA-256 of nothing. Pure: no Django import."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

_LEAF = b"\x00"
_NODE = b"\x01"


def _digest_bytes(content_sha256_hex: str) -> bytes:
    try:
        digest = bytes.fromhex(content_sha256_hex)
    except (ValueError, TypeError) as error:
        raise ValueError(f"not a hexadecimal SHA-256: {content_sha256_hex!r}") from error
    if len(digest) != 32:
        raise ValueError(f"not a SHA-256 (32 bytes): {content_sha256_hex!r}")
    return digest


def leaf_hash(content_sha256_hex: str) -> bytes:
    """The tree's hash of one leaf, given the SHA-256 (hex) of the batch's content."""
    return hashlib.sha256(_LEAF + _digest_bytes(content_sha256_hex)).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two smaller than size (size > 1)."""
    return 1 << ((size - 1).bit_length() - 1)


def _root(leaves: Sequence[bytes]) -> bytes:
    """The head of the tree over leaf hashes, built bottom-up; a level with an odd count
    carries its last node up unchanged, which gives the same tree as splitting at the
    largest power of two."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = list(leaves)
    while len(level) > 1:
        paired = [_node(level[index], level[index + 1]) for index in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def tree_head(content_sha256_hexes: Sequence[str]) -> str:
    """The hex head of the tree whose leaves are these batch digests, in order."""
    return _root([leaf_hash(digest) for digest in content_sha256_hexes]).hex()


def _path(leaves: Sequence[bytes], index: int) -> list[bytes]:
    if len(leaves) <= 1:
        return []
    split = _split(len(leaves))
    if index < split:
        return [*_path(leaves[:split], index), _root(leaves[split:])]
    return [*_path(leaves[split:], index - split), _root(leaves[:split])]


def inclusion_proof(content_sha256_hexes: Sequence[str], index: int) -> list[str]:
    """The audit path (hex, leaf to root) proving leaf `index` is in the tree of these digests."""
    if not 0 <= index < len(content_sha256_hexes):
        raise ValueError(f"leaf {index} is not in a tree of {len(content_sha256_hexes)}")
    leaves = [leaf_hash(digest) for digest in content_sha256_hexes]
    return [node.hex() for node in _path(leaves, index)]


def verify_inclusion(content_sha256_hex: str, index: int, size: int, proof: Sequence[str], head: str) -> bool:
    """Whether `proof` shows the batch with this digest is leaf `index` of the tree of `size`
    leaves whose head is `head`. Malformed input is a failed proof, not an error."""
    if not 0 <= index < size:
        return False
    try:
        result = leaf_hash(content_sha256_hex)
        path = [bytes.fromhex(node) for node in proof]
        expected = bytes.fromhex(head)
    except ValueError:
        return False
    position, last = index, size - 1
    for sibling in path:
        if last == 0:
            return False
        if position & 1 or position == last:
            result = _node(sibling, result)
            if not position & 1:
                while position and not position & 1:
                    position >>= 1
                    last >>= 1
        else:
            result = _node(result, sibling)
        position >>= 1
        last >>= 1
    return last == 0 and result == expected
