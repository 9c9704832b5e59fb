# The two commands of the README: `make demo` and `make test`. Each installs
# what is missing first.
GO ?= go
APT_PKGS := prometheus prometheus-alertmanager tmux
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps demo test vet bench fuzz build clean

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

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin
