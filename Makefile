# gcp - Group Call Pickup for Kamailio
#
#   make          build modules/gcp/gcp.so against the installed Kamailio
#   make run      install what is missing, build, start Kamailio (foreground)
#   make run-cluster  the same, three nodes of a cluster (WITH_DMQ) on
#                 127.0.0.2, .3, .4 (foreground; Ctrl-C stops them)
#   make test     the same set-up, then every test; ends "N passed, N failed"
#   make fuzz     run the libFuzzer harnesses (FUZZ_SECONDS each, default 60)
#   make format   clang-format the C sources with Kamailio's style
#   make deb      build/deb/kamailio-gcp-module_<version>_<arch>.deb (debian/)
#   make docs     modules/gcp/README from the DocBook in modules/gcp/doc/
#   make render   docs/*.svg, .png from docs/*.msc (mscgen)
#   make test-deb build, install, try and remove the package (tests/deb)
#   make bench    benchmarks: docs/PERFORMANCE.md + bench/results/ (~20 min)

SHELL := /bin/bash
ROOT := $(abspath .)
BUILD := $(ROOT)/build
# The Kamailio source tree whose headers we compile against: Debian's source
# package of exactly the installed kamailio, unless KAMAILIO_SRC is given.
KAMAILIO_VERSION = $(shell dpkg-query -W -f='$${Version}' kamailio 2>/dev/null)
KAMAILIO_SRC ?= $(BUILD)/kamailio-src
KAMAILIO_STAMP = $(KAMAILIO_SRC)/.gcp-configured

.PHONY: all setup module run run-cluster test unit sipp fuzz format clean distclean

all: module

setup:
	@bash scripts/setup.sh

$(KAMAILIO_STAMP):
	@bash scripts/kamailio-src.sh "$(KAMAILIO_SRC)"

module: $(KAMAILIO_STAMP)
	@$(MAKE) -s -C modules/gcp COREPATH=$(KAMAILIO_SRC)/src
	@bash scripts/check-module.sh modules/gcp/gcp.so

run: setup module
	@bash scripts/run.sh $(ARGS)

# three nodes of one cluster (cfg/kamailio.cfg with WITH_DMQ): 127.0.0.2,
# 127.0.0.3, 127.0.0.4 on port 5060, in build/run/cluster/node1..3
run-cluster: setup module
	@bash scripts/run-cluster.sh $(ARGS)

test: setup module
	@bash tests/run-all.sh

unit:
	@$(MAKE) -s -C tests/unit check

sipp: setup module
	@bash tests/sipp/run.sh

# libFuzzer harnesses of the XML loader, the change API, Replaces and SDP
FUZZ_SECONDS ?= 60
fuzz: setup
	@$(MAKE) -s -C tests/fuzz run SECONDS=$(FUZZ_SECONDS)

# The stress suite (issue 5): races with children=8, faults, 10,000 calls and
# the module's shm, bounds, hostile input; STRESS_ROUNDS (20) race rounds per
# mode (inject, replaces, auto)
.PHONY: stress test-valgrind
stress: setup module
	@bash tests/stress/run.sh

# SIPp suites against Kamailio under valgrind memcheck; no invalid access or
# definite leak in gcp (GCP_TESTS / GCP_MODES select, as for tests/sipp)
test-valgrind: setup module
	@bash scripts/setup.sh valgrind
	@bash tests/stress/valgrind.sh

format: $(KAMAILIO_STAMP)
	clang-format --style=file:$(KAMAILIO_SRC)/.clang-format -i modules/gcp/*.[ch] tests/unit/*.[ch]

clean:
	-@$(MAKE) -s -C modules/gcp clean COREPATH=$(KAMAILIO_SRC)/src 2>/dev/null
	rm -f modules/gcp/*.o modules/gcp/*.d modules/gcp/gcp.so
	-@$(MAKE) -s -C tests/unit clean

distclean: clean
	rm -rf $(BUILD)

# ---- package, docs, diagram (scripts/setup-deb.sh installs their tools) ----

.PHONY: deb docs render test-deb

# the version is debian/changelog's; the package depends on exactly the
# installed kamailio, whose source tree the module is built against
deb: setup $(KAMAILIO_STAMP)
	@bash scripts/setup-deb.sh deb
	@bash scripts/build-deb.sh "$(KAMAILIO_SRC)"

# Kamailio's own DocBook build (its doc/docbook from KAMAILIO_SRC):
# xsltproc + docbook-xsl to HTML, lynx -dump to text
docs: setup $(KAMAILIO_STAMP)
	@bash scripts/docs.sh "$(KAMAILIO_SRC)"

render:
	@bash scripts/render.sh

test-deb: setup
	@bash tests/deb/run.sh

# ---- benchmarks (not part of make test) ----

.PHONY: bench

# the ring table alone, the cost of gcp_track() on the call path, pickup at
# scale against the same job scripted with htable, the kinds of pickup (the
# empty pickup against a stateless 480, directed and Replaces pickups at
# scale), other-group pickup, what busy-lamp publishing costs a call,
# gcp.reload of 10,000 members from each room (file, SQLite, PostgreSQL) and
# the call path against the module before the database room, and a
# three-node DMQ cluster (gcp's dmq=1 against dmq=0 side by side, KDMQ per
# call, local against cross-node pickups; nodes on 127.0.0.2-7):
# bench/results/*.json and docs/PERFORMANCE.md (bench/run.sh;
# BENCH_PARTS="ring callpath pickup kinds other publish db cluster")
bench: setup module
	@bash scripts/setup.sh valgrind linux-perf tcpdump python3
	@KAMAILIO_SRC="$(KAMAILIO_SRC)" bash bench/run.sh
