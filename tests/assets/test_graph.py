"""The dependency graph on plain data: cycles, effective criticality, why it was raised."""

from __future__ import annotations

from garrison.assets import graph


def test_a_new_edge_closing_a_cycle_gives_the_cycle_from_the_dependent_round_to_itself() -> None:
    edges = [(7, 3), (3, 1)]
    assert graph.closing_cycle(edges, 1, 7) == [1, 7, 3, 1]


def test_an_edge_that_closes_no_cycle_gives_none() -> None:
    edges = [(1, 2), (2, 3), (4, 3)]
    assert graph.closing_cycle(edges, 1, 3) is None
    assert graph.closing_cycle(edges, 4, 1) is None


def test_an_asset_depending_on_itself_is_a_cycle_of_one() -> None:
    assert graph.closing_cycle([], 5, 5) == [5, 5]


def test_of_several_cycles_the_shortest_is_named() -> None:
    edges = [(2, 3), (3, 4), (4, 1), (2, 1)]
    assert graph.closing_cycle(edges, 1, 2) == [1, 2, 1]


def test_an_assets_effective_criticality_is_the_highest_of_its_own_and_of_everything_depending_on_it() -> (
    None
):
    # 1 (critical) → 2 → 3; 4 (high) → 3; 5 stands alone.
    own = {1: 4, 2: 1, 3: 2, 4: 3, 5: 1}
    edges = [(1, 2), (2, 3), (4, 3)]
    assert graph.effective_criticalities(own, edges) == {1: 4, 2: 4, 3: 4, 4: 3, 5: 1}


def test_a_dependency_never_raises_what_depends_on_it() -> None:
    own = {1: 1, 2: 4}
    assert graph.effective_criticalities(own, [(1, 2)]) == {1: 1, 2: 4}


def test_a_long_chain_propagates_to_its_end() -> None:
    length = 20_000
    own = dict.fromkeys(range(length), 1)
    own[0] = 3
    edges = [(node, node + 1) for node in range(length - 1)]
    assert set(graph.effective_criticalities(own, edges).values()) == {3}


def test_part_of_a_graph_is_recomputed_with_the_dependents_outside_it_as_they_stand() -> None:
    # The part is {2, 3}; asset 1 outside it depends on 2 with an effective criticality of 3.
    own = {2: 1, 3: 1, 1: 3}
    computed = graph.effective_criticalities(own, [(1, 2), (2, 3)])
    assert (computed[2], computed[3]) == (3, 3)


def test_a_cycle_in_the_data_still_ends_with_its_highest_value_everywhere_on_it() -> None:
    own = {1: 1, 2: 3, 3: 2}
    assert graph.effective_criticalities(own, [(1, 2), (2, 3), (3, 1)]) == {1: 3, 2: 3, 3: 3}


def test_downstream_holds_the_starts_and_everything_they_depend_on() -> None:
    edges = [(1, 2), (2, 3), (4, 1), (5, 6)]
    assert graph.downstream(edges, [1]) == {1, 2, 3}
    assert graph.downstream(edges, [6]) == {6}


def test_the_raising_path_runs_from_the_nearest_asset_holding_the_value_as_its_own() -> None:
    # 10 (critical) → 11 → 12; 20 (critical) → 12 directly: 20 is nearer.
    own = {10: 4, 11: 1, 12: 1, 20: 4}
    edges = [(10, 11), (11, 12), (20, 12)]
    effective = graph.effective_criticalities(own, edges)
    assert graph.raising_path(12, own, effective, edges) == [20, 12]
    assert graph.raising_path(11, own, effective, edges) == [10, 11]


def test_the_raising_path_is_the_asset_alone_when_its_value_is_its_own_or_comes_from_out_of_sight() -> None:
    assert graph.raising_path(1, {1: 3}, {1: 3}, []) == [1]
    assert graph.raising_path(1, {1: 1}, {1: 4}, []) == [1]
