#!/usr/bin/env python3
"""Fetch every evasion variant with a real headless browser and say what it got.

Usage:
    browsers.py chromium|firefox BASE_URL OUT.jsonl [--download] [NAME...]

BASE_URL is the evasion server (http://127.0.0.1); NAMEs default to every variant of
server.py. One JSON line per variant: {"name", "result": SHA-256 of the body or "refused",
"size", "status", "error"}.

How the browsers are driven (no test framework, no extra Python package):
  * Chromium (Debian `chromium`): `chromium --headless=new --no-sandbox --disable-gpu
    --remote-debugging-pipe ...`; the DevTools protocol runs over file descriptors 3 (our
    commands) and 4 (its answers), NUL-terminated JSON, so no websocket client is needed.
    The page tab is attached (Target.attachToTarget, flatten), navigated to BASE_URL/, and
    each variant is fetched from that page with fetch(url, {cache: "no-store"}) through
    Runtime.evaluate (awaitPromise); the body comes back base64-encoded. Network.loadingFailed
    gives Chromium's net error (ERR_...) for refused ones.
  * Firefox ESR (Debian `firefox-esr`): `firefox-esr --headless --marionette --no-remote
    --profile DIR` with a user.js that turns off everything that talks to the network by
    itself; Marionette (TCP 2828, "length:JSON" messages) opens a session, navigates to
    BASE_URL/ and runs the same fetch with WebDriver:ExecuteAsyncScript.
fetch() goes through the same HTTP/1.1 parser and content decoders as a navigation or a
download, the body is exactly the bytes a page (or a download) would get, and a network error
anywhere (headers or body) rejects the promise: that is "refused".
"""

import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

REFUSED = "refused"
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import server  # noqa: E402

FETCH_JS = r"""
(async (url) => {
  try {
    const r = await fetch(url, {cache: "no-store"});
    const b = new Uint8Array(await r.arrayBuffer());
    let s = "";
    for (let i = 0; i < b.length; i += 0x8000)
      s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
    return JSON.stringify({ok: true, status: r.status, body: btoa(s)});
  } catch (e) {
    return JSON.stringify({ok: false, error: String(e)});
  }
})
"""


def download_result(ddir, complete, why):
    """the one file in ddir (then emptied) as a result, or refused"""
    names = [n for n in os.listdir(ddir) if not n.endswith(".part")]
    body = None
    if complete and len(names) == 1:
        with open(os.path.join(ddir, names[0]), "rb") as f:
            body = f.read()
    for n in os.listdir(ddir):
        os.unlink(os.path.join(ddir, n))
    if body is None:
        return {"result": REFUSED, "error": why}
    return {"result": hashlib.sha256(body).hexdigest(), "size": len(body), "error": ""}


def result_of(raw, neterr=""):
    r = json.loads(raw)
    if not r.get("ok"):
        return {"result": REFUSED, "error": neterr or r.get("error", "")}
    body = base64.b64decode(r["body"])
    return {"result": hashlib.sha256(body).hexdigest(), "size": len(body), "status": r["status"],
            "error": ""}


# ---------------------------------------------------------------------------------------------
# Chromium over --remote-debugging-pipe
# ---------------------------------------------------------------------------------------------
class Chromium:
    def __init__(self, profile):
        cmd_r, cmd_w = os.pipe()      # we write commands, chromium reads fd 3
        ans_r, ans_w = os.pipe()      # chromium writes answers on fd 4

        exe = shutil.which("chromium") or "/usr/bin/chromium"
        args = [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
                "--user-data-dir=" + profile, "--no-first-run", "--no-default-browser-check",
                "--disable-background-networking", "--disable-component-update",
                "--disable-extensions", "--disable-sync", "--metrics-recording-only",
                "--disable-features=Translate,OptimizationHints,MediaRouter", "about:blank"]
        # the shell puts the pipe ends on the descriptors chromium expects (3 in, 4 out)
        self.p = subprocess.Popen(
            ["/bin/sh", "-c", 'exec "$@" 3<&%d 4>&%d' % (cmd_r, ans_w), "sh"] + args,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(profile + ".log", "w"),
            pass_fds=(cmd_r, ans_w))
        os.close(cmd_r)
        os.close(ans_w)
        self.w = os.fdopen(cmd_w, "wb", buffering=0)
        self.r = os.fdopen(ans_r, "rb", buffering=0)
        self.buf = b""
        self.id = 0
        self.events = []
        self.session = None

    def _read_msg(self):
        while b"\0" not in self.buf:
            more = self.r.read(65536)
            if not more:
                raise RuntimeError("chromium closed the pipe")
            self.buf += more
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=True):
        self.id += 1
        m = {"id": self.id, "method": method, "params": params or {}}
        if session and self.session:
            m["sessionId"] = self.session
        self.w.write(json.dumps(m).encode() + b"\0")
        while True:
            a = self._read_msg()
            if a.get("id") == self.id:
                if "error" in a:
                    raise RuntimeError("%s: %s" % (method, a["error"]))
                return a.get("result", {})
            if "method" in a:
                self.events.append(a)

    def start(self, base, download=False):
        for _ in range(50):
            pages = [t for t in self.call("Target.getTargets", session=False)["targetInfos"]
                     if t["type"] == "page"]
            if pages:
                break
            time.sleep(0.1)
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": pages[0]["targetId"], "flatten": True},
                                 session=False)["sessionId"]
        self.call("Network.enable")
        self.call("Network.setCacheDisabled", {"cacheDisabled": True})
        self.base = base
        self.goto(base + "/")

    def goto(self, url):
        self.call("Page.navigate", {"url": url})
        for _ in range(100):
            r = self.call("Runtime.evaluate", {"expression": "document.readyState + ' ' + "
                                               "location.href", "returnByValue": True})
            if r["result"].get("value", "") == "complete " + url:
                return
            time.sleep(0.05)
        raise RuntimeError("chromium: %s did not load" % url)

    def fetch(self, url):
        self.events = []
        r = self.call("Runtime.evaluate", {"expression": "(%s)(%s)" % (FETCH_JS, json.dumps(url)),
                                           "awaitPromise": True, "returnByValue": True,
                                           "timeout": 20000})
        neterr = ""
        for e in self.events:
            if e.get("method") == "Network.loadingFailed":
                neterr = e["params"].get("errorText", "")
        return result_of(r["result"]["value"], neterr)

    def download(self, url, ddir):
        """navigate to url; the octet-stream response becomes a download into ddir"""
        if not getattr(self, "ddir", None):
            self.call("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": ddir,
                                                      "eventsEnabled": True}, session=False)
            self.ddir = ddir
        if getattr(self, "left_page", False):   # an error page or a rendered body: back
            self.goto(self.base + "/")
        self.events = []
        self.call("Page.navigate", {"url": url})
        state = None
        for _ in range(60):
            for e in self.events:
                if e.get("method") == "Browser.downloadProgress" and \
                        e["params"]["state"] in ("completed", "canceled"):
                    state = e["params"]["state"]
            if state:
                break
            self.call("Runtime.evaluate", {"expression": "1"})
            time.sleep(0.05)
        self.left_page = state != "completed"
        return download_result(ddir, state == "completed", state or "no download")

    def close(self):
        try:
            self.call("Browser.close", session=False)
        except Exception:
            pass
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


# ---------------------------------------------------------------------------------------------
# Firefox ESR over Marionette
# ---------------------------------------------------------------------------------------------
FIREFOX_PREFS = {
    "marionette.port": 2828,
    "network.proxy.type": 0,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.startup.page": 0,
    "app.update.enabled": False,
    "app.update.auto": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "extensions.update.enabled": False,
    "network.http.speculative-parallel-limit": 0,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "dom.security.https_only_mode": False,
    "dom.security.https_first": False,
    "browser.fixup.alternate.enabled": False,
    "browser.cache.disk.enable": False,
    "browser.cache.memory.enable": False,
}


class Firefox:
    def __init__(self, profile):
        os.makedirs(profile, exist_ok=True)
        self.ddir = profile + "-downloads"
        os.makedirs(self.ddir, exist_ok=True)
        prefs = dict(FIREFOX_PREFS)
        prefs.update({"browser.download.folderList": 2, "browser.download.dir": self.ddir,
                      "browser.download.useDownloadDir": True,
                      "browser.download.always_ask_before_handling_new_types": False,
                      "browser.download.start_downloads_in_tmp_dir": False,
                      "browser.download.manager.showWhenStarting": False,
                      "browser.download.alwaysOpenPanel": False,
                      "browser.helperApps.neverAsk.saveToDisk": "application/octet-stream"})
        with open(os.path.join(profile, "user.js"), "w") as f:
            for k, v in prefs.items():
                f.write("user_pref(%s, %s);\n" % (json.dumps(k), json.dumps(v)))
        exe = shutil.which("firefox-esr") or "/usr/bin/firefox-esr"
        env = dict(os.environ, MOZ_HEADLESS="1", HOME=profile)
        self.p = subprocess.Popen([exe, "--headless", "--marionette", "--no-remote",
                                   "--profile", profile, "about:blank"],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=open(profile + ".log", "w"), env=env)
        self.id = 0
        self.s = None
        for _ in range(300):
            try:
                self.s = socket.create_connection(("127.0.0.1", 2828), timeout=60)
                break
            except OSError:
                time.sleep(0.1)
        if self.s is None:
            raise RuntimeError("firefox: no marionette on 127.0.0.1:2828")
        self.buf = b""
        self._read_msg()  # {"applicationType": "gecko", "marionetteProtocol": 3}

    def _read_msg(self):
        while b":" not in self.buf:
            self.buf += self._recv()
        n, rest = self.buf.split(b":", 1)
        n = int(n)
        while len(rest) < n:
            rest += self._recv()
        self.buf = rest[n:]
        return json.loads(rest[:n])

    def _recv(self):
        more = self.s.recv(65536)
        if not more:
            raise RuntimeError("firefox closed marionette")
        return more

    def call(self, method, params=None):
        self.id += 1
        m = json.dumps([0, self.id, method, params or {}]).encode()
        self.s.sendall(b"%d:" % len(m) + m)
        while True:
            a = self._read_msg()
            if a[0] == 1 and a[1] == self.id:
                if a[2]:
                    raise RuntimeError("%s: %s" % (method, a[2]))
                return a[3]

    def start(self, base, download=False):
        caps = {"acceptInsecureCerts": True, "timeouts": {"script": 30000, "pageLoad": 30000}}
        if download:
            caps["pageLoadStrategy"] = "none"
        self.call("WebDriver:NewSession", {"capabilities": {"alwaysMatch": caps}})
        self.call("WebDriver:Navigate", {"url": base + "/"})

    def fetch(self, url):
        r = self.call("WebDriver:ExecuteAsyncScript", {
            "script": "const done = arguments[arguments.length - 1];"
                      "(%s)(arguments[0]).then(done);" % FETCH_JS,
            "args": [url]})
        return result_of(r["value"])

    def download(self, url, ddir):
        """navigate to url (page load strategy none); the octet-stream response is saved into
        ddir without a prompt (user.js); done when a file without .part stays for 0.3 s"""
        go = {"script": "location.href = arguments[0];", "args": [url]}
        try:
            self.call("WebDriver:ExecuteScript", go)
        except RuntimeError as e:  # the alert of the last failed download, now dismissed
            if "unexpected alert open" not in str(e):
                raise
            self.call("WebDriver:ExecuteScript", go)
        last, since = None, time.time()
        deadline = time.time() + 8
        while time.time() < deadline:
            names = sorted(os.listdir(ddir))
            if names != last:
                last, since = names, time.time()
            elif names and not any(n.endswith(".part") for n in names) and \
                    time.time() - since > 0.3:
                return download_result(ddir, True, "")
            elif not names and time.time() - since > 3:
                break
            time.sleep(0.05)
        return download_result(ddir, False, "no download" if not last else "incomplete")

    def close(self):
        try:
            self.call("Marionette:Quit", {"flags": ["eForceQuit"]})
        except Exception:
            pass
        try:
            self.p.wait(15)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def main():
    args = sys.argv[1:]
    download = "--download" in args
    args = [a for a in args if a != "--download"]
    if len(args) < 3 or args[0] not in ("chromium", "firefox"):
        sys.exit(__doc__)
    which, base, out = args[:3]
    names = args[3:] or [v[0] for v in server.VARIANTS]
    tmp = tempfile.mkdtemp(prefix="swev-" + which + "-")
    ddir = os.path.join(tmp, "downloads")
    os.makedirs(ddir)
    b = None
    try:
        b = (Chromium if which == "chromium" else Firefox)(os.path.join(tmp, "profile"))
        b.start(base, download)
        if which == "firefox":
            ddir = b.ddir
        with open(out, "w") as f:
            for name in names:
                url = "%s/v/%s" % (base, name)
                r = {"name": name}
                r.update(b.download(url, ddir) if download else b.fetch(url))
                # let the server finish and close that connection (its FIN arrives), so that
                # the browser cannot reuse it for the next variant and read this response's
                # remaining bytes as the next one's (server.py logs a reuse; record.sh fails)
                time.sleep(0.05 * (len(server.BY_NAME[name][3]) - 1) + 0.15)
                f.write(json.dumps(r) + "\n")
                f.flush()
                print("%-8s %-28s %s %s" % (which, name, r["result"][:16], r.get("error", "")),
                      flush=True)
    finally:
        if b is not None:
            b.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
