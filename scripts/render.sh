#!/usr/bin/env bash
# `make render`: the sequence diagram of docs/WALKTHROUGH.md, from its text
# source docs/walkthrough.msc, with mscgen (Debian package mscgen), to
# docs/walkthrough.svg and docs/walkthrough.png.
#   scripts/render.sh --check   render the SVG into a temporary file and
#                               compare by content: exit 1 when stale
set -eu
cd "$(dirname "$0")/.."
bash scripts/setup-deb.sh render
src=docs/walkthrough.msc
if [ "${1:-}" = --check ]; then
	tmp=$(mktemp)
	trap 'rm -f "$tmp"' EXIT
	mscgen -T svg -o "$tmp" "$src"
	if ! cmp -s "$tmp" docs/walkthrough.svg; then
		echo "render: docs/walkthrough.svg is not what $src renders; run 'make render'" >&2
		exit 1
	fi
	exit 0
fi
mscgen -T svg -o docs/walkthrough.svg "$src"
mscgen -T png -o docs/walkthrough.png "$src"
echo "render: docs/walkthrough.svg and docs/walkthrough.png from $src"
