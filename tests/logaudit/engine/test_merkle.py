"""The seal's Merkle tree against heads and proofs computed here independently with hashlib,
following RFC 6962's recursive definition."""

from __future__ import annotations

import hashlib

import pytest

from garrison.logaudit.engine.merkle import inclusion_proof, leaf_hash, tree_head, verify_inclusion


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def digests(count: int) -> list[str]:
    return [hashlib.sha256(f"batch {number}".encode()).hexdigest() for number in range(count)]


def reference_head(hexes: list[str]) -> bytes:
    """RFC 6962 MTH written out directly: split at the largest power of two below n."""
    if not hexes:
        return sha(b"")
    if len(hexes) == 1:
        return sha(b"\x00" + bytes.fromhex(hexes[0]))
    split = 1
    while split * 2 < len(hexes):
        split *= 2
    return sha(b"\x01" + reference_head(hexes[:split]) + reference_head(hexes[split:]))


def test_leaf_hash_prefixes_the_digest_with_a_zero_byte() -> None:
    digest = hashlib.sha256(b"logs").hexdigest()
    assert leaf_hash(digest) == sha(b"\x00" + bytes.fromhex(digest))


def test_empty_tree_head_is_sha256_of_nothing() -> None:
    assert tree_head([]) == hashlib.sha256(b"").hexdigest()


def test_small_trees_by_hand() -> None:
    a, b, c = digests(3)
    leaf = [sha(b"\x00" + bytes.fromhex(value)) for value in (a, b, c)]
    assert tree_head([a]) == leaf[0].hex()
    assert tree_head([a, b]) == sha(b"\x01" + leaf[0] + leaf[1]).hex()
    assert tree_head([a, b, c]) == sha(b"\x01" + sha(b"\x01" + leaf[0] + leaf[1]) + leaf[2]).hex()


@pytest.mark.parametrize("size", [0, 1, 2, 3, 5, 8, 13])
def test_tree_head_matches_the_recursive_definition(size: int) -> None:
    hexes = digests(size)
    assert tree_head(hexes) == reference_head(hexes).hex()


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13])
def test_every_leaf_has_a_proof_that_verifies(size: int) -> None:
    hexes = digests(size)
    head = tree_head(hexes)
    for index, digest in enumerate(hexes):
        proof = inclusion_proof(hexes, index)
        assert verify_inclusion(digest, index, size, proof, head), (size, index)


def test_a_proof_of_the_five_leaf_tree_is_its_audit_path() -> None:
    hexes = digests(5)
    leaf = [sha(b"\x00" + bytes.fromhex(value)) for value in hexes]
    left_pair = sha(b"\x01" + leaf[0] + leaf[1])
    right_pair = sha(b"\x01" + leaf[2] + leaf[3])
    # Leaf 2 climbs past leaf 3, then the left pair, then the lone fifth leaf.
    assert inclusion_proof(hexes, 2) == [leaf[3].hex(), left_pair.hex(), leaf[4].hex()]
    # The fifth leaf needs only the head of the first four.
    assert inclusion_proof(hexes, 4) == [sha(b"\x01" + left_pair + right_pair).hex()]


@pytest.mark.parametrize("size", [2, 3, 5, 8])
def test_a_tampered_leaf_fails_every_proof(size: int) -> None:
    hexes = digests(size)
    head = tree_head(hexes)
    tampered = hashlib.sha256(b"edited logs").hexdigest()
    for index in range(size):
        proof = inclusion_proof(hexes, index)
        assert not verify_inclusion(tampered, index, size, proof, head)
        changed = [*hexes[:index], tampered, *hexes[index + 1 :]]
        assert tree_head(changed) != head


def test_a_proof_fails_against_the_wrong_index_size_or_head() -> None:
    hexes = digests(5)
    head = tree_head(hexes)
    proof = inclusion_proof(hexes, 1)
    assert verify_inclusion(hexes[1], 1, 5, proof, head)
    assert not verify_inclusion(hexes[1], 0, 5, proof, head)
    assert not verify_inclusion(hexes[1], 1, 4, proof, head)
    assert not verify_inclusion(hexes[1], 1, 5, proof, tree_head(hexes[:4]))
    assert not verify_inclusion(hexes[1], 1, 5, proof[:-1], head)
    assert not verify_inclusion(hexes[1], 7, 5, proof, head)
    assert not verify_inclusion(hexes[1], 1, 5, ["not hex"], head)


def test_bad_digests_and_indexes_are_refused() -> None:
    with pytest.raises(ValueError, match="SHA-256"):
        tree_head(["abcd"])
    with pytest.raises(ValueError, match="hexadecimal"):
        leaf_hash("z" * 64)
    with pytest.raises(ValueError, match="not in a tree of 3"):
        inclusion_proof(digests(3), 3)
