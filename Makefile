# swift-zeromq: the two set-up commands are `make demo` and `make test`; both install libzmq3-dev
# first when it is missing, and `make test` also the Python peers of the interoperability tests
# (pyzmq in .venv).

SWIFT ?= swift
TSAN_BUILD ?= .build-tsan

.PHONY: all dependencies test-peers build demo test test-debug test-tsan bench bench-quick bench-charts clean

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

test-debug: dependencies test-peers
	$(SWIFT) test

# Scripts/tsan-suppressions.txt lists the one known false positive of the Swift runtime.
test-tsan: dependencies test-peers
	TSAN_OPTIONS="suppressions=$(CURDIR)/Scripts/tsan-suppressions.txt $$TSAN_OPTIONS" \
		$(SWIFT) test --sanitize=thread --scratch-path $(TSAN_BUILD)

BENCH_JSON ?= bench-results/latest.json
BENCH_FLAGS ?=

## Every benchmark in one release-built run: raw libzmq ceilings, the framework's paths and the
## pyzmq peers side by side; a table on stdout and the same figures in $(BENCH_JSON)
## (Docs/Performance.md). Extra flags go in BENCH_FLAGS, e.g. BENCH_FLAGS="--only latency".
bench: dependencies test-peers
	@mkdir -p $(dir $(BENCH_JSON))
	$(SWIFT) run -c release --package-path Benchmarks zmq-bench --json $(BENCH_JSON) $(BENCH_FLAGS)

## The same with a tenth of the messages and one repeat: a smoke run of every section (~30 s).
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
	rm -rf .build $(TSAN_BUILD) Benchmarks/.build .venv bench-results
