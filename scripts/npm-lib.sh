# Shared by the scripts that use ./node_modules (sourced, after `cd` to the repository).

# ensure_npm: installs the npm packages of package.json (`npm ci`, at the versions of
# package-lock.json) when one is missing from node_modules or, when package.json pins an exact
# version, is at another version.
ensure_npm() {
  node -e '
    for (const [name, want] of Object.entries(require("./package.json").devDependencies)) {
      let have;
      try { have = require(`./node_modules/${name}/package.json`).version; } catch (e) { process.exit(1); }
      if (/^\d/.test(want) && have !== want) process.exit(1);
    }' 2>/dev/null || npm ci --no-audit --no-fund --loglevel=error
}
