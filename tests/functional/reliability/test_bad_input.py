"""Bad input: each case is refused with a clear, one-line message.

Each case runs against a fresh reference Nova. A case checkable
locally must send no request at all (the request log is compared); every
case must leave the cloud as it was (migration statuses, instance
actions and server placement are compared).

Note: the version ``"2"`` is not bad input. OSC and Nova's openrc
files set ``OS_COMPUTE_API_VERSION=2``, meaning "the newest 2.x both
sides support", so migabortclient negotiates for it (as for ``auto``,
``latest`` and ``2.latest``); ``TestVersionTwoNegotiates`` pins that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from migabortclient import client as client_mod
from migabortclient import exceptions
from tests.functional.reliability import base

V = exceptions.ValidationError
U = exceptions.UnsupportedVersion

MIG_UUID = "6a1c9b6e-0a63-4a8c-9a55-0d6f1f1f7d10"
ODD_NAME = "we/ird?#%&=+ ünï ☃"


class Case:
    """One bad input: ``call(test, nova)`` must raise ``error``."""

    def __init__(
        self,
        call: Callable[[Any, Any], Any],
        error: type[Exception],
        text: str,
        *,
        local: bool = True,
        version: str = "auto",
        user: str = "admin",
    ) -> None:
        self.call = call
        self.error = error
        self.text = text
        self.local = local
        self.version = version
        self.user = user


def _sm(method: str, mig: Any, **kw: Any) -> Callable[[Any, Any], Any]:
    def call(t: Any, n: Any) -> Any:
        return getattr(n.server_migrations, method)(t.db.id, mig, **kw)

    return call


def _srv(method: str, server: Any) -> Callable[[Any, Any], Any]:
    def call(t: Any, n: Any) -> Any:
        if method in ("list", "abort", "force_complete"):
            args = (server,) if method == "list" else (server, 1)
            return getattr(n.server_migrations, method)(*args)
        return n.instance_actions.list(server)

    return call


def _mlist(**kw: Any) -> Callable[[Any, Any], Any]:
    return lambda t, n: list(n.migrations.list(**kw))


def _client(version: Any) -> Callable[[Any, Any], Any]:
    return lambda t, n: client_mod.Client(version, session=t.session())


class _HasId:
    def __init__(self, value: Any) -> None:
        self.id = value


LIBRARY_CASES: dict[str, Case] = {
    # -- migration ids ------------------------------------------------
    "get_negative_id": Case(_sm("get", -1), V, "out of range"),
    "get_zero_id": Case(_sm("get", 0), V, "out of range"),
    "get_huge_id": Case(_sm("get", 2**31), V, "out of range"),
    "get_enormous_id": Case(_sm("get", 10**40), V, "out of range"),
    "get_numeric_string_huge": Case(_sm("get", "9" * 30), V, "out of range"),
    "get_negative_string": Case(_sm("get", "-5"), V, "numeric ID or"),
    "get_word": Case(_sm("get", "abc"), V, "numeric ID or"),
    "get_decimal": Case(_sm("get", "1.5"), V, "numeric ID or"),
    "get_hex": Case(_sm("get", "0x10"), V, "numeric ID or"),
    "get_exponent": Case(_sm("get", "1e3"), V, "numeric ID or"),
    "get_empty": Case(_sm("get", ""), V, "numeric ID or"),
    "get_blank": Case(_sm("get", "   "), V, "numeric ID or"),
    "get_arabic_digits": Case(_sm("get", "\u0661\u0662"), V, "numeric ID"),
    "get_bool": Case(_sm("get", True), V, "numeric ID or"),
    "get_none": Case(_sm("get", None), V, "numeric ID or"),
    "get_float": Case(_sm("get", 3.0), V, "numeric ID or"),
    "get_object_with_bad_id": Case(_sm("get", _HasId("x")), V, "numeric"),
    "abort_negative_id": Case(_sm("abort", -1), V, "out of range"),
    "abort_zero_id": Case(_sm("abort", 0), V, "out of range"),
    "abort_word": Case(_sm("abort", "latest"), V, "numeric ID or"),
    "force_complete_huge_id": Case(
        _sm("force_complete", 2**31), V, "out of range"
    ),
    "force_complete_word": Case(_sm("force_complete", "x"), V, "numeric"),
    "wait_zero_id": Case(_sm("wait", 0, timeout=1), V, "out of range"),
    "wait_zero_timeout": Case(_sm("wait", 1, timeout=0), V, "timeout"),
    "wait_negative_timeout": Case(_sm("wait", 1, timeout=-1), V, "timeout"),
    "wait_negative_poll": Case(
        _sm("wait", 1, timeout=1, poll_interval=-1), V, "poll_interval"
    ),
    "get_uuid_below_2_59": Case(
        _sm("get", MIG_UUID), U, "2.59", version="2.58"
    ),
    "abort_uuid_below_2_59": Case(
        _sm("abort", MIG_UUID), U, "2.59", version="2.58"
    ),
    "abort_below_2_24": Case(_sm("abort", 1), U, "2.24", version="2.23"),
    "force_complete_below_2_22": Case(
        _sm("force_complete", 1), U, "2.22", version="2.21"
    ),
    "list_below_2_23": Case(
        lambda t, n: n.server_migrations.list(t.db.id),
        U,
        "2.23",
        version="2.22",
    ),
    "get_unknown_id": Case(
        _sm("get", 999), exceptions.NotFound, "999", local=False
    ),
    # -- server references --------------------------------------------
    "server_empty": Case(_srv("list", ""), V, "by its ID"),
    "server_blank": Case(_srv("list", "  "), V, "by its ID"),
    "server_slash": Case(_srv("list", "a/b"), V, "not a server ID"),
    "server_question": Case(_srv("abort", "a?b"), V, "not a server ID"),
    "server_hash": Case(_srv("force_complete", "a#b"), V, "server ID"),
    "server_percent": Case(_srv("actions", "..%2F"), V, "not a server ID"),
    "server_traversal": Case(_srv("list", "../os-migrations"), V, "ID"),
    "server_nul": Case(_srv("list", "a\x00b"), V, "not a server ID"),
    "server_newline": Case(_srv("list", "a\nb"), V, "not a server ID"),
    "server_none": Case(_srv("list", None), V, "by its ID"),
    "server_int": Case(_srv("list", 42), V, "by its ID"),
    "server_object_without_id": Case(_srv("list", object()), V, "ID"),
    "server_unknown_uuid": Case(
        _srv("list", MIG_UUID), exceptions.NotFound, "", local=False
    ),
    # -- servers.find -----------------------------------------------------
    "find_empty": Case(lambda t, n: n.servers.find(""), V, "empty"),
    "find_blank": Case(lambda t, n: n.servers.find(" \t"), V, "empty"),
    "find_control_char": Case(
        lambda t, n: n.servers.find("db\x07"), V, "control"
    ),
    "find_none": Case(lambda t, n: n.servers.find(None), V, "empty"),
    "find_ambiguous": Case(
        lambda t, n: n.servers.find("dup"),
        exceptions.NoUniqueMatch,
        "Multiple servers",
        local=False,
    ),
    "find_regex_is_not_a_pattern": Case(
        lambda t, n: n.servers.find("db-."),
        exceptions.NotFound,
        "No server",
        local=False,
    ),
    "find_unknown_unicode": Case(
        lambda t, n: n.servers.find("nöpe ☃/?#%"),
        exceptions.NotFound,
        "No server",
        local=False,
    ),
    # -- live_migrate -------------------------------------------------------
    "live_migrate_empty_host": Case(
        lambda t, n: n.servers.live_migrate(t.idle.id, host=" "), V, "host"
    ),
    "live_migrate_bad_block": Case(
        lambda t, n: n.servers.live_migrate(t.idle.id, block_migration="y"),
        V,
        "block_migration",
    ),
    "live_migrate_force_at_2_68": Case(
        lambda t, n: n.servers.live_migrate(t.idle.id, "compute2", force=True),
        U,
        "2.67",
        version="2.68",
    ),
    "live_migrate_force_without_host": Case(
        lambda t, n: n.servers.live_migrate(t.idle.id, force=True),
        V,
        "host",
        version="2.30",
    ),
    "live_migrate_auto_below_2_25": Case(
        lambda t, n: n.servers.live_migrate(t.idle.id),
        U,
        "2.25",
        version="2.24",
    ),
    # -- instance actions ---------------------------------------------------
    "action_get_empty": Case(
        lambda t, n: n.instance_actions.get(t.db.id, ""), V, "request ID"
    ),
    "action_get_none": Case(
        lambda t, n: n.instance_actions.get(t.db.id, None), V, "request ID"
    ),
    # -- os-migrations filters ----------------------------------------------
    "limit_negative": Case(_mlist(limit=-1), V, "limit"),
    "limit_string": Case(_mlist(limit="10"), V, "limit"),
    "limit_bool": Case(_mlist(limit=True), V, "limit"),
    "limit_float": Case(_mlist(limit=1.5), V, "limit"),
    "marker_not_uuid": Case(_mlist(marker="42"), V, "marker"),
    "changes_since_word": Case(_mlist(changes_since="yesterday"), V, "ISO"),
    "changes_since_month_13": Case(
        _mlist(changes_since="2026-13-01T00:00:00Z"), V, "ISO"
    ),
    "changes_since_empty": Case(_mlist(changes_since=""), V, "ISO"),
    "changes_before_feb_30": Case(
        _mlist(changes_before="2026-02-30T00:00:00"), V, "ISO"
    ),
    "host_empty": Case(_mlist(host=""), V, "host"),
    "status_blank": Case(_mlist(status="  "), V, "status"),
    "user_id_empty": Case(_mlist(user_id=""), V, "user_id"),
    "limit_below_2_59": Case(_mlist(limit=5), U, "2.59", version="2.58"),
    "changes_before_below_2_66": Case(
        _mlist(changes_before="2026-01-01T00:00:00Z"),
        U,
        "2.66",
        version="2.65",
    ),
    "project_id_below_2_80": Case(
        _mlist(project_id="abc"), U, "2.80", version="2.79"
    ),
    # -- versions -----------------------------------------------------------
    "version_2_x": Case(_client("2.x"), V, "invalid format"),
    "version_3_0": Case(_client("3.0"), U, "not supported"),
    "version_2_999": Case(_client("2.999"), U, "not supported"),
    "version_2_0": Case(_client("2.0"), U, "not supported"),
    "version_1_1": Case(_client("1.1"), U, "not supported"),
    "version_empty": Case(_client(""), V, "invalid format"),
    "version_trailing_dot": Case(_client("2."), V, "invalid format"),
    "version_three_parts": Case(_client("2.1.1"), V, "invalid format"),
    "version_v_prefix": Case(_client("v2.65"), V, "invalid format"),
    "version_leading_zero": Case(_client("2.065"), V, "invalid format"),
    "version_negative": Case(_client("2.-1"), V, "invalid format"),
    "version_float": Case(_client(2.65), V, ""),
}


class TestLibraryBadInput(base.ReliabilityCase):
    def setUp(self) -> None:
        super().setUp()
        self.cloud.add_server("dup", "compute1")
        self.cloud.add_server("dup", "compute2")
        self.cloud.add_server(ODD_NAME, "compute1")

    def check(self, case: Case) -> None:
        nova = self.client(user=case.user, version=case.version)
        before = self.snapshot()
        requests_before = len(self.ref.requests)
        exc = self.assertRaises(case.error, case.call, self, nova)
        self.assertIsInstance(exc, exceptions.ClientException)
        message = str(exc)
        self.assertTrue(message.strip())
        self.assertNotIn("\n", message.strip())
        self.assertIn(case.text, message)
        if case.local:
            self.assertEqual(
                requests_before,
                len(self.ref.requests),
                self.ref.requests[requests_before:],
            )
        self.assertEqual(before, self.snapshot())

    def test_odd_names_are_found_not_refused(self) -> None:
        nova = self.client()
        found = nova.servers.find(ODD_NAME)
        self.assertEqual(ODD_NAME, found.name)
        self.assertEqual([], nova.server_migrations.list(found.id))


for _name, _case in LIBRARY_CASES.items():

    def _test(self: TestLibraryBadInput, c: Case = _case) -> None:
        self.check(c)

    _test.__name__ = f"test_{_name}"
    setattr(TestLibraryBadInput, _test.__name__, _test)


class TestVersionTwoNegotiates(base.ReliabilityCase):
    """``2`` (as openrc files set it) negotiates; it is not refused."""

    def test_library(self) -> None:
        for spelling in ("2", "auto", "latest", "2.latest", " 2 "):
            nova = client_mod.Client(spelling, session=self.session())
            self.assertEqual("2.104", str(nova.api_version), spelling)

    def test_cli(self) -> None:
        result = self.run_cli(
            "migabort",
            "server",
            "migration",
            "list",
            "--server",
            "db-1",
            OS_COMPUTE_API_VERSION="2",
        )
        self.assertEqual((0, ""), (result.code, result.err), result)
        self.assertIn(str(self.db_mig.id), result.out)


# ----------------------------------------------------------------- CLI

# (argv after "server migration", exit code, text in the message,
#  version env, local: no request at all)
CLI_CASES: dict[str, tuple[tuple[str, ...], int, str, str | None, bool]] = {
    "show_negative_id": (("show", "db-1", "-1"), 2, "", None, True),
    "show_word_id": (("show", "db-1", "abc"), 2, "migration", None, True),
    "show_zero_id": (("show", "db-1", "0"), 2, "out of range", None, True),
    "show_huge_id": (
        ("show", "db-1", "9" * 20),
        2,
        "out of range",
        None,
        True,
    ),
    "show_uuid_below_2_59": (
        ("show", "db-1", MIG_UUID),
        2,
        "2.59",
        "2.58",
        True,
    ),
    "show_empty_server": (("show", "", "1"), 2, "", None, True),
    "show_ambiguous_server": (
        ("show", "dup", "1"),
        1,
        "Multiple",
        None,
        False,
    ),
    "show_unknown_server": (
        ("show", "nope", "1"),
        1,
        "No server",
        None,
        False,
    ),
    "abort_word_id": (("abort", "db-1", "abc"), 2, "migration", None, True),
    "abort_zero_id": (("abort", "db-1", "0"), 2, "out of range", None, True),
    "abort_host_without_all": (
        ("abort", "--host", "compute2"),
        2,
        "--all",
        None,
        True,
    ),
    "abort_all_without_host": (("abort", "--all"), 2, "--host", None, True),
    "abort_all_with_server": (
        ("abort", "db-1", "--host", "compute2", "--all"),
        2,
        "",
        None,
        True,
    ),
    "abort_all_with_wait": (
        ("abort", "--host", "compute2", "--all", "--wait"),
        2,
        "--wait",
        None,
        True,
    ),
    "abort_no_server": (("abort",), 2, "<server>", None, True),
    "abort_negative_timeout": (
        ("abort", "db-1", "--wait", "--timeout", "-5"),
        2,
        "",
        None,
        True,
    ),
    "abort_zero_parallel": (
        ("abort", "--host", "compute2", "--all", "--parallel", "0"),
        2,
        "",
        None,
        True,
    ),
    "force_decimal_id": (
        ("force", "complete", "db-1", "1.5"),
        2,
        "migration",
        None,
        True,
    ),
    "list_negative_limit": (("list", "--limit", "-1"), 2, "", None, True),
    "list_word_limit": (("list", "--limit", "ten"), 2, "", None, True),
    "list_bad_type": (("list", "--type", "teleport"), 2, "", None, True),
    "list_bad_since": (
        ("list", "--changes-since", "yesterday"),
        2,
        "ISO",
        None,
        True,
    ),
    "list_bad_before": (
        ("list", "--changes-before", "2026-13-01"),
        2,
        "ISO",
        None,
        True,
    ),
    "list_bad_marker": (("list", "--marker", "42"), 2, "marker", None, True),
    "list_limit_below_2_59": (
        ("list", "--limit", "5"),
        2,
        "2.59",
        "2.58",
        True,
    ),
    "watch_zero_timeout": (
        ("watch", "db-1", "--timeout", "0"),
        2,
        "",
        None,
        True,
    ),
    "watch_zero_count": (("watch", "db-1", "--count", "0"), 2, "", None, True),
}


class TestCLIBadInput(base.ReliabilityCase):
    def setUp(self) -> None:
        super().setUp()
        self.cloud.add_server("dup", "compute1")
        self.cloud.add_server("dup", "compute2")

    def check(
        self,
        argv: tuple[str, ...],
        code: int,
        text: str,
        version: str | None,
        local: bool,
    ) -> None:
        nova = self.client(version=version or "auto")
        before = self.snapshot()
        requests_before = len(self.ref.requests)
        args = ["server", "migration", *argv]
        if version is not None:
            args = ["--os-compute-api-version", version, *args]
        result = self.run_inproc(nova, *args)
        self.assertEqual(code, result.code, result)
        self.assertNotIn("Traceback", result.out + result.err)
        self.assertTrue(result.err.strip(), result)
        if code == 1:
            self.assertCleanFailure(result)
        self.assertIn(text, result.err)
        if local:
            self.assertEqual(
                requests_before,
                len(self.ref.requests),
                self.ref.requests[requests_before:],
            )
        self.assertEqual(before, self.snapshot())


for _name, _args in CLI_CASES.items():

    def _ctest(self: TestCLIBadInput, a: Any = _args) -> None:
        self.check(*a)

    _ctest.__name__ = f"test_{_name}"
    setattr(TestCLIBadInput, _ctest.__name__, _ctest)


class TestCLIBadInputSubprocess(base.ReliabilityCase):
    """The real binary: usage errors exit 2 before authenticating."""

    def test_bad_id_and_bad_version(self) -> None:
        for args, extra, text in (
            (("show", "db-1", "abc"), {}, "migration"),
            (("list",), {"OS_COMPUTE_API_VERSION": "2.x"}, "invalid format"),
            (("list",), {"OS_COMPUTE_API_VERSION": "3.0"}, "not supported"),
            (("list",), {"OS_COMPUTE_API_VERSION": "2.999"}, "not supported"),
            (("list", "--limit", "-3"), {}, "negative"),
        ):
            result = self.run_cli(
                "migabort", "server", "migration", *args, **extra
            )
            self.assertEqual(2, result.code, result)
            self.assertNotIn("Traceback", result.err)
            self.assertIn(text, result.err)
        # Nothing reached the reference, not even authentication.
        self.assertEqual([], list(self.ref.requests))
