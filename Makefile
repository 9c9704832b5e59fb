# The two commands of the README: `make demo` and `make test`. Each installs
# what is missing first.
GO ?= go
# Build and test with the toolchain go.mod names (a patched Go release,
# fetched through the module proxy when the machine's Go is older): the
# machine's own setting may be GOTOOLCHAIN=local, which would ignore it.
export GOTOOLCHAIN := auto
APT_PKGS := prometheus prometheus-alertmanager tmux openssh-client python3-flask python3-prometheus-client gunicorn
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps demo test vet bench fuzz build clean engines engines-extra test-engines
FUZZTIME ?= 30s

# deps installs Prometheus, Alertmanager, tmux, the OpenSSH client (the
# vigil serve tests connect with it), and Flask, the Prometheus Python client
# and gunicorn (the real app the deployment tests run) from Debian when any
# is missing.
deps:
	@missing=""; \
	for b in prometheus prometheus-alertmanager promtool amtool tmux ssh ssh-keygen; do \
	  command -v $$b >/dev/null 2>&1 || missing="$$missing $$b"; \
	done; \
	command -v gunicorn >/dev/null 2>&1 || missing="$$missing gunicorn"; \
	/usr/bin/python3 -c 'import flask, prometheus_client' >/dev/null 2>&1 || missing="$$missing python3-flask/python3-prometheus-client"; \
	if [ -n "$$missing" ]; then \
	  echo "installing (missing:$$missing): $(APT_PKGS)"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PKGS); \
	fi

build:
	$(GO) build -o bin/vigil ./cmd/vigil

demo: deps build
	./bin/vigil demo

# ENGINE_TESTS are the tests that run on Prometheus 3 and VictoriaMetrics.
# Their engines build in the background at the lowest CPU priority while
# the rest of the suite runs (it mostly waits, so the build takes the idle
# CPU rather than the tests'), and they run once the build is done.
ENGINE_TESTS := ^TestEngines|^TestE2EEngine
ENGINES_LOG := bin/engines.log

test: deps
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	@mkdir -p bin && rm -f $(ENGINES_LOG) $(ENGINES_LOG).rc
	@( nice -n 19 env GO='$(GO)' .ci/engines.sh prometheus3 victoriametrics >$(ENGINES_LOG) 2>&1; \
	  echo $$? >$(ENGINES_LOG).rc ) & \
	echo "engines: building in the background when missing ($(ENGINES_LOG))"
	$(GO) vet ./...
	$(MAKE) vulncheck
	@# -p 3: the suite mostly waits on scrapes, rule evaluations and
	@# screens (a third of two cores busy with -p 2), so three packages run
	@# at once.
	$(GO) test -race -p 3 -count=1 -timeout 25m -skip '$(ENGINE_TESTS)' ./...
	@# Two tests run again without -race, one after the other (-p 1). The
	@# 10,000-endpoint query count runs the demo app in the test process,
	@# too slow to scrape under -race; the recorded-versus-raw equality
	@# needs no scrape in flight at a rule evaluation, so no test beside it.
	@# They run while the engines may still be building: that build runs
	@# at nice 19, so it takes only the CPU they leave.
	$(GO) test -p 1 -count=1 -timeout 5m -run 'TestIntegrationQueriesPerRefresh10k|TestIntegrationRecordedEqualsRaw' ./query/ ./query/scale/
	@until [ -f $(ENGINES_LOG).rc ]; do sleep 2; done; cat $(ENGINES_LOG); \
	rc=$$(cat $(ENGINES_LOG).rc); [ "$$rc" = 0 ] || { echo "engines: build failed (exit $$rc)"; exit 1; }
	$(GO) test -race -p 2 -count=1 -timeout 10m -run '$(ENGINE_TESTS)' ./query/engines/ ./cmd/vigil/

# engines builds Prometheus 3 and VictoriaMetrics into GOCACHE when missing
# (query/engines tests them beside Debian's Prometheus). Measured on a busy
# 2-core machine with an empty module cache: Prometheus 3 2m49s (its
# service-discovery plugins left out: without remove_all_sd it is ~14 min),
# VictoriaMetrics under a minute; afterwards nothing. `make test` builds them
# in the background at nice 19 (ENGINE_TESTS above).
engines:
	GO='$(GO)' .ci/engines.sh prometheus3 victoriametrics

# engines-extra builds Thanos and Mimir (from their module source) when
# missing: measured 7m03s and 8m59s cold.
engines-extra: engines
	GO='$(GO)' .ci/engines.sh thanos mimir

# test-engines runs the engine tests against every engine, Thanos and Mimir
# included (about 1m40s once built). Not part of `make test`.
test-engines: deps engines-extra
	VIGIL_ENGINES=all $(GO) test -count=1 -timeout 15m -v -run 'TestEngines' ./query/engines/
	VIGIL_ENGINES=all $(GO) test -count=1 -timeout 5m -v -run 'TestE2EEngine' ./cmd/vigil/

# The scale benchmark (query/scale) starts a 10,000-endpoint stack and
# checks its goals: it takes about 12 minutes.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 30m ./...

# fuzz runs every fuzz target for FUZZTIME each (the seed corpora also run
# in `make test`).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) .
	$(GO) test -run '^$$' -fuzz '^FuzzParseDuration$$' -fuzztime $(FUZZTIME) .
	$(GO) test -run '^$$' -fuzz '^FuzzParseMatchers$$' -fuzztime $(FUZZTIME) ./query/
	$(GO) test -run '^$$' -fuzz '^FuzzParseAlertFilter$$' -fuzztime $(FUZZTIME) ./query/
	$(GO) test -run '^$$' -fuzz '^FuzzPanelTemplate$$' -fuzztime $(FUZZTIME) ./query/
	$(GO) test -run '^$$' -fuzz '^FuzzSanitize$$' -fuzztime $(FUZZTIME) ./views/text/
	$(GO) test -run '^$$' -fuzz '^FuzzTruncate$$' -fuzztime $(FUZZTIME) ./views/text/

clean:
	rm -rf bin

# vulncheck runs govulncheck offline. The Go vulnerability database is the
# pinned golang.org/x/vulndb module (from the module proxy), turned once per
# version into govulncheck's file layout by .ci/vulndb under GOCACHE. It fails
# (exit 3) only when our code calls a vulnerable symbol.
VULN_VERSION ?= v1.9.0
VULNDB_VERSION ?= v0.0.0-20261105234957-e22db6528018
VULNDB_DIR = $(shell $(GO) env GOCACHE)/vigil-vulndb-$(VULNDB_VERSION)
# Installed rather than `go run`, which would turn govulncheck's exit 3 into 1.
GOVULNCHECK = $(shell $(GO) env GOCACHE)/vigil-govulncheck-$(VULN_VERSION)/govulncheck

.PHONY: vulncheck-deps vulncheck vulncheck-selftest
vulncheck-deps:
	@cd / && GOBIN='$(dir $(GOVULNCHECK))' $(GO) install golang.org/x/vuln/cmd/govulncheck@$(VULN_VERSION)
	@db='$(VULNDB_DIR)'; \
	if [ ! -f "$$db/index/modules.json" ]; then \
	  json=$$(cd / && $(GO) mod download -json golang.org/x/vulndb@$(VULNDB_VERSION)) || { echo "$$json" >&2; exit 1; }; \
	  src=$$(printf '%s\n' "$$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$$/\1/p'); \
	  if [ -z "$$src" ]; then echo "vulndb: no Dir in go mod download output: $$json" >&2; exit 1; fi; \
	  $(GO) run ./.ci/vulndb -src "$$src/data/osv" -out "$$db"; \
	fi

vulncheck: vulncheck-deps
	'$(GOVULNCHECK)' -db 'file://$(VULNDB_DIR)' ./...

# vulncheck-selftest shows the check can fail: a throwaway module calling a
# known-vulnerable function must make the same govulncheck exit 3.
vulncheck-selftest: vulncheck-deps
	GO='$(GO)' GOVULNCHECK='$(GOVULNCHECK)' VULNDB_DIR='$(VULNDB_DIR)' bash .ci/vulncheck-selftest.sh
