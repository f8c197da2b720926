"""Query parsing: case-insensitive names, defaults, bounds, and errors naming the parameter."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.api.params import (
    MAX_PAGE,
    PageQuery,
    fold_names,
    parse_jobs_query,
    parse_search_query,
    route_zip,
)
from server.errors import BadParameter

Parser = Callable[[Mapping[str, str]], PageQuery]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param({"LocationId": "90011"}, PageQuery("90011", 25, 1), id="defaults"),
        pytest.param(
            {"LocationId": "90011", "NumberOfJobs": "250", "Page": "3"},
            PageQuery("90011", 250, 3),
            id="documented-case",
        ),
        pytest.param(
            {"locationid": "00501", "numberofjobs": "0", "page": "1"},
            PageQuery("00501", 0, 1),
            id="lower-case",
        ),
        pytest.param(
            {"LOCATIONID": " 90011 ", "NUMBEROFJOBS": " 7 ", "PAGE": str(MAX_PAGE)},
            PageQuery("90011", 7, MAX_PAGE),
            id="upper-case-and-spaces",
        ),
        pytest.param(
            {"LocationId": "90011", "NumberOfJobs": "", "Page": " "},
            PageQuery("90011", 25, 1),
            id="blank-means-default",
        ),
        pytest.param(
            {"LocationId": "90011", "Keyword": "nurse", "apikey": "x"},
            PageQuery("90011", 25, 1),
            id="other-parameters-ignored",
        ),
    ],
)
def test_parse_jobs_query(query: dict[str, str], expected: PageQuery) -> None:
    assert parse_jobs_query(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param({"LocationName": "90011"}, PageQuery("90011", 250, 1), id="defaults"),
        pytest.param(
            {"locationname": "10467", "resultsperpage": "500", "PAGE": "2"},
            PageQuery("10467", 500, 2),
            id="mixed-case",
        ),
        pytest.param(
            {"LocationName": "10467", "ResultsPerPage": "+5"},
            PageQuery("10467", 5, 1),
            id="explicit-plus",
        ),
    ],
)
def test_parse_search_query(query: dict[str, str], expected: PageQuery) -> None:
    assert parse_search_query(query) == expected


def test_fold_names_keeps_the_first_spelling() -> None:
    assert fold_names({"Page": "1", "PAGE": "2", "page": "3", "Other": "x"}) == {
        "page": "1",
        "other": "x",
    }
    assert parse_jobs_query({"LocationId": "90011", "Page": "2", "page": "9"}).page == 2


@given(
    name=st.sampled_from(["LocationId", "NumberOfJobs", "Page"]).flatmap(
        lambda n: st.tuples(st.just(n), st.lists(st.booleans(), min_size=len(n), max_size=len(n)))
    )
)
def test_any_casing_of_a_name_is_accepted(name: tuple[str, list[bool]]) -> None:
    canonical, uppers = name
    spelled = "".join(
        c.upper() if up else c.lower() for c, up in zip(canonical, uppers, strict=True)
    )
    query = {"LocationId": "90011", "NumberOfJobs": "10", "Page": "2"}
    query[spelled] = query.pop(canonical)
    assert parse_jobs_query(query) == PageQuery("90011", 10, 2)


JOBS = parse_jobs_query
SEARCH = parse_search_query
BAD = [
    # zips
    pytest.param(JOBS, {}, "LocationId", "is required", id="jobs-zip-missing"),
    pytest.param(JOBS, {"LocationId": ""}, "LocationId", "5-digit", id="jobs-zip-empty"),
    pytest.param(JOBS, {"LocationId": "9001"}, "LocationId", "5-digit", id="jobs-zip-short"),
    pytest.param(JOBS, {"LocationId": "900111"}, "LocationId", "5-digit", id="jobs-zip-long"),
    pytest.param(JOBS, {"LocationId": "9001a"}, "LocationId", "5-digit", id="jobs-zip-letter"),
    pytest.param(JOBS, {"LocationId": "90011-1234"}, "LocationId", "5-digit", id="jobs-zip-plus4"),
    pytest.param(
        JOBS, {"LocationName": "90011"}, "LocationId", "is required", id="jobs-wrong-name"
    ),
    pytest.param(SEARCH, {}, "LocationName", "is required", id="search-zip-missing"),
    pytest.param(
        SEARCH, {"LocationId": "90011"}, "LocationName", "is required", id="search-wrong-name"
    ),
    # page sizes
    pytest.param(
        JOBS,
        {"LocationId": "90011", "NumberOfJobs": "ten"},
        "NumberOfJobs",
        "integer",
        id="jobs-n-word",
    ),
    pytest.param(
        JOBS,
        {"LocationId": "90011", "NumberOfJobs": "2.5"},
        "NumberOfJobs",
        "integer",
        id="jobs-n-float",
    ),
    pytest.param(
        JOBS,
        {"LocationId": "90011", "NumberOfJobs": "-1"},
        "NumberOfJobs",
        "between 0 and 250",
        id="jobs-n-negative",
    ),
    pytest.param(
        JOBS,
        {"LocationId": "90011", "numberofjobs": "251"},
        "NumberOfJobs",
        "between 0 and 250",
        id="jobs-n-too-big",
    ),
    pytest.param(
        SEARCH,
        {"LocationName": "90011", "ResultsPerPage": "501"},
        "ResultsPerPage",
        "between 0 and 500",
        id="search-n-too-big",
    ),
    pytest.param(
        SEARCH,
        {"LocationName": "90011", "resultsperpage": "1e2"},
        "ResultsPerPage",
        "integer",
        id="search-n-exponent",
    ),
    # pages
    pytest.param(
        JOBS, {"LocationId": "90011", "Page": "0"}, "Page", "between 1 and", id="jobs-page-0"
    ),
    pytest.param(
        JOBS,
        {"LocationId": "90011", "Page": str(MAX_PAGE + 1)},
        "Page",
        "between 1 and",
        id="jobs-page-too-big",
    ),
    pytest.param(
        JOBS, {"LocationId": "90011", "PAGE": "two"}, "Page", "integer", id="jobs-page-word"
    ),
    pytest.param(
        SEARCH,
        {"LocationName": "90011", "page": "-3"},
        "Page",
        "between 1 and",
        id="search-page-neg",
    ),
    pytest.param(
        SEARCH,
        {"LocationName": "90011", "Page": "9" * 5000},
        "Page",
        "between 1 and",
        id="search-page-huge",
    ),
    # lenient int() and \d: non-ASCII digits and underscores are not what a user means
    pytest.param(
        JOBS,
        {"LocationId": "\uff19\uff10\uff10\uff11\uff11"},
        "LocationId",
        "5-digit",
        id="jobs-zip-fullwidth-digits",
    ),
    pytest.param(
        SEARCH,
        {"LocationName": "x" * 201},
        "LocationName",
        "at most 200",
        id="search-location-too-long",
    ),
    pytest.param(
        SEARCH,
        {"LocationName": "Memphis\x00"},
        "LocationName",
        "printable",
        id="search-location-control-character",
    ),
    pytest.param(
        JOBS,
        {"LocationId": "90011", "NumberOfJobs": "1_0"},
        "NumberOfJobs",
        "integer",
        id="jobs-n-underscore",
    ),
    pytest.param(
        JOBS,
        {"LocationId": "90011", "Page": "\uff12"},
        "Page",
        "integer",
        id="jobs-page-fullwidth-digit",
    ),
]


@pytest.mark.parametrize(("parse", "query", "name", "fragment"), BAD)
def test_bad_input_names_the_documented_parameter(
    parse: Parser, query: dict[str, str], name: str, fragment: str
) -> None:
    with pytest.raises(BadParameter) as info:
        parse(query)
    assert info.value.name == name
    assert str(info.value).startswith(f"{name}: ")
    assert fragment in str(info.value)


@given(zip_code=st.from_regex(r"[0-9]{5}", fullmatch=True), per_page=st.integers(0, 250))
def test_every_valid_jobs_query_parses(zip_code: str, per_page: int) -> None:
    query = {"LocationId": zip_code, "NumberOfJobs": str(per_page)}
    assert parse_jobs_query(query) == PageQuery(zip_code, per_page, 1)


@pytest.mark.parametrize(
    ("path", "query", "expected"),
    [
        pytest.param("/api/jobs", {"LocationId": "90011"}, "90011", id="jobs"),
        pytest.param("/api/jobs", {"locationid": " 90011 "}, "90011", id="jobs-folded"),
        pytest.param("/api/search", {"LocationName": "10467"}, "10467", id="search"),
        pytest.param("/api/Search", {"LOCATIONNAME": "10467"}, "10467", id="search-capital"),
        pytest.param("/api/search", {"LocationId": "10467"}, None, id="search-wrong-name"),
        pytest.param("/api/jobs", {"LocationId": "9001"}, None, id="bad-zip"),
        pytest.param("/api/jobs", {}, None, id="no-zip"),
    ],
)
def test_route_zip(path: str, query: dict[str, str], expected: str | None) -> None:
    assert route_zip(path, query) == expected


@pytest.mark.parametrize(
    "location",
    [
        pytest.param("Washington, DC", id="city-and-state"),
        pytest.param("Memphis", id="city"),
        pytest.param("\u0669\u0660\u0660\u0661\u0661", id="arabic-indic-digits-are-a-name"),
    ],
)
def test_the_search_api_takes_place_names_as_real_clients_send_them(location: str) -> None:
    """A library written for the real Search API sends place names, not zips: they work."""
    assert parse_search_query({"LocationName": location}).zip_code == location
