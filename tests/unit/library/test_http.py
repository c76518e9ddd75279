"""The HTTP layer: versions on the wire, discovery, errors, retries."""

from __future__ import annotations

import requests
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from keystoneauth1 import adapter as ksa_adapter
from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import session as ksa_session
from keystoneauth1 import token_endpoint

from migabortclient import _http
from migabortclient import client
from migabortclient import exceptions
from migabortclient.api_versions import APIVersion
from tests.unit.library import base

SERVER = f"/servers/{base.SID}"
MIGRATIONS = f"{SERVER}/migrations"
POLICY_TEXT = (
    "Policy doesn't allow os_compute_api:servers:migrations:show to be "
    "performed."
)


class TestVersionsOnTheWire(base.LibraryTestCase):
    def test_negotiated_version_sent_with_both_headers(self) -> None:
        self.reply("GET", MIGRATIONS, {"migrations": []})
        self.reply("DELETE", f"{MIGRATIONS}/42", status=202)
        nova = self.client()
        nova.server_migrations.list(base.SID)
        nova.server_migrations.abort(base.SID, 42)
        sent = [r for r in self.mock.request_history if r.path != "/v2.1"]
        self.assertEqual(2, len(sent))
        for req in sent:
            self.assertEqual(
                "compute 2.104", req.headers["OpenStack-API-Version"]
            )
            self.assertEqual(
                "2.104", req.headers["X-OpenStack-Nova-API-Version"]
            )

    def test_discovery_once_per_client(self) -> None:
        self.reply("GET", MIGRATIONS, {"migrations": []})
        nova = self.client("2.latest")
        self.assertEqual(0, self.discoveries())  # lazy
        self.assertEqual(APIVersion("2.104"), nova.api_version)
        for _ in range(3):
            nova.server_migrations.list(base.SID)
        self.assertEqual(APIVersion("2.104"), nova.api_version)
        self.assertEqual(1, self.discoveries())
        self.assertEqual(
            (APIVersion("2.1"), APIVersion("2.104")),
            nova.server_version_range,
        )

    def test_pinned_version_needs_no_discovery(self) -> None:
        self.reply("GET", MIGRATIONS, {"migrations": []})
        nova = self.client("2.65")
        nova.server_migrations.list(base.SID)
        self.assertEqual(0, self.discoveries())
        self.assertEqual(APIVersion("2.65"), nova.api_version)
        req = self.mock.last_request
        self.assertEqual("compute 2.65", req.headers["OpenStack-API-Version"])
        self.assertEqual("2.65", req.headers["X-OpenStack-Nova-API-Version"])

    def test_older_server_max_is_used(self) -> None:
        self.mock.get(base.ENDPOINT, json=base.version_doc("2.60"))
        self.reply("GET", MIGRATIONS, {"migrations": []})
        nova = self.client("auto")
        nova.server_migrations.list(base.SID)
        self.assertEqual(APIVersion("2.60"), nova.api_version)
        self.assertEqual(
            "compute 2.60",
            self.mock.last_request.headers["OpenStack-API-Version"],
        )

    def test_newer_server_capped_at_2_104(self) -> None:
        self.mock.get(base.ENDPOINT, json=base.version_doc("2.120"))
        self.assertEqual(APIVersion("2.104"), self.client().api_version)

    def test_server_without_microversions_speaks_2_1(self) -> None:
        doc = base.version_doc()
        del doc["version"]["version"]
        del doc["version"]["min_version"]
        self.mock.get(base.ENDPOINT, json=doc)
        self.assertEqual(APIVersion("2.1"), self.client().api_version)

    def test_server_range_disjoint_from_ours(self) -> None:
        self.mock.get(
            base.ENDPOINT, json=base.version_doc("2.200", min_version="2.150")
        )
        nova = self.client()
        error = self.assertRaises(
            exceptions.UnsupportedVersion, lambda: nova.api_version
        )
        self.assertIn("2.150 to 2.200", str(error))

    def test_answered_version_read_from_headers(self) -> None:
        self.reply(
            "GET",
            MIGRATIONS,
            {"migrations": []},
            headers={"OpenStack-API-Version": "compute 2.80"},
        )
        nova = self.client("2.80")
        self.assertEqual(APIVersion("2.80"), nova.http.get(MIGRATIONS).version)
        self.reply(
            "GET",
            MIGRATIONS,
            {"migrations": []},
            headers={"X-OpenStack-Nova-API-Version": "2.79"},
        )
        self.assertEqual(APIVersion("2.79"), nova.http.get(MIGRATIONS).version)
        self.reply(
            "GET",
            MIGRATIONS,
            {"migrations": []},
            headers={"OpenStack-API-Version": "compute 2.0999"},
        )
        self.assertEqual(APIVersion("2.80"), nova.http.get(MIGRATIONS).version)

    def test_request_id_from_either_header(self) -> None:
        self.mock.get(
            base.ENDPOINT + MIGRATIONS,
            json={"migrations": []},
            headers={**base.JSON, "x-compute-request-id": "req-c"},
        )
        nova = self.client("2.80")
        self.assertEqual("req-c", nova.http.get(MIGRATIONS).request_id)


class TestClientArguments(base.LibraryTestCase):
    def test_session_or_adapter_required(self) -> None:
        self.assertRaises(exceptions.ValidationError, client.Client, "auto")

    def test_adapter_with_session_options_refused(self) -> None:
        adapter = ksa_adapter.Adapter(self.session, service_type="compute")
        for kwargs in (
            {"session": self.session},
            {"endpoint_override": base.ENDPOINT},
            {"region_name": "RegionOne"},
            {"global_request_id": "req-x"},
        ):
            self.assertRaises(
                exceptions.ValidationError,
                client.Client,
                "auto",
                adapter=adapter,
                **kwargs,
            )

    def test_adapter_given_is_used(self) -> None:
        self.reply("GET", MIGRATIONS, {"migrations": []})
        adapter = ksa_adapter.Adapter(self.session, service_type="compute")
        nova = client.Client("2.23", adapter=adapter)
        self.assertEqual([], nova.server_migrations.list(base.SID))

    def test_endpoint_override(self) -> None:
        sess = ksa_session.Session(
            auth=token_endpoint.Token("http://elsewhere.test", "t")
        )
        self.reply("GET", MIGRATIONS, {"migrations": []})
        nova = client.Client(
            "2.23", session=sess, endpoint_override=base.ENDPOINT
        )
        self.assertEqual([], nova.server_migrations.list(base.SID))

    def test_bad_versions_refused_before_any_request(self) -> None:
        self.assertRaises(exceptions.ValidationError, self.client, "2.x")
        self.assertRaises(exceptions.ValidationError, self.client, "")
        self.assertRaises(exceptions.UnsupportedVersion, self.client, "2.105")
        self.assertRaises(exceptions.UnsupportedVersion, self.client, "3.0")
        self.assertEqual([], self.mock.request_history)

    def test_read_retries_checked(self) -> None:
        for bad in (-1, True, 1.5):
            self.assertRaises(
                exceptions.ValidationError,
                client.Client,
                "auto",
                session=self.session,
                read_retries=bad,
            )

    def test_no_endpoint_in_catalog(self) -> None:
        sess = ksa_session.Session(auth=token_endpoint.Token(None, "t"))
        for version in ("2.65", "auto"):
            nova = client.Client(version, session=sess)
            self.assertRaises(
                exceptions.ConnectionError, nova.servers.get, base.SID
            )


class TestErrors(base.LibraryTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.nova = self.fake_client("2.80", read_retries=0)

    def error_for(
        self, status: int, body: object = None, **kwargs: object
    ) -> exceptions.HttpError:
        self.reply("GET", MIGRATIONS, body, status=status, **kwargs)
        return self.assertRaises(
            exceptions.HttpError, self.nova.server_migrations.list, base.SID
        )

    def test_fault_envelope_to_class(self) -> None:
        cases = [
            (400, "badRequest", exceptions.BadRequest),
            (401, "unauthorized", exceptions.Unauthorized),
            (403, "forbidden", exceptions.Forbidden),
            (404, "itemNotFound", exceptions.NotFound),
            (405, "methodNotAllowed", exceptions.MethodNotAllowed),
            (406, "notAcceptable", exceptions.NotAcceptable),
            (409, "conflictingRequest", exceptions.Conflict),
            (415, "unsupportedMediaType", exceptions.UnsupportedMediaType),
            (429, "overLimit", exceptions.TooManyRequests),
            (500, "computeFault", exceptions.InternalServerError),
            (502, "badGateway", exceptions.BadGateway),
            (503, "serviceUnavailable", exceptions.ServiceUnavailable),
            (504, "gatewayTimeout", exceptions.GatewayTimeout),
            (418, "teapot", exceptions.HTTPClientError),
            (507, "storage", exceptions.HttpServerError),
        ]
        for status, name, cls in cases:
            message = f"Nova says {status}."
            error = self.error_for(status, base.fault(status, message, name))
            self.assertIs(cls, type(error), status)
            self.assertEqual(message, error.message)
            self.assertEqual(message, str(error))
            self.assertEqual(status, error.http_status)
            self.assertEqual(base.REQ, error.request_id)
            self.assertEqual(
                {name: {"code": status, "message": message}}, error.details
            )
            self.assertEqual("GET", error.method)

    def test_not_found_text_is_novas(self) -> None:
        text = (
            f"In-progress live migration 999 is not found for server "
            f"{base.SID}."
        )
        error = self.error_for(404, base.fault(404, text, "itemNotFound"))
        self.assertIsInstance(error, exceptions.NotFound)
        self.assertEqual(text, error.message)

    def test_forbidden_names_the_policy_rule(self) -> None:
        error = self.error_for(403, base.fault(403, POLICY_TEXT, "forbidden"))
        self.assertIsInstance(error, exceptions.Forbidden)
        assert isinstance(error, exceptions.Forbidden)
        self.assertEqual(
            "os_compute_api:servers:migrations:show", error.policy_rule
        )

    def test_forbidden_without_rule(self) -> None:
        error = self.error_for(
            403, base.fault(403, "Not your server.", "forbidden")
        )
        assert isinstance(error, exceptions.Forbidden)
        self.assertIsNone(error.policy_rule)

    def test_keystone_error_body(self) -> None:
        error = self.error_for(
            401,
            {
                "error": {
                    "code": 401,
                    "title": "Unauthorized",
                    "message": "The request you have made requires "
                    "authentication.",
                }
            },
        )
        self.assertIsInstance(error, exceptions.Unauthorized)
        self.assertIn("requires authentication", error.message)

    def test_html_error_page(self) -> None:
        error = self.error_for(
            502,
            text="<html><body><h1>502 Bad Gateway</h1></body></html>",
            headers={"Content-Type": "text/html"},
        )
        self.assertIsInstance(error, exceptions.BadGateway)
        self.assertEqual(
            "Bad Gateway (the answer was not from Nova: text/html)",
            error.message,
        )
        self.assertNotIn("<html>", str(error))

    def test_plain_text_error(self) -> None:
        error = self.error_for(
            503,
            text="upstream connect error\nsecond line",
            headers={"Content-Type": "text/plain"},
        )
        self.assertIsInstance(error, exceptions.ServiceUnavailable)
        self.assertEqual(
            "Service Unavailable: upstream connect error", error.message
        )

    def test_no_body_error(self) -> None:
        error = self.error_for(504)
        self.assertIsInstance(error, exceptions.GatewayTimeout)
        self.assertEqual("Gateway Timeout", error.message)
        self.assertIsNone(error.details)

    def test_json_without_fault_shape(self) -> None:
        error = self.error_for(409, {"a": 1, "b": 2})
        self.assertIsInstance(error, exceptions.Conflict)
        self.assertEqual('Conflict: {"a": 1, "b": 2}', error.message)
        self.assertEqual({"a": 1, "b": 2}, error.details)

    def test_retry_after_kept_on_error(self) -> None:
        error = self.error_for(
            429,
            base.fault(429, "slow", "overLimit"),
            headers={"Retry-After": "7"},
        )
        self.assertEqual(7, error.retry_after)

    def test_non_json_200_is_invalid_response(self) -> None:
        for kwargs in (
            {
                "text": "<html>ok</html>",
                "headers": {"Content-Type": "text/html"},
            },
            {
                "text": '{"migrations": []}',
                "headers": {"Content-Type": "text/html"},
            },
            {"text": '{"migrations": [', "headers": base.JSON},
            {"text": "null", "headers": base.JSON},
            {"text": ""},
        ):
            self.mock.get(base.ENDPOINT + MIGRATIONS, **kwargs)
            error = self.assertRaises(
                exceptions.InvalidResponse,
                self.nova.server_migrations.list,
                base.SID,
            )
            self.assertEqual(200, error.http_status)

    def test_wrong_shape_200_is_invalid_response(self) -> None:
        self.reply("GET", MIGRATIONS, {"migration": []})
        self.assertRaises(
            exceptions.InvalidResponse,
            self.nova.server_migrations.list,
            base.SID,
        )

    def test_empty_202_is_fine(self) -> None:
        self.reply("DELETE", f"{MIGRATIONS}/42", status=202)
        self.assertEqual(
            base.REQ, self.nova.server_migrations.abort(base.SID, 42)
        )
        self.reply(
            "DELETE",
            f"{MIGRATIONS}/42",
            status=202,
            text="Accepted",
            headers={"Content-Type": "text/plain"},
        )
        reply = self.nova.http.delete(f"{MIGRATIONS}/42")
        self.assertIsNone(reply.body)

    def test_errors_subclass_keystoneauth(self) -> None:
        self.reply(
            "GET",
            MIGRATIONS,
            base.fault(404, "gone", "itemNotFound"),
            status=404,
        )
        try:
            self.nova.server_migrations.list(base.SID)
        except ksa_exc.NotFound as error:
            self.assertIsInstance(error, exceptions.NotFound)
            self.assertEqual(404, error.http_status)
        else:
            self.fail("NotFound not raised")
        self.assertTrue(issubclass(exceptions.Conflict, ksa_exc.Conflict))
        self.assertTrue(issubclass(exceptions.Forbidden, ksa_exc.Forbidden))
        self.assertTrue(
            issubclass(exceptions.HttpServerError, ksa_exc.HttpServerError)
        )
        self.assertTrue(
            issubclass(exceptions.ClientException, ksa_exc.ClientException)
        )
        self.assertTrue(
            issubclass(exceptions.ConnectionError, ksa_exc.ConnectionError)
        )
        self.assertTrue(issubclass(exceptions.Timeout, ksa_exc.ConnectTimeout))
        self.assertTrue(issubclass(exceptions.ValidationError, ValueError))

    def test_class_for_status(self) -> None:
        self.assertIs(exceptions.NotFound, exceptions.class_for_status(404))
        self.assertIs(
            exceptions.HTTPClientError, exceptions.class_for_status(499)
        )
        self.assertIs(
            exceptions.HttpServerError, exceptions.class_for_status(599)
        )


class TestRetries(base.LibraryTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.nova = self.fake_client("2.80")
        self.ok = {
            "status_code": 200,
            "json": {"migrations": []},
            "headers": base.JSON,
        }

    def responses(self, *statuses: int, retry_after: str | None = None):  # type: ignore[no-untyped-def]
        out = []
        for status in statuses:
            headers = dict(base.JSON)
            if retry_after is not None:
                headers["Retry-After"] = retry_after
            out.append(
                {
                    "status_code": status,
                    "json": base.fault(status, "busy", "x"),
                    "headers": headers,
                }
            )
        return out

    def test_get_retried_on_each_retriable_status(self) -> None:
        for status in (429, 502, 503, 504):
            self.forget()
            self.mock.get(
                base.ENDPOINT + MIGRATIONS,
                [*self.responses(status, status), self.ok],
            )
            self.assertEqual([], self.nova.server_migrations.list(base.SID))
            self.assertEqual(3, len(self.api_calls()), status)
            self.assertEqual([0.5, 1.0], self.delays)

    def test_retries_are_bounded(self) -> None:
        self.mock.get(base.ENDPOINT + MIGRATIONS, self.responses(503))
        self.assertRaises(
            exceptions.ServiceUnavailable,
            self.nova.server_migrations.list,
            base.SID,
        )
        self.assertEqual(3, len(self.api_calls()))
        self.assertEqual([0.5, 1.0], self.delays)

    def test_no_retries_when_disabled(self) -> None:
        nova = self.fake_client("2.80", read_retries=0)
        self.mock.get(base.ENDPOINT + MIGRATIONS, self.responses(503))
        self.assertRaises(
            exceptions.ServiceUnavailable,
            nova.server_migrations.list,
            base.SID,
        )
        self.assertEqual(1, len(self.api_calls()))
        self.assertEqual([], self.delays)

    def test_retry_after_honoured(self) -> None:
        self.mock.get(
            base.ENDPOINT + MIGRATIONS,
            [*self.responses(503, retry_after="3"), self.ok],
        )
        self.nova.server_migrations.list(base.SID)
        self.assertEqual([3.0], self.delays)

    def test_retry_after_capped(self) -> None:
        self.mock.get(
            base.ENDPOINT + MIGRATIONS,
            [*self.responses(429, 429, retry_after="3600"), self.ok],
        )
        self.nova.server_migrations.list(base.SID)
        self.assertEqual([_http.MAX_RETRY_DELAY] * 2, self.delays)
        self.assertEqual(10.0, _http.MAX_RETRY_DELAY)

    def test_retry_after_date_falls_back_to_backoff(self) -> None:
        self.mock.get(
            base.ENDPOINT + MIGRATIONS,
            [
                *self.responses(
                    503, retry_after="Wed, 21 Oct 2026 07:28:00 GMT"
                ),
                self.ok,
            ],
        )
        self.nova.server_migrations.list(base.SID)
        self.assertEqual([0.5], self.delays)

    def test_409_and_500_never_retried(self) -> None:
        for status, cls in (
            (409, exceptions.Conflict),
            (500, exceptions.InternalServerError),
            (404, exceptions.NotFound),
        ):
            self.forget()
            self.mock.get(base.ENDPOINT + MIGRATIONS, self.responses(status))
            self.assertRaises(cls, self.nova.server_migrations.list, base.SID)
            self.assertEqual(1, len(self.api_calls()))
        self.assertEqual([], self.delays)

    def test_get_connection_errors_retried(self) -> None:
        self.mock.get(
            base.ENDPOINT + MIGRATIONS,
            [
                {"exc": requests.exceptions.ConnectionError("reset")},
                {"exc": requests.exceptions.ReadTimeout("slow")},
                self.ok,
            ],
        )
        self.assertEqual([], self.nova.server_migrations.list(base.SID))
        self.assertEqual([0.5, 1.0], self.delays)

    def test_get_connection_errors_typed_after_retries(self) -> None:
        self.mock.get(
            base.ENDPOINT + MIGRATIONS,
            exc=requests.exceptions.ConnectionError("reset"),
        )
        error = self.assertRaises(
            exceptions.ConnectionError,
            self.nova.server_migrations.list,
            base.SID,
        )
        self.assertIsInstance(error.__cause__, ksa_exc.ConnectionError)
        self.assertEqual(3, len(self.api_calls()))
        self.mock.get(
            base.ENDPOINT + MIGRATIONS,
            exc=requests.exceptions.ReadTimeout("slow"),
        )
        self.assertRaises(
            exceptions.Timeout, self.nova.server_migrations.list, base.SID
        )

    def test_delete_and_post_never_retried(self) -> None:
        for status in (429, 502, 503, 504):
            self.forget()
            self.mock.delete(
                base.ENDPOINT + f"{MIGRATIONS}/42", self.responses(status)
            )
            self.mock.post(
                base.ENDPOINT + f"{MIGRATIONS}/42/action",
                self.responses(status),
            )
            self.assertRaises(
                exceptions.HttpError, self.nova.http.delete, f"{MIGRATIONS}/42"
            )
            self.assertRaises(
                exceptions.HttpError,
                self.nova.http.post,
                f"{MIGRATIONS}/42/action",
                body={"force_complete": None},
            )
            self.assertEqual(
                [
                    ("DELETE", f"/v2.1{MIGRATIONS}/42"),
                    ("POST", f"/v2.1{MIGRATIONS}/42/action"),
                ],
                self.api_calls(),
            )
        self.mock.delete(
            base.ENDPOINT + f"{MIGRATIONS}/42",
            exc=requests.exceptions.ConnectionError("reset"),
        )
        self.assertRaises(
            exceptions.ConnectionError,
            self.nova.http.delete,
            f"{MIGRATIONS}/42",
        )
        self.assertEqual([], self.delays)

    @settings(database=None, deadline=None)
    @given(
        st.integers(min_value=0, max_value=6),
        st.one_of(
            st.none(),
            st.text(max_size=6),
            st.integers(-5, 10_000).map(str),
            st.floats(allow_nan=True).map(str),
        ),
    )
    def test_every_pause_is_bounded(
        self, attempt: int, retry_after: str | None
    ) -> None:
        delays: list[float] = []
        http = _http.HTTPClient(
            self.nova.http.adapter, APIVersion("2.80"), sleep=delays.append
        )
        http._pause(attempt, retry_after, "test")
        self.assertEqual(1, len(delays))
        self.assertGreaterEqual(delays[0], 0.0)
        self.assertLessEqual(delays[0], _http.MAX_RETRY_DELAY)
