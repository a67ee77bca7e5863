#!/bin/sh
# The C example in README.md compiles against the library, runs, and prints
# what the README says it does; the library installs with pkg-config data
# and a SONAME, and exports only kv_ symbols.
TOP=${TOP:-$(pwd)}
BUILD=${BUILD:-build}
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { # $1: name, rest: command
	name=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		passed=$((passed + 1))
		echo "ok - $name"
	else
		failed=$((failed + 1))
		echo "FAIL - $name"
		sed 's/^/    /' "$tmp/out" | head -20
	fi
}

sed -n '/<!-- example:begin -->/,/<!-- example:end -->/p' "$TOP/README.md" |
	sed '/^<!--/d; /^```/d' >"$tmp/example.c"
LIBS="$(pkg-config --libs libgit2 lmdb zlib libcbor libcrypto) -lpthread"

compile_static() {
	cc -std=c11 -Wall -Wextra -Werror -I"$TOP/include" -o "$tmp/example" \
		"$tmp/example.c" "$TOP/$BUILD/libkv.a" $LIBS $EXTRA_LDFLAGS
}
check "README example compiles" compile_static

run_mem() {
	"$tmp/example" mem: >"$tmp/mem.out" &&
		grep -qx 'users/43/name = Grace' "$tmp/mem.out" &&
		grep -qx 'users/43/name did not exist at main~1' "$tmp/mem.out" &&
		[ "$(grep -c '^[0-9a-f]\{12\} ' "$tmp/mem.out")" -eq 2 ]
}
check "README example runs on mem:" run_mem

run_lmdb() {
	"$tmp/example" "lmdb:$tmp/store" >"$tmp/lmdb.out" &&
		grep -qx 'users/43/name = Grace' "$tmp/lmdb.out" &&
		"$KVCTL" --store "$tmp/store" get users/42/name | grep -qx Ada
}
check "README example runs on lmdb: and kvctl reads it" run_lmdb

same_ids() { # the same writes give the same commit ids everywhere
	"$tmp/example" "lmdb:$tmp/store2" >"$tmp/lmdb2.out" &&
		[ "$(grep -c '^[0-9a-f]' "$tmp/lmdb2.out")" -eq 2 ]
}
check "second run works" same_ids

exports_only_kv() {
	bad=$(nm -D --defined-only "$TOP/$BUILD/libkv.so" | awk '{print $3}' |
		grep -v '^kv_' | grep -v '^_init$' | grep -v '^_fini$')
	[ -z "$bad" ] || { echo "exported: $bad"; return 1; }
}
check "libkv.so exports only kv_ symbols" exports_only_kv

soname() {
	readelf -d "$TOP/$BUILD/libkv.so" | grep -q 'SONAME.*libkv.so.0'
}
check "libkv.so has the SONAME libkv.so.0" soname

install_and_link() {
	make -s -C "$TOP" BUILD="$BUILD" install DESTDIR="$tmp/root" \
		PREFIX=/usr >/dev/null &&
		PKG_CONFIG_PATH="$tmp/root/usr/lib/pkgconfig" \
			PKG_CONFIG_SYSROOT_DIR="$tmp/root" \
			cc -o "$tmp/dyn" "$tmp/example.c" $EXTRA_LDFLAGS \
			$(PKG_CONFIG_PATH="$tmp/root/usr/lib/pkgconfig" \
				PKG_CONFIG_SYSROOT_DIR="$tmp/root" \
				pkg-config --cflags --libs kv) &&
		LD_LIBRARY_PATH="$tmp/root/usr/lib" "$tmp/dyn" mem: |
		grep -qx 'users/43/name = Grace' &&
		test -x "$tmp/root/usr/bin/kvctl" &&
		make -s -C "$TOP" BUILD="$BUILD" uninstall DESTDIR="$tmp/root" \
			PREFIX=/usr >/dev/null &&
		! test -e "$tmp/root/usr/include/kv.h"
}
check "make install / pkg-config / dynamic link / uninstall" install_and_link

echo "examples: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
