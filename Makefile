# btfstream: one non-recursive Makefile.
#   make [O=build] [V=1] [SAN=address,undefined|thread] [WERROR=1]
#   targets: all run check bench install clean deps fuzz [FUZZ_SECONDS=N]
O       ?= build
PREFIX  ?= /usr/local
CC      ?= gcc
PKGS    := libdw libelf libbpf liburcu-cds liburcu libzstd
VERSION := $(shell git describe --always --dirty 2>/dev/null || cat .version 2>/dev/null || echo 0.1)

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -pthread
CPPFLAGS += -I. $(PKG_CFLAGS) -DBTFSTREAM_VERSION='"$(VERSION)"' -D_GNU_SOURCE
LDLIBS   += $(PKG_LIBS) -lz -pthread
ifneq ($(WERROR),)
CFLAGS   += -Werror
endif
ifneq ($(SAN),)
CFLAGS   += -fsanitize=$(SAN) -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=$(SAN)
endif
# undefined behaviour stops the process (a test then fails), not one line on stderr
ifneq ($(findstring undefined,$(SAN)),)
CFLAGS   += -fno-sanitize-recover=undefined
endif

# Link-time optimisation of the btfstream binary, where CC is GCC (clang
# defines __GNUC__ too; its LTO needs a linker plugin Debian's ld does not
# load): the readers' steps call across files (names, plans, maps), and
# inlining them took 4-8% of the CPU off a run of the vmlinux (docs/design.md,
# "Session 33"). -flto=auto runs the code generation on the cores make, or
# the machine, offers. The objects carry GCC's intermediate code beside their
# machine code (fat): any link can use them (GCC's linker plugin optimises
# the unit tests' links as well). Not with sanitizers; make LTO= turns it
# off, LTO=... sets the flag; make print-lto says what a build would use.
ifneq ($(SAN),)
LTO :=
endif
CC_IS_GCC := $(shell $(CC) -dM -E -x c /dev/null 2> /dev/null | \
	awk '$$2 == "__GNUC__" { g = 1 } $$2 == "__clang__" { c = 1 } END { if (g && !c) print 1 }')
LTO ?= $(if $(CC_IS_GCC),-flto=auto)
LTO_CFLAGS := $(if $(LTO),$(LTO) -ffat-lto-objects)

ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @printf '  %-4s %s\n'
endif

LIB_SRCS := $(wildcard queue/*.c strtab/*.c stages/*/*.c) $(filter-out pipeline/main.c,$(wildcard pipeline/*.c pipeline/*/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
MAIN_OBJ := $(O)/pipeline/main.o
BIN      := $(O)/btfstream
LIB      := $(O)/libbtfstream.a
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:%.c=$(O)/%)
DEPS     := $(LIB_OBJS:.o=.d) $(MAIN_OBJ:.o=.d) $(UNIT_BINS:=.d)

.PHONY: all run check check-unit check-tsan check-kernel bench install uninstall clean deps fuzz check-san deb check-deb \
	check-tsan-pipeline print-pkgs print-lto
all: $(BIN)

# Objects depend on the flags they were built with: a change of CC, CFLAGS,
# CPPFLAGS or SAN (make run, then make check WERROR=1, or a sanitizer
# build into the same folder) rebuilds them instead of mixing builds.
FLAGS_STAMP := $(O)/flags.stamp
FLAGS_NOW   := $(CC) $(filter-out -DBTFSTREAM_VERSION=%,$(CPPFLAGS)) $(CFLAGS) $(LTO_CFLAGS) $(LDFLAGS)
$(FLAGS_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(FLAGS_NOW)' | cmp -s - $@ || echo '$(FLAGS_NOW)' > $@

$(O)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(quiet) CC $@
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LTO_CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(quiet) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# main.o carries the version (git describe): rebuilt when it changes, not
# only when main.c does, so --version and the bench name the build's commit.
VERSION_STAMP := $(O)/version.stamp
$(VERSION_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@
$(MAIN_OBJ): $(VERSION_STAMP)
.PHONY: FORCE

$(BIN): $(MAIN_OBJ) $(LIB)
	$(quiet) LINK $@
	$(Q)$(CC) $(LDFLAGS) $(LTO) $^ $(LDLIBS) -o $@

$(O)/tests/unit/%: tests/unit/%.c $(LIB)
	@mkdir -p $(@D)
	$(quiet) CC $@
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP $< $(LIB) $(LDFLAGS) $(LDLIBS) -o $@

deps:
	$(Q)scripts/install-deps.sh

# make run: install, build, fetch the default input, convert it, verify it.
run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/run-default.sh $(BIN)

# make check: install, build, run every test (unit, TSan queue/strtab/name cache/image pool, integration).
TSAN_TESTS := $(O)-tsan/tests/unit/test_ring_mpsc $(O)-tsan/tests/unit/test_strtab $(O)-tsan/tests/unit/test_name_cache \
	$(O)-tsan/tests/unit/test_no_symbol_names \
	$(O)-tsan/tests/unit/test_image_pool $(O)-tsan/tests/unit/test_releaser
INTEG_TESTS := $(sort $(wildcard tests/integ/[0-9]*.sh))
check: deps
	$(Q)$(MAKE) --no-print-directory all $(UNIT_BINS) WERROR=1
	$(Q)$(MAKE) --no-print-directory check-tsan
	$(Q)BTFSTREAM=$(abspath $(BIN)) TSAN_OPTIONS="halt_on_error=1 suppressions=$(abspath tests/tsan.supp)" \
		prove --exec tests/tap-exec $(PROVE_FLAGS) $(UNIT_BINS) $(TSAN_TESTS) $(INTEG_TESTS)

# make check-unit: the C unit tests only (no packages, no network: the
# Debian package build runs this).
check-unit: all $(UNIT_BINS)
	$(Q)prove --exec tests/tap-exec $(PROVE_FLAGS) $(UNIT_BINS)

# ThreadSanitizer build of the concurrent modules' tests, in its own tree.
check-tsan:
	$(Q)$(MAKE) --no-print-directory O=$(O)-tsan SAN=thread WERROR=1 $(TSAN_TESTS)

# make check-kernel: build, boot and run BPF programs on real kernels whose
# BTF btfstream made (tests/kernel/check-kernel.sh; BTFSTREAM_KERNELS picks).
check-kernel: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)prove --exec bash $(PROVE_FLAGS) -v tests/kernel/check-kernel.sh :: $(abspath $(BIN)) 2>&1 || \
		(echo "check-kernel: FAILED"; exit 1)

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/bench.sh $(BIN)

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary; the link named
# pahole that kbuild's PAHOLE= points at (Kconfig-snippet); the man page;
# bash completion; the docs. make uninstall removes exactly those.
INSTALL_DOCS := README.md Kconfig-snippet docs/design.md docs/btf-rules.md docs/profiling.md docs/reliability.md
BINDIR  = $(DESTDIR)$(PREFIX)/bin
LIBEXEC = $(DESTDIR)$(PREFIX)/libexec/btfstream
MAN1DIR = $(DESTDIR)$(PREFIX)/share/man/man1
COMPDIR = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
DOCDIR  = $(DESTDIR)$(PREFIX)/share/doc/btfstream
install: $(BIN)
	install -D -m 0755 $(BIN) $(BINDIR)/btfstream
	install -d $(LIBEXEC)
	ln -sfn ../../bin/btfstream $(LIBEXEC)/pahole
	install -D -m 0644 docs/man/btfstream.1 $(MAN1DIR)/btfstream.1
	install -D -m 0644 scripts/btfstream-completion.bash $(COMPDIR)/btfstream
	install -d $(DOCDIR)
	install -m 0644 $(INSTALL_DOCS) $(DOCDIR)/

uninstall:
	rm -f $(BINDIR)/btfstream $(LIBEXEC)/pahole $(MAN1DIR)/btfstream.1 $(COMPDIR)/btfstream
	rm -f $(addprefix $(DOCDIR)/,$(notdir $(INSTALL_DOCS)))
	-rmdir $(LIBEXEC) $(DOCDIR) 2> /dev/null

# make deb: the Debian package (debian/), built from a copy of the tracked
# files in $(O)/deb, with the package in $(O)/deb/ (dpkg-buildpackage -b).
deb:
	$(Q)rm -rf $(O)/deb && mkdir -p $(O)/deb/src
	$(Q)git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t $(O)/deb/src
	$(Q)echo '$(VERSION)' > $(O)/deb/src/.version
	$(Q)cd $(O)/deb/src && dpkg-buildpackage -us -uc -b
	$(Q)ls $(O)/deb/*.deb

# make check-deb: the package built, lintian-checked, installed into a
# clean debootstrap'ed Debian 12, run there, removed (needs root)
check-deb:
	$(Q)prove --exec bash $(PROVE_FLAGS) -v scripts/check-deb.sh :: $(abspath $(O))

# make check-san: all of make check (unit, integration: fixtures, bad
# input, determinism, the vmlinux, modules) built with ASan and UBSan
check-san:
	$(Q)$(MAKE) --no-print-directory O=$(abspath $(O))-asan SAN=address,undefined WERROR=1 check

# make check-tsan-pipeline: a ThreadSanitizer btfstream converts the vmlinux at -j2.
# Its tree is check-tsan's, named the same way (O as given): the objects'
# dependency files name their targets as O does, so a tree built under two
# spellings of its path would miss header changes.
check-tsan-pipeline: deps all
	$(Q)$(MAKE) --no-print-directory O=$(O)-tsan SAN=thread WERROR=1 $(O)-tsan/btfstream
	$(Q)prove --exec bash $(PROVE_FLAGS) scripts/tsan-vmlinux.sh :: $(abspath $(O))-tsan/btfstream $(abspath $(BIN))

# the pkg-config packages the build links (scripts/fuzz.sh links with them too)
print-pkgs:
	@echo $(PKGS)

# the link-time optimisation flag this build uses (empty: none; tests/integ/0041)
print-lto:
	@echo $(LTO)

# make fuzz: each libFuzzer target (tests/fuzz/) for FUZZ_SECONDS, ASan+UBSan
FUZZ_SECONDS ?= 60
fuzz: deps
	$(Q)scripts/fuzz.sh $(abspath $(O))-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf $(O) $(O)-tsan $(O)-fuzz $(O)-asan $(O)-asan-tsan

-include $(DEPS)
