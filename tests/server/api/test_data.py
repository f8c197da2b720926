"""Deterministic job data: counts, records and page arithmetic."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from statistics import fmean

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.api import data
from server.api.data import (
    MAX_HASHED_COUNT,
    job_count,
    job_record,
    page_count,
    page_range,
    page_records,
    place_for,
)
from server.api.zipsets import MEMPY_2015, MEMPY_2015_TOTAL, ZIP_SETS

non_mempy_zips = st.from_regex(r"[0-9]{5}", fullmatch=True).filter(lambda z: z not in MEMPY_2015)
seeds = st.integers(-(2**31), 2**31)


@pytest.fixture
def cold_caches() -> Iterator[None]:
    """Start and end with empty caches, so a test proves answers do not come from them."""
    job_record.cache_clear()
    place_for.cache_clear()
    yield
    job_record.cache_clear()
    place_for.cache_clear()


# --- counts --------------------------------------------------------------------------------


def test_mempy_table_sums_to_the_talks_total() -> None:
    assert sum(MEMPY_2015.values()) == 1651 == MEMPY_2015_TOTAL
    assert len(MEMPY_2015) == 100
    assert ZIP_SETS["mempy-2015"] == tuple(MEMPY_2015)
    assert sum(job_count(0, z) for z in ZIP_SETS["mempy-2015"]) == 1651


def test_mempy_table_follows_its_documented_recipe() -> None:
    """Weights 1 + sha256("mempy-2015:" + zip) % 32, scaled to 1651, largest remainder."""
    zips = list(MEMPY_2015)
    weights = [
        1 + int.from_bytes(hashlib.sha256(f"mempy-2015:{z}".encode()).digest()[:8], "big") % 32
        for z in zips
    ]
    quotas = [w * 1651 / sum(weights) for w in weights]
    counts = [int(q) for q in quotas]
    by_fraction = sorted(range(len(zips)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in by_fraction[: 1651 - sum(counts)]:
        counts[i] += 1
    assert dict(zip(zips, counts, strict=True)) == dict(MEMPY_2015)


@pytest.mark.parametrize("seed", [pytest.param(0, id="seed0"), pytest.param(99, id="seed99")])
def test_mempy_counts_ignore_the_seed(seed: int) -> None:
    assert {z: job_count(seed, z) for z in MEMPY_2015} == dict(MEMPY_2015)


@given(seed=seeds, zip_code=non_mempy_zips)
def test_hashed_counts_are_stable_and_in_range(seed: int, zip_code: str) -> None:
    count = job_count(seed, zip_code)
    assert 0 <= count <= MAX_HASHED_COUNT == 33
    assert job_count(seed, zip_code) == count


def test_hashed_counts_spread_over_the_whole_range() -> None:
    counts = [job_count(0, f"{i:05d}") for i in range(10_000) if f"{i:05d}" not in MEMPY_2015]
    assert set(counts) == set(range(34))
    assert fmean(counts) == pytest.approx(16.5, abs=0.5)


def test_hashed_counts_depend_on_the_seed() -> None:
    zips = [f"{i:05d}" for i in range(200, 400)]
    assert [job_count(1, z) for z in zips] != [job_count(2, z) for z in zips]


# --- records -------------------------------------------------------------------------------

KEYS = [(seed, z, i) for seed in (0, 7) for z in ("90011", "12345", "00501") for i in range(6)]


def test_records_are_the_same_in_any_order(cold_caches: None) -> None:
    first = {key: job_record(*key) for key in KEYS}
    job_record.cache_clear()
    place_for.cache_clear()
    shuffled = KEYS[:]
    random.Random(4).shuffle(shuffled)
    second = {}
    for key in shuffled:
        job_record(key[0], "99999", key[2] + 100)  # unrelated records in between
        second[key] = job_record(*key)
    assert second == first
    job_record.cache_clear()
    place_for.cache_clear()
    assert {key: job_record(*key) for key in reversed(KEYS)} == first


@settings(deadline=None, max_examples=25)
@given(seed=seeds, zip_code=non_mempy_zips, index=st.integers(0, 40))
def test_a_record_is_a_pure_function_of_its_key(seed: int, zip_code: str, index: int) -> None:
    record = job_record(seed, zip_code, index)
    job_record.cache_clear()
    job_record(seed, zip_code, index + 1)  # reseeds the shared Faker in between
    assert job_record(seed, zip_code, index) == record


@pytest.mark.parametrize(
    "key", [pytest.param(key, id="-".join(map(str, key))) for key in KEYS[::5]]
)
def test_records_are_well_formed(key: tuple[int, str, int]) -> None:
    record = job_record(*key)
    assert record.document_id.isdigit() and len(record.document_id) == 9
    assert record.grade_low <= record.grade_high <= record.grade_low + 2
    assert 4 <= record.grade_low <= 13
    assert record.salary_min < record.salary_max
    assert record.start_date < record.end_date
    assert record.start_date <= data.REFERENCE_DATE
    assert (record.department, record.agency) in data.AGENCIES
    assert (record.series, record.category) in data.SERIES
    assert record.title
    assert record.place == place_for(key[0], key[1])


def test_different_jobs_differ() -> None:
    ids = {job_record(0, "90011", i).document_id for i in range(28)}
    assert len(ids) == 28


def test_page_records_follow_the_page_range() -> None:
    total = job_count(0, "90011")  # 28 in the mempy table
    assert total == 28
    pages = [page_records(0, "90011", 10, page) for page in range(1, 5)]
    assert [len(p) for p in pages] == [10, 10, 8, 0]
    listed = [record for page in pages for record in page]
    assert listed == [job_record(0, "90011", i) for i in range(28)]


# --- pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "per_page", "page", "expected"),
    [
        pytest.param(28, 25, 1, range(0, 25), id="first-page"),
        pytest.param(28, 25, 2, range(25, 28), id="last-page-short"),
        pytest.param(28, 25, 3, range(28, 28), id="past-the-end"),
        pytest.param(50, 25, 2, range(25, 50), id="last-page-full"),
        pytest.param(0, 25, 1, range(0, 0), id="nothing"),
        pytest.param(10, 0, 1, range(0, 0), id="zero-per-page"),
    ],
)
def test_page_range(total: int, per_page: int, page: int, expected: range) -> None:
    assert page_range(total, per_page, page) == expected


@pytest.mark.parametrize(
    ("total", "per_page", "expected"),
    [
        pytest.param(0, 25, 0, id="nothing"),
        pytest.param(1, 25, 1, id="one"),
        pytest.param(25, 25, 1, id="exact"),
        pytest.param(26, 25, 2, id="one-over"),
        pytest.param(1651, 250, 7, id="mempy-total"),
        pytest.param(10, 0, 0, id="zero-per-page"),
    ],
)
def test_page_count(total: int, per_page: int, expected: int) -> None:
    assert page_count(total, per_page) == expected


@given(total=st.integers(0, 2_000), per_page=st.integers(1, 500))
def test_pages_partition_the_items(total: int, per_page: int) -> None:
    count = page_count(total, per_page)
    pages = [page_range(total, per_page, page) for page in range(1, count + 1)]
    assert [i for page in pages for i in page] == list(range(total))
    assert all(0 < len(page) <= per_page for page in pages)
    assert all(len(page) == per_page for page in pages[:-1])
    assert len(page_range(total, per_page, count + 1)) == 0
    assert (count - 1) * per_page < total <= count * per_page or total == count == 0


@given(total=st.integers(0, 2_000), per_page=st.integers(0, 500), page=st.integers(1, 10_000))
def test_page_range_stays_within_the_items(total: int, per_page: int, page: int) -> None:
    indexes = page_range(total, per_page, page)
    assert len(indexes) <= per_page
    assert all(0 <= i < total for i in indexes)
    assert indexes.step == 1
    if per_page and page <= page_count(total, per_page):
        assert indexes.start == (page - 1) * per_page
