"""The layout's phases one by one, each on a small hand-made graph (no Keras): layering,
ordering, placement, and the whole sequence."""

from __future__ import annotations

import pytest

from rnndiagram.layout.bands import GAP, layering, ordering, placement

# -- layering -----------------------------------------------------------------------------------


def test_layering_puts_a_band_above_every_band_it_reads():
    # 0 -> 1 -> 3 and 0 -> 2 -> 3, and 4 reads nothing.
    rank = layering(5, [(0, 1), (1, 3), (0, 2), (2, 3)])
    assert rank == {0: 0, 1: 1, 2: 1, 3: 2, 4: 0}


def test_layering_takes_the_longest_path():
    rank = layering(3, [(0, 2), (0, 1), (1, 2)])
    assert rank[2] == 2


def test_layering_ends_on_a_cycle_and_ignores_self_links():
    rank = layering(3, [(0, 1), (1, 2), (2, 1), (2, 2)])
    assert set(rank) == {0, 1, 2} and rank[0] == 0
    assert rank[1] != rank[2]


# -- ordering -----------------------------------------------------------------------------------


def test_ordering_sorts_by_the_barycentre_of_what_each_band_reads():
    reads = {2: [1], 3: [0], 4: [0, 1]}
    centre = {0: 100.0, 1: 500.0}
    assert ordering([2, 3, 4], reads, centre) == [3, 4, 2]


def test_ordering_of_bands_reading_nothing_placed_is_by_index():
    assert ordering([3, 1, 2], {}, {}) == [1, 2, 3]


# -- placement ----------------------------------------------------------------------------------


def _spans(shelf, widths):
    return sorted((shelf.x[b], shelf.x[b] + widths[b]) for b in shelf.bands)


def test_placement_puts_readers_on_higher_shelves_and_keeps_bands_apart():
    widths = [300.0, 200.0, 200.0, 500.0]
    links = [(0, 1), (0, 2), (1, 3), (2, 3)]
    shelves = placement(widths, layering(4, links), links, budget=1000.0)
    shelf_of = {b: s.index for s in shelves for b in s.bands}
    assert [s.index for s in shelves] == list(range(len(shelves)))
    assert all(shelf_of[a] < shelf_of[b] for a, b in links)
    assert shelf_of[1] == shelf_of[2]  # one rank, side by side within the budget
    for shelf in shelves:
        spans = _spans(shelf, widths)
        assert all(left >= 0 for left, _ in spans)
        assert all(b0 - a1 >= GAP - 1e-9 for (_, a1), (b0, _) in zip(spans, spans[1:]))


def test_placement_packs_a_rank_on_more_shelves_when_it_is_wider_than_the_budget():
    widths = [100.0, 600.0, 600.0, 600.0]
    links = [(0, 1), (0, 2), (0, 3)]
    shelves = placement(widths, layering(4, links), links, budget=1300.0)
    assert [s.bands for s in shelves] == [[0], [1, 2], [3]]
    for shelf in shelves:
        assert max(right for _, right in _spans(shelf, widths)) <= 1300.0


def test_placement_centres_a_band_over_the_band_it_reads():
    widths = [800.0, 200.0]
    shelves = placement(widths, layering(2, [(0, 1)]), [(0, 1)], budget=1000.0)
    assert shelves[1].x[1] + 100.0 == pytest.approx(shelves[0].x[0] + 400.0)
