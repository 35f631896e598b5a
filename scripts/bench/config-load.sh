#!/usr/bin/env bash
# Benchmarks config loading: ConfigLoader.parse and YAMLParser.parse on config/sealwatch.example.yml
# and on a generated 1 MiB config, release build. Usage: scripts/bench/config-load.sh
# Builds the Config target in release mode (own scratch path), then compiles the small bench
# program in scripts/bench/config-bench against the built modules and objects.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
scratch="${SCRATCH:-$root/.build-bench-config}"
cd "$root"
swift build -c release --scratch-path "$scratch" --target Config >&2
bin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)"
out="$scratch/config-bench"
objects=( "$bin"/Checked.build/*.o "$bin"/ClusterModel.build/*.o "$bin"/Config.build/*.o )
cyaml=()
[ -f Sources/CYAML/module.modulemap ] && cyaml=(-Xcc -fmodule-map-file=Sources/CYAML/module.modulemap -lyaml)
swiftc -O -wmo -module-name ConfigBench -I "$bin/Modules" -I "$bin" "${cyaml[@]}" \
    scripts/bench/config-bench/main.swift "${objects[@]}" -o "$out" >&2
"$out" "$@"
