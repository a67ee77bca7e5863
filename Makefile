# kv: build, test and install.
#
#   make            libkv.a, libkv.so, kvctl            (into build/)
#   make demo       build, then run a short kvctl session on a new store
#   make test       the whole test suite; ends with "N passed, N failed"
#   make asan       the test suite under AddressSanitizer and UBSan
#   make valgrind   the unit tests under valgrind
#   make bench      benchmarks beside git, libgit2 and raw LMDB (bench/)
#   make deps       install the Debian packages the build and tests need
#   make install    PREFIX=/usr/local DESTDIR=...; make uninstall
#   make format / format-check, fuzz, clean
#
# Sources are picked up by folder, so adding a file needs no edit here.

PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build

SONAME_MAJOR := 0
VERSION := 0.1.0

CC ?= cc
OPT ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wundef -Wvla
PKGS := libgit2 lmdb zlib libcbor libcrypto
DEPS_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEPS_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lgit2 -llmdb -lz -lcbor -lcrypto) -lpthread
CFLAGS_ALL = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L $(OPT) $(WARN) \
	-fPIC -fvisibility=hidden -Iinclude -Istore -Isync -Itests $(DEPS_CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS_ALL = $(EXTRA_LDFLAGS)

LIB_SRC := $(wildcard store/*.c) $(wildcard backends/*.c) $(wildcard sync/*.c)
CLI_SRC := $(wildcard cli/*.c)
TEST_SRC := tests/runner.c $(wildcard tests/unit/*/*.c) $(wildcard tests/conformance/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/obj/%.o)

LIBA := $(BUILD)/libkv.a
LIBSO := $(BUILD)/libkv.so.$(VERSION)
KVCTL := $(BUILD)/kvctl
RUNNER := $(BUILD)/tests/runner

.PHONY: all lib test asan valgrind demo deps check-deps install uninstall \
	clean format format-check fuzz bench bench-quick headertest

all: check-deps $(LIBA) $(LIBSO) $(KVCTL)

lib: $(LIBA) $(LIBSO)

# Install the Debian packages we need when a library is missing, so a
# fresh Debian 12 machine needs nothing but `make test`.
check-deps:
	@pkg-config --exists $(PKGS) && [ -f /usr/include/lmdb.h ] && \
		(for c in git python3 mdb_stat setpriv pkill; do \
			command -v $$c >/dev/null || exit 1; done) || \
		$(MAKE) --no-print-directory deps

deps:
	@echo "make deps: installing build and test dependencies"
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
		build-essential pkg-config libgit2-dev liblmdb-dev zlib1g-dev \
		libcbor-dev libssl-dev git lmdb-utils python3 procps util-linux >/dev/null

# Test functions are found by name, not declared in headers.
$(BUILD)/obj/tests/%.o: WARN += -Wno-missing-prototypes -Wno-format-nonliteral

$(BUILD)/obj/%.o: %.c include/kv.h include/kv_backend.h $(wildcard store/*.h) $(wildcard sync/*.h) $(wildcard backends/*.h) $(wildcard cli/*.h) $(wildcard tests/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(LIBA): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(LIBSO): $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libkv.so.$(SONAME_MAJOR) $(LDFLAGS_ALL) -o $@ $^ $(DEPS_LIBS)
	ln -sf libkv.so.$(VERSION) $(BUILD)/libkv.so.$(SONAME_MAJOR)
	ln -sf libkv.so.$(VERSION) $(BUILD)/libkv.so

$(KVCTL): $(CLI_OBJ) $(LIBA)
	$(CC) $(LDFLAGS_ALL) -o $@ $(CLI_OBJ) $(LIBA) $(DEPS_LIBS)

# The unit runner's test list is generated from the test sources (as clar
# does): every `void test_<module>_<topic>__<case>(void)` is a test.
$(BUILD)/tests/tests.inc: $(TEST_SRC) tests/gen-tests.sh
	@mkdir -p $(dir $@)
	sh tests/gen-tests.sh $(filter-out tests/runner.c,$(TEST_SRC)) > $@

$(BUILD)/obj/tests/runner.o: tests/runner.c $(BUILD)/tests/tests.inc tests/test.h include/kv.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -I$(BUILD)/tests -c $< -o $@

$(RUNNER): $(TEST_OBJ) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $(TEST_OBJ) $(LIBA) $(DEPS_LIBS)

# The header compiles as strict C99 and as C++.
headertest: include/kv.h include/kv_backend.h
	@mkdir -p $(BUILD)
	$(CC) -std=c99 -pedantic -Werror -Wall -Wextra -Iinclude -fsyntax-only tests/headertest.c
	$(CXX) -x c++ -Werror -Wall -Wextra -Iinclude -fsyntax-only tests/headertest.c

-include tests/fuzz/fuzz.mk

test: all $(RUNNER) headertest $(FUZZ_REPLAY)
	@BUILD=$(BUILD) EXTRA_LDFLAGS="$(EXTRA_LDFLAGS)" sh tests/run.sh

asan:
	$(MAKE) BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
		EXTRA_LDFLAGS="-fsanitize=address,undefined" test

# The runner forks a child per test: follow them, but not into git or sh.
# VALGRIND_TESTS narrows it (runner -s patterns), e.g. "-s merge".
valgrind: $(RUNNER)
	valgrind -q --trace-children=yes --trace-children-skip='/usr/*,/bin/*' \
		--leak-check=full --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=1 $(RUNNER) $(VALGRIND_TESTS)

demo: all
	@sh tools/demo.sh $(KVCTL)

install: all
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 644 include/kv.h include/kv_backend.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(LIBA) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIBSO) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libkv.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libkv.so.$(SONAME_MAJOR)
	ln -sf libkv.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libkv.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' kv.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/kv.pc
	install -m 755 $(KVCTL) $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 cli/kvctl.1 $(DESTDIR)$(PREFIX)/share/man/man1/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/include/kv.h $(DESTDIR)$(PREFIX)/include/kv_backend.h \
		$(DESTDIR)$(PREFIX)/lib/libkv.a $(DESTDIR)$(PREFIX)/lib/libkv.so* \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig/kv.pc $(DESTDIR)$(PREFIX)/bin/kvctl \
		$(DESTDIR)$(PREFIX)/share/man/man1/kvctl.1

FORMAT_SRC = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(FORMAT_SRC)
format-check:
	clang-format --dry-run -Werror $(FORMAT_SRC)

-include bench/bench.mk

clean:
	rm -rf build
