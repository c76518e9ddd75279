"""Unit tests for ``migabort-nova``: parsing, tables, errors, handoff.

Table layout is checked against python-novaclient's own printers (and
prettytable under them), which the test environment installs.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import os
import sys
import types
from typing import Any
from unittest import mock

import testtools
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from migabortclient import exceptions
from migabortclient import nova_shim
from migabortclient.api_versions import APIVersion
from migabortclient.v2 import models


def _novaclient_output(func: Any, *args: Any) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        func(*args)
    return out.getvalue()


def _shim_output(text: str) -> str:
    return text + "\n"


class _Obj:
    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


SERVER_MIGRATION = {
    "id": 7,
    "uuid": "a1b2c3d4-0000-4000-8000-000000000007",
    "server_uuid": "5c1e8c3a-1111-4111-8111-111111111111",
    "status": "running",
    "source_compute": "compute-1",
    "source_node": "compute-1.example",
    "dest_compute": "compute-2",
    "dest_host": "192.0.2.2",
    "dest_node": "compute-2.example",
    "memory_total_bytes": 4294967296,
    "memory_processed_bytes": 1073741824,
    "memory_remaining_bytes": 3221225472,
    "disk_total_bytes": None,
    "disk_processed_bytes": None,
    "disk_remaining_bytes": None,
    "created_at": "2026-11-24T00:19:04.365551",
    "updated_at": "2026-11-24T00:20:04.000000",
    "user_id": "u-1",
    "project_id": "p-1",
}


class TestRenderTable(testtools.TestCase):
    def test_empty_table_matches_prettytable(self) -> None:
        from novaclient import utils

        expected = _novaclient_output(utils.print_list, [], ["Id", "Name"])
        got = nova_shim.render_table(["Id", "Name"], [])
        self.assertEqual(expected, _shim_output(got))

    def test_multiline_and_wide_cells_match_prettytable(self) -> None:
        import prettytable

        rows = [["a\nbbb", "漢字x"], ["", "é"]]
        table = prettytable.PrettyTable(["A", "B"])
        table.align = "l"
        for row in rows:
            table.add_row(row)
        got = nova_shim.render_table(["A", "B"], rows)
        self.assertEqual(table.get_string(), got)

    @settings(max_examples=60, deadline=None)
    @given(
        st.lists(
            st.lists(
                st.text(
                    alphabet=st.characters(
                        min_codepoint=32, max_codepoint=126
                    ),
                    max_size=12,
                ),
                min_size=3,
                max_size=3,
            ),
            max_size=5,
        )
    )
    def test_random_ascii_rows_match_prettytable(
        self, rows: list[list[str]]
    ) -> None:
        import prettytable

        headers = ["Id", "Source Compute", "Status"]
        table = prettytable.PrettyTable(headers)
        table.align = "l"
        for row in rows:
            table.add_row(row)
        self.assertEqual(
            table.get_string(), nova_shim.render_table(headers, rows)
        )


class TestNovaLayouts(testtools.TestCase):
    """Our tables against novaclient's printing code, same inputs."""

    def _novaclient_server_migration_list(self, minor: int) -> str:
        from novaclient import api_versions
        from novaclient.v2 import shell as v2shell

        cs = mock.Mock()
        cs.api_version = api_versions.APIVersion(f"2.{minor}")
        cs.server_migrations.list.return_value = [_Obj(**SERVER_MIGRATION)]
        args = types.SimpleNamespace(server="srv")
        with mock.patch.object(v2shell, "_find_server"):
            func = v2shell.do_server_migration_list
            while hasattr(func, "__wrapped__"):
                func = func.__wrapped__
            return _novaclient_output(func, cs, args)

    def test_server_migration_list_matches_novaclient_2_23(self) -> None:
        got = nova_shim.server_migration_table(
            [models.ServerMigration.from_api(SERVER_MIGRATION)],
            APIVersion(2, 23),
        )
        self.assertEqual(
            self._novaclient_server_migration_list(23), _shim_output(got)
        )

    def test_server_migration_list_matches_novaclient_2_80(self) -> None:
        got = nova_shim.server_migration_table(
            [models.ServerMigration.from_api(SERVER_MIGRATION)],
            APIVersion(2, 80),
        )
        expected = self._novaclient_server_migration_list(80)
        self.assertEqual(expected, _shim_output(got))
        self.assertIn("| None ", got)  # null counters print None, as nova

    def test_migration_list_matches_novaclient_per_version(self) -> None:
        from novaclient import api_versions
        from novaclient.v2 import shell as v2shell

        item = dict(
            SERVER_MIGRATION,
            instance_uuid=SERVER_MIGRATION["server_uuid"],
            migration_type="live-migration",
            old_instance_type_id=None,
            new_instance_type_id=3,
        )
        for minor in (1, 23, 59, 80):
            cs = mock.Mock()
            cs.api_version = api_versions.APIVersion(f"2.{minor}")
            expected = _novaclient_output(
                v2shell._print_migrations, cs, [_Obj(**item)]
            )
            got = nova_shim.migration_table(
                [models.Migration.from_api(item)], APIVersion(2, minor)
            )
            self.assertEqual(expected, _shim_output(got), f"2.{minor}")

    def test_show_matches_novaclient_print_dict(self) -> None:
        from novaclient import utils

        for minor, dropped in ((23, 3), (59, 2), (80, 0)):
            data = nova_shim.server_migration_dict(
                models.ServerMigration.from_api(SERVER_MIGRATION),
                APIVersion(2, minor),
            )
            self.assertEqual(len(SERVER_MIGRATION) - dropped, len(data))
            raw = {key: SERVER_MIGRATION[key] for key in data}
            expected = _novaclient_output(utils.print_dict, raw)
            got = nova_shim.render_dict(data)
            self.assertEqual(expected, _shim_output(got))

    def test_datetime_values_print_as_nova_sends_them(self) -> None:
        naive = datetime.datetime(2026, 11, 24, 0, 19, 4)
        aware = naive.replace(tzinfo=datetime.UTC)
        self.assertEqual(
            "2026-11-24T00:19:04.000000", nova_shim.format_value(naive)
        )
        self.assertEqual(
            "2026-11-24T00:19:04.000000", nova_shim.format_value(aware)
        )


def _http_failure(
    status: int, message: str, request_id: str | None
) -> exceptions.HttpError:
    """The library's error for an HTTP status, as _http builds it."""
    return exceptions.class_for_status(status)(
        message, http_status=status, request_id=request_id
    )


class TestFormatError(testtools.TestCase):
    def test_conflict_line_matches_nova(self) -> None:
        exc = _http_failure(409, "Instance x is in an invalid state", "req-1")
        self.assertEqual(
            "ERROR (Conflict): Instance x is in an invalid state "
            "(HTTP 409) (Request-ID: req-1)",
            nova_shim.format_error(exc),
        )

    def test_status_names_follow_novaclient(self) -> None:
        from novaclient import exceptions as nova_exc

        for status in (400, 401, 403, 404, 405, 406, 409, 413, 429, 500):
            expected = nova_exc.from_response(
                mock.Mock(status_code=status, headers={}), None, "/", "GET"
            )
            line = nova_shim.format_error(_http_failure(status, "m", None))
            self.assertEqual(
                f"ERROR ({type(expected).__name__}): m (HTTP {status})", line
            )

    def test_keystoneauth_error_printed_as_is(self) -> None:
        from keystoneauth1 import exceptions as ksa_exc

        exc = ksa_exc.Unauthorized(
            "The request you have made requires authentication.",
            http_status=401,
            request_id="req-2",
        )
        self.assertEqual(
            "ERROR (Unauthorized): The request you have made requires "
            "authentication. (HTTP 401) (Request-ID: req-2)",
            nova_shim.format_error(exc),
        )

    def test_local_error_uses_class_name(self) -> None:
        line = nova_shim.format_error(nova_shim.CommandError("bad"))
        self.assertEqual("ERROR (CommandError): bad", line)

    def test_transport_error_names_keystoneauth_cause(self) -> None:
        from keystoneauth1 import exceptions as ksa_exc

        cause = ksa_exc.ConnectFailure("Unable to establish connection")
        wrapper = RuntimeError("wrapped")
        wrapper.__cause__ = cause
        self.assertEqual(
            "ERROR (ConnectFailure): Unable to establish connection",
            nova_shim.format_error(wrapper),
        )

    def test_library_validation_error_is_a_command_error(self) -> None:
        exc = exceptions.ValidationError("Migration ID 0 is out of range.")
        self.assertEqual(
            "ERROR (CommandError): Migration ID 0 is out of range.",
            nova_shim.format_error(exc),
        )
        self.assertEqual(1, nova_shim.exit_code_for(exc))

    def test_unsupported_version_in_a_command_exits_2(self) -> None:
        # nova does not offer a command its version lacks: usage, exit 2.
        for exc in (
            exceptions.UnsupportedVersion("X requires 2.59; pinned to 2.58."),
            nova_shim.CommandUnavailable("X requires 2.59; pinned to 2.58."),
        ):
            self.assertEqual(
                "ERROR (UnsupportedVersion): X requires 2.59; pinned to 2.58.",
                nova_shim.format_error(exc),
            )
            self.assertEqual(2, nova_shim.exit_code_for(exc))

    def test_bad_version_argument_exits_1(self) -> None:
        exc = nova_shim.VersionError("Compute API version '2.x' is bad.")
        self.assertEqual(
            "ERROR (UnsupportedVersion): Compute API version '2.x' is bad.",
            nova_shim.format_error(exc),
        )
        self.assertEqual(1, nova_shim.exit_code_for(exc))

    def test_not_applied_keeps_status_and_request_id(self) -> None:
        exc = exceptions.NotApplied(
            "abort not applied: Bad Gateway; migration 3 is running.",
            migration_id=3,
            status="running",
            http_status=502,
            request_id="req-3",
        )
        self.assertEqual(
            "ERROR (ClientException): abort not applied: Bad Gateway; "
            "migration 3 is running. (HTTP 502) (Request-ID: req-3)",
            nova_shim.format_error(exc),
        )

    def test_outcome_unknown_is_one_line_with_its_own_name(self) -> None:
        exc = exceptions.OutcomeUnknown(
            "abort of migration 3 may or may not have been applied.",
            migration_id=3,
            status=None,
        )
        self.assertEqual(
            "ERROR (OutcomeUnknown): abort of migration 3 may or may not "
            "have been applied.",
            nova_shim.format_error(exc),
        )
        self.assertEqual(1, nova_shim.exit_code_for(exc))

    def test_library_connection_error_names_keystoneauth_cause(self) -> None:
        from keystoneauth1 import exceptions as ksa_exc

        cause = ksa_exc.ConnectFailure("Unable to establish connection")
        exc = exceptions.ConnectionError("GET /servers failed")
        exc.__cause__ = cause
        self.assertEqual(
            "ERROR (ConnectFailure): Unable to establish connection",
            nova_shim.format_error(exc),
        )


class TestVersions(testtools.TestCase):
    def test_negotiate_spellings(self) -> None:
        for text in (None, "", "2", "2.0", "2.latest", "auto", "LATEST"):
            self.assertIsNone(nova_shim.requested_version(text))

    def test_pinned_version(self) -> None:
        self.assertEqual(
            APIVersion(2, 65), nova_shim.requested_version(" 2.65 ")
        )

    def test_bad_versions_fail_before_any_request(self) -> None:
        for text, words in (
            ("2.x", "invalid format"),
            ("3.0", "not supported"),
            ("2.999", "not supported"),
            ("2.0.1", "invalid format"),
        ):
            exc = self.assertRaises(
                nova_shim.VersionError, nova_shim.requested_version, text
            )
            self.assertIn(words, str(exc))

    def test_require_version_names_pin_or_server(self) -> None:
        nova = mock.Mock()
        nova.api_version = APIVersion(2, 22)
        nova.http.pinned = APIVersion(2, 22)
        exc = self.assertRaises(
            nova_shim.CommandUnavailable,
            nova_shim.require_version,
            nova,
            APIVersion(2, 23),
            "server-migration-list",
        )
        self.assertEqual(
            "server-migration-list requires compute API version 2.23 or "
            "later; this client is pinned to 2.22.",
            str(exc),
        )
        nova.http.pinned = None
        exc = self.assertRaises(
            nova_shim.CommandUnavailable,
            nova_shim.require_version,
            nova,
            APIVersion(2, 23),
            "server-migration-list",
        )
        self.assertIn("the server's maximum is 2.22", str(exc))
        nova_shim.require_version(nova, APIVersion(2, 22), "ok")


class TestParsing(testtools.TestCase):
    def setUp(self) -> None:
        super().setUp()
        patcher = mock.patch.dict(os.environ, {}, clear=True)
        patcher.start()
        self.addCleanup(patcher.stop)

    def _parse(self, *argv: str) -> Any:
        return nova_shim.build_parser(argv).parse_args(list(argv))

    def test_abort_migration_is_optional(self) -> None:
        args = self._parse("live-migration-abort", "vm1")
        self.assertEqual(("vm1", None), (args.server, args.migration))
        args = self._parse("live-migration-abort", "vm1", "42")
        self.assertEqual("42", args.migration)

    def test_force_complete_requires_migration(self) -> None:
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            exc = self.assertRaises(
                SystemExit,
                self._parse,
                "live-migration-force-complete",
                "vm1",
            )
        self.assertEqual(2, exc.code)
        self.assertIn(
            "Try 'migabort-nova help live-migration-force-complete'",
            err.getvalue(),
        )

    def test_migration_list_takes_all_nova_filters(self) -> None:
        args = self._parse(
            "migration-list",
            "--instance-uuid=i",
            "--host=h",
            "--status=running",
            "--migration-type=live-migration",
            "--source-compute=s",
            "--marker=m",
            "--limit=3",
            "--changes-since=2026-01-01T00:00:00Z",
            "--changes-before=2026-02-01T00:00:00Z",
            "--project-id=p",
            "--user-id=u",
        )
        self.assertEqual(3, args.limit)
        self.assertEqual(
            ("i", "h", "running", "live-migration", "s", "m", "p", "u"),
            (
                args.instance_uuid,
                args.host,
                args.status,
                args.migration_type,
                args.source_compute,
                args.marker,
                args.project_id,
                args.user_id,
            ),
        )

    def test_live_migration_host_and_block_flag(self) -> None:
        args = self._parse("live-migration", "vm1")
        self.assertEqual((None, None), (args.host, args.block_migrate))
        args = self._parse("live-migration", "vm1", "h2", "--block-migrate")
        self.assertEqual(("h2", True), (args.host, args.block_migrate))

    def test_compute_version_from_env_and_flag(self) -> None:
        self.assertEqual(
            "2.latest", self._parse("migration-list").os_compute_api_version
        )
        with mock.patch.dict(os.environ, {"OS_COMPUTE_API_VERSION": "2.24"}):
            args = self._parse("migration-list")
            self.assertEqual("2.24", args.os_compute_api_version)
            args = self._parse(
                "--os-compute-api-version", "2.65", "migration-list"
            )
            self.assertEqual("2.65", args.os_compute_api_version)

    def test_auth_options_come_from_os_env(self) -> None:
        env = {
            "OS_AUTH_URL": "http://127.0.0.1:5000/v3",
            "OS_USERNAME": "admin",
            "OS_PASSWORD": "pw",
            "OS_PROJECT_NAME": "demo",
            "NOVACLIENT_INSECURE": "true",
        }
        with mock.patch.dict(os.environ, env):
            args = self._parse("migration-list")
        self.assertEqual(
            ("http://127.0.0.1:5000/v3", "admin", "demo", True),
            (
                args.os_auth_url,
                args.os_username,
                args.os_project_name,
                args.insecure,
            ),
        )
        self.assertEqual("password", args.os_auth_type)

    def test_token_option_selects_token_plugin(self) -> None:
        args = self._parse("--os-token", "t", "migration-list")
        self.assertEqual("token", args.os_auth_type)

    def test_missing_credentials_fail_like_nova(self) -> None:
        args = self._parse("migration-list")
        exc = self.assertRaises(
            nova_shim.CommandError, nova_shim.check_credentials, args
        )
        self.assertIn("--os-username", str(exc))

    def test_missing_password_is_a_clear_error(self) -> None:
        env = {
            "OS_AUTH_URL": "http://127.0.0.1:5000/v3",
            "OS_USERNAME": "admin",
            "OS_PROJECT_NAME": "demo",
        }
        with mock.patch.dict(os.environ, env):
            args = self._parse("migration-list")
            exc = self.assertRaises(
                nova_shim.CommandError, nova_shim.check_credentials, args
            )
            self.assertIn("--os-password", str(exc))
            args = self._parse("--os-password", "pw", "migration-list")
            nova_shim.check_credentials(args)
            args = self._parse("--os-token", "t", "migration-list")
            nova_shim.check_credentials(args)

    def test_endpoint_type_maps_to_interface(self) -> None:
        self.assertEqual("public", nova_shim._interface("publicURL"))
        self.assertEqual("internal", nova_shim._interface("internal"))


class TestMainAndHandoff(testtools.TestCase):
    def _run(self, *argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = nova_shim.main(list(argv))
        return code, out.getvalue(), err.getvalue()

    def test_other_command_handed_to_novaclient_with_argv(self) -> None:
        fake = types.ModuleType("novaclient.shell")
        calls: list[list[str]] = []

        def fake_main(argv: list[str]) -> None:
            calls.append(argv)
            raise SystemExit(3)

        fake.main = fake_main  # type: ignore[attr-defined]
        with mock.patch.dict(sys.modules, {"novaclient.shell": fake}):
            code, _, _ = self._run("--debug", "list", "--all-tenants")
        self.assertEqual(3, code)
        self.assertEqual([["--debug", "list", "--all-tenants"]], calls)

    def test_handoff_success_exits_zero(self) -> None:
        fake = types.ModuleType("novaclient.shell")
        fake.main = lambda argv: None  # type: ignore[attr-defined]
        with mock.patch.dict(sys.modules, {"novaclient.shell": fake}):
            code, _, _ = self._run("flavor-list")
        self.assertEqual(0, code)

    def test_without_novaclient_names_openstack_equivalent(self) -> None:
        with mock.patch.dict(
            sys.modules, {"novaclient": None, "novaclient.shell": None}
        ):
            code, out, err = self._run("--os-region-name", "r1", "list")
        self.assertEqual(2, code)
        self.assertEqual("", out)
        self.assertEqual(1, len(err.splitlines()))
        self.assertIn("'openstack server list'", err)

    def test_novaclient_only_option_hands_the_command_over(self) -> None:
        fake = types.ModuleType("novaclient.shell")
        calls: list[list[str]] = []
        fake.main = calls.append  # type: ignore[attr-defined]
        argv = ["live-migration", "--disk-over-commit", "vm1", "h1"]
        with mock.patch.dict(sys.modules, {"novaclient.shell": fake}):
            code, _, _ = self._run(*argv)
        self.assertEqual((0, [argv]), (code, calls))
        with mock.patch.dict(
            sys.modules, {"novaclient": None, "novaclient.shell": None}
        ):
            code, out, err = self._run(*argv)
        self.assertEqual((2, ""), (code, out))
        self.assertEqual(
            "migabort-nova: 'live-migration --disk-over-commit' is only in "
            "python-novaclient, which is not installed; use "
            "'openstack server migrate --live-migration'.\n",
            err,
        )

    def test_help_lists_shim_commands_without_novaclient(self) -> None:
        with mock.patch.dict(
            sys.modules, {"novaclient": None, "novaclient.shell": None}
        ):
            code, out, _ = self._run("help")
        self.assertEqual(0, code)
        self.assertIn("live-migration-abort", out)

    def test_command_help_exits_zero(self) -> None:
        code, out, _ = self._run("help", "live-migration-abort")
        self.assertEqual(0, code)
        self.assertIn("<migration>", out)

    def test_command_help_states_version_and_exit_codes(self) -> None:
        for command, version in (
            ("live-migration-abort", "2.24"),
            ("live-migration-force-complete", "2.22"),
            ("server-migration-list", "2.23"),
            ("server-migration-show", "2.23"),
        ):
            code, out, _ = self._run("help", command)
            flat = " ".join(out.split())
            self.assertEqual(0, code)
            self.assertIn(f"Needs compute API {version} or later", flat)
            self.assertIn("Exit codes: 0 success; 1 failure", flat)
        code, out, _ = self._run("help")
        self.assertIn("130 interrupted", " ".join(out.split()))

    def test_shim_command_does_not_import_novaclient(self) -> None:
        with (
            mock.patch.dict(
                sys.modules, {"novaclient": None, "novaclient.shell": None}
            ),
            mock.patch.dict(os.environ, {}, clear=True),
        ):
            code, _, err = self._run("migration-list")
        # No credentials in this environment: a local error, not a handoff.
        self.assertEqual(1, code)
        self.assertTrue(err.startswith("ERROR (CommandError): "), err)

    def test_library_warnings_are_one_line_notes_for_one_run(self) -> None:
        import logging

        def warn(*args: Any) -> int:
            logging.getLogger("migabortclient.v2.server_migrations").warning(
                "abort of migration %s was accepted (Bad\nGateway)", 3
            )
            logging.getLogger("migabortclient.v2").info("not shown")
            return 0

        library = logging.getLogger("migabortclient")
        before = list(library.handlers)
        with mock.patch.object(nova_shim, "_run", warn):
            code, out, err = self._run("live-migration-abort", "vm1", "3")
        self.assertEqual((0, ""), (code, out))
        self.assertEqual(
            "migabort-nova: abort of migration 3 was accepted (Bad Gateway)\n",
            err,
        )
        self.assertEqual(before, library.handlers)

    def test_api_error_printed_as_nova_line_exit_1(self) -> None:
        def failing(argv: Any) -> int:
            raise _http_failure(409, "wrong state", "req-9")

        with mock.patch.object(nova_shim, "run", failing):
            code, out, err = self._run("live-migration-abort", "vm1", "3")
        self.assertEqual(1, code)
        self.assertEqual("", out)
        self.assertEqual(
            "ERROR (Conflict): wrong state (HTTP 409) (Request-ID: req-9)\n",
            err,
        )


def _server_migration(mid: int, status: str = "running") -> Any:
    return models.ServerMigration.from_api(
        dict(SERVER_MIGRATION, id=mid, status=status)
    )


class TestCommandLogic(testtools.TestCase):
    """Command bodies against a fake client (no HTTP)."""

    def _nova(self, minor: int, migrations: list[Any]) -> mock.Mock:
        nova = mock.Mock()
        nova.api_version = APIVersion(2, minor)
        nova.http.pinned = None
        nova.servers.find.return_value = models.Server(id="srv-uuid")
        nova.server_migrations.list.return_value = migrations
        return nova

    def _args(self, *argv: str) -> Any:
        with mock.patch.dict(os.environ, {}, clear=True):
            return nova_shim.build_parser(argv).parse_args(list(argv))

    def test_abort_without_id_uses_the_one_migration(self) -> None:
        nova = self._nova(104, [_server_migration(12)])
        nova_shim.do_live_migration_abort(
            nova, self._args("live-migration-abort", "vm1")
        )
        nova.server_migrations.abort.assert_called_once_with(
            nova.servers.find.return_value, 12
        )

    def test_abort_without_id_refuses_to_guess(self) -> None:
        # Worded as migabort's own abort (CLI test_server_migration).
        for found, text in (
            ([], "Server srv-uuid has no in-progress live migration."),
            (
                [_server_migration(1, "queued"), _server_migration(2)],
                "Server srv-uuid has 2 in-progress live migrations: "
                "1 (queued), 2 (running). Name one.",
            ),
        ):
            nova = self._nova(104, found)
            exc = self.assertRaises(
                nova_shim.CommandError,
                nova_shim.do_live_migration_abort,
                nova,
                self._args("live-migration-abort", "vm1"),
            )
            self.assertEqual(text, str(exc))
            nova.server_migrations.abort.assert_not_called()

    def test_abort_with_id_does_not_list(self) -> None:
        nova = self._nova(104, [])
        nova_shim.do_live_migration_abort(
            nova, self._args("live-migration-abort", "vm1", "7")
        )
        nova.server_migrations.list.assert_not_called()
        nova.server_migrations.abort.assert_called_once_with(
            nova.servers.find.return_value, "7"
        )

    def test_abort_below_2_24_fails_before_any_lookup(self) -> None:
        nova = self._nova(23, [_server_migration(12)])
        exc = self.assertRaises(
            nova_shim.CommandUnavailable,
            nova_shim.do_live_migration_abort,
            nova,
            self._args("live-migration-abort", "vm1"),
        )
        self.assertIn("requires compute API version 2.24", str(exc))
        nova.servers.find.assert_not_called()
        nova.server_migrations.list.assert_not_called()

    def test_commands_check_their_minimum_version(self) -> None:
        for minor, argv in (
            (21, ["live-migration-force-complete", "vm1", "3"]),
            (22, ["server-migration-list", "vm1"]),
            (22, ["server-migration-show", "vm1", "3"]),
            (58, ["migration-list", "--limit", "1"]),
            (58, ["migration-list", "--changes-since", "2026-01-01"]),
            (65, ["migration-list", "--changes-before", "2026-01-01"]),
            (79, ["migration-list", "--user-id", "u"]),
            (79, ["migration-list", "--project-id", "p"]),
        ):
            nova = self._nova(minor, [])
            args = self._args(*argv)
            self.assertRaises(
                nova_shim.CommandUnavailable, args.run, nova, args
            )
            nova.servers.find.assert_not_called()
            nova.migrations.list.assert_not_called()

    def test_live_migration_block_default_follows_version(self) -> None:
        for minor, argv, expected in (
            (104, [], "auto"),
            (25, [], "auto"),
            (24, [], False),
            (104, ["--block-migrate"], True),
        ):
            nova = self._nova(minor, [])
            nova_shim.do_live_migration(
                nova, self._args("live-migration", "vm1", "h2", *argv)
            )
            nova.servers.live_migrate.assert_called_once_with(
                nova.servers.find.return_value,
                host="h2",
                block_migration=expected,
            )

    def test_migration_list_passes_only_given_filters(self) -> None:
        nova = self._nova(104, [])
        nova.migrations.list.return_value = iter([])
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            nova_shim.do_migration_list(
                nova, self._args("migration-list", "--host", "h1")
            )
        (call,) = nova.migrations.list.call_args_list
        given = {k: v for k, v in call.kwargs.items() if v is not None}
        self.assertEqual({"host": "h1"}, given)
        self.assertIn("| Id | UUID |", out.getvalue())

    def test_migration_list_bad_values_name_the_option(self) -> None:
        for argv, message in (
            (["--limit", "-1"],
             "--limit must be a whole number of 0 or more, not -1."),
            (["--marker", "bogus"],
             "--marker must be a migration UUID, not 'bogus'."),
        ):  # fmt: skip
            nova = self._nova(104, [])
            err = self.assertRaises(
                nova_shim.CommandError,
                nova_shim.do_migration_list,
                nova,
                self._args("migration-list", *argv),
            )
            self.assertEqual(message, str(err))
            nova.migrations.list.assert_not_called()

    def test_migration_list_limit_caps_followed_pages(self) -> None:
        nova = self._nova(104, [])
        items = [
            models.Migration(id=i, status="done", uuid=f"u{i}")
            for i in range(5)
        ]
        nova.migrations.list.return_value = iter(items)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            nova_shim.do_migration_list(
                nova, self._args("migration-list", "--limit", "2")
            )
        self.assertEqual(2, out.getvalue().count("| u"))
