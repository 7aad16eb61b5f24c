# Thin wrapper over CMake. `make` installs missing Debian packages when run
# as root, configures and builds; `make check` runs ctest and the bats suite.
PREFIX   ?= /usr/local
DESTDIR  ?=
SANITIZE ?=
BUILD    ?= $(if $(SANITIZE),build-asan,build)
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)

# Build and test dependencies (Debian package names).
DEBS = g++ cmake make pkg-config libcli11-dev libhiredis-dev cppzmq-dev libzmq3-dev \
       nlohmann-json3-dev libcurl4-openssl-dev libre2-dev libgtest-dev bats bats-assert bats-support \
       redis-server python3 python3-zmq openssl mandoc bash-completion zsh fish procps util-linux time \
       glusterfs-server python3-requests python3-jwt iproute2 nginx libmsgpack-cxx-dev python3-msgpack systemd \
       libnats-dev nats-server pmccabe libssl-dev libcpp-httplib-dev libmicrohttpd-dev prometheus jq curl
# The npm peers of the tests (nats in tests/nats.bats, the CloudEvents SDK
# in tests/cloudevents.bats and tests/http.bats with standardwebhooks and
# @octokit/webhooks-methods, each
# installed by its suite on first use):
# Debian's node and npm, unless a
# node with its own npm is there already (NodeSource's nodejs carries npm and
# conflicts with Debian's npm package).
NODE_DEBS = $(if $(shell command -v npm 2>/dev/null),,nodejs npm)
# Only for `make bench`.
BENCH_DEBS = hyperfine mosquitto mosquitto-clients redis-tools python3-requests wrk webhook

CMAKE_FLAGS += -DCMAKE_INSTALL_PREFIX=$(PREFIX)
ifneq ($(CI),)
CMAKE_FLAGS += -DEVT_WERROR=ON
endif
ifneq ($(SANITIZE),)
CMAKE_FLAGS += -DEVT_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
endif

FUZZ_SECONDS ?= 60
# Only for `make deb`.
DEB_DEBS = dpkg-dev file man-db
# Only for `make tidy`.
TIDY_DEBS = clang-tidy clang-format
# Only for `make fuzz`.
FUZZ_DEBS = clang libclang-rt-14-dev

.PHONY: all deps bench-deps fuzz-deps deb-deps tidy-deps build binaries check demo install bench fuzz deb tidy clean

all: deps build

deps:
	@tests/install-deps.sh $(DEBS) $(NODE_DEBS)

bench-deps:
	@tests/install-deps.sh $(DEBS) $(BENCH_DEBS)

deb-deps:
	@tests/install-deps.sh $(DEBS) $(DEB_DEBS)

tidy-deps:
	@tests/install-deps.sh $(DEBS) $(TIDY_DEBS)

fuzz-deps:
	@tests/install-deps.sh $(DEBS) $(FUZZ_DEBS)

build:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

check: all
	BUILD=$(BUILD) SANITIZE=$(SANITIZE) tests/check.sh

# Only what the demo runs: the unit tests are built by `make check`.
binaries: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target event-fire event-listen event-handle eventsapi event-tools-zmq event-tools-nats -- --no-print-directory

demo: binaries
	@BUILD=$(BUILD) tests/demo.sh

install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

# clang-tidy's bugprone and performance checks (.clang-tidy names what it leaves out).
tidy: tidy-deps build
	BUILD=$(BUILD) tests/tidy.sh

bench: bench-deps build
	BUILD=$(BUILD) tests/bench/run-all.sh

# Each libFuzzer target for FUZZ_SECONDS, after replaying its kept crashes.
fuzz: fuzz-deps
	CXX=clang++ cmake -S . -B build-fuzz -DEVT_FUZZ=ON -DEVT_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build-fuzz --target fuzz-targets -j $(JOBS)
	tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

# A .deb (CPack) of what `make install` installs under /usr, in build-deb/.
deb: deb-deps
	cmake -S . -B build-deb -DCMAKE_INSTALL_PREFIX=/usr -DEVT_TESTS=OFF $(if $(CI),-DEVT_WERROR=ON) >/dev/null
	cmake --build build-deb -j $(JOBS)
	cd build-deb && cpack -G DEB >/dev/null && ls "$$PWD"/event-tools_*.deb

clean:
	rm -rf build build-asan build-fuzz build-deb
