# The two commands of the README: `make demo` and `make test`. Each installs
# what is missing first.
GO ?= go
APT_PKGS := prometheus prometheus-alertmanager tmux
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps demo test vet bench fuzz build clean
FUZZTIME ?= 30s

# deps installs Prometheus, Alertmanager and tmux from Debian when any is missing.
deps:
	@missing=""; \
	for b in prometheus prometheus-alertmanager promtool amtool tmux; do \
	  command -v $$b >/dev/null 2>&1 || missing="$$missing $$b"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing (missing:$$missing): $(APT_PKGS)"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PKGS); \
	fi

build:
	$(GO) build -o bin/vigil ./cmd/vigil

demo: deps build
	./bin/vigil demo

test: deps
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 12m ./...
	@# The 10,000-endpoint query-count test runs the demo app in the test
	@# process; under -race that app is too slow to scrape, so it runs here
	@# without -race.
	$(GO) test -count=1 -timeout 5m -run 'TestIntegrationQueriesPerRefresh10k' ./query/

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# fuzz runs every fuzz target for FUZZTIME each (the seed corpora also run
# in `make test`).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) .
	$(GO) test -run '^$$' -fuzz '^FuzzParseDuration$$' -fuzztime $(FUZZTIME) .
	$(GO) test -run '^$$' -fuzz '^FuzzParseMatchers$$' -fuzztime $(FUZZTIME) ./query/
	$(GO) test -run '^$$' -fuzz '^FuzzParseAlertFilter$$' -fuzztime $(FUZZTIME) ./query/
	$(GO) test -run '^$$' -fuzz '^FuzzSanitize$$' -fuzztime $(FUZZTIME) ./ui/text/
	$(GO) test -run '^$$' -fuzz '^FuzzTruncate$$' -fuzztime $(FUZZTIME) ./ui/text/

clean:
	rm -rf bin
