# sidelog: one static binary, built from pinned sources.
#
#   make          build/sidelog: static (musl), stripped
#   make ARCH=arm64  build/arm64/sidelog: the same, for aarch64 (cross-built)
#   make check    both builds, then every unit and end-to-end test on each
#   make check-arm64  the arm64 build's unit tests and an end-to-end
#                 subset, run under qemu-aarch64-static
#   make demo     the main job on a local example
#   make bench    the benchmark (tests/bench/)
#   make asan     build/asan/sidelog: glibc, -fsanitize=address,undefined
#   make image    Dockerfile.sidecar as sidelog:latest, amd64 and arm64
#   make image-check  the image checked, the example pods run (podman)
#
# Flavours are built from the same sources by the same rules: "static"
# with a musl toolchain built here from source, "asan" with the system's
# gcc and glibc, "arm64" as "static" but with a musl built by Debian's
# aarch64 cross compiler.  Third-party sources are fetched once into
# build/dl (src/deps/fetch.sh, pins in src/deps/deps.mk), unpacked and
# patched (src/deps/*.patch) under build/src; after that the build is
# offline and incremental.

include src/deps/deps.mk

B		:= build
DL		:= $(B)/dl
SRCDIR		:= $(B)/src
MUSL		:= $(abspath $(B)/musl)
MUSL_CC		:= $(MUSL)/bin/musl-gcc
MUSL_ARM64	:= $(abspath $(B)/musl-arm64)
ARM64_TRIPLET	:= aarch64-linux-gnu
JOBS		?= $(shell nproc 2>/dev/null || echo 2)
MAKEFLAGS	+= -j$(JOBS)
PYTEST		?= /usr/bin/python3 -m pytest
SIDELOG_VERSION	:= $(shell cat src/VERSION)
# Debian's names: the host's architecture, and the one `make` builds.
# Any other than the host's goes to build/ARCH/sidelog (arm64 only, so far).
HOST_ARCH	:= $(subst x86_64,amd64,$(subst aarch64,arm64,$(shell uname -m)))
ARCH		?= $(HOST_ARCH)
# An ARCH from the environment may be the kernel's name for it.
override ARCH	:= $(subst x86_64,amd64,$(subst aarch64,arm64,$(ARCH)))
# The arm64 binaries run under qemu's user-mode emulator, called
# directly (no binfmt_misc), unless the host is arm64 itself.
ifeq ($(HOST_ARCH),arm64)
ARM64_RUN	:=
else
ARM64_RUN	:= qemu-aarch64-static
endif

MBEDTLS_SRC	:= $(SRCDIR)/$(MBEDTLS_DIR)
ZLIB_SRC	:= $(SRCDIR)/$(ZLIB_DIR)
INIH_SRC	:= $(SRCDIR)/$(INIH_DIR)
CMOCKA_SRC	:= $(SRCDIR)/$(CMOCKA_DIR)

# Our code: warnings are errors; the banned calls are checked below.
WARN		:= -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
		   -Wmissing-prototypes -Wformat=2 -Wvla -Wno-unused-parameter \
		   -Wno-missing-field-initializers \
		   -Werror
DEFS		:= -D_GNU_SOURCE -DSIDELOG_VERSION='"$(SIDELOG_VERSION)"' \
		   -DSIDELOG_INIH_VERSION='"$(INIH_VERSION)"'
DEP_DEFS	:= -DMBEDTLS_CONFIG_FILE='"mbedtls_config.h"' \
		   -DINI_HANDLER_LINENO=1 -DINI_CALL_HANDLER_ON_NEW_SECTION=1 \
		   -DINI_ALLOW_MULTILINE=0 -DINI_USE_STACK=0 \
		   -DINI_MAX_LINE=4096 -DINI_ALLOW_REALLOC=1 \
		   -DINI_STOP_ON_FIRST_ERROR=0 -DINI_ALLOW_BOM=1
INCS		:= -Isrc -Isrc/deps -I$(MBEDTLS_SRC)/include -I$(ZLIB_SRC) \
		   -I$(INIH_SRC)
CMOCKA_DEFS	:= -D_GNU_SOURCE -DHAVE_SIGNAL_H -DHAVE_INTTYPES_H -DHAVE_STRINGS_H \
		   -DHAVE_STRUCT_TIMESPEC -DHAVE_CLOCK_REALTIME \
		   -DHAVE_SIGLONGJMP -DHAVE_STRSIGNAL -DHAVE_UINTPTR_T \
		   -DHAVE_GCC_THREAD_LOCAL_STORAGE

static_CC	:= $(MUSL_CC)
# musl's x86_64 memcpy is `rep movsq` whatever the size, about 30 cycles
# to start: the records are built of copies of 3 to 60 bytes, which took
# half of the CPU of parse = logfmt.  GCC copies those inline instead,
# and calls memcpy from 256 bytes on (tests/bench/hotpath.py --cpu).
# musl's aarch64 memcpy has no such start.
COPY_amd64	:= -minline-stringops-dynamically \
		   -mmemcpy-strategy=unrolled_loop:256:noalign,libcall:-1:noalign
MUSL_CFLAGS	:= -std=c11 -O2 -g -fstack-protector-strong \
		   -ffunction-sections -fdata-sections
static_CFLAGS	:= $(MUSL_CFLAGS) $(COPY_$(HOST_ARCH))
static_LDFLAGS	:= -static -Wl,--gc-sections
# mbedtls for size: its hot paths (AES-NI, GCM) are intrinsics either way.
static_MBEDTLS_OPT := -Os
# zlib for speed: -O3 took a catch-up's CPU 5% lower than -O2 (16 KB).
static_ZLIB_OPT	:= -O3
static_AR	:= ar
# The static build for aarch64: the same flags, musl's wrapper around
# Debian's cross gcc, and that toolchain's ar and strip.
arm64_CC	:= $(MUSL_ARM64)/bin/musl-gcc
arm64_CFLAGS	:= $(MUSL_CFLAGS)
arm64_LDFLAGS	:= $(static_LDFLAGS)
arm64_MBEDTLS_OPT := $(static_MBEDTLS_OPT)
arm64_ZLIB_OPT	:= $(static_ZLIB_OPT)
arm64_AR	:= $(ARM64_TRIPLET)-ar
arm64_LINKED	:= $(B)/arm64/sidelog.debug
asan_CC		:= gcc
asan_CFLAGS	:= -std=c11 -O1 -g -fno-omit-frame-pointer \
		   -fsanitize=address,undefined -fno-sanitize-recover=undefined
asan_LDFLAGS	:= -fsanitize=address,undefined
asan_AR		:= ar
# make fuzz only: clang with libFuzzer's coverage hooks; the targets
# link with -fsanitize=fuzzer, which brings libFuzzer's main().
fuzz_CC		:= clang
fuzz_CFLAGS	:= -std=c11 -O1 -g -fno-omit-frame-pointer \
		   -fsanitize=fuzzer-no-link,address,undefined \
		   -fno-sanitize-recover=undefined
fuzz_LDFLAGS	:= -fsanitize=address,undefined
fuzz_AR		:= ar
# What must exist before a flavour's first compile.
static_TOOLCC	:= $(MUSL_CC)
arm64_TOOLCC	:= $(arm64_CC)
fuzz_TOOLCC	:= fuzz-tools

# make V=1 shows the commands.
ifeq ($(V),1)
Q	:=
say	:= @true
else
Q	:= @
say	:= @printf '  %-7s %s\n'
endif

.PHONY: all asan check unit e2e lint demo bench fuzz fuzz-tools tools \
	arm64-tools check-arm64 image image-check clean distclean FORCE
ifeq ($(ARCH),$(HOST_ARCH))
all: $(B)/sidelog
else ifeq ($(ARCH),arm64)
all: $(B)/arm64/sidelog
else
$(error ARCH=$(ARCH): only the host's ($(HOST_ARCH)) and arm64 are built)
endif

# --- sources ----------------------------------------------------------

# A tree is unpacked afresh, then patched ($(1)_PATCHES, in deps.mk), so
# a patch applies exactly once.  The .extracted stamp lists the patches
# the tree has: a tree whose list is not the current one, or older than
# one of its patches, is unpacked and patched again.
stamp_is_stale = $(shell test "$$(cat $(SRCDIR)/$($(1)_DIR)/.extracted \
    2>/dev/null)" = "$(strip $($(1)_PATCHES))" || echo FORCE)
define fetch_rule
$(DL)/$($(1)_TARBALL):
	sh src/deps/fetch.sh $(DL) $(B)/apt $(DEB_SUITE) $($(1)_DEBSRC) \
	    $($(1)_TARBALL) $($(1)_SHA256)
$(SRCDIR)/$($(1)_DIR)/.extracted: $(DL)/$($(1)_TARBALL) $($(1)_PATCHES) \
    $(call stamp_is_stale,$(1)) | tools
	@mkdir -p $(SRCDIR)
	rm -rf $(SRCDIR)/$($(1)_DIR)
	tar -C $(SRCDIR) -xf $$<
	$(foreach p,$($(1)_PATCHES),patch -s -d $(SRCDIR)/$($(1)_DIR) -p1 <$(p) && ) true
	echo "$(strip $($(1)_PATCHES))" >$$@
endef
FORCE:
$(foreach d,MUSL MBEDTLS ZLIB INIH CMOCKA,$(eval $(call fetch_rule,$(d))))

# Build tools a fresh machine may lack (bzip2, xz-utils for the tarballs).
tools:
	@sh src/deps/install-tools.sh build

# The cross compiler, and qemu to run what it builds.
arm64-tools:
	@sh src/deps/install-tools.sh arm64

# Our command line's variables stay ours: musl's make has an ARCH of its
# own (aarch64, x86_64), which `make ARCH=arm64` would override.
MAKEOVERRIDES	=
# musl, built out of its tree into $(B)/$(1); its musl-gcc wrapper,
# which runs the gcc musl was configured with, is our compiler.  $(2)
# is configure's extra arguments, $(3) what must exist first.
define musl_rule
$(abspath $(B)/$(1))/bin/musl-gcc: $(SRCDIR)/$(MUSL_DIR)/.extracted | $(3)
	rm -rf $(B)/$(1)-obj && mkdir -p $(B)/$(1)-obj
	cd $(B)/$(1)-obj && $(abspath $(SRCDIR)/$(MUSL_DIR))/configure \
	    --prefix=$(abspath $(B)/$(1)) --disable-shared \
	    --syslibdir=$(abspath $(B)/$(1))/lib $(2) \
	    CFLAGS="-O2" >configure.log
	$(MAKE) -C $(B)/$(1)-obj -j$(JOBS) >$(B)/$(1)-obj/build.log
	$(MAKE) -C $(B)/$(1)-obj install >>$(B)/$(1)-obj/build.log
	rm -rf $(B)/$(1)-obj
	test -x $$@
endef
$(eval $(call musl_rule,musl,,))
# configure makes musl-gcc by default only where CC has a glibc, which
# Debian's cross gcc has not without libc6-dev-arm64-cross: asked for.
$(eval $(call musl_rule,musl-arm64,--target=$(ARM64_TRIPLET) --enable-wrapper=gcc \
    CC=$(ARM64_TRIPLET)-gcc,arm64-tools))

# The list of third-party files is known only once they are unpacked;
# make rereads this generated file after making it.
ifeq ($(filter clean distclean tools image image-check,$(MAKECMDGOALS)),)
include $(B)/sources.mk
endif
$(B)/sources.mk: src/deps/deps.mk $(MBEDTLS_SRC)/.extracted \
    $(ZLIB_SRC)/.extracted $(INIH_SRC)/.extracted $(CMOCKA_SRC)/.extracted
	{ echo "MBEDTLS_FILES := $$(cd $(MBEDTLS_SRC)/library && ls *.c | sed 's/\.c$$//' | tr '\n' ' ')"; \
	  echo "ZLIB_FILES := adler32 crc32 deflate inflate inffast inftrees trees zutil"; \
	} > $@

# --- our sources ------------------------------------------------------

# Every src/*.c is ours; src/README.md is their map.
SIDELOG_FILES	:= $(sort $(basename $(notdir $(wildcard src/*.c))))
TEST_UNITS	:= $(patsubst tests/unit/test_%.c,%,$(wildcard tests/unit/test_*.c))

# One flavour: objects, libraries, the binary and the unit tests.
# $(1) is the flavour name; the CC of "static" needs musl built first.
define flavour
$(1)_O		:= $(B)/$(1)
$(1)_SELF	:= $$(addprefix $(B)/$(1)/obj/,$$(addsuffix .o,$(SIDELOG_FILES)))
$(1)_LIBS	:= $(B)/$(1)/lib/libmbedtls.a $(B)/$(1)/lib/libz.a \
		   $(B)/$(1)/lib/libinih.a
$(1)_LINKED	?= $(B)/$(1)/sidelog

$(B)/$(1)/obj/%.o: src/%.c $(B)/sources.mk | $$($(1)_TOOLCC)
	@mkdir -p $$(@D)
	$(say) CC $$@
	$(Q)$$($(1)_CC) $$($(1)_CFLAGS) $(WARN) $(DEFS) $(DEP_DEFS) $(INCS) \
	    -MMD -MP -c $$< -o $$@
# The stamp too: unpacked files keep the tarball's old times, so only
# the stamp tells that the tree was unpacked and patched again.
$(B)/$(1)/mbedtls/%.o: $(MBEDTLS_SRC)/library/%.c src/deps/mbedtls_config.h \
    $(MBEDTLS_SRC)/.extracted | $$($(1)_TOOLCC)
	@mkdir -p $$(@D)
	$(say) CC $$@
	$(Q)$$($(1)_CC) $$($(1)_CFLAGS) $$($(1)_MBEDTLS_OPT) $(DEP_DEFS) $(INCS) -I$(MBEDTLS_SRC)/library \
	    -c $$< -o $$@
$(B)/$(1)/zlib/%.o: $(ZLIB_SRC)/%.c | $$($(1)_TOOLCC)
	@mkdir -p $$(@D)
	$(say) CC $$@
	$(Q)$$($(1)_CC) $$($(1)_CFLAGS) $$($(1)_ZLIB_OPT) -DHAVE_UNISTD_H -I$(ZLIB_SRC) -c $$< -o $$@
$(B)/$(1)/inih/ini.o: $(INIH_SRC)/ini.c | $$($(1)_TOOLCC)
	@mkdir -p $$(@D)
	$(say) CC $$@
	$(Q)$$($(1)_CC) $$($(1)_CFLAGS) $(DEP_DEFS) -c $$< -o $$@
$(B)/$(1)/cmocka/cmocka.o: $(CMOCKA_SRC)/src/cmocka.c | $$($(1)_TOOLCC)
	@mkdir -p $$(@D)
	$(say) CC $$@
	$(Q)$$($(1)_CC) $$($(1)_CFLAGS) $(CMOCKA_DEFS) -I$(CMOCKA_SRC)/include \
	    -c $$< -o $$@

$(B)/$(1)/lib/libmbedtls.a: $$(addprefix $(B)/$(1)/mbedtls/,$$(addsuffix .o,$$(MBEDTLS_FILES)))
	@mkdir -p $$(@D)
	$(say) AR $$@
	$(Q)rm -f $$@ && $$($(1)_AR) rcs $$@ $$^
$(B)/$(1)/lib/libz.a: $$(addprefix $(B)/$(1)/zlib/,$$(addsuffix .o,$$(ZLIB_FILES)))
	@mkdir -p $$(@D)
	$(say) AR $$@
	$(Q)rm -f $$@ && $$($(1)_AR) rcs $$@ $$^
$(B)/$(1)/lib/libinih.a: $(B)/$(1)/inih/ini.o
	@mkdir -p $$(@D)
	$(say) AR $$@
	$(Q)rm -f $$@ && $$($(1)_AR) rcs $$@ $$^

# Our objects but main.o in an archive: a unit test links only the
# modules it uses.
$(B)/$(1)/lib/libsidelog.a: $$(filter-out %/main.o,$$($(1)_SELF))
	@mkdir -p $$(@D)
	$(say) AR $$@
	$(Q)rm -f $$@ && $$($(1)_AR) rcs $$@ $$^

$$($(1)_LINKED): $(B)/$(1)/obj/main.o $(B)/$(1)/lib/libsidelog.a $$($(1)_LIBS)
	$(say) LD $$@
	$(Q)$$($(1)_CC) $$($(1)_CFLAGS) $$($(1)_LDFLAGS) -o $$@ $$^

$(B)/$(1)/test/test_%: tests/unit/test_%.c $(B)/$(1)/lib/libsidelog.a \
    $$($(1)_LIBS) $(B)/$(1)/cmocka/cmocka.o
	@mkdir -p $$(@D)
	$(say) CC $$@
	$(Q)$$($(1)_CC) $$($(1)_CFLAGS) $(WARN) $(DEFS) $(DEP_DEFS) $(INCS) \
	    $(CMOCKA_DEFS) -I$(CMOCKA_SRC)/include -MMD -MP \
	    $$($(1)_LDFLAGS) -o $$@ $$(filter-out %.h,$$^)

-include $$(wildcard $(B)/$(1)/obj/*.d $(B)/$(1)/test/*.d)
endef
$(eval $(call flavour,static))
$(eval $(call flavour,asan))
$(eval $(call flavour,fuzz))
$(eval $(call flavour,arm64))

$(B)/sidelog: $(B)/static/sidelog
	strip -o $@ $<
# build/arm64/ holds the linked binary as "sidelog.debug", since its
# stripped twin takes the flavour's name there.
$(B)/arm64/sidelog: $(B)/arm64/sidelog.debug
	$(ARM64_TRIPLET)-strip -o $@ $<

asan: $(B)/asan/sidelog

# --- tests ------------------------------------------------------------

UNIT_BINS	:= $(foreach f,static asan,$(addprefix $(B)/$(f)/test/test_,$(TEST_UNITS)))

# Fuzz targets (tests/fuzz/fuzz_NAME.c): `make check` replays each one's
# seed corpus, tests/fuzz/corpus/NAME/, built with the ASan flavour;
# `make fuzz` runs libFuzzer on each for FUZZ_SECONDS, keeping what it
# learns under build/fuzz/corpus and what crashed under build/fuzz/crash.
FUZZ_TARGETS	:= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS	?= 60
REPLAY_BINS	:= $(addprefix $(B)/asan/fuzz/replay_,$(FUZZ_TARGETS))
FUZZ_BINS	:= $(addprefix $(B)/fuzz/fuzz/fuzz_,$(FUZZ_TARGETS))
FUZZ_SRC	:= tests/fuzz/util.c tests/fuzz/fuzz.h

$(B)/asan/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(FUZZ_SRC) \
    $(B)/asan/lib/libsidelog.a $(asan_LIBS)
	@mkdir -p $(@D)
	$(say) CC $@
	$(Q)$(asan_CC) $(asan_CFLAGS) $(WARN) $(DEFS) $(DEP_DEFS) $(INCS) \
	    -Itests/fuzz $(asan_LDFLAGS) -o $@ $(filter %.c %.a,$^)
$(B)/fuzz/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_SRC) \
    $(B)/fuzz/lib/libsidelog.a $(fuzz_LIBS)
	@mkdir -p $(@D)
	$(say) CC $@
	$(Q)$(fuzz_CC) $(fuzz_CFLAGS) $(WARN) $(DEFS) $(DEP_DEFS) $(INCS) \
	    -Itests/fuzz -fsanitize=fuzzer -o $@ $(filter %.c %.a,$^)

fuzz-tools:
	@sh src/deps/install-tools.sh fuzz

fuzz: $(FUZZ_BINS)
	@mkdir -p $(B)/fuzz/crash
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(B)/fuzz/corpus/$$t; \
	    echo "== fuzz $$t for $(FUZZ_SECONDS)s"; \
	    $(B)/fuzz/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
	        -max_len=65536 -print_final_stats=1 \
	        -artifact_prefix=$(B)/fuzz/crash/$$t- \
	        $(B)/fuzz/corpus/$$t tests/fuzz/corpus/$$t 2>&1 | \
	        grep -E '^(#[0-9]+ +DONE|stat::(number_of_executed_units|new_units_added|peak_rss_mb))|ERROR|SUMMARY|^=='; \
	done
	@if ls $(B)/fuzz/crash/* >/dev/null 2>&1; then \
	    echo "fuzz: inputs that failed are in $(B)/fuzz/crash"; exit 1; fi

check: unit e2e

unit: $(UNIT_BINS) $(REPLAY_BINS) lint
	@for t in $(UNIT_BINS); do \
	    echo "== $$t"; \
	    ( cd tests/unit && $(abspath $$t) ) || exit 1; \
	done
	@for t in $(FUZZ_TARGETS); do \
	    $(B)/asan/fuzz/replay_$$t tests/fuzz/corpus/$$t || exit 1; \
	done

e2e: $(B)/sidelog $(B)/asan/sidelog
	@sh src/deps/install-tools.sh test
	SIDELOG_BIN=$(abspath $(B)/sidelog) $(PYTEST) -q tests/e2e
	SIDELOG_BIN=$(abspath $(B)/asan/sidelog) $(PYTEST) -q tests/e2e

# The sidecar image, built from the committed sources by the same make
# in a Debian builder (tests/image/build.sh), then checked and run as the
# example pods with podman (tests/image/).
image:
	@sh tests/image/build.sh $(B)/image $(SIDELOG_VERSION)

image-check: image
	@sh src/deps/install-tools.sh image
	SIDELOG_VERSION=$(SIDELOG_VERSION) $(PYTEST) -q -rA tests/image

# --- arm64, under emulation ---------------------------------------------

# make check-arm64: the arm64 build's unit tests and fuzz corpora, and an
# end-to-end subset (shipping over HTTPS, rotation, kill -9 and restart,
# drain, TLS, the formats, processing, tee) plus tests/arm64, each binary
# run under $(ARM64_RUN) (called directly: no binfmt_misc).  The e2e
# tests drive a wrapper that execs qemu on build/arm64/sidelog: qemu-user
# runs the guest in its own process, so the tests signal and kill -9
# sidelog itself.  Left out are the tests that measure sidelog's memory
# or CPU (qemu's count too) or cap its address space (qemu reserves its
# own), and those that run no sidelog.
ARM64_UNIT_BINS	:= $(addprefix $(B)/arm64/test/test_,$(TEST_UNITS))
ARM64_REPLAY_BINS := $(addprefix $(B)/arm64/fuzz/replay_,$(FUZZ_TARGETS))
ARM64_E2E	:= run_basic tail_rotation tail_kill9 tail_truncate \
		   tail_identity tail_multiline tail_modes tail_hostile \
		   checkpoint_cases pod_life output_tls output_tls_rsa \
		   output_faults output_formats output_es_kill9 \
		   process_filter process_shape tee check_config cli_help
# test_output_tls's refusals wait out 20 s each, for code that is the
# same on every architecture; its handshakes that succeed stay.  tee's
# child would inherit signal 32 ignored from make: qemu keeps host
# signals 32 and 33 for its own C library and gives the guest others,
# so the guest's reset of its signal 32 never reaches the host's.
# test_tail_rotation's writer creates and deletes a file every 12 ms
# (5,000 lines at 400,000 a second): one deleted before sidelog opened it
# is lost by design (README), a race the emulated sidelog lost once in
# seven runs here; the same rotation without the delete stays.
ARM64_E2E_SKIP	:= -k 'not (bad_server_certificate or tls_1_1_only or \
		   mtls_without_client or default_signals_and_empty_mask or \
		   then-delete)'

$(B)/arm64/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(FUZZ_SRC) \
    $(B)/arm64/lib/libsidelog.a $(arm64_LIBS)
	@mkdir -p $(@D)
	$(say) CC $@
	$(Q)$(arm64_CC) $(arm64_CFLAGS) $(WARN) $(DEFS) $(DEP_DEFS) $(INCS) \
	    -Itests/fuzz $(arm64_LDFLAGS) -o $@ $(filter %.c %.a,$^)

$(B)/arm64/sidelog-emulated: Makefile
	@mkdir -p $(@D)
	printf '#!/bin/sh\nexec %s %s "$$@"\n' "$(ARM64_RUN)" \
	    "$(abspath $(B)/arm64/sidelog)" >$@
	chmod +x $@

check-arm64: $(B)/arm64/sidelog $(B)/arm64/sidelog-emulated \
    $(ARM64_UNIT_BINS) $(ARM64_REPLAY_BINS)
	@sh src/deps/install-tools.sh arm64-test
	@size=$$(stat -c %s $(B)/arm64/sidelog); \
	    echo "build/arm64/sidelog: $$size bytes"; \
	    test $$size -le 1048576 || { echo "check-arm64: binary over 1 MiB"; \
	        exit 1; }
	@for t in $(ARM64_UNIT_BINS); do \
	    echo "== $$t"; \
	    ( cd tests/unit && $(ARM64_RUN) $(abspath $$t) ) || exit 1; \
	done
	@for t in $(FUZZ_TARGETS); do \
	    $(ARM64_RUN) $(B)/arm64/fuzz/replay_$$t tests/fuzz/corpus/$$t || \
	        exit 1; \
	done
	SIDELOG_BIN=$(abspath $(B)/arm64/sidelog-emulated) $(PYTEST) -q \
	    $(ARM64_E2E_SKIP) $(patsubst %,tests/e2e/test_%.py,$(ARM64_E2E))
	SIDELOG_BIN=$(abspath $(B)/arm64/sidelog-emulated) $(PYTEST) -q -rA \
	    tests/arm64

bench: $(B)/sidelog
	@sh src/deps/install-tools.sh bench
	/usr/bin/python3 tests/bench/bench.py $(BENCH_ARGS)

demo: $(B)/sidelog
	@sh src/deps/install-tools.sh test
	/usr/bin/python3 examples/demo.py

# Calls STYLE.md bans in our own code, and the binary-size ceiling.
BANNED		:= strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok|abort|assert
lint: $(B)/sidelog
	@if grep -nE '\<($(BANNED)) *\(' src/*.c src/*.h; then \
	    echo "lint: banned call (STYLE.md section 9)"; exit 1; fi
	@size=$$(stat -c %s $(B)/sidelog); echo "build/sidelog: $$size bytes"; \
	    test $$size -le 1048576 || { echo "lint: binary over 1 MiB"; exit 1; }

clean:
	rm -rf $(B)/static $(B)/asan $(B)/arm64 $(B)/sidelog $(B)/sources.mk

distclean:
	rm -rf $(B)
