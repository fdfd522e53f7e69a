# Makefile -- builds callbridge, its simulated phone network and its tests.
#
#   make            release build into build/
#   make check      sanitizer build (ASan+UBSan) into build-asan/, unit
#                   tests, fuzz smoke run, then the integration suite
#   make bench      the benchmarks under bench/ (long; not part of check)
#   make demo       start callbridge + the simulated network on loopback
#
# Every subsystem is a directory under src/; its .c files are picked up
# automatically.  src/simnet/ is a separate program, tests/unit/ another.

VERSION  := 0.1.0
BUILD    ?= build
PKGS     := libre librem libsodium sqlite3
CC       ?= gcc

WARN     := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	    -Wvla -Werror
DEFS     := -DHAVE_INTTYPES_H -DHAVE_STDBOOL_H -DRELEASE -DUSE_OPENSSL \
	    -D_GNU_SOURCE -DCB_VERSION=\"$(VERSION)\"
OPT      ?= -O2 -g
SAN      ?=
CFLAGS   += -std=c11 $(OPT) $(WARN) $(DEFS) $(SAN) -Iinclude -Isrc \
	    $(shell pkg-config --cflags $(PKGS))
LDLIBS   += $(shell pkg-config --libs $(PKGS)) -lpthread -lm -ldl
# our timer heap (src/core/timer.c), SIP start-line guard
# (src/sip/guard.c), HTTP connection guard (src/api/conn.c) and webhook
# certificate check (src/api/tls.c) must interpose libre's own functions
LDFLAGS  += $(SAN) -Wl,--export-dynamic-symbol='tmr_*' \
	    -Wl,--export-dynamic-symbol=sip_msg_decode \
	    -Wl,--export-dynamic-symbol=tcp_accept \
	    -Wl,--export-dynamic-symbol=tls_set_servername

LIB_SRC  := $(sort $(wildcard src/core/*.c src/call/*.c src/sip/*.c \
	      src/media/*.c src/tts/*.c src/store/*.c src/auth/*.c \
	      src/api/*.c src/money/*.c src/meter/*.c \
	      src/acd/*.c src/cc/*.c src/conf/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
SIM_SRC  := $(sort $(wildcard src/simnet/*.c))
SIM_OBJ  := $(SIM_SRC:%.c=$(BUILD)/%.o)
UT_SRC   := $(sort $(wildcard tests/unit/*.c))
UT_OBJ   := $(UT_SRC:%.c=$(BUILD)/%.o)
BENCH_SRC:= $(sort $(wildcard bench/*.c))
BENCH_BIN:= $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
# a benchmark split by operation: bench/<name>/*.c -> build/bench/<name>
BENCH_DIR:= $(sort $(patsubst bench/%/,%,$(dir $(wildcard bench/*/*.c))))
BENCH_OBJ:= $(patsubst bench/%.c,$(BUILD)/bench-obj/%.o,\
	      $(sort $(wildcard bench/*/*.c)))
BENCH_BIN+= $(BENCH_DIR:%=$(BUILD)/bench/%)

BIN      := $(BUILD)/callbridge $(BUILD)/cb-simnet $(BUILD)/unittest \
	    $(BENCH_BIN)

all: $(BIN) $(BUILD)/prompts/.done

$(BUILD)/prompts/.done: prompts/prompts.txt scripts/make-prompts
	scripts/make-prompts $(BUILD)/prompts
	@touch $@

$(BUILD)/libcb.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/callbridge: $(BUILD)/src/main.o $(BUILD)/libcb.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/cb-simnet: $(SIM_OBJ) $(BUILD)/libcb.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# the one registry of unit tests: every `int test_*(void)` definition
$(BUILD)/tests/unit/registry.h: $(UT_SRC)
	@mkdir -p $(dir $@)
	@sed -n 's/^int \(test_[a-z0-9_]*\)(void)$$/TEST(\1)/p' $^ > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp

$(BUILD)/tests/unit/main.o: $(BUILD)/tests/unit/registry.h
$(BUILD)/tests/unit/main.o: CFLAGS += -I$(BUILD)/tests/unit

$(BUILD)/unittest: $(UT_OBJ) $(BUILD)/libcb.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

# bench/ledger.c measures the money API itself: it links libcb
$(BUILD)/bench/ledger: $(BUILD)/libcb.a
$(BUILD)/bench/ledger: LDLIBS := $(BUILD)/libcb.a $(LDLIBS)
# bench/meter.c measures the meter (src/meter/) itself: it links libcb
$(BUILD)/bench/meter: $(BUILD)/libcb.a
$(BUILD)/bench/meter: LDLIBS := $(BUILD)/libcb.a $(LDLIBS)
# bench/acd.c measures the ACD core (src/acd/) itself: it links libcb
$(BUILD)/bench/acd: $(BUILD)/libcb.a
$(BUILD)/bench/acd: LDLIBS := $(BUILD)/libcb.a $(LDLIBS)
# bench/conf/ measures the media engine's mixer itself: it links libcb
$(BUILD)/bench/conf: $(BUILD)/libcb.a
$(BUILD)/bench/conf: LDLIBS := $(BUILD)/libcb.a $(LDLIBS)

# objects of bench/<name>/ go to bench-obj/<name>/: bench/<name> is the
# program; one link rule per directory, its objects as prerequisites
$(BUILD)/bench-obj/%.o: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

define bench_dir_rule
$(BUILD)/bench/$(1): $(filter $(BUILD)/bench-obj/$(1)/%,$(BENCH_OBJ))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach d,$(BENCH_DIR),$(eval $(call bench_dir_rule,$(d))))

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(LIB_OBJ:.o=.d) $(SIM_OBJ:.o=.d) $(UT_OBJ:.o=.d) \
	 $(BENCH_OBJ:.o=.d) $(BUILD)/src/main.d

# --- tests ---------------------------------------------------------------

ASAN := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined

asan:
	$(MAKE) -j2 BUILD=build-asan OPT="-O1 -g" SAN="$(ASAN)" all

fuzz: build-fuzz/fuzz_sip
build-fuzz/fuzz_sip: tests/fuzz/fuzz_sip.c $(LIB_SRC)
	@mkdir -p build-fuzz
	clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined $(DEFS) \
	    -Iinclude -Isrc $(shell pkg-config --cflags $(PKGS)) -o $@ \
	    $^ $(LDLIBS)

check:
	$(MAKE) -j2 all
	$(MAKE) asan
	$(MAKE) fuzz
	tests/run-all

bench: all
	bench/run-all

demo: all
	scripts/demo

docs: $(BUILD)/callbridge
	scripts/config-doc-md $(BUILD)/callbridge

clean:
	rm -rf build build-asan build-fuzz

.PHONY: all asan fuzz check bench demo docs clean
