#!/usr/bin/env python3
"""A SAMP hub with the Web Profile (astropy.samp) and a receiving client, for the SAMP browser
test (tests/browser/samp.test.mjs).

The hub listens for web clients on http://localhost:21012/ (the Web Profile port) and accepts
every registration, as a user clicking "yes" in the hub's consent dialog would. Two receiving
clients subscribe to table.load.votable and coord.pointAt.sky, as notifications and as calls:
"xcat test receiver" downloads the URL of each table, reads it with astropy.io.votable, prints
one JSON line with the row count and replies samp.ok (or samp.error with the reason);
"java-like receiver" does the same but, like TOPCAT 4.8 and Aladin Desktop 12 (whose Java URL
handling knows no data: scheme), rejects data: URLs with "unknown protocol: data"; each line
also holds the column names and the first cell. For each position, the position. The first line printed is {"ready": true}.

astropy is installed from PyPI into the tests' virtual environment (see tests/pyenv.py) when
the running Python lacks it.

Usage: python3 tests/browser/samp_hub.py   (stops on SIGTERM, SIGINT or end of stdin)
"""
import json
import os
import sys
import threading
import time


def ensure_astropy():
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from pyenv import ensure
    ensure({"astropy": "astropy"})


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    ensure_astropy()
    import tempfile
    import urllib.request
    from astropy.io.votable import parse_single_table
    from astropy.samp import SAMPHubServer, SAMPIntegratedClient
    from astropy.samp.hub import WebProfileDialog

    class AlwaysConsent(WebProfileDialog):
        """The consent dialog, answered "yes" for every web client (the test's user)."""

        def show_dialog(self, samp_name, details, client, origin):
            emit({"consent": samp_name, "origin": origin})
            self.consent()

    dialog = AlwaysConsent()
    work = tempfile.mkdtemp(prefix="xcat-samp-")
    try:
        hub = SAMPHubServer(web_profile=True, web_profile_dialog=dialog, web_port=21012,
                            lockfile=os.path.join(work, "samp"), label="xcat test hub")
        hub.start(wait=False)
    except Exception as e:
        sys.exit("error: cannot start a SAMP hub with the Web Profile on localhost:21012: %s "
                 "(is another SAMP hub running?)" % e)

    stop = threading.Event()

    def poll():
        while not stop.is_set():
            dialog.handle_queue()
            time.sleep(0.02)

    threading.Thread(target=poll, daemon=True).start()

    def receiver(name, reads_data_urls):
        client = SAMPIntegratedClient(name=name, description="Records what the browser sends")
        client.connect(hub=hub)

        def load(mtype, params):
            url = params.get("url", "")
            out = {"mtype": mtype, "url": url, "name": params.get("name"), "receiver": name}
            try:
                if url.startswith("data:") and not reads_data_urls:
                    raise ValueError("unknown protocol: data")
                path = os.path.join(work, name.replace(" ", "-") + ".vot")
                with urllib.request.urlopen(url, timeout=60) as r, open(path, "wb") as f:
                    f.write(r.read())
                # Any VOTable warning (a unit not in VOUnit syntax, a bad UCD...) fails the test.
                table = parse_single_table(path, verify="exception")
                out["rows"] = len(table.array)
                out["columns"] = [f.name for f in table.fields]
                if len(table.array):
                    out["first"] = str(table.array[0][0])
            except Exception as e:
                out["error"] = "%s: %s" % (type(e).__name__, e)
            emit(out)
            return out

        def on_table(private_key, sender_id, mtype, params, extra):
            load(mtype, params)

        def on_table_call(private_key, sender_id, msg_id, mtype, params, extra):
            out = load(mtype, params)
            if "error" in out:
                reply = {"samp.status": "samp.error", "samp.error": {"samp.errortxt": out["error"].split(": ", 1)[-1]}}
            else:
                reply = {"samp.status": "samp.ok", "samp.result": {}}
            client.reply(msg_id, reply)

        def point(mtype, params):
            emit({"mtype": mtype, "ra": params.get("ra"), "dec": params.get("dec"), "receiver": name})

        def on_point(private_key, sender_id, mtype, params, extra):
            point(mtype, params)

        def on_point_call(private_key, sender_id, msg_id, mtype, params, extra):
            point(mtype, params)
            client.reply(msg_id, {"samp.status": "samp.ok", "samp.result": {}})

        client.bind_receive_notification("table.load.votable", on_table)
        client.bind_receive_call("table.load.votable", on_table_call)
        client.bind_receive_notification("coord.pointAt.sky", on_point)
        client.bind_receive_call("coord.pointAt.sky", on_point_call)
        return client

    clients = [receiver("xcat test receiver", True), receiver("java-like receiver", False)]
    emit({"ready": True, "hub": "http://localhost:21012/"})

    import signal
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    try:
        while not stop.is_set():
            time.sleep(0.1)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        try:
            for c in clients:
                c.disconnect()
        finally:
            hub.stop()


if __name__ == "__main__":
    main()
