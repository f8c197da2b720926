"""The API routes over real HTTP: both envelopes, paging, determinism, errors, the key check."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.api.zipsets import MEMPY_2015, MEMPY_2015_TOTAL
from server.app import create_app
from server.config.settings import ServerConfig
from tests.helpers import LiveServer, get_json

JOB_FIELDS = (
    "DocumentID", "JobTitle", "OrganizationName", "AgencySubElement", "SalaryMin", "SalaryMax",
    "SalaryBasis", "StartDate", "EndDate", "WhoMayApplyText", "PayPlan", "Series", "Grade",
    "WorkSchedule", "WorkType", "Locations", "AnnouncementNumber", "JobSummary", "ApplyOnlineURL",
)  # fmt: skip
DESCRIPTOR_FIELDS = (
    "PositionID", "PositionTitle", "PositionURI", "ApplyURI", "PositionLocationDisplay",
    "PositionLocation", "OrganizationName", "DepartmentName", "JobCategory", "JobGrade",
    "PositionSchedule", "PositionOfferingType", "QualificationSummary", "PositionRemuneration",
    "PositionStartDate", "PositionEndDate", "PublicationStartDate", "ApplicationCloseDate",
    "UserArea",
)  # fmt: skip
ZIP = "90011"  # a mempy-2015 zip with 28 jobs: more than one default page of 25
ZIP_JOBS = MEMPY_2015[ZIP]
OTHER_ZIPS = ("12345", "54321", "20500", "02134", "73301")  # not in mempy-2015: hashed counts
SEARCH_PATHS = ("/api/search", "/api/Search")


async def get_bytes(client: TestClient, path: str) -> bytes:
    """GET `path`, assert 200, return the raw body."""
    async with client.get(path) as response:
        assert response.status == 200
        return await response.read()


# --- /api/jobs ---------------------------------------------------------------------------


async def test_jobs_envelope_has_string_counts_and_19_string_fields(client: TestClient) -> None:
    body = await get_json(client, f"/api/jobs?LocationId={ZIP}")
    assert set(body) == {"TotalJobs", "JobData", "Pages"}
    assert body["TotalJobs"] == str(ZIP_JOBS)
    assert body["Pages"] == "2"  # 28 jobs at the default 25 a page
    assert len(body["JobData"]) == 25
    for item in body["JobData"]:
        assert list(item) == list(JOB_FIELDS)
        assert all(isinstance(value, str) and value for value in item.values()), item
        assert item["ApplyOnlineURL"].endswith(item["DocumentID"])


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(f"LocationId={ZIP}&NumberOfJobs=5&Page=2", id="documented"),
        pytest.param(f"locationid={ZIP}&numberofjobs=5&page=2", id="lower"),
        pytest.param(f"LOCATIONID={ZIP}&NUMBEROFJOBS=5&PAGE=2", id="upper"),
        pytest.param(f"locationId={ZIP}&numberOfJobs=5&pAgE=2", id="mixed"),
    ],
)
async def test_jobs_query_names_are_case_insensitive(client: TestClient, query: str) -> None:
    expected = await get_bytes(client, f"/api/jobs?LocationId={ZIP}&NumberOfJobs=5&Page=2")
    assert await get_bytes(client, f"/api/jobs?{query}") == expected
    assert len((await get_json(client, f"/api/jobs?{query}"))["JobData"]) == 5


async def test_jobs_number_of_jobs_default_max_and_zero(client: TestClient) -> None:
    default = await get_json(client, f"/api/jobs?LocationId={ZIP}")
    assert len(default["JobData"]) == 25
    most = await get_json(client, f"/api/jobs?LocationId={ZIP}&NumberOfJobs=250")
    assert len(most["JobData"]) == ZIP_JOBS
    assert most["Pages"] == "1"
    count_only = await get_json(client, f"/api/jobs?LocationId={ZIP}&NumberOfJobs=0")
    assert count_only["JobData"] == []
    assert count_only["TotalJobs"] == str(ZIP_JOBS)


@pytest.mark.parametrize("per_page", [1, 5, 7, 25, 250])
async def test_jobs_paging_is_one_based_and_covers_every_job_once(
    client: TestClient, per_page: int
) -> None:
    everything = await get_json(client, f"/api/jobs?LocationId={ZIP}&NumberOfJobs=250")
    seen: list[str] = []
    page = 1
    while True:
        body = await get_json(
            client, f"/api/jobs?LocationId={ZIP}&NumberOfJobs={per_page}&Page={page}"
        )
        if not body["JobData"]:
            break
        assert len(body["JobData"]) <= per_page
        seen += [item["DocumentID"] for item in body["JobData"]]
        page += 1
    assert page - 1 == int(body["Pages"])  # the first empty page is the one past "Pages"
    assert len(seen) == len(set(seen)) == ZIP_JOBS
    assert seen == [item["DocumentID"] for item in everything["JobData"]]


# --- /api/search and /api/Search -----------------------------------------------------------


@pytest.mark.parametrize("path", SEARCH_PATHS)
async def test_search_envelope_shape(client: TestClient, path: str) -> None:
    body = await get_json(client, f"{path}?LocationName={ZIP}")
    assert body["LanguageCode"] == "EN"
    assert body["SearchParameters"] == {}
    result = body["SearchResult"]
    assert result["SearchResultCount"] == ZIP_JOBS  # default ResultsPerPage 250 holds them all
    assert result["SearchResultCountAll"] == ZIP_JOBS
    assert result["UserArea"] == {"NumberOfPages": "1", "IsRadialSearch": False}
    items = result["SearchResultItems"]
    assert len(items) == ZIP_JOBS
    for rank, item in enumerate(items):
        assert set(item) == {"MatchedObjectId", "MatchedObjectDescriptor", "RelevanceRank"}
        assert item["RelevanceRank"] == rank
        descriptor = item["MatchedObjectDescriptor"]
        assert list(descriptor) == list(DESCRIPTOR_FIELDS)
        assert descriptor["PositionURI"].endswith(item["MatchedObjectId"])
        assert descriptor["UserArea"]["IsRadialSearch"] is False


async def test_search_paths_agree(client: TestClient) -> None:
    query = f"?LocationName={ZIP}&ResultsPerPage=3&Page=2"
    assert await get_bytes(client, "/api/search" + query) == await get_bytes(
        client, "/api/Search" + query
    )


async def test_search_results_per_page_and_paging(client: TestClient) -> None:
    top = await get_json(client, f"/api/search?locationname={ZIP}&resultsperpage=500")
    assert top["SearchResult"]["SearchResultCount"] == ZIP_JOBS
    ids = [item["MatchedObjectId"] for item in top["SearchResult"]["SearchResultItems"]]
    paged: list[str] = []
    ranks: list[int] = []
    for page in range(1, 5):
        body = await get_json(
            client, f"/api/search?LocationName={ZIP}&ResultsPerPage=10&Page={page}"
        )
        assert body["SearchResult"]["UserArea"]["NumberOfPages"] == "3"
        assert body["SearchResult"]["SearchResultCountAll"] == ZIP_JOBS
        items = body["SearchResult"]["SearchResultItems"]
        assert body["SearchResult"]["SearchResultCount"] == len(items)
        paged += [item["MatchedObjectId"] for item in items]
        ranks += [item["RelevanceRank"] for item in items]
    assert paged == ids
    assert ranks == list(range(ZIP_JOBS))
    zero = await get_json(client, f"/api/search?LocationName={ZIP}&ResultsPerPage=0")
    assert zero["SearchResult"]["SearchResultItems"] == []
    assert zero["SearchResult"]["SearchResultCountAll"] == ZIP_JOBS


async def test_mempy_2015_sums_to_1651_through_both_envelopes(client: TestClient) -> None:
    assert len(MEMPY_2015) == 100
    jobs_total = jobs_items = search_total = search_items = 0
    for zip_code in MEMPY_2015:
        jobs = await get_json(client, f"/api/jobs?LocationId={zip_code}&NumberOfJobs=250")
        jobs_total += int(jobs["TotalJobs"])
        jobs_items += len(jobs["JobData"])
        search = await get_json(client, f"/api/search?LocationName={zip_code}")
        search_total += search["SearchResult"]["SearchResultCountAll"]
        search_items += len(search["SearchResult"]["SearchResultItems"])
    assert jobs_total == jobs_items == search_total == search_items == MEMPY_2015_TOTAL == 1651


async def test_same_seed_same_pages_other_seed_other_pages(aiohttp_client: Any) -> None:
    first = await aiohttp_client(create_app(ServerConfig(seed=7)))
    second = await aiohttp_client(create_app(ServerConfig(seed=7)))
    other = await aiohttp_client(create_app(ServerConfig(seed=8)))
    paths = [
        f"/api/jobs?LocationId={zip_code}&NumberOfJobs=3&Page=1" for zip_code in OTHER_ZIPS
    ] + [f"/api/search?LocationName={zip_code}&ResultsPerPage=3" for zip_code in OTHER_ZIPS]
    for path in [*paths, f"/api/jobs?LocationId={ZIP}", f"/api/search?LocationName={ZIP}"]:
        assert await get_bytes(first, path) == await get_bytes(second, path), path
    differing = [
        path for path in paths if await get_bytes(first, path) != await get_bytes(other, path)
    ]
    assert differing == paths


# --- the Authorization-Key check ---------------------------------------------------------


def test_require_key_flag_guards_search_only(live_server_factory: Any) -> None:
    server = live_server_factory(require_key=True)
    for path in SEARCH_PATHS:
        refused = server.get(f"{path}?LocationName={ZIP}")
        assert refused.status_code == 401
        assert "Authorization-Key" in refused.json()["message"]
        allowed = server.get(f"{path}?LocationName={ZIP}", headers={"Authorization-Key": "k"})
        assert allowed.status_code == 200
        assert allowed.json()["SearchResult"]["SearchResultCountAll"] == ZIP_JOBS
    assert server.get(f"/api/jobs?LocationId={ZIP}").status_code == 200


def test_require_key_from_the_configuration_document(live_server: Any) -> None:
    assert live_server.get(f"/api/search?LocationName={ZIP}").status_code == 200
    live_server.put_scenario({"server": {"require_key": True}})
    assert live_server.get(f"/api/search?LocationName={ZIP}").status_code == 401
    keyed = live_server.get(f"/api/search?LocationName={ZIP}", headers={"Authorization-Key": "k"})
    assert keyed.status_code == 200


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status", "names"),
    [
        pytest.param("GET", "/api/jobs", 400, "LocationId", id="jobs-missing-LocationId"),
        pytest.param("GET", "/api/jobs?NumberOfJobs=5", 400, "LocationId", id="jobs-only-n"),
        pytest.param("GET", "/api/jobs?LocationId=9001", 400, "LocationId", id="zip-4-digits"),
        pytest.param("GET", "/api/jobs?LocationId=900111", 400, "LocationId", id="zip-6-digits"),
        pytest.param("GET", "/api/jobs?LocationId=abcde", 400, "LocationId", id="zip-letters"),
        pytest.param("GET", "/api/jobs?LocationId=", 400, "LocationId", id="zip-empty"),
        pytest.param(
            "GET", f"/api/jobs?LocationId={ZIP}&NumberOfJobs=ten", 400, "NumberOfJobs", id="n-text"
        ),
        pytest.param(
            "GET", f"/api/jobs?LocationId={ZIP}&NumberOfJobs=2.5", 400, "NumberOfJobs", id="n-float"
        ),
        pytest.param(
            "GET", f"/api/jobs?LocationId={ZIP}&NumberOfJobs=251", 400, "NumberOfJobs", id="n-251"
        ),
        pytest.param(
            "GET", f"/api/jobs?LocationId={ZIP}&NumberOfJobs=-1", 400, "NumberOfJobs", id="n-neg"
        ),
        pytest.param("GET", f"/api/jobs?LocationId={ZIP}&Page=0", 400, "Page", id="page-0"),
        pytest.param("GET", f"/api/jobs?LocationId={ZIP}&Page=abc", 400, "Page", id="page-abc"),
        pytest.param("GET", f"/api/jobs?LocationId={ZIP}&Page=-3", 400, "Page", id="page-neg"),
        pytest.param("GET", f"/api/jobs?LocationId={ZIP}&Page=10001", 400, "Page", id="page-10001"),
        pytest.param("GET", "/api/search", 400, "LocationName", id="search-missing-zip"),
        pytest.param(
            "GET", "/api/Search?LocationName=a%01b", 400, "LocationName", id="Search-bad-place"
        ),
        pytest.param(
            "GET",
            f"/api/search?LocationName={ZIP}&ResultsPerPage=501",
            400,
            "ResultsPerPage",
            id="per-page-501",
        ),
        pytest.param(
            "GET",
            f"/api/search?LocationName={ZIP}&ResultsPerPage=x",
            400,
            "ResultsPerPage",
            id="per-page-text",
        ),
        pytest.param("GET", f"/api/search?LocationName={ZIP}&Page=0", 400, "Page", id="s-page-0"),
        pytest.param("GET", "/api/nope", 404, "/api/nope", id="unknown-route"),
        pytest.param("GET", "/", 404, "no route /", id="root"),
        pytest.param("POST", "/api/jobs", 405, "POST", id="post-jobs"),
        pytest.param("POST", f"/api/jobs?LocationId={ZIP}", 405, "POST", id="post-jobs-zip"),
        pytest.param("DELETE", "/api/search", 405, "DELETE", id="delete-search"),
        pytest.param("PUT", "/health", 405, "PUT", id="put-health"),
    ],
)
async def test_bad_input_is_a_json_error_naming_the_problem(
    client: TestClient, method: str, path: str, status: int, names: str
) -> None:
    async with client.request(method, path) as response:
        assert response.status == status
        assert response.content_type == "application/json"
        body = await response.json()
    assert body["status"] == status
    assert names in body["message"]
    assert "Traceback" not in body["message"]
    if status == 400:
        assert body["parameter"] == names
        assert body["message"].startswith(f"{names}:")


def test_bad_input_through_requests(live_server: Any) -> None:
    response = live_server.get("/api/jobs?LocationId=1")
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["parameter"] == "LocationId"


def test_a_real_search_api_client_request_works_unchanged(live_server: LiveServer) -> None:
    """What a library for the real Search API sends: a place name, a keyword, its headers."""
    headers = {"Host": "data.usajobs.gov", "User-Agent": "me@example.com",
               "Authorization-Key": "secret"}  # fmt: skip
    params = {"Keyword": "nurse", "LocationName": "Washington, DC", "ResultsPerPage": "5"}
    response = live_server.get("/api/search", params=params, headers=headers)
    assert response.status_code == 200
    result = response.json()["SearchResult"]
    assert isinstance(result["SearchResultCountAll"], int)
    assert result["SearchResultCount"] == min(5, result["SearchResultCountAll"])
