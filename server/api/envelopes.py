"""The two API shapes: the 2015 `/api/jobs` answer and today's Search API envelope.

Pure functions from records to JSON-ready dicts, and cached renderers to bytes so that
serving a page is a lookup, not a `json.dumps` of 25 records.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Final

from . import data
from .data import JobRecord

CACHED_BODIES: Final = 4096  # rendered pages kept per API shape
APPLY_BASE: Final = "https://www.usajobs.gov:443/GetJob/ViewDetails/"
SEARCH_BASE: Final = "https://www.usajobs.gov:443/job/"


def _us(day: Any) -> str:
    """A date as the 2015 API printed it: MM/DD/YYYY."""
    return str(day.strftime("%m/%d/%Y"))


def legacy_item(record: JobRecord) -> dict[str, str]:
    """One JobData item of the 2015 API; every value is a string, as it was."""
    return {
        "DocumentID": record.document_id,
        "JobTitle": record.title,
        "OrganizationName": record.department,
        "AgencySubElement": record.agency,
        "SalaryMin": f"${record.salary_min:,.2f}",
        "SalaryMax": f"${record.salary_max:,.2f}",
        "SalaryBasis": "Per Year",
        "StartDate": _us(record.start_date),
        "EndDate": _us(record.end_date),
        "WhoMayApplyText": record.who_may_apply[0],
        "PayPlan": "GS",
        "Series": record.series,
        "Grade": f"{record.grade_low:02d}/{record.grade_high:02d}",
        "WorkSchedule": record.schedule[0],
        "WorkType": record.offering[0],
        "Locations": record.place.display,
        "AnnouncementNumber": record.announcement_number,
        "JobSummary": record.summary,
        "ApplyOnlineURL": f"{APPLY_BASE}{record.document_id}",
    }


def legacy_envelope(total: int, per_page: int, records: list[JobRecord]) -> dict[str, Any]:
    """The whole `/api/jobs` answer."""
    return {
        "TotalJobs": str(total),
        "JobData": [legacy_item(record) for record in records],
        "Pages": str(data.page_count(total, per_page)),
    }


def search_descriptor(record: JobRecord) -> dict[str, Any]:
    """A Search API MatchedObjectDescriptor."""
    place = record.place
    uri = f"{SEARCH_BASE}{record.document_id}"
    return {
        "PositionID": record.announcement_number,
        "PositionTitle": record.title,
        "PositionURI": uri,
        "ApplyURI": [f"{uri}/apply"],
        "PositionLocationDisplay": place.display,
        "PositionLocation": [
            {
                "LocationName": place.display,
                "CountryCode": "United States",
                "CountrySubDivisionCode": place.state,
                "CityName": place.display,
                "Longitude": place.longitude,
                "Latitude": place.latitude,
            }
        ],
        "OrganizationName": record.agency,
        "DepartmentName": record.department,
        "JobCategory": [{"Name": record.category, "Code": record.series}],
        "JobGrade": [{"Code": "GS"}],
        "PositionSchedule": [{"Name": record.schedule[0], "Code": record.schedule[1]}],
        "PositionOfferingType": [{"Name": record.offering[0], "Code": record.offering[1]}],
        "QualificationSummary": record.qualification,
        "PositionRemuneration": [
            {
                "MinimumRange": f"{record.salary_min:.1f}",
                "MaximumRange": f"{record.salary_max:.1f}",
                "RateIntervalCode": "PA",
                "Description": "Per Year",
            }
        ],
        "PositionStartDate": f"{record.start_date.isoformat()}T00:00:00.0000",
        "PositionEndDate": f"{record.end_date.isoformat()}T23:59:59.9970",
        "PublicationStartDate": f"{record.start_date.isoformat()}T00:00:00.0000",
        "ApplicationCloseDate": f"{record.end_date.isoformat()}T23:59:59.9970",
        "UserArea": {
            "Details": {
                "JobSummary": record.summary,
                "WhoMayApply": {"Name": record.who_may_apply[0], "Code": record.who_may_apply[1]},
                "LowGrade": str(record.grade_low),
                "HighGrade": str(record.grade_high),
            },
            "IsRadialSearch": False,
        },
    }


def search_envelope(
    total: int, per_page: int, page: int, records: list[JobRecord]
) -> dict[str, Any]:
    """The whole `/api/search` answer."""
    first_rank = (page - 1) * per_page
    return {
        "LanguageCode": "EN",
        "SearchParameters": {},
        "SearchResult": {
            "SearchResultCount": len(records),
            "SearchResultCountAll": total,
            "SearchResultItems": [
                {
                    "MatchedObjectId": record.document_id,
                    "MatchedObjectDescriptor": search_descriptor(record),
                    "RelevanceRank": first_rank + offset,
                }
                for offset, record in enumerate(records)
            ],
            "UserArea": {
                "NumberOfPages": str(data.page_count(total, per_page)),
                "IsRadialSearch": False,
            },
        },
    }


def _dump(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


@lru_cache(maxsize=CACHED_BODIES)
def render_jobs(seed: int, zip_code: str, per_page: int, page: int) -> bytes:
    """The `/api/jobs` body for one page, as bytes."""
    total = data.job_count(seed, zip_code)
    records = data.page_records(seed, zip_code, per_page, page)
    return _dump(legacy_envelope(total, per_page, records))


@lru_cache(maxsize=CACHED_BODIES)
def render_search(seed: int, zip_code: str, per_page: int, page: int) -> bytes:
    """The `/api/search` body for one page, as bytes."""
    total = data.job_count(seed, zip_code)
    records = data.page_records(seed, zip_code, per_page, page)
    return _dump(search_envelope(total, per_page, page, records))
