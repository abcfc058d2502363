#!/usr/bin/env bash
# `make render`: the sequence diagrams of docs/WALKTHROUGH.md, from their
# text sources docs/*.msc (walkthrough.msc, walkthrough-blf.msc), with
# mscgen (Debian package mscgen), to docs/<name>.svg and docs/<name>.png.
#   scripts/render.sh --check   render each SVG into a temporary file and
#                               compare by content: exit 1 when one is stale
set -eu
cd "$(dirname "$0")/.."
bash scripts/setup-deb.sh render
if [ "${1:-}" = --check ]; then
	tmp=$(mktemp)
	trap 'rm -f "$tmp"' EXIT
	stale=0
	for src in docs/*.msc; do
		mscgen -T svg -o "$tmp" "$src"
		if ! cmp -s "$tmp" "${src%.msc}.svg"; then
			echo "render: ${src%.msc}.svg is not what $src renders; run 'make render'" >&2
			stale=1
		fi
	done
	exit $stale
fi
for src in docs/*.msc; do
	mscgen -T svg -o "${src%.msc}.svg" "$src"
	mscgen -T png -o "${src%.msc}.png" "$src"
	echo "render: ${src%.msc}.svg and ${src%.msc}.png from $src"
done
