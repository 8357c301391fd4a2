"""The pipeline must work in air-gapped networks: nothing may open a network socket during a whole run."""

import socket

import pytest

from pipeline.config import Settings
from pipeline.ocr import base as ocr_base
from pipeline.run import Pipeline

from tests.conftest import DEMO


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise NetworkUsed(f"network access attempted: {args!r}")

    real_socket = socket.socket

    class GuardedSocket(real_socket):
        def connect(self, address):
            if self.family in (socket.AF_INET, socket.AF_INET6):
                refuse(address)
            return super().connect(address)

        def connect_ex(self, address):
            if self.family in (socket.AF_INET, socket.AF_INET6):
                refuse(address)
            return super().connect_ex(address)

    monkeypatch.setattr(socket, "socket", GuardedSocket)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts


def test_the_guard_itself_catches_a_connection(no_network):
    with pytest.raises(NetworkUsed):
        socket.create_connection(("127.0.0.1", 9))
    with pytest.raises(NetworkUsed):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(("127.0.0.1", 9))


def test_a_whole_analyze_run_opens_no_socket(no_network, monkeypatch):
    # Build the engine inside the guard: model loading is where downloads usually hide.
    monkeypatch.setattr(ocr_base, "_engines", {})
    report = Pipeline(Settings()).analyze([DEMO])
    assert no_network == []
    assert report.errors == ()
    assert sum(len(p.lines) for d in report.submission.documents for p in d.pages) > 20
