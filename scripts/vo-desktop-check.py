#!/usr/bin/env python3
"""Which ways of sending a table do the desktop SAMP applications accept? Starts astropy's SAMP
hub, then TOPCAT and Aladin Desktop (Debian packages topcat and aladin) in a virtual X display
(xvfb-run), and sends each a small VOTable as a SAMP call (table.load.votable) three ways: an
http URL, a base64 data: URL (what the query page sends from a mirror of static files), and a
broken data: URL; then coord.pointAt.sky. Prints each application's answer.

A manual check (it needs Java, the two applications and some minutes), not part of the test
suite; the browser test tests/browser/samp.test.mjs stands in for these applications with a
receiver that answers as they do.

Usage: scripts/vo-desktop-check.py [topcat] [aladin]
       (apt-get install topcat aladin xvfb xauth first)
"""
import base64
import functools
import http.server
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "browser"))
from samp_hub import ensure_astropy  # noqa: E402

VOTABLE = b"""<?xml version="1.0" encoding="UTF-8"?>
<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE><TABLE name="check">
<FIELD name="SC_RA" datatype="double" unit="deg" ucd="pos.eq.ra;meta.main"/>
<FIELD name="SC_DEC" datatype="double" unit="deg" ucd="pos.eq.dec;meta.main"/>
<FIELD name="IAUNAME" datatype="char" arraysize="*" ucd="meta.id"/>
<DATA><TABLEDATA>
<TR><TD>10.684708</TD><TD>41.268750</TD><TD>4XMM J004244.3+411607</TD></TR>
<TR><TD>148.969687</TD><TD>69.679383</TD><TD>4XMM J095552.7+694045</TD></TR>
<TR><TD>201.696991</TD><TD>-47.479472</TD><TD>4XMM J132647.2-472846</TD></TR>
</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>
"""

APPS = {
    "topcat": lambda home: ["topcat"],
    # Aladin reads the hub's lock file from Java's user.home, not from $SAMP_HUB.
    "aladin": lambda home: ["java", "-Duser.home=" + home, "-Xmx1024m", "-jar", "/usr/share/java/aladin.jar"],
}


def answer(r):
    if isinstance(r, Exception):
        return "no answer (%s)" % r
    err = r.get("samp.error") or {}
    return r.get("samp.status", "?") + (" — " + err.get("samp.errortxt", "") if err else "")


def check(app, cli, home, http_url):
    env = dict(os.environ, HOME=home, SAMP_HUB="std-lockurl:file://" + os.path.join(home, ".samp"))
    log = open(os.path.join(home, app + ".log"), "w")
    # A session of its own, so that the application, Java and Xvfb stop together.
    proc = subprocess.Popen(["xvfb-run", "-a"] + APPS[app](home), env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        target = None
        for _ in range(180):
            for c in cli.get_registered_clients():
                if app in cli.get_metadata(c).get("samp.name", "").lower():
                    target = c
            if target:
                break
            time.sleep(1)
        if not target:
            print("%s: did not register with the hub in 3 minutes (log: %s)" % (app, log.name))
            return
        # Give the application time to finish starting up before the first call.
        time.sleep(10)
        urls = [
            ("http URL", http_url),
            ("data: URL (base64)", "data:application/x-votable+xml;base64," + base64.b64encode(VOTABLE).decode()),
            ("broken data: URL", "data:application/x-votable+xml;base64,@@@"),
        ]
        for label, url in urls:
            msg = {"samp.mtype": "table.load.votable", "samp.params": {"url": url, "name": "xcat check"}}
            try:
                r = cli.call_and_wait(target, msg, "120")
            except Exception as e:
                r = e
            print("%s: table.load.votable, %s: %s" % (app, label, answer(r)), flush=True)
        try:
            r = cli.call_and_wait(target, {"samp.mtype": "coord.pointAt.sky",
                                           "samp.params": {"ra": "10.684708", "dec": "41.26875"}}, "60")
        except Exception as e:
            r = e
        print("%s: coord.pointAt.sky: %s" % (app, answer(r)), flush=True)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        proc.wait()


def main():
    ensure_astropy()
    from astropy.samp import SAMPHubServer, SAMPIntegratedClient

    apps = sys.argv[1:] or list(APPS)
    missing = [t for t in ["xvfb-run", "java"] + [a for a in apps if a == "topcat"] if not shutil.which(t)]
    if "aladin" in apps and not os.path.exists("/usr/share/java/aladin.jar"):
        missing.append("aladin")
    if missing:
        sys.exit("error: missing %s (on Debian: apt-get install topcat aladin xvfb xauth)" % ", ".join(missing))
    home = tempfile.mkdtemp(prefix="xcat-vo-")
    os.environ["HOME"] = home
    with open(os.path.join(home, "check.vot"), "wb") as f:
        f.write(VOTABLE)
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=home))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hub = SAMPHubServer(web_profile=False, lockfile=os.path.join(home, ".samp"))
    hub.start()
    cli = SAMPIntegratedClient(name="xcat check")
    cli.connect(hub=hub)
    try:
        for app in apps:
            check(app, cli, home, "http://127.0.0.1:%d/check.vot" % server.server_port)
    finally:
        cli.disconnect()
        hub.stop()
        server.shutdown()


if __name__ == "__main__":
    main()
