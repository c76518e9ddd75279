"""Property tests: bad input never reaches the wire, good input cannot
escape its place in the URL.

For any server and migration reference, any filter value and any
server name: either the library refuses it with ``ValidationError``
(or ``UnsupportedVersion``) before sending anything, or the one
request it sends carries the value exactly where it belongs (one path
segment; a name filter that matches that name and nothing longer).
Version parsing and model parsing have their own property tests in
tests/unit/library.
"""

from __future__ import annotations

import re
from typing import Any
from urllib import parse

import requests_mock
import testtools
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from keystoneauth1 import session as ksa_session
from keystoneauth1 import token_endpoint
from requests_mock.contrib import fixture as rm_fixture

from migabortclient import client
from migabortclient import exceptions
from migabortclient.v2 import _base

ENDPOINT = "http://nova.test/v2.1"
REQ = {"x-openstack-request-id": "req-00000000-0000-4000-8000-000000000000"}
JSON = {**REQ, "Content-Type": "application/json"}
REFUSED = (exceptions.ValidationError, exceptions.UnsupportedVersion)

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Text that looks like what people type, plus the characters that make
# trouble in URLs and terminals.
awkward = st.text(
    alphabet=st.sampled_from(
        [
            *"0123456789abcdef-/?#%&=+. \t\n\x00\x07",
            *("\u0661", "ü", "☃", "\u202e", "\ufeff"),
        ]
    ),
    max_size=40,
)
server_refs = st.one_of(
    awkward,
    st.uuids().map(str),
    st.none(),
    st.integers(),
)
migration_refs = st.one_of(
    st.integers(min_value=-(2**40), max_value=2**40),
    st.integers(min_value=-5, max_value=5).map(str),
    awkward.filter(lambda s: not _base.is_uuid(s.strip())),
    st.booleans(),
    st.floats(allow_nan=True),
    st.none(),
)


class WireCase(testtools.TestCase):
    def setUp(self) -> None:
        super().setUp()
        self.mock = self.useFixture(rm_fixture.Fixture(case_sensitive=True))
        self.mock.register_uri(
            requests_mock.ANY, requests_mock.ANY, status_code=202, headers=REQ
        )
        self.mock.get(
            re.compile(r".*/os-migrations"),
            json={"migrations": []},
            headers=JSON,
        )
        self.mock.get(
            re.compile(r".*/servers/detail"),
            json={"servers": []},
            headers=JSON,
        )
        session = ksa_session.Session(
            auth=token_endpoint.Token(ENDPOINT, "unit-test-token")
        )
        # Pinned: no version discovery, so every request is the call's.
        self.nova = client.Client("2.104", session=session)

    def sent(self, since: int) -> list[Any]:
        return list(self.mock.request_history[since:])


class TestPathArguments(WireCase):
    @SETTINGS
    @given(server=server_refs, migration=migration_refs)
    def test_abort(self, server: Any, migration: Any) -> None:
        mark = len(self.mock.request_history)
        try:
            self.nova.server_migrations.abort(server, migration)
        except REFUSED:
            self.assertEqual([], self.sent(mark))
            return
        (req,) = self.sent(mark)
        self.assertEqual("DELETE", req.method)
        path = parse.urlsplit(req.url).path
        prefix = "/v2.1/servers/"
        self.assertTrue(path.startswith(prefix), path)
        segment, rest = path[len(prefix) :].split("/", 1)
        self.assertEqual(server.strip(), parse.unquote(segment))
        self.assertTrue(rest.startswith("migrations/"), rest)
        mid = int(rest[len("migrations/") :])
        self.assertTrue(1 <= mid <= _base.MAX_MIGRATION_ID)
        self.assertEqual(int(str(migration).strip()), mid)

    @SETTINGS
    @given(server=server_refs, migration=migration_refs)
    def test_force_complete_and_get(self, server: Any, migration: Any) -> None:
        for method in ("force_complete", "get"):
            mark = len(self.mock.request_history)
            try:
                getattr(self.nova.server_migrations, method)(server, migration)
            except REFUSED:
                self.assertEqual([], self.sent(mark))
                continue
            except exceptions.ClientException:
                pass  # the mocked 202 is not a migration: fine here
            (req,) = self.sent(mark)
            path = parse.urlsplit(req.url).path
            segments = path.split("/")
            # "", "v2.1", "servers", <id>, "migrations", <mid>[, "action"]
            self.assertEqual(["", "v2.1", "servers"], segments[:3], path)
            self.assertEqual(server.strip(), parse.unquote(segments[3]))
            self.assertEqual("migrations", segments[4])

    @SETTINGS
    @given(
        timeout=st.floats(allow_nan=False, min_value=-10, max_value=0),
        poll=st.floats(allow_nan=False, min_value=-10, max_value=10),
    )
    def test_wait_bad_timing_sends_nothing(
        self, timeout: float, poll: float
    ) -> None:
        mark = len(self.mock.request_history)
        self.assertRaises(
            exceptions.ValidationError,
            self.nova.server_migrations.wait,
            "6f6e3c5a-8d2b-4c1e-9a0f-1b2c3d4e5f60",
            1,
            timeout=timeout,
            poll_interval=poll,
        )
        self.assertEqual([], self.sent(mark))


class TestFilters(WireCase):
    @SETTINGS
    @given(
        limit=st.one_of(st.none(), st.integers(), st.text(max_size=3)),
        since=st.one_of(st.none(), awkward, st.datetimes().map(str)),
        marker=st.one_of(st.none(), awkward, st.uuids().map(str)),
    )
    def test_migrations_list(
        self, limit: Any, since: Any, marker: Any
    ) -> None:
        mark = len(self.mock.request_history)
        try:
            found = list(
                self.nova.migrations.list(
                    limit=limit, changes_since=since, marker=marker
                )
            )
        except REFUSED:
            self.assertEqual([], self.sent(mark))
            return
        self.assertEqual([], found)
        (req,) = self.sent(mark)
        query = parse.parse_qs(parse.urlsplit(req.url).query)
        if limit is not None:
            self.assertEqual([str(limit)], query["limit"])
            self.assertGreaterEqual(limit, 0)
        if marker is not None:
            self.assertTrue(_base.is_uuid(marker))

    @SETTINGS
    @given(name=st.one_of(awkward, st.text(max_size=20)))
    def test_find_name_filter_is_exact(self, name: str) -> None:
        mark = len(self.mock.request_history)
        try:
            self.nova.servers.find(name)
        except REFUSED:
            self.assertEqual([], self.sent(mark))
            return
        except exceptions.NotFound:
            pass
        detail = [
            r
            for r in self.sent(mark)
            if r.url.split("?")[0].endswith("/detail")
        ]
        (req,) = detail
        (pattern,) = parse.parse_qs(parse.urlsplit(req.url).query)["name"]
        # Nova searches with this regex: it must match the name itself
        # and nothing that merely contains it.
        self.assertIsNotNone(re.search(pattern, name))
        self.assertIsNone(re.search(pattern, name + "x"))
        self.assertIsNone(re.search(pattern, "x" + name))
