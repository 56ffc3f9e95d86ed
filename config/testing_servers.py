"""Real servers that fault tests start, kill and bring back on ports of their own.

- ``RedisServer``: a ``redis-server`` process on a free port, stopped by its PID. With
  ``persist`` it writes an append-only file (fsync on every write) in its own folder, as the
  app-state Redis of a deployment does, so a ``kill()`` and ``start()`` is a crash and a
  restart that keep the data.
- ``TcpCut``: a TCP forwarder in front of a real server (PostgreSQL) that a test can cut and
  mend: cutting closes every open connection and refuses new ones, exactly what the shop
  sees when the database host goes away.

- ``rabbitmq_vhost(name)``: a vhost of the machine's RabbitMQ for one run, made and deleted
  with rabbitmqctl. ``RabbitServer``: a RabbitMQ node of the test's own (its own port, name,
  data and configuration, e.g. a short ``consumer_timeout``), stopped by its PID.
- ``ShopProcess``: a Celery worker or the flash-sale consumer as its own process.
- ``RedisCluster``: three ``redis-server --cluster-enabled yes`` on free ports joined into a
  cluster of three masters. ``python -m config.testing_servers cluster -- <command>`` runs a
  command with ``REDIS_STATE_URL`` on one (``make test`` runs the carts, flash-sale and
  rate-limit tests so), then stops it.

No mocks: the shop's own clients talk to these over the network.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


class RedisServer:
    def __init__(self, *, port: int | None = None, persist: bool = False, args: tuple = ()):
        self.port = port or free_port()
        self.persist = persist
        self.args = args
        self.folder = Path(tempfile.mkdtemp(prefix=f"redis-{self.port}-"))
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        durability = (
            ["--appendonly", "yes", "--appendfsync", "always"]
            if self.persist
            else ["--appendonly", "no"]
        )
        self.process = subprocess.Popen(  # noqa: S603 - our own redis-server
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--dir",
                str(self.folder),
                *durability,
                *self.args,
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_timeout=0.5).ping()
                return
            except redis.RedisError:  # starting, or loading its append-only file
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on {self.port} did not start")

    def kill(self) -> None:
        """SIGKILL, as a crash: no goodbye to the clients, no final write."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def pause(self) -> None:
        """SIGSTOP: the server holds its connections and answers nothing (a hung host)."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


class TcpCut:
    """127.0.0.1:<port> forwards to ``target``; ``cut()`` drops everything, ``mend()``
    listens again."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> TcpCut:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    mend = start

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:  # cut
                return
            if self._listener is not listener:  # accepted as it was being cut
                client.close()
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:  # wakes the thread blocked in accept(); close() alone would not on Linux
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    stop = cut


def _rabbitmqctl(*args: str) -> str:
    result = subprocess.run(  # noqa: S603 - rabbitmqctl with our own arguments
        [shutil.which("rabbitmqctl") or "rabbitmqctl", "-q", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {result.stderr or result.stdout}")
    return result.stdout


@contextmanager
def rabbitmq_vhost(name: str):
    """A fresh vhost ``name`` for guest on 127.0.0.1:5672; yields its amqp:// URL."""
    try:
        _rabbitmqctl("delete_vhost", name)
    except RuntimeError:
        pass  # not there: the usual case
    _rabbitmqctl("add_vhost", name)
    _rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    try:
        yield f"amqp://guest:guest@127.0.0.1:5672/{name}"
    finally:
        _rabbitmqctl("delete_vhost", name)


class RabbitServer:
    """``rabbitmq-server`` as a second node on free ports with its own rabbitmq.conf lines.
    The server drops to the ``rabbitmq`` user, so its folder is handed to that user."""

    def __init__(self, *, conf: dict[str, object], advanced: str = "[]."):
        self.port, self.dist_port = free_port(), free_port()
        self.name = f"kmtest{self.port}@localhost"
        self.folder = Path(tempfile.mkdtemp(prefix=f"rabbit-{self.port}-"))
        lines = [f"listeners.tcp.default = {self.port}", "loopback_users = none"]
        lines += [f"{key} = {value}" for key, value in conf.items()]
        (self.folder / "rabbitmq.conf").write_text("\n".join(lines) + "\n")
        (self.folder / "advanced.config").write_text(advanced + "\n")
        (self.folder / "plugins").write_text("[].\n")
        for sub in ("log", "mnesia"):
            (self.folder / sub).mkdir()
        shutil.chown(self.folder, "rabbitmq", "rabbitmq")
        for path in self.folder.iterdir():
            shutil.chown(path, "rabbitmq", "rabbitmq")

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def start(self) -> RabbitServer:
        import os

        env = {
            **os.environ,
            "HOME": "/var/lib/rabbitmq",
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.folder / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.folder / "rabbitmq"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.folder / "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "plugins"),
            "RABBITMQ_PID_FILE": str(self.folder / "mnesia" / "pid"),
        }
        self.process = subprocess.Popen(  # noqa: S603 - the machine's rabbitmq-server
            [shutil.which("rabbitmq-server") or "rabbitmq-server"], env=env,
            stdout=(self.folder / "out.log").open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for_port(self.port, timeout=60)
        return self

    def stop(self) -> None:
        import os

        pid_file = self.folder / "mnesia" / "pid"
        if pid_file.exists():
            try:
                os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)


ROOT = Path(__file__).resolve().parents[1]


class ShopProcess:
    """One of the shop's processes (a Celery worker, the flash-sale consumer) started as a
    deployment starts it, on the test database and the given environment, logging to
    ``log``; stopped by its PID."""

    def __init__(self, name: str, folder: Path, env: dict[str, str], *command: str):
        import os
        import sys

        from django.db import connection

        base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OTEL_"))}
        base.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
            CELERY_TASK_ALWAYS_EAGER="false",
            CONN_MAX_AGE="0",
        )
        base.update(env)
        self.log = folder / f"{name}.log"
        with self.log.open("w") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own command line
                [sys.executable, *command], cwd=ROOT, env=base, stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def signal(self, signum) -> None:
        self.process.send_signal(signum)

    def stop(self) -> None:
        if self.alive():
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


WORKER = ("-m", "celery", "-A", "config", "--quiet", "worker", "-Q", "seckill,payments,default",
          "--concurrency", "1", "-l", "info")  # fmt: skip


def _cluster_port() -> int:
    """A free port whose cluster bus port (10000 above) is free and exists too."""
    import random

    for _ in range(200):
        port = random.randint(20000, 50000)  # noqa: S311 - a port, not a secret
        try:
            for candidate in (port, port + 10000):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", candidate))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port pair for a cluster node")


class RedisCluster:
    def __init__(self, masters: int = 3):
        self.nodes = [
            RedisServer(
                port=_cluster_port(),
                args=("--cluster-enabled", "yes", "--cluster-node-timeout", "2000"),
            )
            for _ in range(masters)
        ]

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.nodes[0].port}"

    def start(self) -> RedisCluster:
        try:
            return self._start()
        except BaseException:
            self.stop()  # no node is left running when the cluster does not come up
            raise

    def _start(self) -> RedisCluster:
        import redis

        for node in self.nodes:
            node.start()
        subprocess.run(  # noqa: S603 - redis-cli joining our own servers
            [shutil.which("redis-cli") or "redis-cli", "--cluster", "create",
             *(f"127.0.0.1:{node.port}" for node in self.nodes),
             "--cluster-replicas", "0", "--cluster-yes"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            states = [
                redis.Redis(port=node.port, decode_responses=True).cluster("info")
                for node in self.nodes
            ]
            if all(state.get("cluster_state") == "ok" for state in states):
                return self
            time.sleep(0.2)
        raise RuntimeError("the cluster did not come up")

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def _main(argv: list[str]) -> int:
    import os
    import sys

    if len(argv) < 3 or argv[0] != "cluster" or argv[1] != "--":
        print("usage: python -m config.testing_servers cluster -- <command> [args...]")
        return 2
    cluster = RedisCluster().start()
    try:
        env = {**os.environ, "REDIS_STATE_URL": cluster.url}
        print(f"Redis Cluster of 3 masters at {cluster.url}", file=sys.stderr, flush=True)
        return subprocess.run(argv[2:], env=env).returncode  # noqa: S603 - the Makefile's
    finally:
        cluster.stop()


if __name__ == "__main__":
    import sys

    sys.exit(_main(sys.argv[1:]))
