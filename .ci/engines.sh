#!/usr/bin/env bash
# Builds the query engines the engine tests run against, each only when its
# binary is missing, into $(go env GOCACHE)/vigil-engines/<name>-<version>/.
#
#   .ci/engines.sh prometheus3 victoriametrics   # what `make test` needs
#   .ci/engines.sh thanos mimir                  # what `make test-engines` adds
#
# One build at a time: each is heavy on a 2-core machine. Each prints how long
# it took.
set -euo pipefail

GO=${GO:-go}
PROM3_VERSION=${PROM3_VERSION:-v0.316.0}
VM_VERSION=${VM_VERSION:-v1.151.0}
THANOS_VERSION=${THANOS_VERSION:-v0.42.4}
# Mimir tags no semver releases its module path accepts: a pseudo-version
# (go list -m github.com/grafana/mimir@latest).
MIMIR_VERSION=${MIMIR_VERSION:-v1.3.1-0.20260423142704-aced80d74930}

root="$($GO env GOCACHE)/vigil-engines"

# build NAME VERSION BINARY COMMAND...: runs COMMAND (with $out the target
# directory) unless $out/BINARY exists.
build() {
	local name=$1 version=$2 bin=$3
	shift 3
	out="$root/$name-$version"
	if [ -x "$out/$bin" ]; then
		echo "engines: $out/$bin is there"
		return
	fi
	mkdir -p "$out"
	echo "engines: building $name $version into $out"
	local start=$SECONDS
	"$@"
	echo "engines: $name $version built in $((SECONDS - start))s"
}

# module_source MODULE VERSION: a writable copy of a module's source in a
# scratch directory (for modules whose go.mod has replace directives, which
# go install refuses).
module_source() {
	local json dir
	json=$(cd / && $GO mod download -json "$1@$2") || { echo "$json" >&2; exit 1; }
	dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
	if [ -z "$dir" ]; then
		echo "engines: no Dir in go mod download output for $1@$2: $json" >&2
		exit 1
	fi
	src=$(mktemp -d "${TMPDIR:-/tmp}/vigil-engine-src.XXXXXX")
	cp -R "$dir/." "$src"
	chmod -R u+w "$src"
}

prometheus3() {
	# remove_all_sd drops the service-discovery plugins: a much shorter build.
	(cd / && GOTOOLCHAIN=auto GOBIN="$out" $GO install -tags remove_all_sd \
		"github.com/prometheus/prometheus/cmd/prometheus@$PROM3_VERSION")
}

victoriametrics() {
	(cd / && GOBIN="$out" $GO install \
		"github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-metrics@$VM_VERSION")
}

thanos() {
	module_source github.com/thanos-io/thanos "$THANOS_VERSION"
	# Without slicelabels the sidecar panics on its first gRPC call.
	(cd "$src" && GOTOOLCHAIN=auto $GO build -tags netgo,slicelabels -o "$out/thanos" ./cmd/thanos)
	rm -rf "$src"
}

mimir() {
	module_source github.com/grafana/mimir "$MIMIR_VERSION"
	(cd "$src" && GOTOOLCHAIN=auto $GO build -o "$out/mimir" ./cmd/mimir)
	rm -rf "$src"
}

[ $# -gt 0 ] || { echo "usage: $0 prometheus3|victoriametrics|thanos|mimir ..." >&2; exit 2; }
for e in "$@"; do
	case $e in
	prometheus3) build prometheus "$PROM3_VERSION" prometheus prometheus3 ;;
	victoriametrics) build victoria-metrics "$VM_VERSION" victoria-metrics victoriametrics ;;
	thanos) build thanos "$THANOS_VERSION" thanos thanos ;;
	mimir) build mimir "$MIMIR_VERSION" mimir mimir ;;
	*) echo "engines: unknown engine $e" >&2; exit 2 ;;
	esac
done
