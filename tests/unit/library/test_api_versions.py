"""APIVersion: parsing, comparison, requested versions, negotiation."""

from __future__ import annotations

import testtools
from hypothesis import given
from hypothesis import strategies as st

from migabortclient import api_versions
from migabortclient import exceptions
from migabortclient.api_versions import APIVersion

minors = st.integers(min_value=0, max_value=10_000)
majors = st.integers(min_value=1, max_value=9)


class TestAPIVersion(testtools.TestCase):
    def test_string_and_pair_are_equal(self) -> None:
        self.assertEqual(APIVersion("2.65"), APIVersion(2, 65))
        self.assertEqual(hash(APIVersion("2.65")), hash(APIVersion(2, 65)))
        self.assertEqual((2, 65), APIVersion("2.65").as_tuple())
        self.assertEqual(2, APIVersion("2.65").ver_major)
        self.assertEqual(65, APIVersion("2.65").ver_minor)

    def test_compares_numerically_not_as_text(self) -> None:
        self.assertLess(APIVersion("2.9"), APIVersion("2.10"))
        self.assertLess(APIVersion("2.104"), APIVersion("3.0"))
        self.assertGreater(APIVersion("2.65"), APIVersion("2.24"))
        self.assertEqual(
            APIVersion("2.23"),
            min(APIVersion("2.59"), APIVersion("2.23"), APIVersion("2.80")),
        )

    def test_string_forms(self) -> None:
        self.assertEqual("2.65", str(APIVersion(2, 65)))
        self.assertEqual("2.65", APIVersion(2, 65).get_string())
        self.assertEqual("APIVersion('2.65')", repr(APIVersion(2, 65)))
        self.assertEqual(APIVersion("2.5"), APIVersion(" 2.5 "))
        self.assertEqual(APIVersion(2, 0), APIVersion(2))
        self.assertEqual(APIVersion(2, 60), APIVersion.from_tuple((2, 60)))
        self.assertEqual(APIVersion(2, 0), APIVersion.from_tuple((2,)))

    def test_not_equal_to_other_types(self) -> None:
        self.assertNotEqual(APIVersion("2.65"), "2.65")
        self.assertRaises(TypeError, lambda: APIVersion("2.1") < "2.2")

    def test_malformed_strings_rejected(self) -> None:
        for text in (
            "",
            " ",
            "2",
            "2.",
            ".5",
            "2.x",
            "x.2",
            "2.latest",
            "2.65.1",
            "2.065",
            "02.65",
            "-2.1",
            "2.-1",
            "2,65",
            "v2.65",
            "2.65\n1",
            "\uff12.\uff16\uff15",  # full-width digits
        ):
            error = self.assertRaises(
                exceptions.ValidationError, APIVersion, text
            )
            self.assertIn("MajorNum.MinorNum", str(error))

    def test_string_with_minor_argument_rejected(self) -> None:
        self.assertRaises(TypeError, APIVersion, "2.1", 3)

    def test_negative_numbers_rejected(self) -> None:
        self.assertRaises(exceptions.ValidationError, APIVersion, 2, -1)
        self.assertRaises(exceptions.ValidationError, APIVersion, -2, 1)

    def test_matches_is_inclusive(self) -> None:
        low, high = APIVersion("2.1"), APIVersion("2.104")
        self.assertTrue(APIVersion("2.1").matches(low, high))
        self.assertTrue(APIVersion("2.104").matches(low, high))
        self.assertFalse(APIVersion("2.105").matches(low, high))
        self.assertFalse(APIVersion("2.0").matches(low, high))


class TestVersionConstants(testtools.TestCase):
    def test_max_version_consistency(self) -> None:
        # Nova 34.0.0 (2026.1) is the newest Nova this library knows.
        self.assertEqual(APIVersion("2.104"), api_versions.MAX_VERSION)
        self.assertEqual(APIVersion("2.1"), api_versions.MIN_VERSION)
        self.assertEqual(
            api_versions.MAX_VERSION,
            api_versions.parse_requested("2.104"),
        )

    def test_versions_beyond_max_refused(self) -> None:
        for text in ("2.105", "3.0", "2.200", "1.1", "2.0"):
            error = self.assertRaises(
                exceptions.UnsupportedVersion,
                api_versions.parse_requested,
                text,
            )
            self.assertIn(text, str(error))
            self.assertIn("2.1 to 2.104", str(error))

    def test_malformed_requested_versions_refused(self) -> None:
        for text in ("2.x", "", "  ", "latest2", "2.0.1", "auto-ish"):
            self.assertRaises(
                exceptions.ValidationError,
                api_versions.parse_requested,
                text,
            )

    def test_non_string_requested_version_refused(self) -> None:
        for value in (2.65, 2, b"2.65", ["2.65"]):
            self.assertRaises(
                exceptions.ValidationError,
                api_versions.parse_requested,
                value,  # type: ignore[arg-type]
            )

    def test_negotiating_spellings(self) -> None:
        for text in ("auto", "latest", "2", "2.latest", " AUTO ", "2.LATEST"):
            self.assertIsNone(api_versions.parse_requested(text), text)
        self.assertIsNone(api_versions.parse_requested(None))

    def test_pins(self) -> None:
        self.assertEqual(
            APIVersion("2.65"), api_versions.parse_requested("2.65")
        )
        self.assertEqual(
            APIVersion("2.24"),
            api_versions.parse_requested(APIVersion(2, 24)),
        )
        self.assertRaises(
            exceptions.UnsupportedVersion,
            api_versions.parse_requested,
            APIVersion(2, 105),
        )


class TestNegotiate(testtools.TestCase):
    def test_newer_server_capped_at_client_max(self) -> None:
        self.assertEqual(
            APIVersion("2.104"),
            api_versions.negotiate(APIVersion("2.1"), APIVersion("2.200")),
        )

    def test_older_server_max_used(self) -> None:
        self.assertEqual(
            APIVersion("2.60"),
            api_versions.negotiate(APIVersion("2.1"), APIVersion("2.60")),
        )

    def test_equal_ranges(self) -> None:
        self.assertEqual(
            APIVersion("2.104"),
            api_versions.negotiate(APIVersion("2.1"), APIVersion("2.104")),
        )

    def test_disjoint_ranges_refused(self) -> None:
        error = self.assertRaises(
            exceptions.UnsupportedVersion,
            api_versions.negotiate,
            APIVersion("2.105"),
            APIVersion("2.110"),
        )
        self.assertIn("2.105 to 2.110", str(error))
        self.assertIn("2.1 and 2.104", str(error))
        self.assertRaises(
            exceptions.UnsupportedVersion,
            api_versions.negotiate,
            APIVersion("1.0"),
            APIVersion("1.9"),
        )


class TestVersionProperties(testtools.TestCase):
    @given(majors, minors)
    def test_string_round_trip(self, major: int, minor: int) -> None:
        version = APIVersion(f"{major}.{minor}")
        self.assertEqual((major, minor), version.as_tuple())
        self.assertEqual(version, APIVersion(str(version)))
        self.assertEqual(version, APIVersion(major, minor))

    @given(majors, minors, majors, minors)
    def test_order_is_tuple_order(
        self, a_major: int, a_minor: int, b_major: int, b_minor: int
    ) -> None:
        a, b = APIVersion(a_major, a_minor), APIVersion(b_major, b_minor)
        self.assertEqual((a_major, a_minor) < (b_major, b_minor), a < b)
        self.assertEqual((a_major, a_minor) == (b_major, b_minor), a == b)
        self.assertEqual((a_major, a_minor) >= (b_major, b_minor), a >= b)

    @given(st.text(max_size=12))
    def test_any_text_parses_or_raises_validation_error(
        self, text: str
    ) -> None:
        try:
            version = APIVersion(text)
        except exceptions.ValidationError:
            return
        self.assertEqual(text.strip(), str(version))

    @given(st.text(max_size=12))
    def test_requested_is_none_pinned_or_typed_error(self, text: str) -> None:
        try:
            result = api_versions.parse_requested(text)
        except (exceptions.ValidationError, exceptions.UnsupportedVersion):
            return
        if result is not None:
            self.assertTrue(
                result.matches(
                    api_versions.MIN_VERSION, api_versions.MAX_VERSION
                )
            )

    @given(
        st.integers(min_value=1, max_value=300),
        st.integers(min_value=1, max_value=300),
    )
    def test_negotiated_is_within_both_ranges(self, a: int, b: int) -> None:
        low, high = APIVersion(2, min(a, b)), APIVersion(2, max(a, b))
        try:
            chosen = api_versions.negotiate(low, high)
        except exceptions.UnsupportedVersion:
            self.assertGreater(low, api_versions.MAX_VERSION)
            return
        self.assertTrue(chosen.matches(low, high))
        self.assertTrue(
            chosen.matches(api_versions.MIN_VERSION, api_versions.MAX_VERSION)
        )
        self.assertEqual(min(high, api_versions.MAX_VERSION), chosen)
