# SPDX-License-Identifier: GPL-2.0-or-later
# mxgate build. Steps, in order: BPF object -> skeleton -> daemon objects
# -> mxgated, mxgatectl. The BPF object is built from the kernel's UAPI
# headers (linux-libc-dev), not a vmlinux.h: the program uses no CO-RE.
# Only the objects that include the skeleton (bpf_load.o, mxgated.o) need
# clang and bpftool; `make build/mxgatectl` needs neither. Tests: unit
# (ASan+UBSan), BPF (BPF_PROG_TEST_RUN), end to end (network namespaces,
# needs root).

BUILD    ?= build
CLANG    ?= clang
BPFTOOL  ?= bpftool
CC       ?= cc
PREFIX   ?= /usr/local
SBINDIR  ?= $(PREFIX)/sbin
SHAREDIR ?= $(PREFIX)/share/mxgate
MANDIR   ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR  ?= /etc/systemd/system
# The version, defined once in daemon/version.h (`make version` prints it).
VERSION  := $(shell sed -n 's/^\#define MXG_VERSION "\(.*\)"$$/\1/p' daemon/version.h)

PKGS     := libbpf libnetfilter_queue libmnl libcares libpcre2-8
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libspf2 ships no pkg-config file.
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -llmdb -lspf2

WARN     := -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
CFLAGS   += $(WARN) -std=gnu11 -D_GNU_SOURCE -Ibpf -I$(BUILD) -Idaemon $(PKG_CFLAGS)
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Sources the unit tests link (no BPF object or skeleton needed; maps.c
# only makes syscalls on pinned maps): shared by mxgated, mxgatectl and
# the unit tests.
CORE_SRCS := daemon/config.c daemon/lines.c daemon/log.c daemon/s25r.c daemon/names.c \
	daemon/addr.c daemon/pending.c daemon/table.c daemon/dnsbl_sites.c \
	daemon/country.c daemon/country_table.c daemon/policy.c daemon/responder.c \
	daemon/envelope.c \
	daemon/loop.c daemon/resolve.c daemon/dnsbl.c daemon/signals.c daemon/classify.c \
	daemon/maps.c daemon/store.c daemon/store_lmdb.c daemon/learn.c daemon/providers.c \
	daemon/spf.c daemon/spf_parse.c daemon/sender.c daemon/manual.c daemon/offenders.c
# Output both programs share: the JSON writer, the configuration printer
# (mxgated -p and -d, mxgatectl config).
CORE_SRCS += daemon/json.c daemon/conf_show.c
# The daemon's event loop and kernel plumbing.
DAEMON_SRCS := daemon/mxgated.c daemon/queue.c daemon/bpf_load.c daemon/rules.c \
	daemon/events.c daemon/preflight.c daemon/nftwatch.c daemon/privs.c
CTL_SRCS := daemon/mxgatectl.c daemon/dryrun.c daemon/rules.c daemon/ctl_manual.c \
	daemon/ctl_top.c
# Observability (issue 14): the /metrics text, the resolver's health,
# sd_notify and the maps' fill are core (unit-tested); the HTTP side,
# libmicrohttpd on the event loop, is mxgated's alone.
CORE_SRCS += daemon/metrics_text.c daemon/dns_health.c daemon/notify.c daemon/mapfill.c
DAEMON_SRCS += daemon/metrics.c
# Sharing between gateways (issue 15): the entries' text and precedence,
# the server's address and the manual map's changes are core; the Redis
# links (hiredis on the event loop) are the daemon's, and the unit tests
# run them against a real redis-server.
CORE_SRCS += daemon/share_value.c daemon/share_server.c daemon/manual_watch.c
SHARE_SRCS := daemon/share.c daemon/redis_loop.c
DAEMON_SRCS += $(SHARE_SRCS) daemon/share_daemon.c
SHARE_LIBS := -lhiredis
MHD_LIBS := $(shell pkg-config --libs libmicrohttpd 2>/dev/null)
# mxgatectl's output (issue 14): the parts that need neither rules.c nor
# the kernel are linked into the unit tests too.
CTL_UNIT_SRCS := daemon/ctl_json.c daemon/uptime.c daemon/dryrun_json.c
CTL_SRCS += daemon/ctl_status.c daemon/ctl_config.c $(CTL_UNIT_SRCS)

CORE_OBJS   := $(CORE_SRCS:daemon/%.c=$(BUILD)/%.o)
DAEMON_OBJS := $(DAEMON_SRCS:daemon/%.c=$(BUILD)/%.o)
CTL_OBJS    := $(CTL_SRCS:daemon/%.c=$(BUILD)/%.o)

UNIT_SRCS := $(wildcard tests/unit/*.c) $(CTL_UNIT_SRCS)
BPF_TEST_SRCS := $(wildcard tests/bpf/*.c)

SKEL := $(BUILD)/mxgate.skel.h
HDRS := $(wildcard bpf/*.h daemon/*.h tests/unit/*.h tests/bpf/*.h)

.PHONY: all clean check bench unit-test bpf-test e2e-test demo install uninstall deps version

all: $(BUILD)/mxgated $(BUILD)/mxgatectl

deps:
	scripts/install-deps.sh

version:
	@echo $(VERSION)

$(BUILD):
	mkdir -p $@

# clang -target bpf does not search the host's system include directories,
# where <asm/types.h> lives (/usr/include/<triplet>): pass them on, after
# everything else (as libbpf-bootstrap does). Expanded only by BPF rules,
# so a build without clang never runs it.
BPF_SYS_INCLUDES = $(shell $(CLANG) -v -E - </dev/null 2>&1 | sed -n \
	'/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
BPF_CFLAGS = -g -O2 -target bpf -Wall -Werror -Ibpf $(BPF_SYS_INCLUDES)

$(BUILD)/mxgate.bpf.o: bpf/mxgate.bpf.c $(HDRS) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(SKEL): $(BUILD)/mxgate.bpf.o
	$(BPFTOOL) gen skeleton $< name mxgate_bpf > $@.tmp
	mv $@.tmp $@

$(BUILD)/%.o: daemon/%.c $(HDRS) | $(BUILD)
	$(CC) $(CFLAGS) -c $< -o $@

# The only objects that include the skeleton.
$(BUILD)/bpf_load.o $(BUILD)/mxgated.o: $(SKEL)

$(BUILD)/mxgated: $(DAEMON_OBJS) $(CORE_OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -lcap-ng $(MHD_LIBS) $(SHARE_LIBS)

$(BUILD)/mxgatectl: $(CTL_OBJS) $(CORE_OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

# Unit tests: core sources rebuilt with the sanitizers.
$(BUILD)/unit_tests: $(UNIT_SRCS) $(CORE_SRCS) $(SHARE_SRCS) $(HDRS) | $(BUILD)
	$(CC) $(CFLAGS) $(SANITIZE) -Itests/unit -o $@ $(UNIT_SRCS) $(CORE_SRCS) \
		$(SHARE_SRCS) $(PKG_LIBS) $(SHARE_LIBS)

$(BUILD)/bpf_tests: $(BPF_TEST_SRCS) $(SKEL) $(HDRS) | $(BUILD)
	$(CC) $(CFLAGS) $(SANITIZE) -Itests/unit -o $@ $(BPF_TEST_SRCS) tests/unit/test.c \
		daemon/bpf_load.c $(CORE_SRCS) $(SHARE_SRCS) daemon/share_daemon.c \
		$(PKG_LIBS) $(SHARE_LIBS)

# Benchmarks print numbers; they never pass or fail.
# Benchmark-only BPF objects, built like mxgate.bpf.o: the baselines the
# tc program is measured against, and the tc program drawing random
# sources (tests/bench/*.bpf.c). Never installed or loaded by mxgated.
BENCH_BPF := $(BUILD)/bench_baseline.bpf.o $(BUILD)/bench_mxgate_rand.bpf.o
BENCH_SKELS := $(BENCH_BPF:.bpf.o=.skel.h)

$(BUILD)/bench_%.bpf.o: tests/bench/%.bpf.c tests/bench/bench_rand.h bpf/mxgate.bpf.c \
		$(HDRS) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench_%.skel.h: $(BUILD)/bench_%.bpf.o
	$(BPFTOOL) gen skeleton $< name bench_$*_bpf > $@.tmp
	mv $@.tmp $@

$(BUILD)/tc_bench: tests/bench/tc_bench.c tests/bench/bench_rand.h $(SKEL) $(BENCH_BPF) \
		$(BENCH_SKELS) $(HDRS) | $(BUILD)
	$(CC) $(CFLAGS) -Itests/unit -o $@ tests/bench/tc_bench.c \
		daemon/bpf_load.c $(CORE_SRCS) $(PKG_LIBS)

# Fills a running mxgated's pinned verdicts map and on-disk store, and
# holds SYNs from many sources (tests/bench/bench_memory.sh).
$(BUILD)/mem_fill: tests/bench/mem_fill.c tests/bench/bench_rand.h $(HDRS) | $(BUILD)
	$(CC) $(CFLAGS) -o $@ tests/bench/mem_fill.c daemon/maps.c daemon/store.c \
		daemon/store_lmdb.c daemon/log.c $(PKG_LIBS)

# SYNs from many IPv6 sources at a set rate, for bench_nfqueue.sh,
# bench_flood.sh and the e2e suite test_flood.sh (so check builds it).
$(BUILD)/syn_flood: tests/bench/syn_flood.c | $(BUILD)
	$(CC) $(CFLAGS) -o $@ $<

# The country lookup at world scale: the tc program with the country table
# and with the stock LPM trie it replaced, sources drawn from a pool
# (tests/bench/country_*.bpf.c, built by the bench_% rule above).
COUNTRY_BENCH_BPF := $(BUILD)/bench_country_table.bpf.o $(BUILD)/bench_country_trie.bpf.o
$(COUNTRY_BENCH_BPF): tests/bench/country_pool.h tests/bench/country_trie.h

$(BUILD)/country_bench: tests/bench/country_bench.c $(COUNTRY_BENCH_BPF) $(HDRS) | $(BUILD)
	$(CC) $(CFLAGS) -Itests/unit -o $@ tests/bench/country_bench.c \
		$(CORE_SRCS) $(PKG_LIBS) -lpthread

# Every benchmark, one table each (tests/bench/run.sh runs bench_*.sh in
# name order). Not part of check: numbers, not pass/fail.
bench: all $(BUILD)/tc_bench $(BUILD)/syn_flood $(BUILD)/mem_fill $(BUILD)/country_bench
	BUILD=$(BUILD) tests/bench/run.sh

# Sharing between gateways (issue 15): two and three gateway processes
# with the daemon's sharing engine and real BPF maps, against a
# redis-server the bench starts (tests/bench/share_bench.c).
$(BUILD)/share_bench: tests/bench/share_bench.c $(CORE_SRCS) $(SHARE_SRCS) $(HDRS) | $(BUILD)
	$(CC) $(CFLAGS) -o $@ tests/bench/share_bench.c $(CORE_SRCS) $(SHARE_SRCS) \
		$(PKG_LIBS) $(SHARE_LIBS)
bench: $(BUILD)/share_bench

# --- Parsers under hostile input (issue 12): the regex cost bench, and
# the fuzz targets (tests/fuzz/). Kept in one block.
# What one hostile reverse name costs per pcre rule and for S25R.
$(BUILD)/regex_bench: tests/bench/regex_bench.c daemon/table.c daemon/lines.c \
		daemon/log.c daemon/addr.c daemon/s25r.c $(HDRS) | $(BUILD)
	$(CC) $(CFLAGS) -o $@ tests/bench/regex_bench.c daemon/table.c \
		daemon/lines.c daemon/log.c daemon/addr.c daemon/s25r.c $(PKG_LIBS)
bench: $(BUILD)/regex_bench

# One libFuzzer target per parser (tests/fuzz/fuzz_<target>.c), linked
# with the core sources built once more with clang, ASan, UBSan and
# coverage. `make fuzz` runs each for FUZZ_SECONDS; `make check` builds
# them and tests/run-all.sh runs each for a few seconds and every saved
# regression input once (tests/fuzz/run.sh).
FUZZ_TARGETS := config table country dnsbl_sites parse names responder resolve dnsbl spf share
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_OBJS := $(CORE_SRCS:daemon/%.c=$(BUILD)/fuzz/%.o)
FUZZ_CFLAGS := -g -O1 $(WARN) -std=gnu11 -D_GNU_SOURCE -Ibpf -Idaemon -Itests/fuzz \
	$(PKG_CFLAGS) -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
FUZZ_SECONDS ?= 600

$(BUILD)/fuzz/%.o: daemon/%.c $(HDRS) | $(BUILD)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_OBJS) $(HDRS)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(PKG_LIBS)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh long

.SECONDARY: $(FUZZ_OBJS)
check: $(FUZZ_BINS)
# --- end of the issue 12 block

unit-test: $(BUILD)/unit_tests
	$(BUILD)/unit_tests

bpf-test: $(BUILD)/bpf_tests
	$(BUILD)/bpf_tests

# SUITE=NAME... runs only those suites (tests/e2e/test_NAME.sh), e.g.
# make e2e-test SUITE="share manual".
e2e-test: all $(BUILD)/syn_flood
	tests/e2e/run.sh $(SUITE)

# Every suite, then one summary line: "total: N passed, N failed".
check: all $(BUILD)/unit_tests $(BUILD)/bpf_tests $(BUILD)/syn_flood
	tests/run-all.sh

demo: all
	scripts/demo.sh

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SHAREDIR) \
		$(DESTDIR)$(SYSCONFDIR)/mxgate $(DESTDIR)$(SYSCONFDIR)/mxgate/countries.d \
		$(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BUILD)/mxgated $(BUILD)/mxgatectl $(DESTDIR)$(SBINDIR)/
	install -m 0755 nftables/mxgate-rules $(DESTDIR)$(SBINDIR)/
	install -m 0644 nftables/mxgate.nft $(DESTDIR)$(SHAREDIR)/
	[ -e $(DESTDIR)$(SYSCONFDIR)/mxgate/mxgate.conf ] || \
		install -m 0644 scripts/mxgate.conf $(DESTDIR)$(SYSCONFDIR)/mxgate/mxgate.conf
	install -m 0644 man/mxgate.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 man/mxgated.8 man/mxgatectl.8 man/mxgate-rules.8 $(DESTDIR)$(MANDIR)/man8/
	sed 's|@SBINDIR@|$(SBINDIR)|g' scripts/mxgated.service > $(DESTDIR)$(UNITDIR)/mxgated.service
	@# The user mxgated runs as after setup (mxgate.conf: user).
	[ -n "$(DESTDIR)" ] || getent passwd mxgate >/dev/null || \
		useradd --system --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin mxgate

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/mxgated $(DESTDIR)$(SBINDIR)/mxgatectl \
		$(DESTDIR)$(SBINDIR)/mxgate-rules $(DESTDIR)$(SHAREDIR)/mxgate.nft \
		$(DESTDIR)$(MANDIR)/man5/mxgate.conf.5 \
		$(DESTDIR)$(MANDIR)/man8/mxgated.8 $(DESTDIR)$(MANDIR)/man8/mxgatectl.8 \
		$(DESTDIR)$(MANDIR)/man8/mxgate-rules.8 \
		$(DESTDIR)$(UNITDIR)/mxgated.service
	@echo "mxgate: programs, ruleset, man pages and unit removed. Left in place:"
	@printf '  %-24s %s\n' "$(SYSCONFDIR)/mxgate/" "configuration and tables (rm -r to remove)" \
		/var/lib/mxgate/ "learned verdicts, state_dir (rm -r to remove)" \
		/sys/fs/bpf/mxgate/ "pinned maps, pin_dir: run 'mxgated -u' first if the" \
		"" "tc program is still attached, then rm -r it"

# --- Packaging (issue 14, item 9). `make deb`: $(BUILD)/mxgate_VERSION_ARCH.deb,
# from this tree and without network: `make install` into a staged tree
# (PREFIX /usr, the unit in /lib/systemd/system), then
# packaging/deb/build.sh adds the control area and runs dpkg-deb. The
# version is MXG_VERSION of daemon/version.h, written nowhere else.
# tests/pkg/test_deb.sh (in `make check`) builds, installs and removes it.
DEB_WORK := $(BUILD)/deb

.PHONY: deb
deb: all
	rm -rf $(DEB_WORK)
	$(MAKE) --no-print-directory install DESTDIR=$(abspath $(DEB_WORK))/debian/mxgate \
		PREFIX=/usr UNITDIR=/lib/systemd/system
	packaging/deb/build.sh $(VERSION) $(DEB_WORK) $(BUILD)
# --- end of the packaging block

clean:
	rm -rf $(BUILD)
