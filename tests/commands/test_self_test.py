"""``nnstudio self-test`` from the dev install, under an offline audit: no connection may leave the machine.

The self-test runs in a subprocess whose first act is ``sys.addaudithook``: every ``socket.connect``
(also ``connect_ex``), ``sendto`` and ``getaddrinfo`` aimed at anything but loopback is appended to a log,
which must stay empty. Local IPC (AF_UNIX sockets: D-Bus, X11) is not network traffic and is allowed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from repo_paths import ROOT

AUDIT_HOOK = r'''
import ipaddress, json, os, sys

_AUDIT_LOG = os.environ["NNSTUDIO_AUDIT_LOG"]
_AUDITED = {"socket.connect", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo"}


def _is_external(address):
    """True for an IP address or host name off this machine; AF_UNIX paths and loopback are local."""
    if isinstance(address, (str, bytes)) or address is None:
        return False
    host = address[0] if isinstance(address, tuple) and address else address
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str) or host in ("", "localhost") or host.endswith(".localhost"):
        return False
    try:
        return not ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return True  # any other host name means a DNS lookup: the network


def _audit(event, args):
    if event not in _AUDITED:
        return
    address = args[0:2] if event == "socket.getaddrinfo" else (args[1] if len(args) > 1 else None)
    if _is_external(address):
        with open(_AUDIT_LOG, "a", encoding="utf-8") as log:
            log.write(json.dumps({"event": event, "address": repr(address)}) + "\n")


sys.addaudithook(_audit)
'''

RUN_SELF_TEST = AUDIT_HOOK + r'''
from nnstudio.__main__ import main
raise SystemExit(main(["self-test", "--timeout", "120"]))
'''


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NNSTUDIO_")}
    env.update(QT_QPA_PLATFORM="offscreen", NNSTUDIO_AUDIT_LOG=str(tmp_path / "audit.jsonl"), HOME=str(tmp_path), **extra)
    return env


@pytest.mark.slow
def test_self_test_passes_offline(tmp_path):
    (tmp_path / "audit.jsonl").write_text("")
    proc = subprocess.run(
        [sys.executable, "-c", RUN_SELF_TEST], cwd=tmp_path, env=_env(tmp_path),
        capture_output=True, text=True, timeout=240,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    for check in ("resources", "main window", "default project", "train one epoch", "attribution", "save and reopen"):
        assert f"ok    {check}" in proc.stdout, out
    assert "self-test passed: 6 checks" in proc.stdout
    attempts = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert attempts == [], f"network access during the self-test: {attempts}"


def test_self_test_names_the_failing_check(tmp_path):
    env = _env(tmp_path, NNSTUDIO_RESOURCES=str(tmp_path / "nowhere"))
    proc = subprocess.run(
        [sys.executable, "-m", "nnstudio", "self-test"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 1
    assert "FAIL  resources" in proc.stdout
    assert "self-test FAILED at check 'resources'" in proc.stderr
    assert str(tmp_path / "nowhere") in proc.stderr  # says where it looked


def test_audit_hook_tells_loopback_from_the_network(tmp_path, monkeypatch):
    # The hook's classifier, exercised directly: no real connection is attempted here.
    monkeypatch.setenv("NNSTUDIO_AUDIT_LOG", str(tmp_path / "log"))
    namespace: dict = {}
    exec(AUDIT_HOOK.replace("sys.addaudithook(_audit)", ""), namespace)
    external = namespace["_is_external"]
    for local in [("127.0.0.1", 80), ("::1", 80, 0, 0), ("localhost", 8080), "/run/dbus/system_bus_socket", b"\0x11", ("127.8.9.1", 1)]:
        assert not external(local), local
    for remote in [("192.0.2.10", 443), ("2001:db8::1", 443, 0, 0), ("pypi.org", 443), ("10.0.0.1", 22)]:
        assert external(remote), remote
    namespace["_audit"]("socket.connect", (None, ("192.0.2.10", 443)))
    namespace["_audit"]("socket.connect", (None, ("127.0.0.1", 443)))
    namespace["_audit"]("socket.getaddrinfo", ("example.org", 80, 0, 0, 0))
    logged = [json.loads(line)["event"] for line in (tmp_path / "log").read_text().splitlines()]
    assert logged == ["socket.connect", "socket.getaddrinfo"]


def test_cli_stays_qt_free_with_self_test_registered():
    code = "import sys, nnstudio.cli as c; c.make_parser(); print(sorted(m for m in sys.modules if m.startswith('PySide6')))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
