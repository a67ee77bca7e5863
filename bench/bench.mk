# bench/bench.mk: benchmarks, included by the top Makefile (see bench/README.md).
#
#   make bench                      every workload at full size, medians of
#                                   3 runs; writes bench/results/<date>.json
#   make bench-quick                every workload at 1/100 size, one run,
#                                   checks that each ran (CI smoke test)
#   make bench-profile W=W1 TOOL=perf|callgrind [SCALE=0.1]
#                                   one kv workload under a profiler
#   BENCH_ARGS="..."                more options for bench/run.py
#                                   (--runs N, --scale F, --only W1,W2, ...)
#
# Programs go to $(BUILD)/bench/. The anchors (raw LMDB, libgit2, the
# fast-import stream writer) need only the system libraries; kv_bench links
# $(LIBA) and is built only when libkv.a defines the core API it calls, so
# the anchors run (and kv rows say "not landed") before the store exists.

BENCH_DIR := $(BUILD)/bench
BENCH_ANCHORS := $(BENCH_DIR)/datagen $(BENCH_DIR)/lmdb_anchor \
	$(BENCH_DIR)/git2_anchor $(BENCH_DIR)/measure
BENCH_KV := $(BENCH_DIR)/kv_bench
BENCH_KVCTL := $(if $(wildcard cli/*.c),$(KVCTL))
BENCH_CORE_API := kv_store_open kv_txn_begin kv_txn_set kv_txn_commit \
	kv_get kv_set kv_commit_lookup kv_backend_lmdb_new
BENCH_RUN = python3 bench/run.py --build $(BUILD)

.PHONY: bench-progs bench-profile

$(BENCH_ANCHORS): $(BENCH_DIR)/%: bench/%.c bench/data.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(DEPS_LIBS)

$(BENCH_DIR)/kv_bench.o: bench/kv_bench.c bench/data.h include/kv.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

# Linked only if libkv.a defines every function kv_bench calls; otherwise
# the binary is removed and bench/run.py reports the kv rows as not landed.
$(BENCH_KV): $(BENCH_DIR)/kv_bench.o $(LIBA)
	@missing=; for s in $(BENCH_CORE_API); do \
		nm -g --defined-only $(LIBA) 2>/dev/null | \
			grep -q " T $$s$$" || missing="$$missing $$s"; \
	done; \
	if [ -z "$$missing" ]; then \
		echo "$(CC) -o $@ $< $(LIBA) $(DEPS_LIBS)"; \
		$(CC) $(LDFLAGS_ALL) -o $@ $< $(LIBA) $(DEPS_LIBS); \
	else \
		rm -f $@; \
		echo "bench: libkv.a lacks$$missing; kv rows will say not landed"; \
	fi

bench-progs: check-deps $(BENCH_ANCHORS) $(BENCH_KV) $(BENCH_KVCTL)

bench: bench-progs
	$(BENCH_RUN) $(BENCH_ARGS)

bench-quick: bench-progs
	$(BENCH_RUN) --quick $(BENCH_ARGS)

W ?= W1
TOOL ?= perf
bench-profile: bench-progs
	$(BENCH_RUN) --profile $(W) --tool $(TOOL) $(if $(SCALE),--scale $(SCALE)) $(BENCH_ARGS)
