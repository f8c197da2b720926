"""Deterministic job data: counts from hashlib, records from a per-record seeded Faker.

Everything here is a pure function of (seed, zip[, index]); the caches only make the hot path
a dictionary lookup, they never change an answer.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Final

from faker import Faker
from faker.providers.address.en_US import Provider as _UsAddress

from .zipsets import MEMPY_2015

MAX_HASHED_COUNT: Final = 33  # hashed counts are 0..33: mean ≈ 16.5, like the talk's 1651 / 100
REFERENCE_DATE: Final = date(2015, 11, 18)  # dates hang off a fixed day so answers never drift

AGENCIES: Final = (
    ("Department of Veterans Affairs", "Veterans Health Administration"),
    ("Department of Defense", "Defense Logistics Agency"),
    ("Department of Homeland Security", "U.S. Customs and Border Protection"),
    ("Department of the Treasury", "Internal Revenue Service"),
    ("Department of Agriculture", "Forest Service"),
    ("Department of Justice", "Federal Bureau of Prisons"),
    ("Department of the Interior", "National Park Service"),
    ("Department of Health and Human Services", "Indian Health Service"),
    ("Department of Transportation", "Federal Aviation Administration"),
    ("Department of Commerce", "U.S. Census Bureau"),
)
SERIES: Final = (
    ("2210", "Information Technology Management"),
    ("0610", "Nurse"),
    ("0301", "Miscellaneous Administration And Program"),
    ("1102", "Contracting"),
    ("0343", "Management And Program Analysis"),
    ("0602", "Medical Officer"),
    ("0083", "Police"),
    ("1811", "Criminal Investigation"),
    ("0201", "Human Resources Management"),
    ("0510", "Accounting"),
)
SCHEDULES: Final = (("Full-Time", "1"), ("Part-Time", "2"), ("Intermittent", "3"))
OFFERINGS: Final = (("Permanent", "15317"), ("Term", "15326"), ("Temporary", "15327"))
WHO_MAY_APPLY: Final = (
    ("United States Citizens", "15514"),
    ("Current federal employees", "15510"),
    ("Veterans", "15516"),
)

_faker: Final = Faker("en_US")


def _digest(*parts: object) -> int:
    """A stable 64-bit integer for `parts` (sha256, never Python's salted `hash()`)."""
    text = "\x1f".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")


def job_count(seed: int, zip_code: str) -> int:
    """How many jobs `zip_code` has under `seed`: the talk's table, else a hashed count."""
    if zip_code in MEMPY_2015:
        return MEMPY_2015[zip_code]
    return _digest("count", seed, zip_code) % (MAX_HASHED_COUNT + 1)


@dataclass(frozen=True, slots=True)
class Place:
    """Where a zip's jobs are."""

    city: str
    state: str
    state_code: str
    latitude: float
    longitude: float

    @property
    def display(self) -> str:
        """`City, State`, as both APIs print a location."""
        return f"{self.city}, {self.state}"


@dataclass(frozen=True, slots=True)
class JobRecord:
    """One job, in neither API's shape; `envelopes` formats it."""

    document_id: str
    announcement_number: str
    title: str
    department: str
    agency: str
    series: str
    category: str
    grade_low: int
    grade_high: int
    salary_min: int
    salary_max: int
    schedule: tuple[str, str]
    offering: tuple[str, str]
    who_may_apply: tuple[str, str]
    start_date: date
    end_date: date
    summary: str
    qualification: str
    place: Place


@lru_cache(maxsize=16_384)
def place_for(seed: int, zip_code: str) -> Place:
    """The city every job of `zip_code` is in."""
    _faker.seed_instance(_digest("place", seed, zip_code))
    latitude, longitude, city, _, _ = _faker.local_latlng(country_code="US") or (
        "0",
        "0",
        "",
        "",
        "",
    )
    index = _faker.random_int(0, len(_UsAddress.states) - 1)
    return Place(
        city=city,
        state=_UsAddress.states[index],
        state_code=_UsAddress.states_abbr[index],
        latitude=float(latitude),
        longitude=float(longitude),
    )


@lru_cache(maxsize=65_536)
def job_record(seed: int, zip_code: str, index: int) -> JobRecord:
    """The `index`-th job of `zip_code`: the same in any process, whatever was asked before."""
    key = _digest("job", seed, zip_code, index)
    _faker.seed_instance(key)
    department, agency = AGENCIES[_faker.random_int(0, len(AGENCIES) - 1)]
    series, category = SERIES[_faker.random_int(0, len(SERIES) - 1)]
    grade_low = _faker.random_int(4, 13)
    salary_min = _faker.random_int(30, 120) * 1000 + _faker.random_int(0, 999)
    start = REFERENCE_DATE - timedelta(days=_faker.random_int(0, 30))
    return JobRecord(
        document_id=str(400_000_000 + key % 100_000_000),
        announcement_number=f"{agency.split()[-1][:3].upper()}-15-{key % 1_000_000:06d}",
        title=_faker.job(),
        department=department,
        agency=agency,
        series=series,
        category=category,
        grade_low=grade_low,
        grade_high=grade_low + _faker.random_int(0, 2),
        salary_min=salary_min,
        salary_max=salary_min + _faker.random_int(5, 60) * 1000,
        schedule=SCHEDULES[_faker.random_int(0, len(SCHEDULES) - 1)],
        offering=OFFERINGS[_faker.random_int(0, len(OFFERINGS) - 1)],
        who_may_apply=WHO_MAY_APPLY[_faker.random_int(0, len(WHO_MAY_APPLY) - 1)],
        start_date=start,
        end_date=start + timedelta(days=_faker.random_int(14, 60)),
        summary=_faker.paragraph(nb_sentences=3),
        qualification=_faker.paragraph(nb_sentences=2),
        place=place_for(seed, zip_code),
    )


def page_range(total: int, per_page: int, page: int) -> range:
    """The indexes on 1-based `page` of `per_page` items out of `total`; empty past the end."""
    start = (page - 1) * per_page
    return range(min(start, total), min(start + per_page, total))


def page_count(total: int, per_page: int) -> int:
    """How many pages of `per_page` items `total` makes (0 when nothing is listed per page)."""
    return math.ceil(total / per_page) if per_page else 0


def page_records(seed: int, zip_code: str, per_page: int, page: int) -> list[JobRecord]:
    """The records on one page of `zip_code`'s jobs."""
    indexes = page_range(job_count(seed, zip_code), per_page, page)
    return [job_record(seed, zip_code, index) for index in indexes]
