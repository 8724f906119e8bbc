# SPDX-License-Identifier: GPL-2.0
#
# m2u: multicast-to-unicast for the Linux bridge.
# 'make help' lists the targets.

TOP          := $(CURDIR)
B            := $(TOP)/build
KTARBALL     := /usr/src/linux-source-6.12.tar.xz
KSRC         := $(B)/linux
KOUT         := $(B)/kbuild
KOUT_DEBUG   := $(B)/kbuild-debug
# The unpatched kernel, same config: what upstream does, for comparison.
KSRC_BASE    := $(B)/linux-base
KOUT_BASE    := $(B)/kbuild-base
BZIMAGE_BASE := $(KOUT_BASE)/arch/x86/boot/bzImage
# The unpatched kernel with the debug config: which debug-kernel failures
# are upstream's own (check-base-debug).
KOUT_BASE_DEBUG := $(B)/kbuild-base-debug
BZIMAGE_BASE_DEBUG := $(KOUT_BASE_DEBUG)/arch/x86/boot/bzImage
OUR_TESTS    := $(notdir $(wildcard $(TOP)/selftests/bridge_mcast_to_ucast*.sh))
BZIMAGE      := $(KOUT)/arch/x86/boot/bzImage
BZIMAGE_DEBUG := $(KOUT_DEBUG)/arch/x86/boot/bzImage
BENCH_SEND   := $(B)/bench/m2u-send
MEDIUM       := $(B)/wifi/m2u-medium
DIAG         := $(B)/diag/m2u-diag
KFRAGS       := $(TOP)/kernel/config/m2u.config
KFRAGS_DEBUG := $(KFRAGS) $(TOP)/kernel/config/debug.config
# Debian serves the source of this iproute2 only (bookworm); the backports'
# 6.15 source is not in the archive's pool. See README.md.
IPR_VERSION  := 6.1.0-3
IPR          := $(B)/iproute2
KJOBS        ?= $(shell echo $$(( $$(nproc) + 1 )))
VM_TIMEOUT   ?= 4500
# make check TESTS="bridge_mcast_to_ucast.sh" runs a subset.
TESTS        ?=

export M2U_TOP := $(TOP)
export M2U_KSRC := $(KSRC)
export M2U_IPROUTE2 := $(IPR)/bin
export M2U_TESTS := $(TESTS)

.PHONY: all help deps versions tree kernel kernel-debug iproute2 build \
	check check-debug demo shell series clean distclean tree-base \
	kernel-base check-base kernel-base-debug check-base-debug bench bench-wifi bench-wifi-anchors medium \
	medium-check \
	build-matrix stress \
	series-check series-export diag docs

all: build

help:
	@echo "make demo         build what is missing, boot, show the scenario"
	@echo "                  (PITFALL=NAME: a troubleshooting entry, symptom then"
	@echo "                  fix; PITFALL=list names them)"
	@echo "make check        build, boot once, run upstream's and our selftests"
	@echo "                  (TESTS=\"a.sh b.sh\" runs only those)"
	@echo "make check-debug  the same on a KASAN/lockdep/kmemleak kernel"
	@echo "make stress       everything at once on a converting port, on the"
	@echo "                  debug kernel with failslab (STRESS_SECS=960)"
	@echo "make build-matrix compile net/bridge as a module without snooping,"
	@echo "                  without IPv6, without VLAN filtering (W=1)"
	@echo "make check-base   our selftests on the unpatched kernel: they fail"
	@echo "                  where upstream is wrong"
	@echo "make check-base-debug TESTS=\"...\"  those tests on the unpatched debug"
	@echo "                  kernel: which debug-kernel failures are upstream's"
	@echo "make shell        interactive shell in the VM, patched tools on PATH"
	@echo "make bench        benchmark the unpatched kernel against ours, one vCPU:"
	@echo "                  docs/results.md (BENCH_REPS=5; BENCH_QUICK=1 smoke run)"
	@echo "make bench-wifi   delivery, airtime and membership on simulated lossy"
	@echo "                  Wi-Fi, mcast_to_unicast off/on: docs/results.md"
	@echo "                  (BENCH_WIFI_FRAMES=2000; BENCH_WIFI_QUICK=1 smoke run)"
	@echo "make build        kernel, iproute2 and the Wi-Fi medium only"
	@echo "make medium       build/wifi/m2u-medium (simulated Wi-Fi for hwsim)"
	@echo "make medium-check the medium's PHY model against hand-worked figures"
	@echo "make bench-wifi-anchors  multicast, m2u, m2u+fanout and hostapd's"
	@echo "                  multicast_to_unicast side by side, 16 stations"
	@echo "                  (ANCHOR_BASIC=1|6|24: the AP's multicast rate)"
	@echo "make diag         build/diag/m2u-diag (the field diagnostic, tools/m2u-diag)"
	@echo "make series       the series to send, in build/series (M2U_AUTHOR=\"Name"
	@echo "                  <address>\" or git config): git am, checkpatch --strict"
	@echo "make series-check git am patch by patch, net/bridge built (W=1) at each"
	@echo "                  step in every configuration of the build matrix"
	@echo "make series-export write kernel/patches from the commits in build/linux"
	@echo "make docs         docs/diagrams/*.svg (graphviz) and the patch map in"
	@echo "                  docs/design.md (tools/patch-map)"
	@echo "make deps         install missing Debian packages"
	@echo "make clean        remove build outputs, keep unpacked sources"

deps:
	@$(TOP)/tools/install-deps

versions: deps
	@echo "m2u: kernel: $$(basename $(KTARBALL)) from Debian package linux-source-6.12" \
		"$$(dpkg-query -W -f='$${Version}' linux-source-6.12)"
	@echo "m2u: iproute2 (patched, built from source): Debian $(IPR_VERSION)"
	@echo "m2u: iproute2 (stock, for upstream selftests): Debian" \
		"$$(dpkg-query -W -f='$${Version}' iproute2)"

tree: versions
	@$(TOP)/tools/kernel-tree $(KTARBALL) $(KSRC)

$(KOUT)/.config: $(KFRAGS) | tree
	@echo "m2u: configuring $(KOUT)"
	@$(TOP)/tools/kernel-config $(KSRC) $(KOUT) $(KFRAGS)

$(KOUT_DEBUG)/.config: $(KFRAGS_DEBUG) | tree
	@echo "m2u: configuring $(KOUT_DEBUG)"
	@$(TOP)/tools/kernel-config $(KSRC) $(KOUT_DEBUG) $(KFRAGS_DEBUG)

kernel: tree $(KOUT)/.config
	@echo "m2u: building $(BZIMAGE)"
	@$(MAKE) -s -C $(KSRC) O=$(KOUT) -j$(KJOBS) bzImage

tree-base: versions
	@$(TOP)/tools/kernel-tree --base $(KTARBALL) $(KSRC_BASE)

$(KOUT_BASE)/.config: $(KFRAGS) | tree-base
	@echo "m2u: configuring $(KOUT_BASE)"
	@$(TOP)/tools/kernel-config $(KSRC_BASE) $(KOUT_BASE) $(KFRAGS)

kernel-base: tree-base $(KOUT_BASE)/.config
	@echo "m2u: building $(BZIMAGE_BASE)"
	@$(MAKE) -s -C $(KSRC_BASE) O=$(KOUT_BASE) -j$(KJOBS) bzImage

$(KOUT_BASE_DEBUG)/.config: $(KFRAGS_DEBUG) | tree-base
	@echo "m2u: configuring $(KOUT_BASE_DEBUG)"
	@$(TOP)/tools/kernel-config $(KSRC_BASE) $(KOUT_BASE_DEBUG) $(KFRAGS_DEBUG)

kernel-base-debug: tree-base $(KOUT_BASE_DEBUG)/.config
	@echo "m2u: building $(BZIMAGE_BASE_DEBUG)"
	@$(MAKE) -s -C $(KSRC_BASE) O=$(KOUT_BASE_DEBUG) -j$(KJOBS) bzImage

kernel-debug: tree $(KOUT_DEBUG)/.config
	@echo "m2u: building $(BZIMAGE_DEBUG)"
	@$(MAKE) -s -C $(KSRC) O=$(KOUT_DEBUG) -j$(KJOBS) bzImage

iproute2: versions
	@$(TOP)/tools/iproute2-build $(IPR_VERSION) $(IPR)

build: kernel iproute2 medium diag

# The simulated Wi-Fi medium for mac80211_hwsim (tools/wifi).
medium: $(MEDIUM)

$(MEDIUM): $(TOP)/tools/wifi/m2u-medium.c | deps
	@mkdir -p $(@D)
	gcc -O2 -Wall -Wextra -o $@ $< -lmnl -lm

# On the host, in seconds: no VM needed.
medium-check: medium
	@$(TOP)/tools/wifi/medium-model-check.sh $(MEDIUM)

# Generated parts of the docs: the diagrams from their graphviz source, and
# the map of the functions each patch adds in docs/design.md.
DIAGRAMS := $(patsubst %.dot,%.svg,$(wildcard $(TOP)/docs/diagrams/*.dot))

docs: $(DIAGRAMS)
	@$(TOP)/tools/patch-map

$(TOP)/docs/diagrams/%.svg: $(TOP)/docs/diagrams/%.dot
	@$(TOP)/tools/install-deps --docs
	dot -Tsvg -o $@ $<

# The field diagnostic (tools/m2u-diag); bridge_mcast_to_ucast_diag.sh runs it.
diag: $(DIAG)

$(DIAG): $(TOP)/tools/m2u-diag/m2u-diag.c | deps
	@mkdir -p $(@D)
	gcc -O2 -Wall -Wextra -Werror -o $@ $< -lmnl

# The tests run in M2U_SHARDS VMs at once (tools/run-check).
check: build medium-check
	@M2U_VM_TIMEOUT=$(VM_TIMEOUT) $(TOP)/tools/run-check $(BZIMAGE) \
		$(B)/check $(TESTS)

# The debug kernel boots with acpi=noirq: under KASAN and TCG, ACPI's _PRT
# method runs past its loop timeout, PCI interrupts are not routed and the
# boot stalls in soft lockups.
DEBUG_KAPPEND := acpi=noirq

# M2U_TIME_SCALE: the selftests whose checks must finish within a protocol
# timer they set (a membership interval, a last member query time) make it
# this many times longer on the debug kernel.
# Every time limit grows 4 times there too: the VM's and each test's (1500 s
# on the normal kernel, tools/run-selftests). check-base-debug runs the same.
DEBUG_CHECK_ENV := M2U_KAPPEND="$(DEBUG_KAPPEND)" M2U_TIME_SCALE=3 \
	M2U_VM_TIMEOUT=$$(( $(VM_TIMEOUT) * 4 )) M2U_TEST_TIMEOUT=6000 \
	M2U_VM_ARGS="--kmemleak -m 4096"
check-debug: kernel-debug iproute2 medium diag
	@$(DEBUG_CHECK_ENV) \
		$(TOP)/tools/run-check $(BZIMAGE_DEBUG) $(B)/check-debug $(TESTS)

# The bridge in the configurations the test kernel does not build.
build-matrix: tree
	@$(TOP)/tools/build-matrix $(KSRC)

# bridge_mcast_to_ucast_stress.sh for STRESS_SECS on the debug kernel, with
# STRESS_FAILSLAB percent of atomic slab allocations failing.
STRESS_SECS     ?= 960
STRESS_FAILSLAB ?= 1
stress: kernel-debug iproute2
	@M2U_KAPPEND="$(DEBUG_KAPPEND)" \
	M2U_TESTS=bridge_mcast_to_ucast_stress.sh M2U_STRESS_SECS=$(STRESS_SECS) \
		M2U_STRESS_FAILSLAB=$(STRESS_FAILSLAB) \
		M2U_TEST_TIMEOUT=$$(( $(STRESS_SECS) + 600 )) \
		$(TOP)/tools/vm-run -k $(BZIMAGE_DEBUG) -t $$(( $(STRESS_SECS) + 900 )) \
		--kmemleak -m 4096 -l $(B)/stress/console.log -o $(B)/stress \
		-- $(TOP)/tools/run-selftests

check-base: kernel-base iproute2 medium diag
	@M2U_BASE=1 M2U_KSRC=$(KSRC_BASE) M2U_VM_TIMEOUT=$(VM_TIMEOUT) \
		$(TOP)/tools/run-check $(BZIMAGE_BASE) $(B)/check-base \
		$(or $(TESTS),$(OUR_TESTS))

# Upstream's selftests (TESTS=...) on the unpatched debug kernel, the way
# check-debug runs them on ours: a failure both kernels share is not ours.
# (Not M2U_BASE: selftests/base-expected lists our tests' checks.)
check-base-debug: kernel-base-debug iproute2 medium diag
	@M2U_KSRC=$(KSRC_BASE) $(DEBUG_CHECK_ENV) \
		$(TOP)/tools/run-check $(BZIMAGE_BASE_DEBUG) $(B)/check-base-debug \
		$(TESTS)

# PITFALL=NAME: one troubleshooting entry instead (tools/pitfalls/pitfall;
# PITFALL=list names them).
PITFALL ?=
demo: build
	@M2U_PATH=$(IPR)/bin $(TOP)/tools/vm-run -k $(BZIMAGE) -t 900 \
		-l $(B)/demo/console.log -- \
		$(if $(PITFALL),$(TOP)/tools/pitfalls/pitfall $(PITFALL),$(TOP)/tools/demo)

shell: build
	@M2U_PATH=$(IPR)/bin $(TOP)/tools/vm-run -i -k $(BZIMAGE) -t 86400 \
		-l $(B)/shell/console.log -- /bin/bash --rcfile $(TOP)/tools/vm-shellrc -i

# The benchmark's traffic source; the VM runs it from the host's filesystem.
$(BENCH_SEND): $(TOP)/tools/bench/m2u-send.c
	@mkdir -p $(@D)
	gcc -O2 -Wall -o $@ $<

bench: kernel kernel-base iproute2 $(BENCH_SEND)
	@$(TOP)/tools/bench/run

# The Wi-Fi benchmark (tools/wifi/bench-wifi in the VM, CSV in
# build/bench-wifi), then its report into docs/.
BENCH_WIFI_ENV := $(foreach v,BENCH_WIFI_QUICK BENCH_WIFI_FRAMES BENCH_WIFI_RATE \
	BENCH_WIFI_AIR_FRAMES BENCH_WIFI_AIR_LOSS BENCH_WIFI_LOSSES BENCH_WIFI_QI \
	BENCH_WIFI_INTERVALS BENCH_WIFI_PARTS BENCH_WIFI_BASICS WIFI_SEED,$(if $($(v)),$(v)="$($(v))"))

bench-wifi: build
	@rm -rf $(B)/bench-wifi && mkdir -p $(B)/bench-wifi
	@git --no-optional-locks -C $(TOP) describe --always --dirty \
		> $(B)/bench-wifi/rev 2>/dev/null || echo unknown > $(B)/bench-wifi/rev
	@M2U_PATH=$(IPR)/bin $(TOP)/tools/vm-run -k $(BZIMAGE) -t 3600 \
		-l $(B)/bench-wifi/console.log -o $(B)/bench-wifi \
		-- /usr/bin/env $(BENCH_WIFI_ENV) $(TOP)/tools/wifi/bench-wifi
	@$(TOP)/tools/wifi/bench-wifi-report $(B)/bench-wifi $(TOP)/docs

# The anchors side by side on the PHY model (tools/wifi/bench-wifi-anchors):
# multicast, bridge conversion with and without a fanout limit, hostapd's
# multicast_to_unicast; 16 stations, 8 watching. Table in
# build/bench-wifi-anchors/anchors/anchors.md (bench-wifi-report --anchors).
# ANCHOR_BASIC=6 or 24: the AP's lowest basic rate, its multicast rate
# (802.11b's rates off); ANCHOR_MODES picks modes; ANCHOR_FRAMES, _RATE,
# _LOSS as in tools/wifi/bench-wifi-anchors.
ANCHOR_ENV := $(foreach v,ANCHOR_FRAMES ANCHOR_RATE ANCHOR_LOSS ANCHOR_BASIC \
	ANCHOR_MODES WIFI_SEED,$(if $($(v)),$(v)="$($(v))"))
bench-wifi-anchors: build
	@rm -rf $(B)/bench-wifi-anchors && mkdir -p $(B)/bench-wifi-anchors
	@M2U_PATH=$(IPR)/bin $(TOP)/tools/vm-run -k $(BZIMAGE) -t 3600 \
		-l $(B)/bench-wifi-anchors/console.log -o $(B)/bench-wifi-anchors \
		-- /usr/bin/env $(ANCHOR_ENV) $(TOP)/tools/wifi/bench-wifi-anchors
	@$(TOP)/tools/wifi/bench-wifi-report --anchors \
		$(B)/bench-wifi-anchors/anchors \
		> $(B)/bench-wifi-anchors/anchors/anchors.md; rc=$$?; \
		cat $(B)/bench-wifi-anchors/anchors/anchors.md; exit $$rc

# The series as it would be sent (build/series), from and signed off by
# M2U_AUTHOR="Name <address>" or git config user.name/user.email; it must
# apply with git am and pass checkpatch.pl --strict.
series: tree
	@$(TOP)/tools/series $(KSRC) $(B)/series

# git am of build/series one patch at a time, net/bridge built with W=1 at
# each step in the test kernel's and the build matrix's configurations.
series-check: series
	@$(TOP)/tools/series-check $(KSRC) $(B)/series $(B)/series-check

# kernel/patches from the commits in build/linux (see README.md).
series-export:
	@$(TOP)/tools/series-export $(KSRC)

clean:
	rm -rf $(KOUT) $(KOUT_DEBUG) $(KOUT_BASE) $(IPR)/tree $(IPR)/bin $(B)/vm \
		$(B)/check $(B)/check-debug $(B)/check-base $(B)/demo $(B)/shell \
		$(B)/bench $(B)/bench-wifi $(B)/wifi $(B)/matrix $(B)/stress \
		$(B)/series $(B)/series-check

distclean:
	rm -rf $(B)
