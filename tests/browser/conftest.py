"""Browser-test fixtures: a headless JupyterLab server and a Chromium page driven by Playwright.

* ``lab_server`` (module scope): ``jupyter lab`` from this Python's environment on a free port with
  a fixed token, its config/data/runtime/IPython dirs in a temporary directory (so the developer's
  own settings and extensions play no part; the environment's data dir still provides the python3
  kernel and the ipywidgets lab extension), serving a temporary copy of ``widgets.ipynb``.
* ``lab_page`` (module scope): Chromium (``/usr/bin/chromium``, or ``$COURSE_CHROMIUM``) with the
  notebook open, all its cells run and the kernel back to Idle.

Both skip, with the command that adds the missing piece, when Chromium or the ``playwright``
package is missing (``COURSE_CHROMIUM=/nonexistent`` shows the skip). Teardown always stops the
browser, the kernels and the server, also after a failure. Playwright never downloads a browser
here: it drives the system Chromium.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE / "widgets.ipynb"
ARTIFACTS = HERE / "artifacts"
TOKEN = "autograd-course-browser-test"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
TIMEOUT_MS = 60_000  # every wait in the page: generous, the machine may be slow and busy
SERVER_START_S = 120

# JupyterLab settings written into the isolated config dir
PAGE_CONFIG = {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}
# every cell stays in the DOM (no virtual scrolling), so widgets far down can be found
USER_SETTINGS = {"@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
                 {"windowingMode": "none"}}


def chromium_path() -> str:
    """The browser to drive: ``$COURSE_CHROMIUM`` (a missing path shows the skip) or Debian's."""
    return os.environ.get("COURSE_CHROMIUM") or "/usr/bin/chromium"


def _require_browser() -> None:
    """Skip (one sentence naming the fix) unless Chromium and playwright are both there."""
    chromium = chromium_path()
    if not (os.path.isfile(chromium) and os.access(chromium, os.X_OK)):
        pytest.skip(f"Chromium not found at {chromium}: add it with `sudo apt-get install -y "
                    f"chromium` (or `make sysdeps` as root).")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("the playwright package is missing: add it with "
                    "`.venv/bin/pip install -e '.[dev]'`.")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _jupyter_lab_cmd() -> list[str]:
    jupyter = Path(sys.executable).with_name("jupyter")  # the venv's own, like `.venv/bin/jupyter`
    return [str(jupyter), "lab"] if jupyter.exists() else [sys.executable, "-m", "jupyterlab"]


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1))


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (the kernels run in sessions of their own, not in our group)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # the field after the ")" of the command name: state, then the parent pid
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@dataclass
class LabServer:
    url: str  # http://127.0.0.1:PORT
    token: str
    notebook: str  # path of the test notebook relative to the server root
    root: Path
    log: Path
    proc: subprocess.Popen

    def api(self, path: str, method: str = "GET") -> Any:
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no server log)"

    def stop(self) -> None:
        """Shut the kernels down through the API, then the server (TERM, then KILL)."""
        if self.proc.poll() is None:
            try:
                for k in self.api("/api/kernels"):
                    self.api(f"/api/kernels/{k['id']}", method="DELETE")
            except (OSError, urllib.error.URLError, ValueError):
                pass  # the server is unhealthy: the signals below still end it
        kids = _children(self.proc.pid) if self.proc.poll() is None else []
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            if self.proc.poll() is not None:
                break
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(wait)
            except subprocess.TimeoutExpired:
                continue
        for pid in kids:  # a kernel that outlived the server
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    _require_browser()
    base = tmp_path_factory.mktemp("lab")
    root, config, data, runtime = (base / d for d in ("root", "config", "data", "runtime"))
    for d in (root, config, data, runtime):
        d.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    _write_json(config / "labconfig" / "page_config.json", PAGE_CONFIG)
    for rel, settings in USER_SETTINGS.items():
        _write_json(config / "lab" / "user-settings" / rel, settings)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config), JUPYTER_DATA_DIR=str(data),
               JUPYTER_RUNTIME_DIR=str(runtime), IPYTHONDIR=str(base / "ipython"),
               # the environment's share/jupyter: the python3 kernel, the widgets extension
               JUPYTER_PATH=os.pathsep.join(
                   p for p in (os.path.join(sys.prefix, "share", "jupyter"),
                               os.environ.get("JUPYTER_PATH", "")) if p),
               MPLBACKEND="agg", PYTHONUNBUFFERED="1")
    port = _free_port()
    cmd = _jupyter_lab_cmd() + [
        "--no-browser", f"--port={port}", "--ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
        "--ServerApp.password=", f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = base / "server.log"
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log_file,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    server = LabServer(f"http://127.0.0.1:{port}", TOKEN, NOTEBOOK.name, root, log, proc)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{server.log_tail()}")
            try:
                server.api("/api/status")
                break
            except (OSError, urllib.error.URLError, ValueError):
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not answer within {SERVER_START_S} s:\n"
                                f"{server.log_tail()}")
                time.sleep(0.5)
        yield server
    finally:
        server.stop()


class KernelTraffic:
    """The widget messages the kernel sends to the page, read off the page's websockets.

    Why: JupyterLab 4.6 with ipykernel 7.4 may handle a slider's ``update`` after a button
    ``click`` sent just after it (the click's handler then still sees the old value; seen here
    with the dashboard's epochs slider). A test that moves a slider and then presses a button
    first waits for the kernel's ``echo_update`` of the new value: the kernel has it then.
    """

    def __init__(self) -> None:
        self.echoes: list[dict] = []  # the ``state`` of every echo_update, in arrival order

    def attach(self, ws: Any) -> None:
        ws.on("framereceived", self._received)

    def _received(self, payload: str | bytes) -> None:
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
        if "echo_update" not in text:
            return
        for m in re.finditer(r'"echo_update"\s*,\s*"state"\s*:\s*(\{[^{}]*\})', text):
            with contextlib.suppress(ValueError):
                self.echoes.append(json.loads(m.group(1)))

    def wait_for_echo(self, page: Any, state: dict, timeout_ms: int = TIMEOUT_MS) -> None:
        """Poll (the page's event loop keeps running) until the kernel echoed ``state``."""
        deadline = time.monotonic() + timeout_ms / 1000
        while not any(state.items() <= e.items() for e in self.echoes):
            assert time.monotonic() < deadline, (
                f"the kernel never confirmed {state}; its echoes: {self.echoes[-5:]}")
            page.wait_for_timeout(50)


@pytest.fixture(scope="module")
def kernel_traffic() -> KernelTraffic:
    return KernelTraffic()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Remember failures on the module, so that the page fixture saves the server log."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        item.module.__dict__.setdefault("_browser_failures", []).append(item.name)


@pytest.fixture(scope="module")
def lab_page(lab_server: LabServer, kernel_traffic: KernelTraffic,
             request: pytest.FixtureRequest) -> Iterator[Any]:
    """A Chromium page on the test notebook, every cell run, the kernel Idle."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "server.log").unlink(missing_ok=True)  # only a failure of this run leaves one
    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS,
                                     headless=True, timeout=TIMEOUT_MS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            page.on("websocket", kernel_traffic.attach)
            failed = True
            try:
                open_and_run_all(page, lab_server)
                failed = False
                yield page
            finally:  # the whole page as the tests left it; the server log after a failure
                with contextlib.suppress(Exception):  # never hide the error being raised
                    page.screenshot(path=str(ARTIFACTS / "notebook.png"))
                if failed or request.module.__dict__.get("_browser_failures"):
                    (ARTIFACTS / "server.log").write_text(lab_server.log_tail(200))
        finally:
            browser.close()
    finally:
        pw.stop()


def open_and_run_all(page: Any, server: LabServer) -> None:
    """Open the notebook, wait for its kernel, run all cells and wait until they have run."""
    from playwright.sync_api import expect

    page.goto(f"{server.url}/lab/tree/{server.notebook}?token={server.token}")
    panel = page.locator(".jp-NotebookPanel")
    expect(panel.locator(".jp-Cell").first).to_be_visible()
    status = page.locator("#jp-main-statusbar")
    expect(status).to_contain_text("Idle")
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    # every code cell gets an execution count ("[3]:"; "[*]:" while queued or running)
    prompts = panel.locator(".jp-CodeCell .jp-InputPrompt")
    n_code = prompts.count()
    assert n_code > 0, "the test notebook has no code cells"
    for i in range(n_code):
        expect(prompts.nth(i)).to_have_text(re.compile(r"\[\d+\]:"))
    expect(status).to_contain_text("Idle")
    errors = panel.locator('[data-mime-type="application/vnd.jupyter.stderr"]')
    assert errors.count() == 0, "a cell wrote to stderr or raised:\n" + "\n".join(
        errors.all_inner_texts())
