# Fuzz targets (included by the top Makefile).
#
#   make test   builds each target with the standalone driver and replays
#               its corpus (tests/fuzz/t0001-replay.sh)
#   make fuzz   builds them with clang's libFuzzer into build/fuzz/ and runs
#               each for FUZZ_SECONDS (default 60); new crashes land in
#               build/fuzz/crash-*; add each as a corpus file and a test

FUZZ_TARGETS := tree commit key cbor graph
FUZZ_REPLAY := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/replay_%)
FUZZ_SECONDS ?= 60

$(BUILD)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/driver.c $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Ibackends -Wno-missing-prototypes $(LDFLAGS_ALL) -o $@ \
		tests/fuzz/fuzz_$*.c tests/fuzz/driver.c $(LIBA) $(DEPS_LIBS)

fuzz:
	@mkdir -p build/fuzz
	$(MAKE) BUILD=build/fuzz CC=clang OPT="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" \
		EXTRA_LDFLAGS="-fsanitize=address,undefined" build/fuzz/libkv.a
	for t in $(FUZZ_TARGETS); do \
		clang -O1 -g -fsanitize=fuzzer,address,undefined -Iinclude -Istore -Isync -Ibackends \
			tests/fuzz/fuzz_$$t.c build/fuzz/libkv.a $(DEPS_LIBS) \
			-o build/fuzz/fuzz_$$t || exit 1; \
		mkdir -p build/fuzz/corpus_$$t; \
		build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
			-artifact_prefix=build/fuzz/ build/fuzz/corpus_$$t \
			tests/fuzz/corpus/$$t || exit 1; \
	done
