"""The operator's `garrison` command: serve, worker, createuser and the dashed names."""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from garrison.core.models import AuditEvent, OrgUnit, Person, RoleAssignment

GARRISON = [sys.executable, "-m", "garrison.cli"]
STRONG_PASSWORD = "Violet-Harbour-1987"


def environment(data_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "GARRISON_TEST_DATABASE_NAME", "GARRISON_FILES_DIR"}
    }
    env.update({"DJANGO_SETTINGS_MODULE": "garrison.settings", "GARRISON_DATA_DIR": str(data_dir)})
    return env


@pytest.fixture(scope="module")
def migrated_install(tmp_path_factory: Any) -> Path:
    data_dir = tmp_path_factory.mktemp("install")
    subprocess.run(  # noqa: S603
        [*GARRISON, "migrate", "--no-input", "-v", "0"], env=environment(data_dir), check=True, timeout=300
    )
    return data_dir


@pytest.fixture
def install(migrated_install: Path, tmp_path: Path) -> Path:
    data_dir = tmp_path / "install"
    shutil.copytree(migrated_install, data_dir)
    return data_dir


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local test server
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_until_serving(url: str, process: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            fetch(url)
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"nothing answered on {url}")


def stop(process: subprocess.Popen[str], sig: int = signal.SIGTERM) -> tuple[int, str]:
    process.send_signal(sig)
    output, _ = process.communicate(timeout=60)
    return process.returncode, output


def test_serve_answers_pages_and_static_files_and_stops_with_its_worker(install: Path) -> None:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [*GARRISON, "serve", "--port", str(port), "--workers", "1", "--with-worker"],
        env=environment(install),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    # Read the output as it comes, to know when the worker has announced itself: a worker
    # stopped while it is still starting up never prints its line.
    lines: list[str] = []
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    try:
        wait_until_serving(f"{base}/login/", process)
        page_status, page = fetch(f"{base}/login/")
        css_status, css = fetch(f"{base}/static/bootstrap/css/bootstrap.min.css")
        deadline = time.monotonic() + 60
        while not any("garrison worker: " in line for line in lines) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        reader.join(timeout=10)
        code, output = process.returncode, "".join(lines)
    assert (page_status, css_status) == (200, 200), output
    assert b"<form" in page
    assert b"Bootstrap" in css[:500]
    assert (install / "huey.sqlite3").exists(), output
    assert code == 0, output
    assert f"Garrison is serving on http://127.0.0.1:{port}/" in output
    assert "garrison worker: " in output
    with pytest.raises(urllib.error.URLError, match="refused"):  # nothing is left listening
        fetch(f"{base}/login/")


def test_serve_stops_on_ctrl_c(install: Path) -> None:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [*GARRISON, "serve", "--port", str(port), "--workers", "1"],
        env=environment(install),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/login/", process)
    finally:
        code, output = stop(process, signal.SIGINT)
    assert code == 0, output


def test_serve_refuses_a_port_out_of_range() -> None:
    with pytest.raises(CommandError, match="--port must be between 1 and 65535"):
        call_command("serve", port=70000)


def test_the_worker_runs_the_consumer_until_told_to_stop(install: Path) -> None:
    process = subprocess.Popen(  # noqa: S603
        [*GARRISON, "worker", "--workers", "1"],
        env=environment(install),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    seen = []
    try:
        for line in process.stdout:
            seen.append(line)
            if "Huey consumer started" in line:
                break
        # Huey installs its signal handlers just after announcing itself.
        time.sleep(1)
        assert process.poll() is None, "".join(seen)
    finally:
        code, output = stop(process)
    assert code == 0, output
    assert "Received SIGTERM" in output
    assert "Consumer exiting" in output
    assert "garrison worker: 1 thread worker(s) on SqliteHuey 'garrison'" in "".join(seen)


def test_dashed_commands_reach_their_management_command(install: Path) -> None:
    result = subprocess.run(  # noqa: S603
        [*GARRISON, "audit-trail", "verify"],
        env=environment(install),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "audit trail intact: 0 events"


# createuser


def create_user(*args: str, password: str = STRONG_PASSWORD, monkeypatch: Any) -> str:
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    out = io.StringIO()
    call_command("createuser", *args, "--password-stdin", stdout=out)
    return out.getvalue()


def test_createuser_adds_a_person_with_roles_and_an_audited_trail(
    organisation: Any, monkeypatch: Any
) -> None:
    before = AuditEvent.objects.count()
    output = create_user(
        "--username",
        "wang.fang",
        "--full-name",
        "Wang Fang",
        "--unit",
        "bj",
        "--email",
        "wang.fang@example.com",
        "--role",
        "auditor",
        "--role-unit",
        "group",
        "--role",
        "security_officer",
        monkeypatch=monkeypatch,
    )
    person = Person.objects.get(username="wang.fang")
    assert (person.full_name, person.email, person.unit.code) == ("Wang Fang", "wang.fang@example.com", "bj")
    assert person.check_password(STRONG_PASSWORD)
    assert not person.is_superuser
    grants = set(RoleAssignment.objects.filter(person=person).values_list("role", "unit__code"))
    assert grants == {("auditor", "group"), ("security_officer", "bj")}
    assert "created wang.fang (Wang Fang) in Beijing site" in output
    assert AuditEvent.objects.count() == before + 3


def test_createuser_asks_for_the_password_twice(organisation: Any, monkeypatch: Any) -> None:
    answers = iter([STRONG_PASSWORD, STRONG_PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command(
        "createuser",
        "--username",
        "zhao",
        "--full-name",
        "Zhao Lei",
        "--unit",
        "sh",
        "--superuser",
        stdout=io.StringIO(),
    )
    person = Person.objects.get(username="zhao")
    assert person.check_password(STRONG_PASSWORD)
    assert person.is_superuser


def test_createuser_refuses_two_different_passwords(organisation: Any, monkeypatch: Any) -> None:
    answers = iter([STRONG_PASSWORD, STRONG_PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="the two passwords differ"):
        call_command("createuser", "--username", "zhao", "--full-name", "Zhao Lei", "--unit", "sh")
    assert not Person.objects.filter(username="zhao").exists()


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["--unit", "nowhere"], STRONG_PASSWORD, "no organisation unit has the code 'nowhere'"),
        (["--unit", "bj", "--role", "auditor", "--role-unit", "nowhere"], STRONG_PASSWORD, "'nowhere'"),
        (["--unit", "bj", "--role", "emperor"], STRONG_PASSWORD, "invalid choice: 'emperor'"),
        (["--unit", "bj"], "short", "too short"),
        (["--unit", "bj"], "password123", "too common"),
        (["--unit", "bj", "--create-unit", "Another Group"], STRONG_PASSWORD, "units exist already"),
        (["--unit", "bj", "--role-unit", "bj"], STRONG_PASSWORD, "more --role-unit than --role"),
    ],
)
def test_createuser_explains_what_is_wrong_and_creates_nothing(
    organisation: Any, monkeypatch: Any, args: list[str], password: str, message: str
) -> None:
    before = (Person.objects.count(), OrgUnit.objects.count(), AuditEvent.objects.count())
    with pytest.raises(CommandError, match=message):
        create_user(
            "--username",
            "newcomer",
            "--full-name",
            "New Comer",
            *args,
            password=password,
            monkeypatch=monkeypatch,
        )
    assert (Person.objects.count(), OrgUnit.objects.count(), AuditEvent.objects.count()) == before


def test_createuser_refuses_an_existing_username_whatever_its_case(owner: Any, monkeypatch: Any) -> None:
    with pytest.raises(CommandError, match="'OWNER' already exists"):
        create_user("--username", "OWNER", "--full-name", "Impostor", "--unit", "bj", monkeypatch=monkeypatch)
    assert Person.objects.filter(username__iexact="owner").count() == 1


def test_createuser_creates_the_first_unit_of_an_empty_organisation(db: Any, monkeypatch: Any) -> None:
    create_user(
        "--username",
        "admin",
        "--full-name",
        "First Admin",
        "--unit",
        "example",
        "--create-unit",
        "Example Cloud",
        "--role",
        "administrator",
        monkeypatch=monkeypatch,
    )
    root = OrgUnit.objects.get()
    assert (root.code, root.name, root.kind, root.parent_id) == ("example", "Example Cloud", "company", None)
    admin = Person.objects.get(username="admin")
    assert admin.unit == root
    assert list(RoleAssignment.objects.values_list("role", "unit__code")) == [("administrator", "example")]
