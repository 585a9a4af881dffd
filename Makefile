# swift-zeromq: the two set-up commands are `make demo` and `make test`; both install libzmq3-dev
# first when it is missing, and `make test` also the Python peers of the interoperability tests
# (pyzmq in .venv).

SWIFT ?= swift
TSAN_BUILD ?= .build-tsan
ASAN_BUILD ?= .build-asan
DOCS_BUILD ?= .build-docs

.PHONY: all dependencies test-peers build demo test test-debug test-tsan test-release leaks bench bench-quick bench-charts docs clean

all: build

dependencies:
	@Scripts/install-dependencies.sh
	@command -v $(SWIFT) >/dev/null || { echo "error: swift 6.1 or later is needed (https://swift.org/install)" >&2; exit 1; }

# The seed's programs in Python 3 (Tests/PythonPeers) need pyzmq: a virtual environment in .venv.
test-peers:
	@Scripts/install-test-peers.sh

build: dependencies
	$(SWIFT) build

## The main demo: every seed pattern over inproc.
demo: dependencies
	$(SWIFT) run zeromq-demo

## The whole test suite, then again under ThreadSanitizer.
test: test-debug test-tsan

# `make test` runs in four phases: the library's tests, then the suites that load the whole
# machine (floods, storms, shutdown under load, the soak, 100 MiB messages, the fuzz corpus's
# 1 MiB frames, 200 000 random beacons:
# seconds of CPU each under ThreadSanitizer), then the tests in child processes, then the whole
# programs of the interoperability suite. Run all at once on two cores, the load of the ones
# decided the timeouts of the others.
STRESS_TESTS ?= ZeroMQTests\.(HighWaterMarkTests|CancellationStormTests|BigAndManyTests|SoakTests|BeaconFrameTests)|ZeroMQServicesTests\.(ShutdownUnderLoadTests|FuzzCorpusTests)
# The exit tests (a child process each) run on their own: while a child runs, Swift Testing's
# parent reads its output with blocking reads on two cooperative threads, all this machine has,
# so every other test of the process waits; a slow child once stalled them past their deadlines.
# Hence one at a time (`--no-parallel`): each child's time then counts against its own deadline.
EXIT_TESTS ?= ZeroMQTests\.(SupportTests/hangEndsTheProcess|LifecycleTests/dropWithoutShutdown|ConnectionMonitorTests)
# phases SWIFT-TEST-COMMAND: the four phases with that command (its build made by the first).
define phases
	$(1) --skip 'InteropTests|$(STRESS_TESTS)|$(EXIT_TESTS)'
	$(1) --skip-build --filter '$(STRESS_TESTS)'
	$(1) --skip-build --no-parallel --filter '$(EXIT_TESTS)'
	$(1) --skip-build --filter 'InteropTests'
endef

# After the four phases, the library's tests once more with the portable wake-up (a pipe, what
# macOS uses) in place of Linux's eventfd.
test-debug: dependencies test-peers
	$(call phases,$(SWIFT) test)
	ZMQ_SWIFT_WAKEUP=pipe $(SWIFT) test --skip-build --skip 'InteropTests|$(STRESS_TESTS)|$(EXIT_TESTS)'

# Scripts/tsan-suppressions.txt lists the one known false positive of the Swift runtime.
# ZMQ_TEST_DEADLINE_SCALE=3: the tests' deadlines (withDeadline) triple under ThreadSanitizer,
# where tests full of round trips between ordinary tasks ran past 30 s, a different one each run.
# ThreadSanitizer looks for races, not leaks: the soak test skips itself here (one cycle took
# over 300 s), and ZMQ_SOAK_SECONDS keeps it short should it run.
test-tsan: dependencies test-peers
	$(call phases,TSAN_OPTIONS="suppressions=$(CURDIR)/Scripts/tsan-suppressions.txt $$TSAN_OPTIONS" \
		ZMQ_SOAK_SECONDS=10 ZMQ_TEST_DEADLINE_SCALE=3 $(SWIFT) test --sanitize=thread --scratch-path $(TSAN_BUILD))

## The library's own tests once more, optimised (CI runs this after `make test`): optimisation
## changes timing and inlining. `-enable-testing` lets the tests' `@testable import` work.
test-release: dependencies
	$(SWIFT) test -c release -Xswiftc -enable-testing --skip 'InteropTests|$(STRESS_TESTS)|$(EXIT_TESTS)'
	ZMQ_SOAK_SECONDS=10 $(SWIFT) test -c release -Xswiftc -enable-testing --skip-build --filter '$(STRESS_TESTS)'
	$(SWIFT) test -c release -Xswiftc -enable-testing --skip-build --no-parallel --filter '$(EXIT_TESTS)'

# The leak-prone tests: closing, cancelling, write-behind, zero-copy frames (each deallocation
# counted), devices, monitors, the typed services; then, on its own (it is busy, and some of
# those tests have short timeouts), a short soak, whose child process LeakSanitizer checks at
# its exit too.
LEAK_TESTS ?= ZeroMQTests\.(MessageTests|ZeroCopyTests|LifecycleTests|CancellationTests|WriteBehindTests|DeliveryTests|ProxyTests|MonitorTests|PatternTests|SocketTypeTests|IpcCloseTests)|ZeroMQServicesTests
LEAK_SOAK_SECONDS ?= 10
LEAK_ENV = ASAN_OPTIONS="detect_leaks=1 $$ASAN_OPTIONS" \
	LSAN_OPTIONS="suppressions=$(CURDIR)/Scripts/lsan-suppressions.txt $$LSAN_OPTIONS"

## The leak-prone tests under AddressSanitizer with LeakSanitizer on: fails on any leak report.
## Scripts/lsan-suppressions.txt lists the toolchain's false positives (each with its reason).
leaks: dependencies
	$(LEAK_ENV) $(SWIFT) test --sanitize=address --scratch-path $(ASAN_BUILD) --filter '$(LEAK_TESTS)'
	ZMQ_SOAK_SECONDS=$(LEAK_SOAK_SECONDS) $(LEAK_ENV) \
		$(SWIFT) test --sanitize=address --scratch-path $(ASAN_BUILD) --filter 'ZeroMQTests\.SoakTests'

## The DocC documentation of `ZeroMQ` and `ZeroMQServices`, built with the toolchain's `docc`
## (Scripts/build-docs.sh): archives in $(DOCS_BUILD)/docs. Fails on any warning: a broken or
## ambiguous symbol link, a link to internal API, a documented parameter that does not exist.
docs: dependencies
	SWIFT=$(SWIFT) DOCS_BUILD=$(DOCS_BUILD) Scripts/build-docs.sh

BENCH_JSON ?= bench-results/latest.json
BENCH_FLAGS ?=

## Every benchmark in one release-built run: raw libzmq ceilings, the framework's paths, the
## pyzmq peers and the `zmq` tool (built first, release) side by side; a table on stdout and
## the same figures in $(BENCH_JSON) (Docs/Performance.md). Extra flags go in BENCH_FLAGS, e.g. BENCH_FLAGS="--only latency".
bench: dependencies test-peers
	@mkdir -p $(dir $(BENCH_JSON))
	$(SWIFT) build -c release --product zmq
	$(SWIFT) run -c release --package-path Benchmarks zmq-bench --json $(BENCH_JSON) $(BENCH_FLAGS)

## The same with a tenth of the messages and one repeat: a smoke run of every section (~30 s,
## after a first release build of about 8 minutes: the benchmarks build grpc-swift 2 and SwiftNIO).
bench-quick: BENCH_FLAGS += --quick
bench-quick: bench

## Charts of $(BENCH_JSON) as PNG in Docs/Images (installs matplotlib into .venv).
bench-charts:
	@Scripts/install-bench-tools.sh
	.venv/bin/python Scripts/bench-charts.py $(BENCH_JSON) --out Docs/Images

FUZZ_SECONDS ?= 60

## libFuzzer + AddressSanitizer on every decoder of wire data, FUZZ_SECONDS seconds per target
## (Tests/Fuzz/README.md); fails on a crash. `make fuzz-merge` minimises the corpus into
## Tests/Fuzz/Corpus.
.PHONY: fuzz fuzz-merge
fuzz: dependencies
	FUZZ_SECONDS=$(FUZZ_SECONDS) Tests/Fuzz/run.sh

fuzz-merge: dependencies
	Tests/Fuzz/run.sh merge

clean:
	rm -rf .build $(TSAN_BUILD) $(ASAN_BUILD) $(DOCS_BUILD) Benchmarks/.build .venv bench-results
