"""Headless Chromium driven over the DevTools protocol on a pipe
(--remote-debugging-pipe: JSON messages ended by NUL on fds 3 and 4), with
nothing but the standard library: open a page, run script in it, click where
a person would (mouse events at a point), take a screenshot.

    with Browser() as b:
        b.open("http://127.0.0.1:8080/")
        b.wait("document.title.startsWith('nslab')")
        b.click(120, 200)
        b.screenshot(Path("page.png"))
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

CHROMIUM = next((p for p in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(p)), None)


class BrowserError(Exception):
    pass


class Browser:
    def __init__(self, width: int = 1400, height: int = 900, args: str = "") -> None:
        assert CHROMIUM is not None, "no Chromium (apt-get install chromium)"
        self.profile = tempfile.mkdtemp(prefix="nslab-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        cmd = (f"exec {CHROMIUM} --headless=new --no-sandbox --disable-gpu "
               "--disable-dev-shm-usage --no-first-run --no-default-browser-check "
               "--disable-extensions --disable-background-networking "
               f"--remote-debugging-pipe --user-data-dir={self.profile} "
               f"--window-size={width},{height} {args} about:blank "
               f"3<&{to_browser_r} 4>&{from_browser_w}")
        self.proc = subprocess.Popen(["bash", "-c", cmd], pass_fds=(to_browser_r,
                                                                   from_browser_w),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.next_id = 0
        self.replies: dict[int, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target,
                                 flatten=True)["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Runtime.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width,
                  height=height, deviceScaleFactor=1, mobile=False)

    def _read(self) -> None:
        buf = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self.cond:
                    self.cond.notify_all()
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                with self.cond:
                    if "id" in msg:
                        self.replies[msg["id"]] = msg
                    else:
                        self.events.append(msg)
                    self.cond.notify_all()

    def call(self, method: str, session: bool = False, timeout: float = 30,
             **params: Any) -> dict[str, Any]:
        self.next_id += 1
        mid = self.next_id
        msg: dict[str, Any] = {"id": mid, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self.cond:
            while mid not in self.replies:
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise BrowserError(f"{method}: no answer from Chromium")
                self.cond.wait(left)
            reply = self.replies.pop(mid)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error']}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    # ------------------------------------------------------------ the page
    def open(self, url: str) -> None:
        self.call("Page.navigate", session=True, url=url)

    def js(self, expression: str) -> Any:
        """The value of `expression` in the page (a promise is awaited)."""
        r = self.call("Runtime.evaluate", session=True, expression=expression,
                      awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in r:
            raise BrowserError(f"{expression}: {r['exceptionDetails'].get('text')} "
                               f"{r['exceptionDetails'].get('exception', {}).get('description')}")
        return r.get("result", {}).get("value")

    def wait(self, expression: str, timeout: float = 10.0) -> float:
        """Seconds until `expression` is true in the page (BrowserError after `timeout`)."""
        t0 = time.monotonic()
        while True:
            try:
                if self.js(expression):
                    return time.monotonic() - t0
            except BrowserError:
                pass
            if time.monotonic() - t0 > timeout:
                raise BrowserError(f"not true after {timeout} s: {expression}")
            time.sleep(0.05)

    def click(self, x: float, y: float) -> None:
        """A left click at (x, y) of the viewport, as a mouse makes it."""
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", session=True, type=kind, x=x, y=y,
                      button="left" if kind != "mouseMoved" else "none", clickCount=1)

    def click_selector(self, selector: str) -> None:
        box = self.js(f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
                      ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2];"
                      " })()")
        self.click(box[0], box[1])

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        with contextlib.suppress(BrowserError):
            self.call("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
