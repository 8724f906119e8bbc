# SPDX-License-Identifier: GPL-2.0
#
# Sourced by tools/build-matrix and tools/series-check.
#
# undefined_bridge_symbols OBJ: succeeds when OBJ (net/bridge/bridge.o, a
# relocatable object with BRIDGE=m; with BRIDGE=y, net/bridge/built-in.a,
# a thin archive of the objects, is read instead) uses no bridge symbol
# (br_*, nbp_*) that none of its objects defines: a function that a
# configuration compiles out while a caller still uses it. brioctl_set is
# the core's.
undefined_bridge_symbols()
{
	local obj=$1 syms

	# With BRIDGE=y there is no bridge.o: the objects go into built-in.a.
	[ -e "$obj" ] || obj=${obj%/*}/built-in.a
	if [ ! -e "$obj" ]; then
		echo "ERROR: neither $1 nor $obj was built"
		return 1
	fi
	syms=$(comm -23 \
		<(nm "$obj" | awk '$1 == "U" { print $2 }' | sort -u) \
		<(nm "$obj" | awk 'NF == 3 && $2 != "U" { print $3 }' | sort -u) |
		grep -E '^(__)?(br|nbp)_' | grep -v -x brioctl_set)
	[ -z "$syms" ] && return 0
	echo "ERROR: bridge symbols used but not defined in bridge.o:" $syms
	return 1
}
