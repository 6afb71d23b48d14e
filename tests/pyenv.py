"""The Python packages of the tests (astropy, jsonschema, pyvo, ...), installed from PyPI into a
virtual environment under the build folder (${CARGO_TARGET_DIR:-target}/test-venv) when the
running Python lacks them; `ensure` then re-runs the calling script with that environment's
Python.
"""
import importlib.util
import os
import subprocess
import sys
import venv


def ensure(packages):
    """`packages`: {module to import: PyPI requirement}. Returns when every module imports."""
    missing = [m for m in packages if importlib.util.find_spec(m.split(".")[0]) is None]
    if not missing:
        return
    here = os.path.dirname(os.path.abspath(__file__))
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(here, "..", "target")
    env_dir = os.path.abspath(os.path.join(target, "test-venv"))
    python = os.path.join(env_dir, "bin", "python")
    if os.path.realpath(sys.prefix) == env_dir:
        sys.exit("error: %s missing from %s even after installing" % (", ".join(missing), env_dir))
    if not os.path.exists(python):
        print("creating the tests' Python environment in %s (first run only)" % env_dir, file=sys.stderr)
        try:
            venv.create(env_dir, with_pip=True)
        except Exception as e:  # Debian needs python3-venv for ensurepip
            sys.exit("error: cannot create a Python virtual environment in %s: %s "
                     "(on Debian: apt-get install python3-venv)" % (env_dir, e))
    probe = "import importlib.util, sys; sys.exit(any(importlib.util.find_spec(m) is None for m in sys.argv[1:]))"
    check = subprocess.run([python, "-c", probe] + [m.split(".")[0] for m in packages])
    if check.returncode != 0:
        reqs = sorted(set(packages.values()))
        print("installing %s into %s" % (" ".join(reqs), env_dir), file=sys.stderr)
        r = subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"] + reqs,
                           stdout=sys.stderr)
        if r.returncode != 0:
            sys.exit("error: pip could not install %s into %s" % (" ".join(reqs), env_dir))
    os.execv(python, [python] + sys.argv)
