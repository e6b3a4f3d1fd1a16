"""The pytest plugin, run with pytester in fresh projects."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import MINIMAL


def test_plugin_two_line_test_passes(pytester: pytest.Pytester) -> None:
    """A project with only the package installed: a two-line test using coherta_mock passes."""
    pytester.makepyfile(
        """
        def test_health(coherta_mock):
            import urllib.request; assert urllib.request.urlopen(coherta_mock.url + "/__mock/health").status == 200
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_plugin_resets_between_tests_on_one_server(pytester: pytest.Pytester) -> None:
    """Stubs, clock and journal set in one test are gone in the next; the server is the same."""
    pytester.makepyfile(
        """
        import requests

        SEEN = []

        def test_a(coherta_mock):
            SEEN.append(coherta_mock.url)
            coherta_mock.stub("status.get", status=500)
            coherta_mock.advance_clock(10_000)
            assert requests.get(coherta_mock.url + "/status").status_code == 500

        def test_b(coherta_mock):
            assert SEEN == [coherta_mock.url]
            assert coherta_mock.requests == []
            assert requests.get(coherta_mock.url + "/status").status_code == 200
            token = coherta_mock.token()
            me = requests.get(coherta_mock.url + "/users/me", headers={"Authorization": "Bearer " + token})
            assert me.status_code == 200
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_plugin_stub_overrides_then_expires(pytester: pytest.Pytester) -> None:
    """A stub with times=1 answers once; the fixture answers after."""
    pytester.makepyfile(
        """
        import requests

        def test_stub(coherta_mock):
            coherta_mock.stub("status.get", status=503, body={"error": "down", "error_description": "x"}, times=1)
            first = requests.get(coherta_mock.url + "/status")
            second = requests.get(coherta_mock.url + "/status")
            assert (first.status_code, first.json()["error"]) == (503, "down")
            assert second.status_code == 200
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_plugin_assert_called_failure_names_near_miss(pytester: pytest.Pytester) -> None:
    """A failing assert_called shows what arrived and the near miss."""
    pytester.makepyfile(
        """
        import requests

        def test_typo(coherta_mock):
            requests.get(coherta_mock.url + "/user/me", headers=coherta_mock.auth_headers())
            coherta_mock.assert_called("GET", "/users/me")
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*expected GET /users/me to be called 1 time, but it was called 0 times.",
            "*Requests received (1):",
            "*GET /user/me -> 404 (no endpoint)",
            "*Near misses:",
            "*GET /user/me",
        ]
    )


def test_plugin_assert_called_counts_and_templates(pytester: pytest.Pytester) -> None:
    """times counts calls; a route template matches concrete paths; assert_not_called fails."""
    pytester.makepyfile(
        """
        import pytest
        import requests

        def test_counts(coherta_mock):
            h = coherta_mock.auth_headers()
            for pid in ("prj_a", "prj_b"):
                requests.get(coherta_mock.url + "/projects/" + pid, headers=h)
            coherta_mock.assert_called("GET", "/projects/{project_id}", times=2)
            coherta_mock.assert_called("GET", "/projects/prj_a")
            coherta_mock.assert_not_called("DELETE", "/projects/prj_a")
            with pytest.raises(AssertionError, match="not to be called, but it was called 1 time"):
                coherta_mock.assert_not_called("GET", "/projects/prj_b")
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_plugin_fixtures_option_and_ini(pytester: pytest.Pytester) -> None:
    """--coherta-fixtures and the coherta_fixtures ini option pick the fixture directory."""
    shutil.copytree(MINIMAL, pytester.path / "mockdata")
    pytester.makepyfile(
        """
        import requests

        def test_minimal(coherta_mock):
            assert requests.get(coherta_mock.url + "/ping").json() == {"pong": True}
        """
    )
    pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--coherta-fixtures", "mockdata"
    ).assert_outcomes(passed=1)
    pytester.makeini("[pytest]\ncoherta_fixtures = mockdata\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_plugin_marker_applies_stub_after_reset(pytester: pytest.Pytester) -> None:
    """@pytest.mark.coherta_stub stubs for that test only."""
    pytester.makepyfile(
        """
        import pytest
        import requests

        @pytest.mark.coherta_stub("status.get", status=418)
        def test_marked(coherta_mock):
            assert requests.get(coherta_mock.url + "/status").status_code == 418

        def test_unmarked(coherta_mock):
            assert requests.get(coherta_mock.url + "/status").status_code == 200
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "--strict-markers").assert_outcomes(
        passed=2
    )


def test_plugin_bad_fixtures_fail_with_located_error(pytester: pytest.Pytester) -> None:
    """Broken fixtures make the fixture error out with file:line:col, not a bare traceback."""
    root = pytester.path / "broken"
    shutil.copytree(MINIMAL, root)
    (root / "x.yaml").write_text("format: 7\n")
    pytester.makepyfile("def test_x(coherta_mock):\n    pass\n")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--coherta-fixtures", str(root)
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*{root}/x.yaml:1:9: format: expected 1, found an integer 7*"])
